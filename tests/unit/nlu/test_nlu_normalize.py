"""normalize.py: character clean-up and polite particles."""

from __future__ import annotations

import pytest

from bot.nlu.normalize import MAX_CHARS, is_particle, normalize_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("๑๒๓๔๕๖๗๘๙๐", "1234567890"),
        ("ขาย\u200bไข่\u200c ๓๐\ufeff ฟอง", "ขายไข่ 30 ฟอง"),
        ("นํ้าพริก", "น้ำพริก"),  # decomposed sara am
        ("เเกง", "แกง"),  # two sara e
        ("ครับบบ", "ครับ"),
        ("ค่าาา", "ค่า"),
        ("ค่าา", "ค่า"),
        ("มากกกก", "มาก"),
        ("ขาย 2 กก.", "ขาย 2 กก."),  # "กก" is kilograms, not a stretch
        ("ถถถถ ขายผัก", "ขายผัก"),  # Thai-layout laughter
        ("ฮ่าๆ ขายผัก", "ขายผัก"),
        ("ขาย\tไข่\n\n30\x00ฟอง", "ขาย ไข่ 30 ฟอง"),
        ("  ขาย\u00a0ไข่  ", "ขาย ไข่"),
        ("5555", "5555"),  # digits are decided later (555 บาท is money)
        ("", ""),
    ],
)
def test_normalize_text(raw: str, clean: str) -> None:
    assert normalize_text(raw) == clean


def test_input_is_capped() -> None:
    assert len(normalize_text("ก" * (MAX_CHARS * 10))) <= MAX_CHARS
    assert normalize_text("ข" * 5000).startswith("ข")


@pytest.mark.parametrize(
    ("token", "next_raw", "next_word", "dropped"),
    [
        ("ครับ", None, None, True),
        ("ค่ะ", " ", "ขาย", True),
        ("นะคะ", None, None, True),
        ("จ้า", None, None, True),
        ("ค่า", None, None, True),  # sentence-final
        ("ค่า", " ", "ขาย", True),
        ("ค่า", "อาหาร", "อาหาร", False),  # "ค่าอาหาร": cost of food
        ("ค่า", " ", "300", False),  # "ค่า 300": cost 300
        ("ขาย", None, None, False),
    ],
)
def test_is_particle(
    token: str, next_raw: str | None, next_word: str | None, dropped: bool
) -> None:
    assert is_particle(token, next_raw, next_word) is dropped
