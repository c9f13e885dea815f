"""A group's money over a period: work units for dividends, dividends paid, the year's figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from bot.storage.models import (
    AnnualSummary,
    Dividend,
    DividendShare,
    Membership,
    MonthlyFigures,
    Person,
    WorkLog,
)
from bot.storage.repositories.base import _Repository


class GroupMoneyRepository(_Repository):
    async def work_units(self, group_id: int, start: date, end: date) -> dict[int, Decimal]:
        """Work units per person in [start, end): hours, or the quantity made when no hours."""
        rows = await self.session.execute(
            select(WorkLog.person_id, func.sum(func.coalesce(WorkLog.hours, WorkLog.quantity, 0)))
            .where(
                WorkLog.group_id == group_id,
                WorkLog.not_withdrawn(),
                WorkLog.on_date >= start,
                WorkLog.on_date < end,
            )
            .group_by(WorkLog.person_id)
        )
        return {person_id: Decimal(units or 0) for person_id, units in rows}

    async def member_names(self, group_id: int) -> dict[int, str]:
        """The group's current members, person id to name."""
        rows = await self.session.execute(
            select(Person.id, Person.name)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.group_id == group_id, Membership.until.is_(None))
        )
        return {person_id: name for person_id, name in rows}

    async def add_shares(self, shares: list[DividendShare]) -> None:
        self.session.add_all(shares)
        await self.session.flush()

    async def dividends_paid(self, group_id: int, start: date, end: date) -> Decimal:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(Dividend.total), 0)).where(
                Dividend.group_id == group_id,
                Dividend.not_withdrawn(),
                Dividend.period_start >= start,
                Dividend.period_end <= end,
            )
        )
        return Decimal(total or 0)

    async def year_totals(
        self, group_id: int, start: date, end: date
    ) -> tuple[Decimal, Decimal, int]:
        """Income, expenses and months reported in [start, end), from the current revision of
        each month only: a correction replaces, never adds."""
        latest = (
            select(MonthlyFigures.month, func.max(MonthlyFigures.revision).label("revision"))
            .where(
                MonthlyFigures.group_id == group_id,
                MonthlyFigures.not_withdrawn(),
                MonthlyFigures.month >= start,
                MonthlyFigures.month < end,
            )
            .group_by(MonthlyFigures.month)
            .subquery()
        )
        row = (
            await self.session.execute(
                select(
                    func.coalesce(func.sum(MonthlyFigures.income), 0),
                    func.coalesce(func.sum(MonthlyFigures.expenses), 0),
                    func.count(),
                )
                .join(
                    latest,
                    (latest.c.month == MonthlyFigures.month)
                    & (latest.c.revision == MonthlyFigures.revision),
                )
                .where(MonthlyFigures.group_id == group_id)
            )
        ).one()
        return Decimal(row[0]), Decimal(row[1]), int(row[2])

    async def annual_revision(self, group_id: int, year: int) -> int:
        """The highest revision of the group's annual summary for `year` (0 if none yet)."""
        highest = await self.session.scalar(
            select(func.max(AnnualSummary.revision)).where(
                AnnualSummary.group_id == group_id, AnnualSummary.year == year
            )
        )
        return highest or 0
