"""numbers.py: digits and Thai number words, including the colloquial shorthand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.nlu.numbers import Atom, parse_digits, read_number, split_number_words

D = Decimal


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", D(0)),
        ("250", D(250)),
        ("1,500", D(1500)),
        ("1,500.50", D("1500.50")),
        ("12,000,000", D(12_000_000)),
        ("4.5", D("4.5")),
    ],
)
def test_parse_digits(text: str, value: Decimal) -> None:
    parsed = parse_digits(text)
    assert parsed == value
    assert isinstance(parsed, Decimal)


@pytest.mark.parametrize("text", ["", "abc", "50,60", "1,50", "1.", ".5", "1" * 16, "๕"])
def test_parse_digits_rejects(text: str) -> None:
    assert parse_digits(text) is None


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("ร้อยห้าสิบ", ["ร้อย", "ห้า", "สิบ"]),
        ("สิบเอ็ด", ["สิบ", "เอ็ด"]),
        ("พันห้า", ["พัน", "ห้า"]),
        ("ยี่สิบ", ["ยี่", "สิบ"]),
    ],
)
def test_split_number_words(token: str, words: list[str]) -> None:
    assert split_number_words(token) == words


@pytest.mark.parametrize("token", ["สามี", "เยี่ยม", "ห้าม", "สีแดง", "แสนดี", "ร้อยพวง", ""])
def test_words_that_only_contain_number_syllables_are_not_numbers(token: str) -> None:
    # THAI.md: text_to_num reads ยี่ in เยี่ยม, ห้า in ห้าม, สาม in สามี; whole tokens do not.
    assert split_number_words(token) is None


def _atoms(spec: str) -> list[Atom]:
    """ "3 หมื่น 2" → [Decimal(3), "หมื่น", Decimal(2)]; Thai words split into number words."""
    atoms: list[Atom] = []
    for part in spec.split():
        if part[0].isdigit():
            atoms.append(Decimal(part))
        else:
            atoms.extend(split_number_words(part) or [part])
    return atoms


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        # colloquial: a bare digit after พัน or larger counts in that power ÷ 10
        ("พันห้า", 1_500),
        ("หมื่นสอง", 12_000),
        ("แสนห้า", 150_000),
        ("ล้านห้า", 1_500_000),
        ("สองพันห้า", 2_500),
        ("3 หมื่น 2", 32_000),
        ("2 พัน", 2_000),
        ("1.5 หมื่น", 15_000),
        ("ร้อยนึง", 100),
        ("พันนึง", 1_000),
        ("ล้านนึง", 1_000_000),
        # formal
        ("ห้าร้อย", 500),
        ("สามร้อยห้าสิบ", 350),
        ("ยี่สิบเอ็ด", 21),
        ("สิบสอง", 12),
        ("ร้อยเอ็ด", 101),
        ("หนึ่งหมื่นสองพัน", 12_000),
        ("สองล้านห้าแสน", 2_500_000),
        ("พันห้าร้อย", 1_500),
        ("2 พัน 500", 2_500),
        ("ร้อย", 100),
        ("สาม", 3),
        ("ศูนย์", 0),
    ],
)
def test_read_number(spec: str, value: int) -> None:
    reading = read_number(_atoms(spec))
    assert reading.value == Decimal(value)
    assert isinstance(reading.value, Decimal)
    assert not reading.ambiguous


@pytest.mark.parametrize(
    "spec",
    [
        "ร้อยห้า",  # 150 spoken or 105 formal: ask
        "สามร้อยห้า",
        "สองสาม",  # two digits in a row
        "ร้อยพัน",  # powers must decrease
        "ยี่",  # ยี่ only before สิบ
        "ยี่ร้อย",
        "สองร้อยนึง",
        "5 7",
    ],
)
def test_read_number_ambiguous(spec: str) -> None:
    reading = read_number(_atoms(spec))
    assert reading.value is None
    assert reading.ambiguous


def test_read_number_empty() -> None:
    assert read_number([]).value is None


def test_pythainlp_formal_reading_is_not_what_villagers_mean() -> None:
    # THAI.md pitfall: thaiword_to_num("พันห้า") is 1005 and "หมื่นสอง" 10002.
    assert read_number(_atoms("พันห้า")).value != Decimal(1005)
    assert read_number(_atoms("หมื่นสอง")).value != Decimal(10002)
