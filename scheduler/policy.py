"""The programme's follow-up cadence (DOMAIN.md, cadence table) as pure functions.

Everything here is a function of facts about one group or household and of one instant; there
is no database and no clock. The sweep (scheduler/sweep.py) gathers the facts for every group at
once, asks these functions what is due, and writes each answer under its unique key
(kind, target, recipient, period) so that asking again the same day, on another worker, or
after a day of downtime never sends anything twice.

Periods are calendar weeks (Monday–Sunday) and calendar months in the bot's time zone
(Asia/Bangkok). A rule is *due* during a window; a sweep that runs late, inside the window,
still sends it ("misses nothing still due"), and once the window has passed it is not sent at
all (a later stage or the officer's escalation takes over).

Defaults come from settings and every one can be overridden per group in
`OccupationGroup.settings` under the same name (e.g. {"meeting_due_day": 25}); a group with
{"reminders": false} is left alone entirely (a dissolved or paused group).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.calendar import add_months_clamped
from scheduler.cadence import DAY_NAMES as DAY_NAMES
from scheduler.cadence import Cadence as Cadence
from scheduler.cadence import CadenceError as CadenceError
from scheduler.cadence import Schedule as Schedule
from scheduler.cadence import parse_clock as parse_clock
from scheduler.cadence import parse_days as parse_days
from scheduler.cadence import parse_quiet_hours as parse_quiet_hours
from scheduler.cadence import parse_weekday as parse_weekday

log = logging.getLogger(__name__)

WEEK = "week"
MONTH = "month"

# Reminder kinds (the `kind` of the unique key) and who receives them.
VISIT_PLAN = "visit_plan"  # officer digest, Monday: the week's visit plan
VISIT_FOLLOWUP = "visit_followup"  # officer digest, Thursday: still not visited this period
MEETING = "meeting"  # chair: no meeting logged by the due day
MEETING_LATE = "meeting_late"  # officer: no meeting logged in the whole month
FIGURES = "figures"  # treasurer: last month's figures (one per reminder day)
FIGURES_LATE = "figures_late"  # officer: last month's figures still missing on the escalation day
ANNUAL = "annual"  # treasurer: the annual profit summary, at the start of the reporting year
ANNUAL_LATE = "annual_late"  # officer: the annual summary still missing after the grace period
HOUSEHOLD = "household"  # trainer (or officer): a household with no progress record this month
OFFICER = "officer"
CHAIR = "chair"
TREASURER = "treasurer"
TRAINER = "trainer"

# How long after the month's last day a missed "no meeting this month" flag is still sent.
MEETING_FLAG_GRACE_DAYS = 7


# --- calendar --------------------------------------------------------------------------


def week_key(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True, slots=True)
class Moment:
    """One instant, with the calendar facts every rule needs computed once per sweep."""

    now: datetime  # aware
    local: datetime  # the same instant in the bot's time zone
    today: date
    week_start: date  # Monday
    week_end: date  # Sunday
    month_start: date
    month_end: date  # last day of the month
    prev_month_start: date
    week: str  # "2025-W43", the key of the current calendar week
    month: str  # "2025-10"
    prev_month: str

    @classmethod
    def of(cls, now: datetime, tz: ZoneInfo) -> Moment:
        if now.tzinfo is None:
            raise ValueError("naive datetime: pass an aware instant")
        local = now.astimezone(tz)
        today = local.date()
        week_start = today - timedelta(days=today.weekday())
        month_start = today.replace(day=1)
        return cls(
            now=now,
            local=local,
            today=today,
            week_start=week_start,
            week_end=week_start + timedelta(days=6),
            month_start=month_start,
            month_end=add_months_clamped(month_start, 1) - timedelta(days=1),
            prev_month_start=add_months_clamped(month_start, -1),
            week=week_key(today),
            month=month_key(today),
            prev_month=month_key(add_months_clamped(month_start, -1)),
        )

    def at(self, day: date, when: time) -> datetime:
        """A local wall-clock time on `day`, as an aware datetime in the bot's time zone."""
        return datetime.combine(day, when, tzinfo=self.local.tzinfo)


def quiet_until(moment: Moment, schedule: Schedule) -> datetime | None:
    """If `moment` falls inside the quiet hours, the instant they end; otherwise None."""
    if schedule.quiet is None:
        return None
    start, end = schedule.quiet
    clock = moment.local.time().replace(tzinfo=None)
    if start == end:
        return None
    if start < end:  # e.g. 12:00-13:00, within one day
        return moment.at(moment.today, end) if start <= clock < end else None
    if clock >= start:  # after the evening start: quiet until tomorrow's end
        return moment.at(moment.today + timedelta(days=1), end)
    if clock < end:  # after midnight, before the morning end
        return moment.at(moment.today, end)
    return None


def next_sweep_after(moment: Moment, schedule: Schedule) -> datetime:
    """Tomorrow at the sweep time: where `เตือนพรุ่งนี้` snoozes reminders to."""
    return moment.at(moment.today + timedelta(days=1), schedule.sweep_at)


def digest_slot(moment: Moment, schedule: Schedule) -> str | None:
    """Which officer digest is due now: the week's plan from Monday 08:00 until the Thursday
    digest, the Thursday follow-up from then until Sunday night, or none (Monday before 08:00).
    A sweep that runs late still sends the digest of the window it falls in."""
    plan = (
        moment.at(moment.week_start + timedelta(days=schedule.plan_day), schedule.plan_at)
        if schedule.plan_day is not None
        else None
    )
    followup = (
        moment.at(moment.week_start + timedelta(days=schedule.followup_day), schedule.followup_at)
        if schedule.followup_day is not None
        else None
    )
    if followup is not None and (plan is None or followup > plan) and moment.local >= followup:
        return VISIT_FOLLOWUP
    if plan is not None and moment.local >= plan:
        return VISIT_PLAN
    return None


# --- facts -----------------------------------------------------------------------------


class GroupFacts(NamedTuple):
    """What the sweep knows about one occupation group as of the sweep's instant."""

    group_id: int
    name: str
    officer_id: int
    founded_on: date
    last_visit: date | None = None  # latest visit on or before today (withdrawn ones ignored)
    meeting_this_month: bool = False
    meeting_last_month: bool = False
    figures_last_month: bool = False  # the previous month's figures have been submitted
    annual_years: frozenset[int] = frozenset()  # years whose annual summary was submitted

    @property
    def target(self) -> str:
        return f"group:{self.group_id}"


class HouseholdFacts(NamedTuple):
    household_id: int
    name: str  # the head of the household
    officer_id: int
    has_trainer: bool = False  # a trainer with a linked chat account follows it
    last_visit: date | None = None
    progress_this_month: bool = False  # a sale, account entry, activity, training or visit

    @property
    def target(self) -> str:
        return f"household:{self.household_id}"


class Due(NamedTuple):
    """One reminder that is due: to whom (by role), about what, for which period."""

    kind: str
    target: str  # "group:5" / "household:3" / "officer:7"
    role: str  # officer | chair | treasurer | trainer
    period: str  # "2025-W43", "2025-10", "2025-09:5", "FY2024"
    subject: str  # the group's or household's name, for the message
    about: date | None = None  # the month, or the start of the reporting year, concerned
    stage: int = 0  # 0 for the first reminder, 1 for "again"
    # An escalation whose first reminder had nobody to go to (no treasurer holds the role yet):
    # the officer is told that, not "the treasurer was reminded". Not part of the reminder's key.
    nobody_reminded: bool = False


class VisitDue(NamedTuple):
    """A group or household the officer should visit in the current period."""

    target: str
    name: str
    officer_id: int
    every: str  # week | month
    last_visit: date | None
    overdue_days: int  # days past the date the visit fell due (negative: due later this period)

    def days_since(self, today: date) -> int | None:
        return None if self.last_visit is None else (today - self.last_visit).days


# --- the rules -------------------------------------------------------------------------


def is_new_group(founded_on: date, cadence: Cadence, today: date) -> bool:
    return today < add_months_clamped(founded_on, cadence.new_group_months)


def visit_due(group: GroupFacts, cadence: Cadence, moment: Moment) -> VisitDue | None:
    """Officer visit: weekly in the group's first `new_group_months`, monthly after; a visit
    logged in the current period (calendar week or month) satisfies it."""
    if not cadence.enabled or group.founded_on > moment.today:
        return None
    weekly = is_new_group(group.founded_on, cadence, moment.today)
    start = moment.week_start if weekly else moment.month_start
    last = group.last_visit
    if last is not None and last >= start:
        return None
    if last is None:
        due_from = group.founded_on
    else:
        due_from = last + timedelta(days=7) if weekly else add_months_clamped(last, 1)
    return VisitDue(
        target=group.target,
        name=group.name,
        officer_id=group.officer_id,
        every=WEEK if weekly else MONTH,
        last_visit=last,
        overdue_days=(moment.today - due_from).days,
    )


def household_visit_due(household: HouseholdFacts, moment: Moment) -> VisitDue | None:
    """Households the officer follows are due a visit once a calendar month."""
    last = household.last_visit
    if last is not None and last >= moment.month_start:
        return None
    return VisitDue(
        target=household.target,
        name=f"ครัวเรือน{household.name}",
        officer_id=household.officer_id,
        every=MONTH,
        last_visit=last,
        # Never visited: as overdue as a visit can be; sorted by name among equals.
        overdue_days=10**6 if last is None else (moment.today - add_months_clamped(last, 1)).days,
    )


def reporting_year_start(today: date, start_month: int) -> date:
    """The first day of the reporting year `today` falls in."""
    year = today.year if today.month >= start_month else today.year - 1
    return date(year, start_month, 1)


class Rules:
    """The group rules for one cadence at one moment. Everything that does not depend on the
    group (today's reminder stage, the reporting year, the windows) is worked out once here,
    so that asking about 100,000 groups costs little more than reading their facts."""

    def __init__(self, cadence: Cadence, moment: Moment) -> None:
        self.cadence = cadence
        self.moment = moment
        today = moment.today
        # Meeting: the chair from the due day; the officer on the month's last day, or within
        # a week after it for a sweep that missed that day.
        self.chair_due = bool(cadence.meeting_due_day) and today.day >= min(
            cadence.meeting_due_day, moment.month_end.day
        )
        self.flag_this_month = today == moment.month_end
        self.flag_last_month = today.day <= MEETING_FLAG_GRACE_DAYS
        # Figures for last month: the latest reminder day that has come, and the escalation.
        stages = [d for d in cadence.figures_remind_days if d <= today.day]
        self.figures_stage = len(stages) - 1
        self.figures_period = f"{moment.prev_month}:{stages[-1]}" if stages else ""
        self.figures_late = bool(cadence.figures_escalate_day) and (
            today.day >= cadence.figures_escalate_day
        )
        # Annual summary of the reporting year that just ended.
        self.year_start: date | None = None
        if cadence.fiscal_year_start_month:
            start = reporting_year_start(today, cadence.fiscal_year_start_month)
            self.year_start = start
            self.summarised = start.replace(year=start.year - 1)
            self.annual_period = f"FY{self.summarised.year}"
            self.annual_late = today >= start + timedelta(days=cadence.annual_escalate_days)

    def meeting(self, group: GroupFacts, target: str) -> list[Due]:
        m = self.moment
        due: list[Due] = []
        if self.chair_due and not group.meeting_this_month and group.founded_on < m.month_start:
            due.append(Due(MEETING, target, CHAIR, m.month, group.name, m.month_start))
        if self.flag_this_month and not group.meeting_this_month:
            flagged, key = m.month_start, m.month
        elif self.flag_last_month and not group.meeting_last_month:
            flagged, key = m.prev_month_start, m.prev_month
        else:
            return due
        if group.founded_on < flagged:
            due.append(Due(MEETING_LATE, target, OFFICER, key, group.name, flagged))
        return due

    def figures(self, group: GroupFacts, target: str) -> list[Due]:
        m = self.moment
        if group.figures_last_month or group.founded_on >= m.month_start:
            return []  # submitted, or the group did not exist last month
        month = m.prev_month_start
        due: list[Due] = []
        if self.figures_period:
            due.append(
                Due(FIGURES, target, TREASURER, self.figures_period, group.name, month,
                    self.figures_stage)
            )  # fmt: skip
        if self.figures_late:
            due.append(Due(FIGURES_LATE, target, OFFICER, m.prev_month, group.name, month))
        return due

    def annual(self, group: GroupFacts, target: str) -> list[Due]:
        start = self.year_start
        if start is None or group.founded_on >= start:
            return []
        if self.summarised.year in group.annual_years:
            return []
        if self.annual_late:
            return [
                Due(ANNUAL_LATE, target, OFFICER, self.annual_period, group.name, self.summarised)
            ]
        return [Due(ANNUAL, target, TREASURER, self.annual_period, group.name, self.summarised)]

    def group(self, group: GroupFacts) -> list[Due]:
        """Every reminder about `group` due now (its visit goes in the officer's digest)."""
        if not self.cadence.enabled:
            return []
        target = group.target
        return [
            *self.meeting(group, target),
            *self.figures(group, target),
            *self.annual(group, target),
        ]


@functools.lru_cache(maxsize=64)
def rules(cadence: Cadence, moment: Moment) -> Rules:
    return Rules(cadence, moment)


def group_reminders(group: GroupFacts, cadence: Cadence, moment: Moment) -> list[Due]:
    """Every reminder about one group that is due at `moment` (visits go in the digest)."""
    return rules(cadence, moment).group(group)


def household_reminders(household: HouseholdFacts, cadence: Cadence, moment: Moment) -> list[Due]:
    """Trained households: from the progress day, the responsible trainer (the officer when no
    trainer is linked) is reminded once a month of each household with no progress record."""
    day = cadence.household_progress_day
    if not day or household.progress_this_month:
        return []
    if moment.today.day < min(day, moment.month_end.day):
        return []
    role = TRAINER if household.has_trainer else OFFICER
    return [
        Due(HOUSEHOLD, household.target, role, moment.month, household.name, moment.month_start)
    ]


def order_visits(items: Iterable[VisitDue]) -> list[VisitDue]:
    """Most overdue first; among equals, by name (stable, so digests read the same twice)."""
    return sorted(items, key=lambda v: (-v.overdue_days, v.name, v.target))


def digest_due(
    officer_id: int, visits: Iterable[VisitDue], moment: Moment, schedule: Schedule
) -> Due | None:
    """The officer's digest, if one is due now and there is something in it."""
    slot = digest_slot(moment, schedule)
    if slot is None or not any(True for _ in visits):
        return None
    return Due(slot, f"officer:{officer_id}", OFFICER, moment.week, "", moment.week_start)
