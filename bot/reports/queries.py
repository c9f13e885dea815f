"""Month arithmetic and the grouped queries the reports share. Each query is one statement
over a whole window (never one per month or per group), and works on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import extract, func, select

from bot.storage.models import Sale
from bot.storage.unit_of_work import UnitOfWork

_LEADING_VOWEL = re.compile(r"([เแโใไ])([ก-ฮ])")
_TONE_MARKS = re.compile(r"[่-์]")


def thai_sort_key(text: str) -> str:
    """Thai dictionary order, near enough for lists of places and names: a leading vowel
    (เ แ โ ใ ไ) sorts by the consonant after it, and tone marks are ignored, so บ้านโนนดู่
    comes before บ้านหนองโพ (plain code-point order puts every โ-word last)."""
    return _TONE_MARKS.sub("", _LEADING_VOWEL.sub(r"\2\1", text))


def first_of(month: date) -> date:
    return month.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after `month` (negative: before)."""
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def months_ending(end_month: date, months: int = 12) -> list[date]:
    """The first days of the `months` calendar months ending with `end_month`, oldest first."""
    end = first_of(end_month)
    return [add_months(end, offset) for offset in range(-(months - 1), 1)]


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
            Sale.withdrawn_at.is_(None),
            Sale.on_date >= window[0],
            Sale.on_date < add_months(window[-1], 1),
        )
        .group_by(year, month)
    )
    totals = {date(int(y), int(m), 1): Decimal(total or 0) for y, m, total in rows}
    return [(first, totals.get(first, Decimal(0))) for first in window]
