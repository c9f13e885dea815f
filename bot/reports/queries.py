"""Month arithmetic and the grouped queries the reports share. Each query is one statement
over a whole window (never one per month or per group), and works on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import extract, func, select

from bot.calendar import add_months, months_ending
from bot.storage.models import Sale
from bot.storage.unit_of_work import UnitOfWork


def year_month(column: Any) -> tuple[Any, Any]:
    """(year, month) SQL expressions of a DATE column, the same on SQLite and PostgreSQL."""
    return extract("year", column), extract("month", column)


async def sales_by_month(
    uow: UnitOfWork, group_id: int, end_month: date, months: int = 12
) -> list[tuple[date, Decimal]]:
    """A group's sales (not withdrawn) per calendar month for the `months` months ending with
    `end_month`, oldest first, as (first day of month, total); months without sales are 0."""
    window = months_ending(end_month, months)
    year, month = year_month(Sale.on_date)
    rows = await uow.session.execute(
        select(year, month, func.sum(Sale.amount))
        .where(
            Sale.group_id == group_id,
            Sale.not_withdrawn(),
            Sale.on_date >= window[0],
            Sale.on_date < add_months(window[-1], 1),
        )
        .group_by(year, month)
    )
    totals = {date(int(y), int(m), 1): Decimal(total or 0) for y, m, total in rows}
    return [(first, totals.get(first, Decimal(0))) for first in window]
