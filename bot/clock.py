"""Time, injected: services ask a clock instead of the system, so tests and `remind --at` can
set the instant. Instants are UTC; calendar days are Asia/Bangkok (settings.bot_timezone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.calendar import BANGKOK


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stays where it is put (tests, `remind --at`)."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant


def local_today(clock: Clock, tz: ZoneInfo = BANGKOK) -> date:
    return clock.now().astimezone(tz).date()
