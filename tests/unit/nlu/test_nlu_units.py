"""units.py and money.py: canonical unit names, kinds, unit-price tokens, rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.nlu import money, units


@pytest.mark.parametrize(
    ("typed", "canonical", "kind"),
    [
        ("กิโล", "กิโลกรัม", "product"),
        ("กก.", "กิโลกรัม", "product"),
        ("กก", "กิโลกรัม", "product"),
        ("โล", "กิโลกรัม", "product"),
        ("KG", "กิโลกรัม", "product"),
        ("แพ็ก", "แพ็ค", "product"),
        ("แพค", "แพ็ค", "product"),
        ("ขีด", "ขีด", "product"),
        ("ฟอง", "ฟอง", "product"),
        ("ไร่", "ไร่", "land"),
        ("งาน", "งาน", "land"),
        ("ครัวเรือน", "ครัวเรือน", "people"),
        ("ราย", "ราย", "people"),
        ("ครั้ง", "ครั้ง", "times"),
        ("ชม.", "ชั่วโมง", "time"),
        ("นาที", "นาที", "time"),
    ],
)
def test_lookup(typed: str, canonical: str, kind: str) -> None:
    unit = units.lookup(typed)
    assert unit is not None
    assert (unit.name, unit.kind) == (canonical, kind)


@pytest.mark.parametrize("word", ["รายจ่าย", "ผลไม้", "หัวหอม", "งานวัด", "ไข่", "บาท", ""])
def test_words_that_start_with_a_unit_are_not_units(word: str) -> None:
    assert units.lookup(word) is None


@pytest.mark.parametrize(
    ("token", "canonical"),
    [("ตัวละ", "ตัว"), ("โลละ", "กิโลกรัม"), ("ฟองๆละ", "ฟอง"), ("แพคละ", "แพ็ค")],
)
def test_unit_price_token(token: str, canonical: str) -> None:
    unit = units.unit_price_token(token)
    assert unit is not None and unit.name == canonical


@pytest.mark.parametrize("token", ["ละ", "คละ", "ตัว", "บาทละ"])
def test_not_a_unit_price_token(token: str) -> None:
    assert units.unit_price_token(token) is None


def test_time_units_convert_to_hours() -> None:
    assert units.HOUR.to_hours(Decimal(3)) == Decimal(3)
    assert units.DAY.to_hours(Decimal("0.5")) == Decimal(4)
    assert units.MINUTE.to_hours(Decimal(30)) == Decimal("0.5")
    assert units.KILOGRAM.to_hours(Decimal(1)) is None


@pytest.mark.parametrize(
    ("value", "tidy"),
    [("1500.0", "1500"), ("1.5E+3", "1500"), ("2.50", "2.5"), ("0.00", "0"), ("12.345", "12.35")],
)
def test_money_rounds_to_satang_and_tidies(value: str, tidy: str) -> None:
    assert format(money.money(Decimal(value)), "f") == tidy


def test_tidy_survives_huge_values() -> None:
    huge = Decimal(10) ** 40
    assert money.tidy(huge) == huge
    assert money.money(huge) == huge
    assert not money.plausible_money(huge)


@pytest.mark.parametrize(
    ("word", "currency"),
    [("บาท", True), ("บ.", True), ("฿", True), ("สตางค์", True), ("บาง", False)],
)
def test_is_currency(word: str, currency: bool) -> None:
    assert money.is_currency(word) is currency
