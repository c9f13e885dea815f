"""The follow-up sweep against the demo district, on SQLite (the race, the bulk writes and
downtime on PostgreSQL too): the right message reaches the right person once, nothing when all
is up to date, nothing twice, and nothing lost after downtime or in the quiet hours."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.clock import FixedClock
from bot.messages import QuickReply
from bot.storage.models import ChatAccount, Membership, Officer, Outbox, Person, Reminder, Role
from scheduler import sweep as sweep_module
from scheduler.jobs import run_once
from scheduler.sweep import sweep
from tests.scheduler.conftest import BKK, bkk, demo
from tests.support.chat import Chat, RecordingTransport

MONDAY = date(2025, 10, 20)
LOG_VISIT = QuickReply("บันทึกการเยี่ยม", "/visit")


@pytest.mark.both_databases
async def test_monday_digest_reaches_the_officer_once(
    chat: Chat, app: App, console: RecordingTransport
) -> None:
    world = await demo(app)
    summary = await run_once(app)  # Monday 2025-10-20, 09:00 in Bangkok

    officer = world.to(console.sent, "officer")
    assert len(officer) == 1, "one message per officer, never one per group"
    digest = officer[0]
    assert "แผนเยี่ยมสัปดาห์นี้ (20–26 ต.ค. 2568)" in digest
    # Most overdue first: the mature frog group (monthly, 40 days) before the first-year egg
    # group (weekly, 10 days); both with the days since their last visit.
    frog = digest.index("กลุ่มเลี้ยงกบแบบธรรมชาติ — เยี่ยมล่าสุด 40 วันก่อน (เดือนละครั้ง)")
    egg = digest.index("กลุ่มไข่เค็มสมุนไพรลูกหม่อน — เยี่ยมล่าสุด 10 วันก่อน (สัปดาห์ละครั้ง)")
    assert frog < egg
    assert "ครัวเรือนคำปุ่น มีสุข — ยังไม่เคยเยี่ยม" in digest
    # Follow-ups for the officer ride in the same message: the egg group's missing figures.
    assert "กลุ่มไข่เค็มสมุนไพรลูกหม่อน ยังไม่ส่งตัวเลขรายรับ–รายจ่ายเดือน ก.ย. 2568" in digest
    assert "กลุ่มเลี้ยงกบแบบธรรมชาติ ยังไม่ส่งตัวเลข" not in digest
    assert digest.rstrip().endswith("ค่ะ 🙏")
    quick = next(m.reply.quick_replies for m in console.sent if m.reply.text == digest)
    assert LOG_VISIT in quick

    # The chairs (no meeting by the 20th), the egg group's treasurer (September's figures)
    # and the trainer (households with no record this month) each get one message.
    assert len(world.to(console.sent, "สมศรี ดวนใหญ่")) == 1
    assert len(world.to(console.sent, "ทองดี โนนดู่")) == 1
    assert "ก.ย. 2568" in world.to(console.sent, "มาลี ศรีสุข")[0]
    assert world.to(console.sent, "สุดา คำภา") == []  # the frog group sent its figures
    assert world.to(console.sent, "member") == []
    assert len(world.to(console.sent, "trainer")) == 1
    assert summary.sent == len(console.sent) == 5

    again = await run_once(app)
    assert (again.written, again.messages, len(console.sent)) == (0, 0, 5)


async def test_nothing_when_everything_is_up_to_date(
    chat: Chat, app: App, console: RecordingTransport
) -> None:
    world = await demo(app)
    await world.everything_up_to_date(MONDAY)
    summary = await run_once(app)
    assert console.sent == []
    assert (summary.written, summary.messages) == (0, 0)


async def test_thursday_lists_only_what_is_still_not_visited(
    chat: Chat, app: App, clock: FixedClock, console: RecordingTransport
) -> None:
    world = await demo(app)
    await run_once(app)
    tuesday = MONDAY + timedelta(days=1)
    await world.visit(tuesday, group=world.frog)
    for household in world.households:
        await world.visit(tuesday, household=household)
    before = len(console.sent)

    clock.instant = bkk(2025, 10, 23, 8, 0)  # Thursday 08:00
    await run_once(app)
    thursday = world.to(console.sent[before:], "officer")
    assert len(thursday) == 1
    assert "ในรอบนี้ยังไม่ได้เยี่ยมอีก 1 แห่งค่ะ" in thursday[0]
    assert "กลุ่มไข่เค็มสมุนไพรลูกหม่อน" in thursday[0]
    assert "กลุ่มเลี้ยงกบ" not in thursday[0]

    # Next Thursday, everything visited that week: no message at all.
    for group in (world.egg, world.frog):
        await world.visit(date(2025, 10, 27), group=group)
    before = len(console.sent)
    clock.instant = bkk(2025, 10, 27, 8, 0)
    await run_once(app)  # Monday: everything visited already, so no plan
    clock.instant = bkk(2025, 10, 30, 8, 0)
    await run_once(app)
    assert world.to(console.sent[before:], "officer") == []


@pytest.mark.both_databases
async def test_after_downtime_what_is_still_due_is_sent_once(
    chat: Chat, app: App, clock: FixedClock, console: RecordingTransport
) -> None:
    world = await demo(app)
    clock.instant = bkk(2025, 10, 23, 10, 0)  # the bot was down from Monday to Thursday 10:00
    await run_once(app)
    officer = world.to(console.sent, "officer")
    assert len(officer) == 1
    assert "ในรอบนี้ยังไม่ได้เยี่ยม" in officer[0]  # Thursday's digest, not Monday's plan
    assert "แผนเยี่ยมสัปดาห์นี้" not in officer[0]
    clock.instant = bkk(2025, 10, 24, 8, 0)
    friday = await run_once(app)
    assert world.to(console.sent[len(console.sent) - friday.sent :], "officer") == []


async def test_quiet_hours_hold_reminders_until_morning(
    chat: Chat, app: App, clock: FixedClock, console: RecordingTransport
) -> None:
    world = await demo(app)
    clock.instant = bkk(2025, 10, 20, 21, 0)
    summary = await run_once(app)
    assert summary.messages == summary.deferred == 5
    assert summary.sent == 0 and console.sent == []
    async with app.uow() as uow:
        due = set(
            await uow.session.scalars(
                select(Outbox.next_attempt_at).where(Outbox.kind == "reminder")
            )
        )
    assert {d.astimezone(BKK).isoformat() for d in due} == {"2025-10-21T07:00:00+07:00"}

    clock.instant = bkk(2025, 10, 21, 7, 0)
    await app.sender.drain()
    assert len(world.to(console.sent, "officer")) == 1
    assert len(console.sent) == 5


async def test_figures_reminders_stop_once_submitted(
    chat: Chat, app: App, clock: FixedClock, console: RecordingTransport
) -> None:
    world = await demo(app)
    clock.instant = bkk(2025, 11, 1, 8, 0)
    await run_once(app)
    assert "ถึงเวลาส่งตัวเลขรายรับ–รายจ่ายเดือน ต.ค. 2568" in world.to(console.sent, "มาลี ศรีสุข")[0]
    assert "ต.ค. 2568" in world.to(console.sent, "สุดา คำภา")[0]

    await world.figures(world.egg, date(2025, 10, 1), date(2025, 11, 2))
    for day, treasurer_messages in ((5, 1), (10, 0)):
        before = len(console.sent)
        clock.instant = bkk(2025, 11, day, 8, 0)
        await run_once(app)
        sent = console.sent[before:]
        assert world.to(sent, "มาลี ศรีสุข") == []  # submitted: nothing more, ever
        assert len(world.to(sent, "สุดา คำภา")) == treasurer_messages
    # The 5th: "again"; the 10th: escalated to the officer, for the frog group only.
    assert "ขอเตือนอีกครั้ง" in world.to(console.sent, "สุดา คำภา")[-1]
    officer = world.to(console.sent, "officer")[-1]
    assert "กลุ่มเลี้ยงกบแบบธรรมชาติ ยังไม่ส่งตัวเลขรายรับ–รายจ่ายเดือน ต.ค. 2568 (เตือนเหรัญญิกแล้ว)" in officer
    assert "กลุ่มไข่เค็มสมุนไพรลูกหม่อน ยังไม่ส่งตัวเลข" not in officer


async def test_the_officer_is_not_told_a_treasurer_was_reminded_when_there_is_none(
    chat: Chat, app: App, clock: FixedClock, console: RecordingTransport
) -> None:
    """A group whose treasurer has not linked yet: the escalation on the 10th says so and what to
    type, instead of "(เตือนเหรัญญิกแล้ว)"."""
    world = await demo(app)
    async with app.uow() as uow:
        await uow.session.execute(
            update(Membership)
            .where(Membership.group_id == world.frog, Membership.role == Role.TREASURER)
            .values(until=bkk(2025, 10, 15, 9, 0))
        )
        await uow.commit()
    clock.instant = bkk(2025, 11, 10, 8, 0)
    await run_once(app)
    officer = world.to(console.sent, "officer")[-1]
    assert (
        "กลุ่มเลี้ยงกบแบบธรรมชาติ ยังไม่ส่งตัวเลขรายรับ–รายจ่ายเดือน ต.ค. 2568 "
        "(ยังไม่มีเหรัญญิกในระบบ พิมพ์ ออกรหัสเหรัญญิก เพื่อส่งรหัสให้กลุ่มได้ค่ะ)" in officer
    )
    assert "กลุ่มเลี้ยงกบแบบธรรมชาติ ยังไม่ส่งตัวเลขรายรับ–รายจ่ายเดือน ต.ค. 2568 (เตือน" not in officer
    # The egg group still has its treasurer, who is reminded (in this same sweep, after downtime).
    assert "กลุ่มไข่เค็มสมุนไพรลูกหม่อน ยังไม่ส่งตัวเลขรายรับ–รายจ่ายเดือน ต.ค. 2568 (เตือนเหรัญญิกแล้ว)" in officer


async def test_reminders_without_a_chat_account_are_recorded_and_counted(
    chat: Chat, app: App, console: RecordingTransport
) -> None:
    world = await demo(app)
    async with app.uow() as uow:  # the officer has not linked a chat account yet
        await uow.session.execute(
            delete(ChatAccount).where(ChatAccount.person_id == world.officer_person)
        )
        await uow.commit()
    summary = await run_once(app)
    assert summary.no_chat_account == 4  # the digest, figures and two annual summaries
    assert world.to(console.sent, "officer") == []
    again = await run_once(app)
    assert (again.written, again.no_chat_account) == (0, 0)  # recorded: not re-evaluated


async def test_every_reminder_points_at_the_message_that_carries_it(chat: Chat, app: App) -> None:
    await run_once(app)
    async with app.uow() as uow:
        reminders = (await uow.session.scalars(select(Reminder))).all()
        rows = {o.id: o for o in await uow.session.scalars(select(Outbox))}
        officers = await uow.session.scalar(select(func.count()).select_from(Officer))
    assert officers == 1
    assert reminders and all(r.outbox_id in rows for r in reminders)
    for reminder in reminders:
        row = rows[reminder.outbox_id or 0]
        assert row.kind == "reminder" and row.chat_account_id is not None
        assert row.status == "sent"
    assert {r.recipient for r in reminders if r.kind == "visit_plan"} == {
        f"person:{(await demo(app)).officer_person}"
    }


@pytest.mark.both_databases
async def test_a_sweep_that_loses_the_race_sends_nothing(
    chat: Chat, app: App, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Two sweeps without the lock, the second starting before the first commits: it cannot
    see the first one's reminders yet, prepares its own messages, then loses every key on
    insert — and must drop those messages rather than send them a second time."""
    caplog.set_level(logging.INFO, logger="scheduler.sweep")
    first_session, second_session = app.sessions(), app.sessions()
    try:
        first = await sweep(first_session, app.settings, clock.instant, lock=False)
        second = asyncio.create_task(sweep(second_session, app.settings, clock.instant, lock=False))
        await asyncio.sleep(0.5)  # the second sweep is now waiting on the first one's rows
        await first_session.commit()
        lost = await second
        await second_session.commit()
    finally:
        await first_session.close()
        await second_session.close()
    assert first.written == 9 and first.messages == 5
    assert (lost.written, lost.messages) == (0, 0)
    async with app.uow() as uow:
        rows = await uow.session.scalar(select(func.count()).select_from(Outbox))
    assert rows == 5
    if not app.settings.is_sqlite:  # SQLite runs one writer at a time: there is no race
        assert "wrote some of these reminders first" in caplog.text


@pytest.mark.both_databases
async def test_keys_written_since_the_sweep_looked_are_not_sent_again(
    chat: Chat,
    app: App,
    console: RecordingTransport,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The reminders go in with a fast insert that expects every key to be new (COPY on
    PostgreSQL). When some were written since the sweep looked, as by a sweep without the lock,
    that insert is undone and the careful one keeps only the keys still free: here the one
    reminder cleared since the first sweep, so exactly one message goes out, on both databases."""
    caplog.set_level(logging.INFO, logger="scheduler.sweep")
    world = await demo(app)
    await run_once(app)
    chair = "สมศรี ดวนใหญ่"
    async with app.uow() as uow:
        person = await uow.session.scalar(select(Person.id).where(Person.name == chair))
        await uow.session.execute(delete(Reminder).where(Reminder.recipient == f"person:{person}"))
        await uow.commit()

    async def looked_too_early(session: AsyncSession, keys: object) -> set[object]:
        return set()  # as if every key were still free when the sweep looked

    monkeypatch.setattr(sweep_module, "existing", looked_too_early)
    before = len(console.sent)
    summary = await run_once(app)
    assert (summary.written, summary.recipients, summary.messages) == (1, 1, 1)
    assert summary.by_kind == {"meeting": 1}
    assert len(console.sent) == before + 1
    assert len(world.to(console.sent[before:], chair)) == 1
    assert "wrote some of these reminders first" in caplog.text
    async with app.uow() as uow:
        reminders = await uow.session.scalar(select(func.count()).select_from(Reminder))
        rows = await uow.session.scalar(select(func.count()).select_from(Outbox))
    assert (reminders, rows) == (9, 6)
