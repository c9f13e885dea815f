"""APScheduler wiring: cron triggers in the bot's time zone that run the follow-up sweep and
drain the outbox. The jobs live in code and the state lives in our tables (reminder, outbox),
so several workers may run this at once: on PostgreSQL the sweep's advisory lock lets one of
them do the work, and the reminders' unique key makes any overlap harmless.

`serve` and `poll` call `await start(app)` inside their running event loop and
`handle.shutdown()` when they stop; `sammachip remind` calls `run_once` directly."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from scheduler.policy import DAY_NAMES, Schedule
from scheduler.sweep import SweepSummary, sweep

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings

log = logging.getLogger(__name__)

MAX_DRAIN_ROUNDS = 1000  # x 100 rows per round: more than a day's reminders for a province
MISFIRE_GRACE_S = 3600  # a worker that was busy or asleep still runs a job up to an hour late
PURGE_EVERY_MINUTES = 15
COUNTERS_KEPT = timedelta(days=8)  # counters untouched this long are dropped (> FORGET_AFTER)


async def run_once(app: App, at: datetime | None = None, *, lock: bool = True) -> SweepSummary:
    """One sweep as of `at` (default: the app's clock), committed, then the outbox drained
    of everything due. Returns the summary (`sammachip remind` prints it)."""
    now = at or app.clock.now()
    async with app.uow() as uow:
        summary = await sweep(uow.session, app.settings, now, lock=lock)
        await uow.commit()
    if summary.skipped:
        log.info("sweep skipped: another worker holds the lock")
    for _ in range(MAX_DRAIN_ROUNDS):
        result = await app.sender.drain()
        summary.sent += result.sent
        summary.failed += result.failed
        if result.sent + result.retried + result.failed == 0:
            break
    return summary


@dataclass
class Purged:
    files: int = 0
    counters: int = 0
    handovers: int = 0
    addresses: int = 0

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


async def purge(app: App, at: datetime | None = None) -> Purged:
    """What has run out: generated files past their time (exports, personal data, charts,
    voice notes' audio after VOICE_KEEP_DAYS), old attempt counters, handover requests
    nobody answered, and the chat address on the
    goodbye message an erased person got once it went out. Then SQLite's log is folded in.
    Idempotent, and harmless on several workers at once."""
    from sqlalchemy import update

    from bot.services import limits
    from bot.storage.database import truncate_wal
    from bot.storage.models import DeliveryStatus, Handover, HandoverStatus, Outbox, VoiceNote

    now = at or app.clock.now()
    done = Purged()
    async with app.uow() as uow:
        done.files = await uow.files.purge(now)
        # The voice notes whose audio just went: what was heard stays with the record.
        await uow.session.execute(
            update(VoiceNote)
            .where(VoiceNote.audio_expires_at <= now)
            .values(audio_key=None, audio_expires_at=None)
        )
        done.counters = await limits.forget(uow, now - COUNTERS_KEPT)
        expired = await uow.session.execute(
            update(Handover)
            .where(Handover.status == HandoverStatus.PENDING, Handover.expires_at <= now)
            .values(status=HandoverStatus.EXPIRED)
        )
        done.handovers = int(getattr(expired, "rowcount", 0) or 0)
        redacted = await uow.session.execute(
            update(Outbox)
            .where(
                Outbox.kind == "erased",
                Outbox.status.in_((DeliveryStatus.SENT, DeliveryStatus.FAILED)),
                Outbox.recipient != "erased",
            )
            .values(recipient="erased", reply_token=None)
        )
        done.addresses = int(getattr(redacted, "rowcount", 0) or 0)
        await uow.commit()
    if done.files or done.addresses:
        await truncate_wal(app.engine)
    return done


def triggers(settings: Settings) -> dict[str, CronTrigger]:
    """The cron triggers, by job id: the daily sweep and the two officer digests (a digest
    whose time coincides with the daily sweep needs no job of its own)."""
    tz = ZoneInfo(settings.bot_timezone)
    schedule = Schedule.from_settings(settings)
    found = {
        "sweep": CronTrigger(
            hour=schedule.sweep_at.hour, minute=schedule.sweep_at.minute, timezone=tz
        )
    }
    for name, day, at in (
        ("digest_plan", schedule.plan_day, schedule.plan_at),
        ("digest_followup", schedule.followup_day, schedule.followup_at),
    ):
        if day is None or at == schedule.sweep_at:
            continue
        found[name] = CronTrigger(
            day_of_week=DAY_NAMES[day], hour=at.hour, minute=at.minute, timezone=tz
        )
    return found


@dataclass
class Scheduled:
    """The running scheduler; `shutdown()` stops it (jobs already running are not awaited)."""

    scheduler: AsyncIOScheduler

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def jobs(self) -> dict[str, datetime | None]:
        """Job id -> next run time (for /healthz and tests)."""
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}


async def _job(app: App, name: str) -> None:
    try:
        summary = await run_once(app)
        log.info("%s: %s", name, summary.to_json())
    except Exception:
        log.exception("%s failed; the next run will catch up", name)


async def _purge_job(app: App) -> None:
    try:
        purged = await purge(app)
        if any(purged.to_json().values()):
            log.info("purge: %s", purged.to_json())
    except Exception:
        log.exception("purge failed; the next run will catch up")


async def start(app: App, *, catch_up: bool = True) -> Scheduled:
    """Starts the follow-up jobs on the running event loop. With `catch_up`, one sweep runs
    right away, so a worker that was down at 08:00 sends what is still due when it comes
    back (quiet hours still apply)."""
    tz = ZoneInfo(app.settings.bot_timezone)
    scheduler = AsyncIOScheduler(timezone=tz)
    for name, trigger in triggers(app.settings).items():
        scheduler.add_job(
            _job,
            trigger,
            args=(app, name),
            id=name,
            name=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_S,
        )
    scheduler.add_job(
        _purge_job,
        CronTrigger(minute=f"*/{PURGE_EVERY_MINUTES}", timezone=tz),
        args=(app,),
        id="purge",
        name="purge",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=MISFIRE_GRACE_S,
    )
    if catch_up:
        scheduler.add_job(_job, args=(app, "catch_up"), id="catch_up", name="catch_up")
    scheduler.start()
    return Scheduled(scheduler)
