"""Counters that must hold across workers, kept in the `throttle` table: wrong link codes per
chat account (five, then a lock that doubles each time), code failures per hour for the whole
deployment (an alarm, then a pause), and expensive commands per person (สรุป, ส่งออก,
ข้อมูลของฉัน). Each check locks its row for the rest of the message's transaction (PostgreSQL
`SELECT … FOR UPDATE`; SQLite has one writer anyway), so two workers never both let the sixth
wrong code through."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.storage.models import Throttle
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

ACCOUNT_CODES = "code_account"  # subject: chat account id
GLOBAL_CODES = "code_global"  # subject: the UTC hour, "2025-10-20T02"
EXPENSIVE = "expensive"  # subject: person id
VOICE = "voice"  # subject: person id; voice notes sent to the speech-to-text server
MAX_LOCK = timedelta(hours=24)
FORGET_AFTER = timedelta(days=7)  # a run of wrong codes older than this starts afresh
EXPENSIVE_WINDOW = timedelta(minutes=1)


async def _row(uow: UnitOfWork, scope: str, subject: str, now: datetime) -> Throttle:
    """The counter row, created if new, locked until the transaction ends."""
    return await uow.throttles.locked_counter(scope, subject, now)


async def _peek(uow: UnitOfWork, scope: str, subject: str) -> Throttle | None:
    return await uow.throttles.counter(scope, subject)


def hour_key(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H")


# --- link codes -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeGate:
    """Whether a code may be checked now; if not, why ("locked" | "paused") and until when."""

    allowed: bool
    reason: str | None = None
    until: datetime | None = None


OPEN = CodeGate(True)


async def code_gate(
    uow: UnitOfWork, account_id: int, now: datetime, settings: Settings
) -> CodeGate:
    own = await _peek(uow, ACCOUNT_CODES, str(account_id))
    if own is not None and own.locked_until is not None and own.locked_until > now:
        return CodeGate(False, "locked", own.locked_until)
    overall = await _peek(uow, GLOBAL_CODES, hour_key(now))
    if overall is not None and overall.count >= settings.code_failures_per_hour:
        start = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        return CodeGate(False, "paused", start + timedelta(hours=1))
    return OPEN


@dataclass(frozen=True, slots=True)
class Failure:
    """After a wrong code: the account's lock (if this failure earned one), how many tries
    are left before it, and whether the deployment just crossed the alarm rate."""

    locked_until: datetime | None
    tries_left: int
    alarm: bool
    failures_this_hour: int


async def code_failed(
    uow: UnitOfWork, account_id: int, now: datetime, settings: Settings
) -> Failure:
    own = await _row(uow, ACCOUNT_CODES, str(account_id), now)
    if now - own.updated_at > FORGET_AFTER and (
        own.locked_until is None or own.locked_until <= now
    ):
        own.count, own.level = 0, 0
    own.count += 1
    own.updated_at = now
    locked_until: datetime | None = None
    if own.count >= settings.code_attempts_per_account:
        own.level += 1
        own.count = 0
        lock = timedelta(minutes=settings.code_lock_minutes) * (2 ** (own.level - 1))
        locked_until = now + min(lock, MAX_LOCK)
        own.locked_until = locked_until
    tries_left = settings.code_attempts_per_account - own.count if locked_until is None else 0

    overall = await _row(uow, GLOBAL_CODES, hour_key(now), now)
    overall.count += 1
    overall.updated_at = now
    alarm = overall.count == settings.code_failures_alarm_per_hour
    await uow.flush()
    return Failure(locked_until, tries_left, alarm, overall.count)


# --- expensive commands ---------------------------------------------------------------------


async def spend_expensive(
    uow: UnitOfWork, person_id: int, now: datetime, settings: Settings
) -> datetime | None:
    """Counts one expensive command (สรุป, ส่งออก, ข้อมูลของฉัน) for this person; None if it
    may run, else when the person may ask again."""
    return await _spend(uow, EXPENSIVE, person_id, now, settings.expensive_per_minute)


async def spend_voice(
    uow: UnitOfWork, person_id: int, now: datetime, settings: Settings
) -> datetime | None:
    """Counts one voice note sent to the speech-to-text server (seconds of the district
    machine's CPU each); None if it may be heard, else when the person may send one again."""
    return await _spend(uow, VOICE, person_id, now, settings.voice_per_minute)


async def _spend(
    uow: UnitOfWork, scope: str, person_id: int, now: datetime, per_minute: int
) -> datetime | None:
    row = await _row(uow, scope, str(person_id), now)
    if now - row.window_start >= EXPENSIVE_WINDOW or row.window_start > now:
        row.window_start = now
        row.count = 0
    if row.count >= per_minute:
        return row.window_start + EXPENSIVE_WINDOW
    row.count += 1
    row.updated_at = now
    await uow.flush()
    return None


async def forget(uow: UnitOfWork, before: datetime) -> int:
    """Drops counters not touched since `before` and not holding a lock (the purge job)."""
    return await uow.throttles.forget_idle(before)


async def forget_account(uow: UnitOfWork, account_ids: list[int]) -> None:
    if account_ids:
        await uow.throttles.forget_subjects(ACCOUNT_CODES, [str(a) for a in account_ids])
