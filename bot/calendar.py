"""Calendar arithmetic in one place: the timezone the programme lives in, the Buddhist-Era
offset, and the two meanings of "a month later" — kept apart on purpose:

- `add_months` moves between *months* (always the first day): report windows, chart axes.
- `add_months_clamped` moves a *day* (31 Jan + 1 month = 28/29 Feb): a cadence counted from a
  group's founding day.

Wording (how a date reads in Thai) lives in `bot.wording`; reporting years in
`bot.services.periods`."""

from __future__ import annotations

import calendar
import functools
from datetime import date
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543  # Buddhist-Era year = Gregorian year + 543


def month_start(day: date) -> date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after `month`'s (negative: before)."""
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


@functools.lru_cache(maxsize=8192)  # a sweep asks about the same few thousand days again and again
def add_months_clamped(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_bounds(month: date) -> tuple[date, date]:
    """[first day, first day of the next month) of `month`'s month."""
    first = month_start(month)
    return first, add_months(first, 1)


def previous_month(today: date) -> date:
    """The first day of the month before `today`'s."""
    return add_months(today, -1)


def months_ending(end_month: date, months: int = 12) -> list[date]:
    """The first days of the `months` calendar months ending with `end_month`, oldest first."""
    return [add_months(end_month, offset) for offset in range(-(months - 1), 1)]
