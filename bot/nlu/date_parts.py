"""What a date pattern resolves to (`Found`) and calendar arithmetic that cannot raise.

The shared ground of the date rules: each resolver (`absolute_dates`, `relative_dates`,
`clock_times`) turns one regex match into a `Found`; `dates.scan_dates` ranks them. A typed
"31 ก.พ." or a year 3100 must give "no date", never an exception, hence the helpers here."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date
from decimal import Decimal

Day = date  # the field names below shadow `date` inside the class bodies


@dataclass(frozen=True, slots=True)
class Found:
    rank: int  # lower wins when several dates are found
    start: int
    date: Day | None = None
    month: Day | None = None
    problem: str | None = None  # "date" or "month" when the text named an impossible one
    future: bool = False
    week: bool = False
    month_is_name: bool = False
    span: Decimal | None = None  # a clock range's length in hours
    is_span: bool = False


Resolver = Callable[["re.Match[str]", date], "Found | None"]


def make_date(year: int, month: int, day: int) -> date | None:
    if not (MINYEAR <= year <= MAXYEAR and 1 <= month <= 12 and day >= 1):
        return None
    if day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def shift(day: date, days: int) -> date | None:
    ordinal = day.toordinal() + days
    if not 1 <= ordinal <= date.max.toordinal():
        return None
    return date.fromordinal(ordinal)


def month_start(year: int, month: int) -> date | None:
    """First day of ``month`` of ``year``, month arithmetic allowed to overflow (13, 0, -1...)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return make_date(year, month, 1)


def ce_year(digits: str | None, era: str | None) -> int | None:
    """The Common-Era year of a typed year, or None when it is not a plausible year."""
    if digits is None:
        return None
    value = int(digits)
    christian = era is not None and era.startswith("ค")
    if len(digits) == 2:
        value += 2000 if christian else 2500
    if not christian and value >= 2400:
        value -= 543
    elif era is not None and not christian:
        return None  # "พ.ศ. 2025": an era that contradicts the number
    return value if 1900 <= value <= 2200 else None
