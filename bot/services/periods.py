"""Calendar periods the programme reports on. A group's reporting year starts in a configurable
month (the Thai government fiscal year starts in October); a year is named, as Thai offices do,
by the Buddhist-Era year in which it ends ("ปีงบประมาณ 2568" = 1 Oct 2024 to 30 Sep 2025)."""

from __future__ import annotations

from datetime import date

from bot.calendar import BE_OFFSET


def reporting_year(be_year: int, start_month: int) -> tuple[date, date]:
    """[first day, first day of the next year) of the reporting year named `be_year`."""
    end_year = be_year - BE_OFFSET
    if start_month == 1:
        return date(end_year, 1, 1), date(end_year + 1, 1, 1)
    return date(end_year - 1, start_month, 1), date(end_year, start_month, 1)


def year_containing(day: date, start_month: int) -> int:
    """The BE name of the reporting year that contains `day`."""
    end_year = day.year + (1 if start_month != 1 and day.month >= start_month else 0)
    return end_year + BE_OFFSET


def last_completed_year(today: date, start_month: int) -> int:
    return year_containing(today, start_month) - 1
