"""People and hours: the head count of a meeting, training, activity or visit, and the hours of
work (durations added up, clock ranges, hours a day; days alone asked).

Its own module because these fields follow their own rules (absentees and a group's size are
never attendees; a day is not a number of hours) whatever kind of report carries them."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Final

from bot.nlu import money, units
from bot.nlu.dates import DateScan
from bot.nlu.draft import MONEY_INTENTS, Draft, mark_used, single, value_of
from bot.nlu.figures import Mention
from bot.nlu.result import Intent
from bot.nlu.tokens import Token

_MAX_HOURS_A_REPORT: Final = Decimal(24)
_MAX_PEOPLE_AT_A_SESSION: Final = 100  # a group meeting or a training

_HOURS_A_DAY: Final = Decimal(8)  # what units.DAY holds: one day mentioned


def fill_attendees(intent: Intent, mentions: list[Mention], draft: Draft) -> None:
    present = [m for m in mentions if "absent" not in m.labels]  # "ไม่มาประชุม 3 คน"
    mark_used(m for m in mentions if m.labels & {"absent", "members"})
    present = [m for m in present if "members" not in m.labels]
    genders = [m for m in present if "gender" in m.labels]
    people = [m for m in present if m.kind == "people"]
    labelled = [m for m in present if "attend" in m.labels and m.kind in ("people", "bare")]
    chosen = labelled or people
    if genders and not labelled:
        # "ผู้ชาย 5 ผู้หญิง 11": added up
        value: Decimal | None = sum((value_of(m) for m in genders), Decimal(0))
        mark_used(genders)
        chosen = []
    elif not chosen:
        return
    else:
        value = single(value_of(m) for m in chosen)
        mark_used(chosen)
        if labelled:
            mark_used(people)  # "สมาชิก 20 คน มา 17": the 20 is the group, 17 came
    cap = _MAX_PEOPLE_AT_A_SESSION if intent in ("meeting", "training") else money.MAX_ATTENDEES
    if value is None or value != value.to_integral_value() or not 0 <= value <= cap:
        draft.ask("attendees")
        return
    draft.attendees = int(value)


def _per_day(mention: Mention, tokens: list[Token]) -> bool:
    """ "วันละ 8 ชั่วโมง", "วัน ละ 8 ชม.", "8 ชม. ต่อวัน" (hours a day)."""
    words = [t.text for t in tokens[max(0, mention.index - 4) : mention.index] if t.kind != "space"]
    after = [t.text for t in tokens[mention.index + 1 : mention.index + 6] if t.kind != "space"]
    return "".join(words[-2:]).endswith(("วันละ", "ต่อวัน")) or "".join(after[1:3]) in (
        "ต่อวัน",
        "วันละ",
    )


def fill_hours(
    intent: Intent, mentions: list[Mention], scan: DateScan, draft: Draft, tokens: list[Token]
) -> None:
    """Hours and minutes added up ("1 ชม. 30 นาที", "เช้า 2 ชม. บ่าย 3 ชม.", a clock range);
    a work report in days only is asked; days elsewhere are a length, not hours."""
    durations = [m for m in mentions if m.kind == "hours" and m.unit is not units.DAY]
    days = [m for m in mentions if m.kind == "hours" and m.unit is units.DAY]
    if intent not in MONEY_INTENTS:
        mark_used(days)  # a training's "3 วัน"; a sale's days are not accounted for: asked
    if not durations and not scan.spans:
        if intent == "work" and days:
            draft.ask("hours")  # "ทำงาน 2 วัน", "ทั้งวัน": how many hours is a day?
        return
    mark_used(durations)
    per_day = [m for m in durations if _per_day(mention=m, tokens=tokens)]
    if not per_day and any(value_of(d) > _HOURS_A_DAY for d in days):
        draft.ask("hours")  # "3 ชม. 2 วัน": three hours in all, or a day?
        return
    if per_day:
        # "ช่วยงาน 2 วัน วันละ 8 ชั่วโมง": 16 hours; with no count of days, asked
        count = single(value_of(d) / 8 for d in days)  # a day mention holds 8 h per day
        if count is None or len(per_day) > 1 or len(durations) > 1 or scan.spans:
            draft.ask("hours")
            return
        durations = []
        scan_total = count * value_of(per_day[0])
    else:
        scan_total = Decimal(0)
    if any(span is None for span in scan.spans):
        draft.ask("hours")  # "8 โมงถึง 7 โมง"
        return
    total = scan_total + sum((s for s in scan.spans if s is not None), Decimal(0))
    by_unit: dict[str, list[Mention]] = {}
    for mention in durations:
        by_unit.setdefault(mention.unit.name if mention.unit else "", []).append(mention)
    for same in by_unit.values():
        if len(same) > 1 and not _separate_parts(same, draft):
            draft.ask("hours")  # "ทำงาน 3 ชม. 4 ชม.": which one?
            return
    total += sum((value_of(m) for m in durations), Decimal(0))
    if not Decimal(0) <= total <= _MAX_HOURS_A_REPORT:
        draft.ask("hours")  # "ทำงาน 30 ชั่วโมง": more than a day holds
        return
    draft.hours = money.money(total)


def _separate_parts(same: list[Mention], draft: Draft) -> bool:
    """Durations of one unit are parts to add when words stand between them ("เช้า 2 ชม.
    บ่าย 3 ชม."); the same value typed twice is not a second part."""
    values = [value_of(m) for m in same]
    return len(set(values)) == len(values) and all(b.index - a.index > 3 for a, b in pairwise(same))
