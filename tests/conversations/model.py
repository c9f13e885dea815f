"""The vocabulary scenarios are written in: who says what, what the bot must (not) answer,
and which records the book holds afterwards. Scenarios are data (scenarios.py); the runner
(runner.py) plays them through the real conversation core on a seeded demo district.

The demo district (bot/demo.py), as of the test clock (Monday 20 Oct 2025, 09:00 Bangkok):
- กลุ่มไข่เค็มสมุนไพรลูกหม่อน ("egg"): สมศรี ดวนใหญ่ (chair), มาลี ศรีสุข (treasurer),
  บุญมี ใจงาม and ประไพ ทองดี (members);
- กลุ่มเลี้ยงกบแบบธรรมชาติ ("frog"): ทองดี โนนดู่ (chair), สุดา คำภา (treasurer),
  ประเสริฐ บุญมา (member);
- officer รัตนา พัฒนกิจ; trainer บุญเรือง ปราชญ์ชุมชน; households คำปุ่น มีสุข, จันทร์เพ็ญ แสงดี.

`who` is a persona (member, chair, treasurer, officer, trainer, household), a full name, or
`stranger:NAME` (a chat account nobody linked yet). A `@room` suffix speaks in the egg group's
linked group chat instead of the private chat. `{code:egg:join}` in a text is replaced by that
group's join code (the only code stored readably: role and officer codes are kept by digest);
`{code:egg:join:spaced}` writes it as people type it on a phone ("ab 12 cd").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Say:
    who: str
    text: str
    expect: tuple[str, ...] = ()  # every one appears in the reply
    absent: tuple[str, ...] = ()  # none appears in the reply
    quick: tuple[str, ...] = ()  # these quick-reply labels are offered
    silent: bool = False  # the bot says nothing (ordinary talk in a group chat)
    max_sorry: int | None = None  # at most this many apologies ("ขอโทษ"/"ขออภัย")


@dataclass(frozen=True)
class Wait:
    minutes: float


@dataclass(frozen=True)
class SetRole:
    """The district office changes a membership between messages (no chat involved)."""

    person: str
    group: str  # egg | frog
    role: str | None  # member | treasurer | chair, or None: the person leaves the group


@dataclass(frozen=True)
class LinkRoom:
    group: str = "egg"


Step = Say | Wait | SetRole | LinkRoom


@dataclass(frozen=True)
class Rec:
    """A record expected in the book: its kind and the fields that matter (others are free).

    Values are compared as text; a value starting with "~" only has to be contained."""

    kind: str  # sale | meeting | work | activity | account | visit | monthly | dividend
    fields: dict[str, Any]

    def __init__(self, kind: str, /, **fields: Any) -> None:  # fields may be named "kind" too
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "fields", fields)


@dataclass(frozen=True)
class Scenario:
    name: str
    why: str
    steps: tuple[Step, ...]
    created: tuple[Rec, ...] = ()  # records made in the scenario and still standing
    withdrawn: tuple[Rec, ...] = ()  # records withdrawn in the scenario (old or new)
    changed: tuple[Rec, ...] = ()  # older records whose fields were edited (new values)
    # `sammachip report group <egg> --month 2025-10 --json`, change over the scenario:
    # dotted path -> expected difference (numbers) or value (anything else).
    report: dict[str, Any] = field(default_factory=dict)
    both_databases: bool = False  # also run on PostgreSQL (undo/edit/limits: where it matters)


def say(who: str, text: str, *expect: str, **options: Any) -> Say:
    return Say(who, text, tuple(expect), **options)


def scenario(
    name: str,
    why: str,
    *steps: Step,
    created: tuple[Rec, ...] | list[Rec] = (),
    withdrawn: tuple[Rec, ...] | list[Rec] = (),
    changed: tuple[Rec, ...] | list[Rec] = (),
    report: dict[str, Any] | None = None,
    both: bool = False,
) -> Scenario:
    return Scenario(
        name,
        why,
        tuple(steps),
        tuple(created),
        tuple(withdrawn),
        tuple(changed),
        report or {},
        both,
    )
