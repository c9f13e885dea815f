"""split_by_work: exact to the satang, proportional to work, nothing for no work."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.services.dividends import split_by_work
from bot.services.periods import last_completed_year, reporting_year, year_containing

totals = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2)
units = st.dictionaries(
    st.integers(min_value=1, max_value=500),
    st.decimals(min_value=Decimal(0), max_value=Decimal(10000), places=1),
    min_size=1,
    max_size=40,
)


@given(totals, units)
def test_parts_add_up_to_the_total_exactly(total: Decimal, work: dict[int, Decimal]) -> None:
    shares = split_by_work(total, work)
    if any(v > 0 for v in work.values()):
        assert sum(shares.values()) == total
    else:
        assert all(v == 0 for v in shares.values())
    assert all(v == v.quantize(Decimal("0.01")) for v in shares.values())


@given(totals, units)
def test_more_work_never_gets_less(total: Decimal, work: dict[int, Decimal]) -> None:
    shares = split_by_work(total, work)
    for a in work:
        for b in work:
            if work[a] > work[b]:
                assert shares[a] >= shares[b]


@given(totals, units)
def test_no_work_gets_nothing(total: Decimal, work: dict[int, Decimal]) -> None:
    shares = split_by_work(total, work)
    assert all(shares[k] == 0 for k, v in work.items() if v == 0)
    assert set(shares) == set(work)


def test_a_worked_example_from_the_group_rules() -> None:
    shares = split_by_work(Decimal("12000"), {"บุญมี": Decimal(30), "ประไพ": Decimal(20),
                                              "สมศรี": Decimal(15), "มาลี": Decimal(0)})  # fmt: skip
    assert shares == {"บุญมี": Decimal("5538.46"), "ประไพ": Decimal("3692.31"),
                      "สมศรี": Decimal("2769.23"), "มาลี": Decimal("0.00")}  # fmt: skip


def test_one_satang_among_three_goes_to_the_most_work() -> None:
    assert split_by_work(Decimal("0.01"), {1: Decimal(1), 2: Decimal(3), 3: Decimal(2)}) == {
        1: Decimal(0), 2: Decimal("0.01"), 3: Decimal(0)
    }  # fmt: skip


def test_thai_fiscal_years_are_named_by_the_year_they_end() -> None:
    from datetime import date

    assert reporting_year(2568, 10) == (date(2024, 10, 1), date(2025, 10, 1))
    assert reporting_year(2568, 1) == (date(2025, 1, 1), date(2026, 1, 1))
    assert year_containing(date(2025, 10, 20), 10) == 2569
    assert year_containing(date(2025, 9, 30), 10) == 2568
    assert last_completed_year(date(2025, 10, 20), 10) == 2568
    assert last_completed_year(date(2025, 10, 20), 1) == 2567
