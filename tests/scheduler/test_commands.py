"""หยุดเตือน / เตือนพรุ่งนี้ / เปิดเตือน, said in the chat, and what the next sweeps do."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.app import App
from bot.clock import FixedClock
from bot.storage.models import ChatAccount, Outbox
from scheduler.jobs import run_once
from tests.scheduler.conftest import BKK, bkk, demo
from tests.support.chat import Chat, RecordingTransport


async def _account(app: App, chat_id: str) -> ChatAccount:
    async with app.uow() as uow:
        account = await uow.people.account("console", chat_id)
    assert account is not None
    return account


async def test_stop_means_no_more_reminders_until_turned_back_on(
    chat: Chat, app: App, clock: FixedClock, console: RecordingTransport
) -> None:
    world = await demo(app)
    answer = await chat.text("หยุดเตือนค่ะ", "officer")
    assert "ปิดการแจ้งเตือนแล้วค่ะ" in answer and "เปิดเตือน" in answer
    assert (await _account(app, world.chat_ids["รัตนา พัฒนกิจ"])).reminders_off
    before = len(console.sent)

    summary = await run_once(app)
    assert world.to(console.sent[before:], "officer") == []
    assert summary.turned_off == 4  # recorded, not sent, and not asked again
    assert len(world.to(console.sent[before:], "สมศรี ดวนใหญ่")) == 1  # others unaffected

    assert "เปิดการแจ้งเตือนแล้วค่ะ" in await chat.text("เปิดเตือน", "officer")
    assert not (await _account(app, world.chat_ids["รัตนา พัฒนกิจ"])).reminders_off
    before = len(console.sent)
    clock.instant = bkk(2025, 10, 23, 8, 0)
    await run_once(app)
    assert len(world.to(console.sent[before:], "officer")) == 1  # Thursday's digest


async def test_remind_me_tomorrow_holds_reminders_until_the_morning_sweep(
    chat: Chat, app: App, clock: FixedClock, console: RecordingTransport
) -> None:
    world = await demo(app)
    answer = await chat.text("เตือนพรุ่งนี้", "officer")
    assert "พรุ่งนี้ (21 ต.ค. 2568) เวลา 08:00 น." in answer
    account = await _account(app, world.chat_ids["รัตนา พัฒนกิจ"])
    assert account.reminders_snoozed_until == datetime(2025, 10, 21, 8, 0, tzinfo=BKK)
    before = len(console.sent)

    summary = await run_once(app)  # Monday 09:00: snoozed
    assert world.to(console.sent[before:], "officer") == []
    assert summary.snoozed == 4

    clock.instant = bkk(2025, 10, 21, 8, 0)
    await run_once(app)  # Tuesday 08:00: the snooze is over and it is all still due
    officer = world.to(console.sent[before:], "officer")
    assert len(officer) == 1 and "แผนเยี่ยมสัปดาห์นี้" in officer[0]


async def test_remind_me_tomorrow_after_a_reminder_asks_again_tomorrow(
    chat: Chat, app: App, clock: FixedClock, console: RecordingTransport
) -> None:
    world = await demo(app)
    await run_once(app)
    assert len(world.to(console.sent, "มาลี ศรีสุข")) == 1
    await chat.text("เตือนพรุ่งนี้", "treasurer")  # มาลี, the egg group's treasurer
    before = len(console.sent)

    clock.instant = bkk(2025, 10, 21, 8, 0)
    await run_once(app)
    again = world.to(console.sent[before:], "มาลี ศรีสุข")
    assert len(again) == 1 and "ก.ย. 2568" in again[0]
    assert world.to(console.sent[before:], "สมศรี ดวนใหญ่") == []  # she did not ask


async def test_stop_also_drops_what_was_waiting_for_the_morning(
    chat: Chat, app: App, clock: FixedClock, console: RecordingTransport
) -> None:
    world = await demo(app)
    clock.instant = bkk(2025, 10, 20, 21, 30)
    await run_once(app)  # quiet hours: written, waiting until 07:00
    await chat.text("หยุดเตือน", "officer")
    clock.instant = bkk(2025, 10, 21, 7, 0)
    before = len(console.sent)
    await app.sender.drain()
    assert world.to(console.sent[before:], "officer") == []
    assert len(world.to(console.sent[before:], "สมศรี ดวนใหญ่")) == 1
    async with app.uow() as uow:
        statuses = set(
            await uow.session.scalars(
                select(Outbox.status).where(
                    Outbox.kind == "reminder", Outbox.recipient == world.chat_ids["รัตนา พัฒนกิจ"]
                )
            )
        )
    assert statuses == {"cancelled"}
