"""The scheduler wiring and `sammachip remind`: cron triggers at 08:00 Bangkok, a catch-up
sweep when a worker starts, and the command line against the demo district."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import date, datetime

import pytest

from bot.app import App, build_app
from bot.cli import main
from bot.clock import FixedClock
from bot.config import Settings
from bot.demo import seed
from scheduler import jobs
from tests.scheduler.conftest import BKK, demo
from tests.support.chat import Chat, RecordingTransport


def test_cron_triggers_fire_at_08_00_bangkok() -> None:
    defaults = jobs.triggers(Settings(_env_file=None))
    assert set(defaults) == {"sweep"}  # Monday and Thursday 08:00 are the daily sweep's runs
    sunday_night = datetime(2025, 10, 19, 23, 0, tzinfo=BKK)
    fire = defaults["sweep"].get_next_fire_time(None, sunday_night)
    assert fire == datetime(2025, 10, 20, 8, 0, tzinfo=BKK)

    custom = jobs.triggers(
        Settings(
            _env_file=None,
            digest_plan_time="09:30",
            digest_followup_day="fri",
            digest_followup_time="13:00",
        )
    )
    assert set(custom) == {"sweep", "digest_plan", "digest_followup"}
    plan = custom["digest_plan"].get_next_fire_time(None, sunday_night)
    assert plan == datetime(2025, 10, 20, 9, 30, tzinfo=BKK)
    followup = custom["digest_followup"].get_next_fire_time(None, sunday_night)
    assert followup == datetime(2025, 10, 24, 13, 0, tzinfo=BKK)


async def test_a_starting_worker_catches_up_then_waits_for_08_00(
    chat: Chat, app: App, console: RecordingTransport
) -> None:
    world = await demo(app)
    scheduled = await jobs.start(app)
    try:
        for _ in range(200):
            if world.to(console.sent, "officer"):
                break
            await asyncio.sleep(0.05)
        assert len(world.to(console.sent, "officer")) == 1
        next_runs = scheduled.jobs()
        assert next_runs["sweep"] is not None
        assert next_runs["sweep"].astimezone(BKK).time().isoformat() == "08:00:00"
    finally:
        scheduled.shutdown()
        await asyncio.sleep(0.05)  # let the scheduler's shutdown run on this loop


def _remind(
    url: str, at: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[dict[str, object], str]:
    """`sammachip remind --at AT`: the JSON summary (stdout) and the messages shown (stderr)."""
    for name in list(os.environ):
        if name.startswith(("LINE_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", url)
    capsys.readouterr()
    assert main(["remind", "--at", at]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


def test_remind_command_sends_the_demo_officer_digest_then_nothing(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monday = date(2025, 10, 20)

    async def seeded() -> None:
        app = build_app(
            Settings(_env_file=None, database_url=sqlite_url),
            clock=FixedClock(datetime(2025, 10, 20, 2, tzinfo=BKK)),
        )
        try:
            async with app.uow() as uow:
                await seed(uow, monday)
                await uow.commit()
        finally:
            await app.close()

    asyncio.run(seeded())
    summary, shown = _remind(sqlite_url, "2025-10-20T08:00:00+07:00", monkeypatch, capsys)
    assert summary["written"] == 9 and summary["sent"] == 5 and summary["skipped"] is False
    assert "สวัสดีค่ะ คุณรัตนา" in shown and "แผนเยี่ยมสัปดาห์นี้ (20–26 ต.ค. 2568) มี 4 แห่งค่ะ" in shown
    assert "[บันทึกการเยี่ยม]" in shown

    again, shown = _remind(sqlite_url, "2025-10-20T08:30", monkeypatch, capsys)  # no zone: Bangkok
    assert (again["written"], again["sent"]) == (0, 0)
    assert shown == ""


def test_remind_command_sends_nothing_when_everything_is_up_to_date(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def seeded() -> None:
        app = build_app(Settings(_env_file=None, database_url=sqlite_url))
        try:
            async with app.uow() as uow:
                await seed(uow, date(2025, 10, 20))
                await uow.commit()
            await (await demo(app)).everything_up_to_date(date(2025, 10, 20))
        finally:
            await app.close()

    asyncio.run(seeded())
    summary, shown = _remind(sqlite_url, "2025-10-20T08:00:00+07:00", monkeypatch, capsys)
    assert (summary["written"], summary["messages"], summary["sent"]) == (0, 0, 0)
    assert shown == ""
