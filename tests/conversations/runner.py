"""Plays a scenario through the real conversation core (message -> core -> database -> outbox
-> sender) and compares the book before and after: every record made, withdrawn or changed
must be one the scenario expects, and nothing else may move."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from bot.clock import FixedClock
from bot.messages import InboundMessage, Reply
from bot.services import reports
from bot.storage.models import (
    AccountEntry,
    Activity,
    ChatRoom,
    Dividend,
    Household,
    Meeting,
    Membership,
    MonthlyFigures,
    OccupationGroup,
    Person,
    Sale,
    TrainingAttendance,
    Visit,
    WorkLog,
    utcnow,
)
from bot.vocabulary import command_of
from tests.conversations.model import LinkRoom, Rec, Say, Scenario, SetRole, Wait
from tests.support.chat import Chat

GROUPS = {"egg": "กลุ่มไข่เค็มสมุนไพรลูกหม่อน", "frog": "กลุ่มเลี้ยงกบแบบธรรมชาติ"}
ROOM = "room-egg"
REPORT_MONTH = date(2025, 10, 1)
_ids = itertools.count(1)
_CODE = re.compile(r"\{code:([a-z]+)(?::([a-z]+))?(?::(spaced))?\}")

Book = dict[tuple[str, int], dict[str, Any]]


def text_of(value: Any) -> Any:
    """Record fields as the scenarios write them: decimals without trailing zeros."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != 0 else "0"
    if isinstance(value, date):
        return value.isoformat()
    return value


class Player:
    def __init__(self, chat: Chat) -> None:
        self.chat = chat
        self.replies: list[Reply | None] = []

    # --- reading the book -------------------------------------------------------------

    async def book(self) -> Book:
        async with self.chat.app.uow() as uow:
            s = uow.session
            # Keyed by `int | None` so that an unset foreign key looks up nothing (None).
            names: dict[int | None, str] = dict(
                (await s.execute(select(Person.id, Person.name))).all()
            )
            groups: dict[int | None, str] = dict(
                (await s.execute(select(OccupationGroup.id, OccupationGroup.name))).all()
            )
            heads: dict[int | None, str] = dict(
                (await s.execute(select(Household.id, Household.head_name))).all()
            )
            attended: dict[int, list[str]] = {}
            for activity_id, household_id in (
                await s.execute(
                    select(TrainingAttendance.activity_id, TrainingAttendance.household_id)
                )
            ).all():
                attended.setdefault(activity_id, []).append(heads[household_id])
            book: Book = {}

            def put(record_kind: str, row: Any, /, **fields: Any) -> None:
                fields.update(
                    date=row.on_date,
                    by=names.get(row.recorded_by),
                    withdrawn=row.withdrawn_at is not None,
                )
                book[(record_kind, row.id)] = {k: text_of(v) for k, v in fields.items()}

            for sale in await s.scalars(select(Sale)):
                put("sale", sale, item=sale.item, quantity=sale.quantity, unit=sale.unit,
                    unit_price=sale.unit_price, amount=sale.amount,
                    group=groups.get(sale.group_id),
                    household=heads.get(sale.household_id))  # fmt: skip
            for meeting in await s.scalars(select(Meeting)):
                put("meeting", meeting, attendees=meeting.attendees, topics=meeting.topics,
                    decisions=meeting.decisions, group=groups.get(meeting.group_id))  # fmt: skip
            for work in await s.scalars(select(WorkLog)):
                put("work", work, person=names.get(work.person_id), hours=work.hours,
                    quantity=work.quantity, unit=work.unit, note=work.note,
                    group=groups.get(work.group_id))  # fmt: skip
            for activity in await s.scalars(select(Activity)):
                put("training" if activity.kind == "training" and activity.group_id is None
                    else "activity",
                    activity, kind=activity.kind, attendees=activity.attendees,
                    topics=activity.topics, group=groups.get(activity.group_id),
                    households=", ".join(sorted(attended.get(activity.id, []))) or None)  # fmt: skip
            for entry in await s.scalars(select(AccountEntry)):
                put("account", entry, kind=entry.kind, item=entry.item, amount=entry.amount,
                    household=heads.get(entry.household_id))  # fmt: skip
            for visit in await s.scalars(select(Visit)):
                target = (
                    groups.get(visit.group_id) if visit.group_id else heads.get(visit.household_id)
                )
                put("visit", visit, target=target, notes=visit.notes, suggestions=visit.suggestions)
            for figures in await s.scalars(select(MonthlyFigures)):
                put("monthly", figures, month=figures.month.strftime("%Y-%m"),
                    income=figures.income, expenses=figures.expenses, balance=figures.balance,
                    revision=figures.revision, group=groups.get(figures.group_id))  # fmt: skip
            for dividend in await s.scalars(select(Dividend)):
                put("dividend", dividend, total=dividend.total,
                    group=groups.get(dividend.group_id))  # fmt: skip
            return book

    async def report(self) -> dict[str, Any]:
        assert self.chat.ids is not None
        async with self.chat.app.uow() as uow:
            month = await reports.group_month(uow, self.chat.ids.egg_group_id, REPORT_MONTH)
            return month.to_json()

    # --- acting -------------------------------------------------------------------------

    async def step(self, step: Say | Wait | SetRole | LinkRoom) -> None:
        if isinstance(step, Wait):
            self._advance(timedelta(minutes=step.minutes))
        elif isinstance(step, SetRole):
            await self._set_role(step)
        elif isinstance(step, LinkRoom):
            await self._link_room(step.group)
        else:
            await self._say(step)

    def _advance(self, delta: timedelta) -> None:
        clock = self.chat.app.clock
        assert isinstance(clock, FixedClock), "scenarios run on a fixed clock"
        clock.instant += delta

    async def _group_id(self, uow: Any, key: str) -> int:
        return int(
            await uow.session.scalar(
                select(OccupationGroup.id).where(OccupationGroup.name == GROUPS[key])
            )
        )

    async def _set_role(self, step: SetRole) -> None:
        async with self.chat.app.uow() as uow:
            group_id = await self._group_id(uow, step.group)
            person_id = await uow.session.scalar(
                select(Person.id).where(Person.name == step.person)
            )
            assert person_id is not None, step.person
            if step.role is None:
                await uow.session.execute(
                    update(Membership)
                    .where(Membership.person_id == person_id, Membership.group_id == group_id)
                    .values(until=utcnow())
                )
            else:
                await uow.session.execute(
                    update(Membership)
                    .where(Membership.person_id == person_id, Membership.group_id == group_id)
                    .values(role=step.role)
                )
            await uow.commit()

    async def _link_room(self, key: str) -> None:
        async with self.chat.app.uow() as uow:
            room = ChatRoom(channel="console", external_id=ROOM, active=True)
            room.group_id = await self._group_id(uow, key)
            uow.session.add(room)
            await uow.commit()

    async def _codes(self, text: str) -> str:
        async def code(match: re.Match[str]) -> str:
            # Only a group's join code is stored readably; the officer's link code and the role
            # codes are kept by digest (`access_code`), so a scenario cannot quote them.
            assert match.group(1) != "officer" and match.group(2) == "join", (
                f"{match.group(0)}: only a group's join code can be written into a scenario"
            )
            async with self.chat.app.uow() as uow:
                group = await uow.session.get(
                    OccupationGroup, await self._group_id(uow, match.group(1))
                )
                assert group is not None
                found = group.join_code
            assert found is not None
            if match.group(3) == "spaced":  # as typed on a phone: "ab 12 cd"
                return " ".join(found[i : i + 2] for i in range(0, len(found), 2)).lower()
            return str(found)

        out = text
        for match in list(_CODE.finditer(text)):
            out = out.replace(match.group(0), await code(match), 1)
        return out

    async def _say(self, step: Say) -> None:
        who, in_room = step.who.removesuffix("@room"), step.who.endswith("@room")
        if who.startswith("stranger:"):
            sender, display = f"stranger-{who.removeprefix('stranger:')}", who.split(":", 1)[1]
        else:
            sender, display = await self.chat.account_id(who), None
        self._advance(timedelta(seconds=20))  # typing at human speed
        handled = await self.chat.app.conversation.handle(
            InboundMessage(
                channel="console",
                sender_id=sender,
                chat_id=ROOM if in_room else sender,
                text=await self._codes(step.text),
                is_group=in_room,
                event_id=f"s{next(_ids)}",
                message_id=f"sm{next(_ids)}",
                display_name=display,
            )
        )
        answer: Reply | None = None
        if handled.outbox_id is not None:
            before = len(self.chat.transport.sent)
            await self.chat.app.sender.drain(only=handled.outbox_id)
            assert len(self.chat.transport.sent) == before + 1, "the reply was not delivered"
            answer = self.chat.transport.sent[-1].reply
        self.replies.append(answer)
        check_reply(step, answer)


def _shortened(label: str, message: str) -> bool:
    """ "กลุ่มทอผ้าไหมบ้าน…" for "กลุ่มทอผ้าไหมบ้านนาดี": the caption's words, in order, from the
    start of what the button sends, with "…" where words were left out (never cut mid-word)."""
    parts = label.split("…")
    if len(parts) < 2 or not message.startswith(parts[0]):
        return False
    at = 0
    for part in parts:
        found = message.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def check_reply(step: Say, answer: Reply | None) -> None:
    said = f"{step.who}: {step.text!r}"
    if step.silent:
        assert answer is None, f"{said} should get no reply, got {answer.text!r}"
        return
    assert answer is not None, f"{said} got no reply"
    text = answer.text
    for wanted in step.expect:
        assert wanted in text, f"{said}: {wanted!r} not in the reply:\n{text}"
    for unwanted in step.absent:
        assert unwanted not in text, f"{said}: {unwanted!r} should not be in the reply:\n{text}"
    for q in answer.quick_replies:
        assert len(q.label) <= 20, f"{said}: button label {q.label!r} is longer than LINE allows"
        # Typing a caption does what pressing it does: the same command, or (a shortened choice
        # label) words of what it sends, "…" for those left out, which the choice accepts.
        if q.label != q.message:
            same = command_of(q.label) == command_of(q.message) is not None
            cut = q.message.startswith(q.label) or q.label.startswith(q.message)  # "ส่งออก Excel"
            assert same or cut or _shortened(q.label, q.message), (
                f"{said}: button {q} means two things"
            )
    labels = [q.label for q in answer.quick_replies]
    for label in step.quick:
        assert label in labels, f"{said}: quick reply {label!r} not offered ({labels}):\n{text}"
    if step.max_sorry is not None:
        sorry = text.count("ขอโทษ") + text.count("ขออภัย")
        assert sorry <= step.max_sorry, f"{said}: {sorry} apologies in the reply:\n{text}"


# --- comparing the book -------------------------------------------------------------------


def _matches(expected: Rec, kind: str, fields: dict[str, Any]) -> bool:
    if expected.kind != kind:
        return False
    for name, want in expected.fields.items():
        have = fields.get(name)
        if isinstance(want, str) and want.startswith("~"):
            if have is None or want[1:] not in str(have):
                return False
        elif (str(have) if have is not None else None) != (str(want) if want is not None else None):
            return False
    return True


def _assign(expected: Iterable[Rec], found: list[tuple[str, dict[str, Any]]], what: str) -> None:
    """Every expected record matches a different found one, and nothing else was found."""
    left = list(found)
    for want in expected:
        hit = next((i for i, (k, f) in enumerate(left) if _matches(want, k, f)), None)
        assert hit is not None, f"expected {what} {want.kind} {want.fields}; {what}: {found}"
        left.pop(hit)
    assert not left, f"{what} but not expected: {left}"


def compare_books(scenario: Scenario, before: Book, after: Book) -> None:
    created: list[tuple[str, dict[str, Any]]] = []
    withdrawn: list[tuple[str, dict[str, Any]]] = []
    changed: list[tuple[str, dict[str, Any]]] = []
    for key, fields in after.items():
        old = before.get(key)
        if old is None:
            (withdrawn if fields["withdrawn"] else created).append((key[0], fields))
        elif fields["withdrawn"] and not old["withdrawn"]:
            withdrawn.append((key[0], fields))
        elif fields != old:
            changed.append((key[0], fields))
    _assign(scenario.created, created, "created")
    _assign(scenario.withdrawn, withdrawn, "withdrawn")
    _assign(scenario.changed, changed, "changed")


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def compare_reports(scenario: Scenario, before: dict[str, Any], after: dict[str, Any]) -> None:
    for path, want in scenario.report.items():
        old, new = _dig(before, path), _dig(after, path)
        try:
            change = None if isinstance(want, bool) else Decimal(str(want))
        except ArithmeticError:
            change = None
        if change is not None:  # numbers are compared as the change over the scenario
            diff = Decimal(str(new or 0)) - Decimal(str(old or 0))
            assert diff == change, f"report {path}: {old} -> {new}, expected change {want}"
        else:
            assert new == want, f"report {path}: {new!r}, expected {want!r}"


async def play(chat: Chat, scenario: Scenario) -> Player:
    player = Player(chat)
    book, report = await player.book(), await player.report()
    for step in scenario.steps:
        await player.step(step)
    compare_books(scenario, book, await player.book())
    compare_reports(scenario, report, await player.report())
    return player
