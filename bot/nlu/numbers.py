"""Numbers as villagers type them: "1,500", "2.5", "1.5k", "พันห้า", "3 หมื่น 2", "ร้อยนึง".

Everything is `Decimal`; nothing here ever makes a float. pythainlp's `text_to_num` and
`thaiword_to_num` are deliberately not used: on raw text they mis-read words that merely
contain number syllables ("เยี่ยม", "ห้าม", "สามี") and they read the spoken shorthand
"พันห้า" as 1,005 where every villager means 1,500 (THAI.md, pitfalls).

Number words arrive here already cut into whole tokens by newmm, so a syllable inside
another word never reaches this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

# "1,500", "1,500.50", "12000", "2.5". A comma must be followed by exactly three digits, so
# a list "50,60" is two numbers. Only ASCII digits: Thai digits were converted in
# normalize.py and other Unicode digits are not numbers a villager types.
DIGITS_RE: Final = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")

# Longer digit strings are ids, phone numbers or key-mashing, not quantities.
_MAX_DIGITS: Final = 15

DIGIT_WORDS: Final[dict[str, int]] = {
    "ศูนย์": 0,
    "หนึ่ง": 1,
    "นึง": 1,  # spoken form of หนึ่ง
    "เอ็ด": 1,  # units digit after สิบ and above: ยี่สิบเอ็ด = 21, ร้อยเอ็ด = 101
    "สอง": 2,
    "ยี่": 2,  # only in ยี่สิบ
    "สาม": 3,
    "สี่": 4,
    "ห้า": 5,
    "หก": 6,
    "เจ็ด": 7,
    "แปด": 8,
    "เก้า": 9,
}
MULTIPLIERS: Final[dict[str, int]] = {
    "สิบ": 10,
    "ร้อย": 100,
    "พัน": 1_000,
    "หมื่น": 10_000,
    "แสน": 100_000,
    "ล้าน": 1_000_000,
}
_ONE_WORDS: Final = frozenset({"หนึ่ง", "นึง"})

# A token made only of number words. Longest alternatives first so "เอ็ด" is not "เอ"+...
_WORDS_ALT: Final = "|".join(sorted([*DIGIT_WORDS, *MULTIPLIERS], key=len, reverse=True))
NUMBER_WORDS_RE: Final = re.compile(f"(?:{_WORDS_ALT})+")
_ONE_WORD_RE: Final = re.compile(_WORDS_ALT)
NUMBER_WORD_INITIALS: Final = frozenset(w[0] for w in [*DIGIT_WORDS, *MULTIPLIERS])

Atom = Decimal | str
"""One piece of a spoken number: a value typed in digits, or a Thai number word."""


@dataclass(frozen=True, slots=True)
class Reading:
    """The value of a run of number atoms, or why there is none."""

    value: Decimal | None
    ambiguous: bool = False  # "ร้อยห้า" (150 or 105?), malformed runs: ask, do not guess


def parse_digits(text: str) -> Decimal | None:
    """``"1,500.50"`` → ``Decimal("1500.50")``; None when it is not a plain number or too long."""
    if not DIGITS_RE.fullmatch(text):
        return None
    plain = text.replace(",", "")
    if len(plain.split(".", 1)[0]) > _MAX_DIGITS:
        return None
    return Decimal(plain)


def split_number_words(token: str) -> list[str] | None:
    """``"ร้อยห้าสิบ"`` → ``["ร้อย", "ห้า", "สิบ"]``; None unless the whole token is number words."""
    if not NUMBER_WORDS_RE.fullmatch(token):
        return None
    return _ONE_WORD_RE.findall(token)


def is_multiplier(atom: Atom) -> bool:
    return isinstance(atom, str) and atom in MULTIPLIERS


def read_number(atoms: Sequence[Atom]) -> Reading:
    """Value of a run such as ``["สอง", "พัน", "ห้า"]`` or ``[Decimal(3), "หมื่น", Decimal(2)]``.

    Formal Thai is positional (ห้าร้อยยี่สิบ = 520). Colloquial rule (THAI.md): a bare digit
    after ร้อย or a larger multiplier, with nothing after it, multiplies that power ÷ 10:
    พันห้า = 1,500, หมื่นสอง = 12,000, แสนห้า = 150,000, ล้านห้า = 1,500,000, 3 หมื่น 2 = 32,000.
    After ร้อย it is ambiguous (ร้อยห้า: 150 spoken, 105 formal), so that is reported, not
    guessed. "ร้อยนึง"/"พันนึง" mean one hundred / one thousand.
    """
    if not atoms:
        return Reading(None)
    millions = [i for i, a in enumerate(atoms) if a == "ล้าน"]
    if not millions:
        return _below_million(atoms)
    cut = millions[-1]
    high = atoms[:cut]
    low = atoms[cut + 1 :]
    high_reading = read_number(high) if high else Reading(Decimal(1))
    if high_reading.value is None:
        return high_reading
    digit = _bare_digit(low[0]) if len(low) == 1 and low[0] not in _ONE_WORDS else None
    if digit is not None:
        # ล้านห้า = 1,500,000: the trailing digit counts in hundred-thousands.
        return Reading(high_reading.value * 1_000_000 + digit * 100_000)
    if len(low) == 1 and low[0] in _ONE_WORDS and not high:
        return Reading(Decimal(1_000_000))  # ล้านนึง
    low_reading = _below_million(low) if low else Reading(Decimal(0))
    if low_reading.value is None:
        return low_reading
    return Reading(high_reading.value * 1_000_000 + low_reading.value)


def _bare_digit(atom: Atom) -> int | None:
    """1–9 when ``atom`` is a single digit, in words or digits; else None."""
    if isinstance(atom, Decimal):
        if atom == atom.to_integral_value() and 1 <= atom <= 9:
            return int(atom)
        return None
    value = DIGIT_WORDS.get(atom)
    if value is None or not 1 <= value <= 9 or atom in ("ยี่", "เอ็ด"):
        return None
    return value


def _below_million(atoms: Sequence[Atom]) -> Reading:
    invalid = Reading(None, ambiguous=True)
    total = Decimal(0)
    coefficient: Decimal | None = None
    coefficient_atom: Atom | None = None
    last_multiplier: int | None = None
    last_had_coefficient = False
    multipliers_seen = 0
    for index, atom in enumerate(atoms):
        if isinstance(atom, str) and atom in MULTIPLIERS:
            multiplier = MULTIPLIERS[atom]
            if last_multiplier is not None and multiplier >= last_multiplier:
                return invalid  # "ร้อยพัน": not a number anyone says
            if coefficient_atom == "เอ็ด" or (coefficient_atom == "ยี่" and multiplier != 10):
                return invalid
            total += (coefficient if coefficient is not None else 1) * multiplier
            last_had_coefficient = coefficient is not None
            last_multiplier = multiplier
            multipliers_seen += 1
            coefficient = None
            coefficient_atom = None
            continue
        if coefficient is not None:
            return invalid  # two digits in a row: "สองสาม", "5 7"
        if isinstance(atom, Decimal):
            coefficient = atom
        else:
            if atom == "ยี่" and index == len(atoms) - 1:
                return invalid
            coefficient = Decimal(DIGIT_WORDS[atom])
        coefficient_atom = atom
    if coefficient is None or coefficient_atom is None:
        return Reading(total)
    # A trailing number after the last multiplier.
    if last_multiplier is None:
        return Reading(coefficient)  # a plain number
    if coefficient_atom == "เอ็ด" or last_multiplier == 10:
        return Reading(total + coefficient)  # formal: ยี่สิบเอ็ด, สิบสอง, ร้อยเอ็ด
    if coefficient_atom in _ONE_WORDS:
        if multipliers_seen == 1 and not last_had_coefficient:
            return Reading(total)  # ร้อยนึง = 100, พันนึง = 1,000
        return invalid
    digit = _bare_digit(coefficient_atom)
    if digit is not None:
        if last_multiplier == 100:
            return invalid  # ร้อยห้า: 150 or 105?
        return Reading(total + digit * (last_multiplier // 10))  # พันห้า = 1,500
    if coefficient < last_multiplier and coefficient == coefficient.to_integral_value():
        return Reading(total + coefficient)  # "2 พัน 500" = 2,500
    return invalid
