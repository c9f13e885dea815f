"""The follow-up cadence's configuration: the settings (and a group's overrides) that the
rules in scheduler/policy.py read, parsed and checked. Pure: no database, no clock."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only the type: the kernel reads settings, it does not build them
    from bot.config import Settings

log = logging.getLogger("scheduler.policy")  # the same logger as before the split

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CadenceError(ValueError):
    """A cadence setting that cannot be understood."""


# --- configuration ---------------------------------------------------------------------


def parse_days(value: str | Iterable[int]) -> tuple[int, ...]:
    """ "1,5" -> (1, 5): days of the month, 1-28 so that every month has them."""
    items = [p.strip() for p in value.split(",")] if isinstance(value, str) else list(value)
    days = sorted({int(p) for p in items if str(p).strip()})
    if any(not 1 <= d <= 28 for d in days):
        raise CadenceError(f"reminder days must be between 1 and 28, got {value!r}")
    return tuple(days)


def parse_clock(value: str) -> time:
    """ "08:00" -> time(8, 0)."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as error:
        raise CadenceError(f"time must be HH:MM, got {value!r}") from error


def parse_weekday(value: str) -> int | None:
    """ "mon" -> 0 ... "sun" -> 6; "" or "off" -> None (that digest is turned off)."""
    name = value.strip().lower()[:3]
    if name in ("", "off", "no"):
        return None
    if name not in DAY_NAMES:
        raise CadenceError(f"day must be one of {', '.join(DAY_NAMES)}, got {value!r}")
    return DAY_NAMES.index(name)


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """ "20:00-07:00" -> (20:00, 07:00); "" or "off" -> None (no quiet hours)."""
    text = value.strip().lower()
    if text in ("", "off", "none"):
        return None
    try:
        start, end = text.split("-")
    except ValueError as error:
        raise CadenceError(f"quiet hours must be HH:MM-HH:MM, got {value!r}") from error
    return parse_clock(start), parse_clock(end)


@dataclass(frozen=True, slots=True)
class Cadence:
    """The follow-up rules' parameters for one group: the settings, with the group's overrides."""

    new_group_months: int = 12  # weekly visits while younger than this, monthly after
    meeting_due_day: int = 20  # chair reminded if no meeting logged by this day; 0 = off
    figures_remind_days: tuple[int, ...] = (1, 5)  # treasurer reminded on these days
    figures_escalate_day: int = 10  # officer told on this day if still missing; 0 = off
    fiscal_year_start_month: int = 10  # the group's reporting year starts this month; 0 = off
    annual_escalate_days: int = 14  # officer told this many days into the year if missing
    household_progress_day: int = 20  # trainer reminded from this day if no progress record
    enabled: bool = True  # {"reminders": false} in a group's settings turns everything off

    def __post_init__(self) -> None:
        if self.new_group_months < 0:
            raise CadenceError("new_group_months must be 0 or more")
        for name in ("meeting_due_day", "figures_escalate_day", "household_progress_day"):
            if not 0 <= getattr(self, name) <= 31:
                raise CadenceError(f"{name} must be a day of the month (0 = off)")
        if not 0 <= self.fiscal_year_start_month <= 12:
            raise CadenceError("fiscal_year_start_month must be 1-12 (0 = off)")
        if self.annual_escalate_days < 1:
            raise CadenceError("annual_escalate_days must be 1 or more")

    @classmethod
    def from_settings(cls, settings: Settings) -> Cadence:
        """The programme's cadence as this deployment's settings set it."""
        return cls().override(
            {f.name: getattr(settings, f.name) for f in fields(cls) if hasattr(settings, f.name)}
        )

    def override(self, overrides: Mapping[str, Any] | None) -> Cadence:
        """This cadence with a group's overrides applied. Unknown keys are ignored, and a value
        that makes no sense is logged and ignored (one bad group must not stop the sweep)."""
        if not overrides:
            return self
        changes: dict[str, Any] = {}
        if "reminders" in overrides:
            changes["enabled"] = bool(overrides["reminders"])
        for f in fields(self):
            if f.name not in overrides or f.name == "enabled":
                continue
            value = overrides[f.name]
            try:
                changes[f.name] = (
                    parse_days(value) if f.name == "figures_remind_days" else int(value)
                )
            except (TypeError, ValueError):
                log.warning("ignoring cadence override %s=%r", f.name, value)
        if not changes:
            return self
        try:
            return replace(self, **changes)
        except CadenceError as error:
            log.warning("ignoring cadence overrides %r: %s", overrides, error)
            return self


@dataclass(frozen=True, slots=True)
class Schedule:
    """When the officer digests go out, the sweep's time, and the quiet hours (all local)."""

    sweep_at: time = time(8, 0)
    plan_day: int | None = 0  # Monday
    plan_at: time = time(8, 0)
    followup_day: int | None = 3  # Thursday
    followup_at: time = time(8, 0)
    quiet: tuple[time, time] | None = (time(20, 0), time(7, 0))
    digest_households: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> Schedule:
        return cls(
            sweep_at=parse_clock(settings.sweep_time),
            plan_day=parse_weekday(settings.digest_plan_day),
            plan_at=parse_clock(settings.digest_plan_time),
            followup_day=parse_weekday(settings.digest_followup_day),
            followup_at=parse_clock(settings.digest_followup_time),
            quiet=parse_quiet_hours(settings.quiet_hours),
            digest_households=bool(settings.digest_households),
        )
