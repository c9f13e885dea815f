"""What the district overview shows (one row per group, the sort orders, the district's annual
summaries, dividends, households and trainings; the group page reuses the rows, see
bot/dashboard/group_queries.py), read with a few grouped queries per page (never one query per
group per fact). Who may see what is decided by bot/services/reports.py (`district_groups`,
`officer_may_see`); whether a visit is due and how overdue comes from scheduler/policy.py, the
same rules the follow-up reminders use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from bot.calendar import add_months, months_ending
from bot.config import Settings
from bot.reports import programme
from bot.reports.programme import AnnualRow, DividendRow, HouseholdRow, TrainingRow
from bot.reports.queries import year_month
from bot.services import reports
from bot.services.actors import Actor
from bot.storage.models import (
    Area,
    Meeting,
    MonthlyFigures,
    OccupationGroup,
    Sale,
    Visit,
)
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import thai_sort_key
from scheduler import policy
from scheduler.policy import Cadence, GroupFacts, Moment, VisitDue

TREND_MONTHS = 6  # the overview's sparkline
CHART_MONTHS = 12  # the group page's chart
TIMELINE_LIMIT = 40
VISITS_LIMIT = 20
FIGURES_LIMIT = 36
RECENT_LIMIT = 20  # the overview's newest annual summaries and dividends


# Figures of the previous month (treasurers send them after the month ends).
SUBMITTED = "submitted"  # on time
LATE = "late"  # submitted after the due day
MISSING = "missing"  # not submitted and the due day has passed
PENDING = "pending"  # not submitted, still before the due day
NOT_DUE = "not_due"  # the group did not exist in that month


@dataclass(frozen=True, slots=True)
class VisitStatus:
    """The officer's visit to one group in the current period (calendar week or month)."""

    every: str  # policy.WEEK | policy.MONTH
    last_visit: date | None
    due: VisitDue | None  # None: visited this period (or reminders off for the group)
    enabled: bool

    @property
    def overdue_days(self) -> int | None:
        return None if self.due is None else self.due.overdue_days

    @property
    def level(self) -> str:
        """overdue (past the due date) | due (due this period, not yet late) | ok | off"""
        if not self.enabled:
            return "off"
        if self.due is None:
            return "ok"
        return "overdue" if self.due.overdue_days > 0 else "due"


@dataclass(frozen=True, slots=True)
class FiguresStatus:
    month: date  # the month the figures are about (the previous calendar month)
    state: str  # SUBMITTED | LATE | MISSING | PENDING | NOT_DUE
    due_on: date  # the last day they are on time


@dataclass(frozen=True, slots=True)
class GroupRow:
    group_id: int
    name: str
    occupation: str
    village: str
    founded_on: date
    age_months: int
    visit: VisitStatus
    meetings: int  # this month
    figures: FiguresStatus
    sales: Decimal  # this month
    trend: tuple[tuple[date, Decimal], ...]  # oldest first, ending with this month


@dataclass(frozen=True, slots=True)
class Overview:
    district: str
    province: str | None
    today: date
    now: datetime
    month: date
    rows: list[GroupRow]
    # What treasurers sent up and the households' month (bot/reports/programme.py).
    annuals: list[AnnualRow] = field(default_factory=list)
    dividends: list[DividendRow] = field(default_factory=list)
    households: list[HouseholdRow] = field(default_factory=list)
    trainings: list[TrainingRow] = field(default_factory=list)

    @property
    def figures_month(self) -> date:
        """The month whose figures treasurers are sending now (the previous one)."""
        return add_months(self.month, -1)

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.rows if row.visit.level == "overdue")

    @property
    def figures_missing(self) -> int:
        return sum(1 for row in self.rows if row.figures.state == MISSING)

    @property
    def no_meeting(self) -> int:
        return sum(1 for row in self.rows if row.meetings == 0)

    @property
    def sales(self) -> Decimal:
        return sum((row.sales for row in self.rows), Decimal(0))


def months_between(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (0 when less than one)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


def age_text(months: int) -> str:
    if months < 1:
        return "ไม่ถึง 1 เดือน"
    years, rest = divmod(months, 12)
    if not years:
        return f"{rest} เดือน"
    return f"{years} ปี" + (f" {rest} เดือน" if rest else "")


def visit_status(
    group: OccupationGroup, last_visit: date | None, cadence: Cadence, moment: Moment
) -> VisitStatus:
    """The reminder policy's answer for this group, kept for display."""
    own = cadence.override(group.settings or None)
    facts = GroupFacts(
        group_id=group.id,
        name=group.name,
        officer_id=group.officer_id,
        founded_on=group.founded_on,
        last_visit=last_visit,
    )
    weekly = policy.is_new_group(group.founded_on, own, moment.today)
    return VisitStatus(
        every=policy.WEEK if weekly else policy.MONTH,
        last_visit=last_visit,
        due=policy.visit_due(facts, own, moment),
        enabled=own.enabled,
    )


def figures_status(
    group: OccupationGroup, first_created: datetime | None, moment: Moment, settings: Settings
) -> FiguresStatus:
    from bot.reports.export_rows import submission_deadline

    month = moment.prev_month_start
    deadline = submission_deadline(month, settings.figures_escalate_day, settings.tz)
    due_on = deadline.date() - timedelta(days=1)
    if group.founded_on >= moment.month_start:
        state = NOT_DUE
    elif first_created is not None:
        state = SUBMITTED if first_created < deadline else LATE
    else:
        state = MISSING if moment.now >= deadline else PENDING
    return FiguresStatus(month, state, due_on)


async def _pairs(uow: UnitOfWork, statement: Any) -> dict[Any, Any]:
    """A two-column query as a dict (first column -> second)."""
    return {key: value for key, value in await uow.session.execute(statement)}


async def _rows(
    uow: UnitOfWork, groups: Sequence[OccupationGroup], settings: Settings, moment: Moment
) -> list[GroupRow]:
    if not groups:
        return []
    facts = await _row_facts(uow, groups, moment)
    cadence = Cadence.from_settings(settings)
    return [_row(group, facts, cadence, moment, settings) for group in groups]


@dataclass(frozen=True, slots=True)
class _RowFacts:
    """The overview's grouped facts for a set of groups (one query each)."""

    villages: dict[int, str]
    last_visits: dict[int, date]
    meetings: dict[int, int]
    figures: dict[int, datetime]
    window: list[date]
    sales: dict[tuple[int, date], Decimal]


async def _row_facts(
    uow: UnitOfWork, groups: Sequence[OccupationGroup], moment: Moment
) -> _RowFacts:
    ids = [g.id for g in groups]
    villages: dict[int, str] = await _pairs(
        uow, select(Area.id, Area.name).where(Area.id.in_({g.village_id for g in groups}))
    )
    last_visits: dict[int, date] = await _pairs(
        uow,
        select(Visit.group_id, func.max(Visit.on_date))
        .where(
            Visit.group_id.in_(ids),
            Visit.not_withdrawn(),
            Visit.on_date <= moment.today,
        )
        .group_by(Visit.group_id),
    )
    next_month = add_months(moment.month_start, 1)
    meetings: dict[int, int] = await _pairs(
        uow,
        select(Meeting.group_id, func.count())
        .where(
            Meeting.group_id.in_(ids),
            Meeting.not_withdrawn(),
            Meeting.on_date >= moment.month_start,
            Meeting.on_date < next_month,
        )
        .group_by(Meeting.group_id),
    )
    figures: dict[int, datetime] = await _pairs(
        uow,
        select(MonthlyFigures.group_id, func.min(MonthlyFigures.created_at))
        .where(
            MonthlyFigures.group_id.in_(ids),
            MonthlyFigures.not_withdrawn(),
            MonthlyFigures.month == moment.prev_month_start,
        )
        .group_by(MonthlyFigures.group_id),
    )
    window = months_ending(moment.month_start, TREND_MONTHS)
    year, month = year_month(Sale.on_date)
    sales: dict[tuple[int, date], Decimal] = {}
    for group_id, y, m, total in await uow.session.execute(
        select(Sale.group_id, year, month, func.sum(Sale.amount))
        .where(
            Sale.group_id.in_(ids),
            Sale.not_withdrawn(),
            Sale.on_date >= window[0],
            Sale.on_date < next_month,
        )
        .group_by(Sale.group_id, year, month)
    ):
        sales[(int(group_id), date(int(y), int(m), 1))] = Decimal(total or 0)
    return _RowFacts(villages, last_visits, meetings, figures, window, sales)


def _row(
    group: OccupationGroup, facts: _RowFacts, cadence: Cadence, moment: Moment,
    settings: Settings,
) -> GroupRow:  # fmt: skip
    trend = tuple((first, facts.sales.get((group.id, first), Decimal(0))) for first in facts.window)
    return GroupRow(
        group_id=group.id,
        name=group.name,
        occupation=group.occupation,
        village=facts.villages.get(group.village_id, ""),
        founded_on=group.founded_on,
        age_months=months_between(group.founded_on, moment.today),
        visit=visit_status(group, facts.last_visits.get(group.id), cadence, moment),
        meetings=int(facts.meetings.get(group.id, 0)),
        figures=figures_status(group, facts.figures.get(group.id), moment, settings),
        sales=trend[-1][1],
        trend=trend,
    )


# --- sorting -----------------------------------------------------------------------------

SORTS = ("overdue", "name", "village", "age", "meetings", "figures", "sales")
_FIGURES_ORDER = {MISSING: 0, PENDING: 1, LATE: 2, SUBMITTED: 3, NOT_DUE: 4}


def _overdue_key(row: GroupRow) -> tuple[Any, ...]:
    # Groups with a visit due first, most overdue first (the digest's order, policy.order_visits),
    # then those visited this period, then those with reminders off; by name among equals.
    due = row.visit.due
    rank = {"overdue": 0, "due": 0, "ok": 1, "off": 2}[row.visit.level]
    return (rank, -(due.overdue_days if due else 0), thai_sort_key(row.name), row.group_id)


_KEYS: dict[str, Any] = {
    "overdue": _overdue_key,
    "name": lambda r: (thai_sort_key(r.name), r.group_id),
    "village": lambda r: (thai_sort_key(r.village), thai_sort_key(r.name), r.group_id),
    "age": lambda r: (-r.age_months, thai_sort_key(r.name), r.group_id),  # oldest first
    "meetings": lambda r: (r.meetings, thai_sort_key(r.name), r.group_id),  # fewest first
    "figures": lambda r: (_FIGURES_ORDER[r.figures.state], thai_sort_key(r.name), r.group_id),
    "sales": lambda r: (-r.sales, thai_sort_key(r.name), r.group_id),  # highest first
}


def sort_rows(rows: list[GroupRow], by: str, reverse: bool = False) -> list[GroupRow]:
    return sorted(rows, key=_KEYS.get(by, _overdue_key), reverse=reverse)


async def overview(uow: UnitOfWork, actor: Actor, settings: Settings, now: datetime) -> Overview:
    moment = Moment.of(now, settings.tz)
    groups = await reports.district_groups(uow, actor)
    assert actor.district_id is not None  # district_groups refuses anyone else
    district = await uow.groups.area_by_id(actor.district_id)
    province = (
        await uow.groups.area_by_id(district.parent_id)
        if district is not None and district.parent_id is not None
        else None
    )
    rows = await _rows(uow, groups, settings, moment)
    ids = programme.group_ids_of([actor.district_id])
    next_month = add_months(moment.month_start, 1)
    return Overview(
        district=district.name if district else "",
        province=province.name if province else None,
        today=moment.today,
        now=now,
        month=moment.month_start,
        rows=sort_rows(rows, "overdue"),
        annuals=(await programme.annual_summaries(uow, ids, settings.fiscal_year_start_month))[
            :RECENT_LIMIT
        ],
        dividends=(await programme.dividends(uow, ids))[:RECENT_LIMIT],
        households=await programme.households(
            uow, [actor.district_id], moment.month_start, next_month
        ),
        trainings=await programme.trainings(
            uow, [actor.district_id], moment.month_start, next_month
        ),
    )
