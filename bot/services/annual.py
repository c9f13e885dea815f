"""The annual profit summary a group sends its officer each year (DOMAIN.md, "5 ก"): revenue,
costs, profit and dividends paid over the group's reporting year, from the treasurer's monthly
figures. Submitting it again makes a new revision, as with the monthly figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.services.actors import Actor
from bot.services.dividends import dividends_paid
from bot.services.records import TREASURER_ONLY, resolve_group, snapshot
from bot.storage.models import AnnualSummary, Role
from bot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class YearFigures:
    group_id: int
    be_year: int
    start: date
    end: date
    revenue: Decimal
    costs: Decimal
    dividends: Decimal
    months_reported: int

    @property
    def profit(self) -> Decimal:
        return self.revenue - self.costs


async def year_figures(
    uow: UnitOfWork, group_id: int, be_year: int, start: date, end: date
) -> YearFigures:
    revenue, costs, months = await uow.money.year_totals(group_id, start, end)
    return YearFigures(
        group_id=group_id,
        be_year=be_year,
        start=start,
        end=end,
        revenue=revenue,
        costs=costs,
        dividends=await dividends_paid(uow, group_id, start, end),
        months_reported=months,
    )


async def submit_annual(
    uow: UnitOfWork,
    actor: Actor,
    figures: YearFigures,
    *,
    today: date,
    source_ref: str | None = None,
) -> AnnualSummary:
    resolve_group(actor, figures.group_id, (Role.TREASURER,), TREASURER_ONLY)
    year = figures.start.year
    highest = await uow.money.annual_revision(figures.group_id, year)
    row = AnnualSummary(
        group_id=figures.group_id,
        year=year,
        revision=highest + 1,
        revenue=figures.revenue,
        costs=figures.costs,
        profit=figures.profit,
        dividends=figures.dividends,
        on_date=today,
        recorded_by=actor.person_id,
        source_ref=source_ref,
    )
    await uow.records.add(row)
    await uow.audit.add(actor.person_id, "create", "annual_summary", row.id, after=snapshot(row))
    return row
