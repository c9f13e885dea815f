"""Month arithmetic has two meanings, and both are used: moving between months (report windows,
chart axes) and moving a day by months (a cadence counted from a group's founding day)."""

from __future__ import annotations

from datetime import date

from bot.calendar import (
    add_months,
    add_months_clamped,
    month_bounds,
    month_start,
    months_ending,
    previous_month,
)


def test_moving_between_months_lands_on_the_first() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 1)
    assert add_months(date(2026, 12, 3), 1) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 15), -1) == date(2025, 12, 1)
    assert previous_month(date(2026, 1, 3)) == date(2025, 12, 1)
    assert month_start(date(2026, 12, 3)) == date(2026, 12, 1)


def test_moving_a_day_by_months_keeps_the_day_within_the_month() -> None:
    assert add_months_clamped(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months_clamped(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months_clamped(date(2025, 1, 15), -1) == date(2024, 12, 15)


def test_a_month_is_half_open_and_windows_end_with_the_given_month() -> None:
    assert month_bounds(date(2026, 12, 17)) == (date(2026, 12, 1), date(2027, 1, 1))
    assert months_ending(date(2027, 2, 10), 3) == [
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
