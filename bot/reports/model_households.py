"""Model households (ครัวเรือนต้นแบบ): a ranked list per village of the district's target
households, to help the officer pick the village's model household each year (DOMAIN.md
step 8: one per village, then per sub-district and district).

The window is the 12 calendar months ending with `end_month` (the current month by default).
Three criteria, each ranked within the village (1 = best; equal values share a rank):

- growth: income of the latest 6 months minus income of the 6 months before, in baht
  (income = the household book's income entries + the household's sales). An absolute
  increase, so a household going from 0 to 500 baht does not beat one going from 10,000 to
  15,000; the percentage is shown as evidence when the earlier half had income.
- net: income minus expenses over the 12 months.
- regularity: how many of the 12 months have at least one record of the household's own
  (an income or expense entry, a sale, or an activity).

The composite is the sum of the three ranks; lower is better. Ties are broken by net, then
growth, then regularity (higher first), then name. Every rank comes with its evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from bot.calendar import add_months, months_ending
from bot.reports.queries import year_month
from bot.storage.models import AccountEntry, Activity, Area, Household, Sale
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import thai_sort_key

WINDOW_MONTHS = 12
HALF = WINDOW_MONTHS // 2
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class HouseholdEvidence:
    household_id: int
    head_name: str
    occupation: str
    income_recent: Decimal  # the latest 6 months
    income_previous: Decimal  # the 6 months before
    income_total: Decimal  # 12 months
    expenses_total: Decimal  # 12 months
    active_months: int  # of 12

    @property
    def growth(self) -> Decimal:
        return self.income_recent - self.income_previous

    @property
    def growth_percent(self) -> Decimal | None:
        if self.income_previous <= 0:
            return None
        return (self.growth * 100 / self.income_previous).quantize(Decimal(1))

    @property
    def net(self) -> Decimal:
        return self.income_total - self.expenses_total


@dataclass(frozen=True, slots=True)
class RankedHousehold:
    place: int  # 1 = the village's best candidate
    evidence: HouseholdEvidence
    growth_rank: int
    net_rank: int
    regularity_rank: int

    @property
    def score(self) -> int:
        """The composite: the sum of the three ranks (lower is better)."""
        return self.growth_rank + self.net_rank + self.regularity_rank


@dataclass(frozen=True, slots=True)
class VillageRanking:
    village_id: int
    village: str
    households: tuple[RankedHousehold, ...]


@dataclass(frozen=True, slots=True)
class Window:
    first: date  # first day of the 12-month window
    middle: date  # first day of the latest 6 months
    after: date  # first day after the window

    @classmethod
    def ending(cls, end_month: date) -> Window:
        months = months_ending(end_month, WINDOW_MONTHS)
        return cls(months[0], months[HALF], add_months(months[-1], 1))


def competition_ranks(values: dict[int, Decimal | int]) -> dict[int, int]:
    """1 for the highest value; equal values share the better rank ("1, 2, 2, 4")."""
    ordered = sorted(values.values(), reverse=True)
    return {key: ordered.index(value) + 1 for key, value in values.items()}


def rank_village(evidence: list[HouseholdEvidence]) -> tuple[RankedHousehold, ...]:
    by_id = {e.household_id: e for e in evidence}
    growth = competition_ranks({k: e.growth for k, e in by_id.items()})
    net = competition_ranks({k: e.net for k, e in by_id.items()})
    regular = competition_ranks({k: e.active_months for k, e in by_id.items()})

    def order(e: HouseholdEvidence) -> tuple[Any, ...]:
        k = e.household_id
        return (
            growth[k] + net[k] + regular[k],
            -e.net,
            -e.growth,
            -e.active_months,
            e.head_name,
            k,
        )

    ranked = sorted(evidence, key=order)
    return tuple(
        RankedHousehold(
            place, e, growth[e.household_id], net[e.household_id], regular[e.household_id]
        )
        for place, e in enumerate(ranked, start=1)
    )


async def rank_model_households(
    uow: UnitOfWork, district_id: int, end_month: date
) -> list[VillageRanking]:
    """Every village of the district that has target households, each with its households
    ranked best first. Four queries for the whole district, whatever its size."""
    window = Window.ending(end_month)
    village = Area
    households = (
        await uow.session.execute(
            select(Household, village.name)
            .join(village, village.id == Household.village_id)
            .where(village.district_id == district_id)
            .order_by(village.name, village.id, Household.id)
        )
    ).all()
    if not households:
        return []
    in_district = (
        select(Household.id)
        .join(village, village.id == Household.village_id)
        .where(village.district_id == district_id)
    )

    income, expenses, active = await _monthly_money(uow, in_district, window)
    villages = _evidence(households, window, income, expenses, active)
    ordered = sorted(villages.items(), key=lambda item: (thai_sort_key(item[1][0]), item[0]))
    return [
        VillageRanking(village_id, name, rank_village(evidence))
        for village_id, (name, evidence) in ordered
    ]


_Income = dict[int, dict[date, Decimal]]


async def _monthly_money(
    uow: UnitOfWork, in_district: Any, window: Window
) -> tuple[_Income, dict[int, Decimal], dict[int, set[date]]]:
    """Per household: income per month, expenses, and the months with any record."""
    # (household, month) -> money, per kind; and the months with any record.
    income: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    expenses: dict[int, Decimal] = defaultdict(Decimal)
    active: dict[int, set[date]] = defaultdict(set)

    year, month = year_month(AccountEntry.on_date)
    for household_id, kind, y, m, total in await uow.session.execute(
        select(
            AccountEntry.household_id, AccountEntry.kind, year, month, func.sum(AccountEntry.amount)
        )
        .where(
            AccountEntry.household_id.in_(in_district),
            AccountEntry.not_withdrawn(),
            AccountEntry.on_date >= window.first,
            AccountEntry.on_date < window.after,
        )
        .group_by(AccountEntry.household_id, AccountEntry.kind, year, month)
    ):
        first = date(int(y), int(m), 1)
        active[household_id].add(first)
        if kind == "income":
            income[household_id][first] += Decimal(total or 0)
        elif kind == "expense":
            expenses[household_id] += Decimal(total or 0)

    year, month = year_month(Sale.on_date)
    for household_id, y, m, total in await uow.session.execute(
        select(Sale.household_id, year, month, func.sum(Sale.amount))
        .where(
            Sale.household_id.in_(in_district),
            Sale.not_withdrawn(),
            Sale.on_date >= window.first,
            Sale.on_date < window.after,
        )
        .group_by(Sale.household_id, year, month)
    ):
        first = date(int(y), int(m), 1)
        active[household_id].add(first)
        income[household_id][first] += Decimal(total or 0)

    year, month = year_month(Activity.on_date)
    for household_id, y, m in await uow.session.execute(
        select(Activity.household_id, year, month)
        .where(
            Activity.household_id.in_(in_district),
            Activity.not_withdrawn(),
            Activity.on_date >= window.first,
            Activity.on_date < window.after,
        )
        .group_by(Activity.household_id, year, month)
    ):
        active[household_id].add(date(int(y), int(m), 1))
    return income, expenses, active


def _evidence(
    households: Any, window: Window, income: _Income, expenses: dict[int, Decimal],
    active: dict[int, set[date]],
) -> dict[int, tuple[str, list[HouseholdEvidence]]]:  # fmt: skip
    villages: dict[int, tuple[str, list[HouseholdEvidence]]] = {}
    for household, village_name in households:
        by_month = income[household.id]
        recent = sum((v for k, v in by_month.items() if k >= window.middle), ZERO)
        previous = sum((v for k, v in by_month.items() if k < window.middle), ZERO)
        villages.setdefault(household.village_id, (village_name, []))[1].append(
            HouseholdEvidence(
                household_id=household.id,
                head_name=household.head_name,
                occupation=household.occupation,
                income_recent=recent,
                income_previous=previous,
                income_total=recent + previous,
                expenses_total=expenses[household.id],
                active_months=len(active[household.id]),
            )
        )
    return villages
