"""tokens.py: newmm boundaries, numbers assembled from words, noise removed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.nlu.tokens import tokenize


def _shape(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text) if t.kind != "space"]


def _numbers(text: str) -> list[Decimal | None]:
    return [t.value for t in tokenize(text) if t.kind == "num"]


def test_run_together_text_is_cut_into_words() -> None:
    assert _shape("ขายไข่เค็ม50ฟองๆละ5บาท") == [
        ("word", "ขาย"),
        ("word", "ไข่เค็ม"),
        ("num", "50"),
        ("word", "ฟอง"),
        ("repeat", "ๆ"),
        ("word", "ละ"),
        ("num", "5"),
        ("word", "บาท"),
    ]


def test_unit_spellings_newmm_does_not_know_stay_whole() -> None:
    assert ("word", "แพค") in _shape("ขนม 4 แพค")
    assert ("word", "แพคละ") in _shape("แพคละ 25")


def test_abbreviation_dots_are_kept() -> None:
    assert ("word", "กก.") in _shape("2 กก.")
    assert ("word", "บ.") in _shape("250บ.")


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1,500 บาท", [Decimal(1500)]),
        ("1.5k", [Decimal(1500)]),
        ("1/2 กิโล", [Decimal("0.5")]),
        ("พันห้า", [Decimal(1500)]),
        ("สองพันห้า", [Decimal(2500)]),
        ("3 หมื่น 2", [Decimal(32000)]),
        ("2 พัน 30 ฟอง", [Decimal(2000), Decimal(30)]),  # 30 is its own quantity
        ("สามร้อยห้าสิบบาท", [Decimal(350)]),
        ("ร้อยห้า", [None]),  # unreadable: asked
    ],
)
def test_numbers(text: str, values: list[Decimal | None]) -> None:
    assert _numbers(text) == values


def test_lone_number_words_are_weak() -> None:
    # "ร้อยพวงมาลัย" is stringing garlands; the figures stage drops weak numbers without
    # a unit, currency or label next to them.
    (hundred,) = (t for t in tokenize("ร้อยพวงมาลัย") if t.kind == "num")
    assert hundred.weak
    (two_thousand,) = (t for t in tokenize("สองพัน") if t.kind == "num")
    assert not two_thousand.weak


def test_approximate_numbers_are_flagged() -> None:
    (number,) = (t for t in tokenize("พันกว่าบาท") if t.kind == "num")
    assert number.approx


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("555", []),
        ("5555+", []),
        ("555 บาท", [Decimal(555)]),
        ("555 ฟอง", [Decimal(555)]),
    ],
)
def test_laughter_digits(text: str, values: list[Decimal]) -> None:
    assert _numbers(text) == values


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("ไข่ ถจ ฟอง", [Decimal(50)]),  # wrong keyboard layout, whole token
        ("ถจ บาท", [Decimal(50)]),
        ("ถจ", [Decimal(50)]),
        ("ถถ", []),  # laughter, not 55
        ("ตค", []),  # October undotted, not 98
        ("ขายไข่ถจบาท", []),  # glued to a word: not believed
    ],
)
def test_wrong_layout_digits_are_conservative(text: str, values: list[Decimal]) -> None:
    assert _numbers(text) == values


def test_particles_are_dropped_but_cost_is_kept() -> None:
    words = [t.text for t in tokenize("จ่ายค่าอาหาร 300 บาทค่ะ") if t.kind == "word"]
    assert "ค่ะ" not in words
    assert "ค่า" in words or "ค่าอาหาร" in words
    assert [t.text for t in tokenize("ขายผัก 200 บาทครับ") if t.kind == "word"][-1] == "บาท"


def test_tokens_cover_weird_input() -> None:
    for text in ["", " ", "😀", "a\x00b", "12ab34", "ๆๆๆ", "..."]:
        tokenize(text)
