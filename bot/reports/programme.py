"""What officers need to see beyond the groups' month: the annual summaries and dividends the
treasurers sent, and the target households' side of the programme (officer visits, the
household account book, trainings and who attended). Shared by the district workbook
(bot/reports/export.py) and the dashboard (bot/dashboard/queries.py).

Every fact comes from one grouped statement over all the groups or households of the districts
asked for (a sub-select of ids, never one query per group or household).

Definitions (also in docs/reports.md):
- an annual summary is the current revision of a group's year (the highest not withdrawn);
  earlier revisions are kept and counted in `revisions`;
- a dividend is one confirmed payout not withdrawn; `members_paid` counts shares above zero;
- a household's visits, income, expenses and trainings are records dated in the month and not
  withdrawn; `last_visit` is the latest visit up to the end of the month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from bot.calendar import BE_OFFSET
from bot.storage.models import (
    AccountEntry,
    Activity,
    AnnualSummary,
    Area,
    Dividend,
    DividendShare,
    Household,
    OccupationGroup,
    Person,
    TrainingAttendance,
    Visit,
)
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import thai_sort_key

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class AnnualRow:
    district_id: int
    group_id: int
    group: str
    village: str
    be_year: int  # the year's Buddhist-Era name (`year_label`): ปีงบประมาณ 2568
    year: int  # CE year in which the reporting year starts (AnnualSummary.year)
    revision: int
    revisions: int  # how many were sent for that year, withdrawn ones included
    revenue: Decimal
    costs: Decimal
    profit: Decimal
    dividends: Decimal
    on_date: date
    sender: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ShareRow:
    name: str
    units: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class DividendRow:
    district_id: int
    group_id: int
    group: str
    village: str
    dividend_id: int
    period_start: date
    period_last: date  # the last day of the period (the stored end is exclusive)
    total: Decimal
    total_units: Decimal
    members_paid: int
    on_date: date
    sender: str
    created_at: datetime
    shares: tuple[ShareRow, ...] = ()


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    district_id: int
    household_id: int
    head: str
    village: str
    occupation: str
    trainer: str
    visits: int  # officer visits in the month
    last_visit: date | None  # up to the end of the month
    income: Decimal  # account book, the month
    expenses: Decimal
    entries: int  # account-book lines in the month
    trainings: int  # training sessions attended in the month

    @property
    def balance(self) -> Decimal:
        return self.income - self.expenses


@dataclass(frozen=True, slots=True)
class TrainingRow:
    district_id: int
    activity_id: int
    on_date: date
    trainer: str
    topics: str | None
    attendees: int | None  # as recorded (may count people beyond the target households)
    households: tuple[str, ...]  # target households of the district marked as attending
    created_at: datetime


def year_label(start_year_ce: int, fiscal_start_month: int) -> int:
    """The BE year a reporting year is called by: a fiscal year starting in October 2024 is
    ปีงบประมาณ 2568; a calendar year 2025 is 2568 (bot/services/periods.py)."""
    return start_year_ce + BE_OFFSET + (1 if fiscal_start_month > 1 else 0)


def _villages_of(district_ids: Sequence[int]) -> Select[int]:
    return select(Area.id).where(Area.district_id.in_(list(district_ids)))


def group_ids_of(district_ids: Sequence[int]) -> Select[int]:
    return select(OccupationGroup.id).where(
        OccupationGroup.village_id.in_(_villages_of(district_ids))
    )


def household_ids_of(district_ids: Sequence[int]) -> Select[int]:
    return select(Household.id).where(Household.village_id.in_(_villages_of(district_ids)))


async def _group_places(uow: UnitOfWork, groups: Select[int]) -> dict[int, tuple[str, str, int]]:
    """group id -> (name, village, district id)."""
    village = aliased(Area)
    rows = await uow.session.execute(
        select(OccupationGroup.id, OccupationGroup.name, village.name, village.district_id)
        .join(village, village.id == OccupationGroup.village_id)
        .where(OccupationGroup.id.in_(groups))
    )
    return {gid: (name, vname, int(parent or 0)) for gid, name, vname, parent in rows}


def _by_group(row: AnnualRow | DividendRow) -> tuple[object, ...]:
    return (thai_sort_key(row.village), thai_sort_key(row.group), row.group_id)


async def annual_summaries(
    uow: UnitOfWork,
    groups: Select[int],
    fiscal_start_month: int,
    *,
    before: date | None = None,
) -> list[AnnualRow]:
    """The current annual summary of every group-year (newest year first, then by village and
    group), among those sent (dated) before `before` when given."""
    places = await _group_places(uow, groups)
    query = (
        select(AnnualSummary, Person.name)
        .join(Person, Person.id == AnnualSummary.recorded_by)
        .where(AnnualSummary.group_id.in_(groups))
        .order_by(AnnualSummary.group_id, AnnualSummary.year, AnnualSummary.revision)
    )
    if before is not None:
        query = query.where(AnnualSummary.on_date < before)
    sent: dict[tuple[int, int], list[tuple[AnnualSummary, str]]] = defaultdict(list)
    for row, sender in await uow.session.execute(query):
        sent[(row.group_id, row.year)].append((row, sender))
    out = []
    for (group_id, year), revisions in sent.items():
        kept = [(r, s) for r, s in revisions if r.withdrawn_at is None]
        if not kept:
            continue
        current, sender = kept[-1]
        name, village, district_id = places[group_id]
        out.append(
            AnnualRow(
                district_id=district_id, group_id=group_id, group=name, village=village,
                be_year=year_label(year, fiscal_start_month), year=year,
                revision=current.revision, revisions=len(revisions), revenue=current.revenue,
                costs=current.costs, profit=current.profit, dividends=current.dividends,
                on_date=current.on_date, sender=sender, created_at=current.created_at,
            )
        )  # fmt: skip
    return sorted(out, key=lambda r: (-r.year, *_by_group(r)))


async def dividends(
    uow: UnitOfWork,
    groups: Select[int],
    *,
    before: date | None = None,
    with_shares: bool = False,
) -> list[DividendRow]:
    """Every confirmed dividend not withdrawn (dated before `before` when given), newest
    first; with each member's share when `with_shares` (the dashboard's group page)."""
    places = await _group_places(uow, groups)
    query = (
        select(Dividend, Person.name)
        .join(Person, Person.id == Dividend.recorded_by)
        .where(Dividend.group_id.in_(groups), Dividend.not_withdrawn())
    )
    if before is not None:
        query = query.where(Dividend.on_date < before)
    found = (await uow.session.execute(query)).all()
    ids = [d.id for d, _ in found]
    paid: dict[int, int] = {}
    shares: dict[int, list[ShareRow]] = defaultdict(list)
    if ids:
        paid = {
            did: int(count)
            for did, count in await uow.session.execute(
                select(DividendShare.dividend_id, func.count())
                .where(DividendShare.dividend_id.in_(ids), DividendShare.amount > 0)
                .group_by(DividendShare.dividend_id)
            )
        }
        if with_shares:
            for did, name, units, amount in await uow.session.execute(
                select(DividendShare.dividend_id, Person.name, DividendShare.units,
                       DividendShare.amount)
                .join(Person, Person.id == DividendShare.person_id)
                .where(DividendShare.dividend_id.in_(ids))
                .order_by(DividendShare.dividend_id, DividendShare.amount.desc(), Person.name)
            ):  # fmt: skip
                shares[did].append(ShareRow(name, units, amount))
    out = []
    for dividend, sender in found:
        name, village, district_id = places[dividend.group_id]
        out.append(
            DividendRow(
                district_id=district_id, group_id=dividend.group_id, group=name,
                village=village, dividend_id=dividend.id, period_start=dividend.period_start,
                period_last=date.fromordinal(dividend.period_end.toordinal() - 1),
                total=dividend.total, total_units=dividend.total_units,
                members_paid=paid.get(dividend.id, 0), on_date=dividend.on_date,
                sender=sender, created_at=dividend.created_at,
                shares=tuple(shares.get(dividend.id, ())),
            )
        )  # fmt: skip
    return sorted(out, key=lambda r: (-r.on_date.toordinal(), *_by_group(r), -r.dividend_id))


async def households(
    uow: UnitOfWork, district_ids: Sequence[int], first: date, after: date
) -> list[HouseholdRow]:
    """Every target household of these districts with its month: officer visits, the account
    book's totals and the trainings attended; by village, then head of household."""
    ids = household_ids_of(district_ids)
    village = aliased(Area)
    found = (
        await uow.session.execute(
            # Columns, not ORM objects: a district has ~1,700 households (country-scale bench).
            select(
                Household.id,
                Household.head_name,
                Household.occupation,
                Household.trainer_name,
                village.name,
                village.district_id,
            )
            .join(village, village.id == Household.village_id)
            .where(Household.id.in_(ids))
        )
    ).all()
    if not found:
        return []

    async def pairs(query: Any) -> dict[Any, Any]:
        return {key: value for key, value in await uow.session.execute(query)}

    visits = await pairs(
        select(Visit.household_id, func.count())
        .where(Visit.household_id.in_(ids), Visit.not_withdrawn(),
               Visit.on_date >= first, Visit.on_date < after)
        .group_by(Visit.household_id)
    )  # fmt: skip
    last_visit = await pairs(
        select(Visit.household_id, func.max(Visit.on_date))
        .where(Visit.household_id.in_(ids), Visit.not_withdrawn(), Visit.on_date < after)
        .group_by(Visit.household_id)
    )
    book: dict[tuple[int, str], tuple[Decimal, int]] = {}
    for household_id, kind, total, count in await uow.session.execute(
        select(AccountEntry.household_id, AccountEntry.kind, func.sum(AccountEntry.amount),
               func.count())
        .where(AccountEntry.household_id.in_(ids), AccountEntry.not_withdrawn(),
               AccountEntry.on_date >= first, AccountEntry.on_date < after)
        .group_by(AccountEntry.household_id, AccountEntry.kind)
    ):  # fmt: skip
        book[(household_id, kind)] = (Decimal(total or 0), int(count))
    trainings = await pairs(
        select(TrainingAttendance.household_id, func.count())
        .join(Activity, Activity.id == TrainingAttendance.activity_id)
        .where(TrainingAttendance.household_id.in_(ids), Activity.not_withdrawn(),
               Activity.on_date >= first, Activity.on_date < after)
        .group_by(TrainingAttendance.household_id)
    )  # fmt: skip
    return _household_rows(found, visits, last_visit, book, trainings)


def _household_rows(
    found: Any, visits: dict[Any, Any], last_visit: dict[Any, Any],
    book: dict[tuple[int, str], tuple[Decimal, int]], trainings: dict[Any, Any],
) -> list[HouseholdRow]:  # fmt: skip
    """One row per household, by village, then head of household."""
    out = []
    for hid, head, occupation, trainer, village_name, district_id in found:
        income, in_count = book.get((hid, "income"), (ZERO, 0))
        expenses, out_count = book.get((hid, "expense"), (ZERO, 0))
        seen = last_visit.get(hid)
        out.append(
            HouseholdRow(
                district_id=int(district_id or 0), household_id=hid,
                head=head, village=village_name, occupation=occupation, trainer=trainer,
                visits=int(visits.get(hid, 0) or 0),
                last_visit=seen if isinstance(seen, date) else None,
                income=income, expenses=expenses, entries=in_count + out_count,
                trainings=int(trainings.get(hid, 0) or 0),
            )
        )  # fmt: skip
    return sorted(
        out, key=lambda r: (thai_sort_key(r.village), thai_sort_key(r.head), r.household_id)
    )


async def trainings(
    uow: UnitOfWork, district_ids: Sequence[int], first: date, after: date
) -> list[TrainingRow]:
    """The month's training sessions that target households of these districts attended, with
    who attended (by head of household), oldest first."""
    ids = household_ids_of(district_ids)
    village = aliased(Area)
    rows = await uow.session.execute(
        select(Activity, Person.name, Household.head_name, village.district_id)
        .join(TrainingAttendance, TrainingAttendance.activity_id == Activity.id)
        .join(Household, Household.id == TrainingAttendance.household_id)
        .join(village, village.id == Household.village_id)
        .join(Person, Person.id == Activity.recorded_by)
        .where(
            TrainingAttendance.household_id.in_(ids),
            Activity.kind == "training",
            Activity.not_withdrawn(),
            Activity.on_date >= first,
            Activity.on_date < after,
        )
        .order_by(Activity.on_date, Activity.id, Household.head_name)
    )
    sessions: dict[tuple[int, int], tuple[Activity, str, list[str]]] = {}
    for activity, trainer, head, district_id in rows:
        key = (activity.id, int(district_id or 0))
        sessions.setdefault(key, (activity, trainer, []))[2].append(head)
    return [
        TrainingRow(
            district_id=district_id, activity_id=activity.id, on_date=activity.on_date,
            trainer=trainer, topics=activity.topics, attendees=activity.attendees,
            households=tuple(heads), created_at=activity.created_at,
        )
        for (_, district_id), (activity, trainer, heads) in sessions.items()
    ]  # fmt: skip
