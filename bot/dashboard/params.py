"""What a dashboard URL may carry: a month within the last three years, an id the database can
hold. Anything else is None, answered with a 400 or 404 page, never a database error."""

from __future__ import annotations

import re
from datetime import date

from bot.calendar import add_months

EXPORT_MONTHS_BACK = 36
MAX_ID = 2**31 - 1  # ids are 32-bit in the database; a larger one names nothing
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month(value: str | None, this_month: date) -> date | None:
    if not value:
        return this_month
    match = _MONTH.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    found = date(int(match.group(1)), int(match.group(2)), 1)
    if found > this_month or found < add_months(this_month, -EXPORT_MONTHS_BACK):
        return None
    return found


def path_id(value: object) -> int | None:
    """A path id the database can hold, else None (answered 404, never a database error)."""
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None


def query_int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) <= 10 else None
