"""Thai month names in every spelling people type: full ("ตุลาคม", misspelt "กรกฏาคม"), spoken
("ตุลา"), dotted ("ต.ค.", "ต. ค", "ต.ค") and dotless ("ตค"), as tables and regex fragments.

A lexical table, kept apart from the rules that use it (`absolute_dates`, `dates`) so the
spellings can be read and extended in one place. Where each spelling may stand alone is
decided here: "กค" hides in ลูกค้า and "ม.ค" in "ชม.ค่ะ", so the dotless and dotted forms are
only safe after a digit, after "เดือน", or as a word of their own."""

from __future__ import annotations

import re
from typing import Final

FULL_MONTHS: Final = (
    ("มกราคม",),
    ("กุมภาพันธ์", "กุมภาพันธุ์"),
    ("มีนาคม",),
    ("เมษายน",),
    ("พฤษภาคม",),
    ("มิถุนายน",),
    ("กรกฎาคม", "กรกฏาคม"),  # ฏ for ฎ is the common misspelling
    ("สิงหาคม",),
    ("กันยายน",),
    ("ตุลาคม",),
    ("พฤศจิกายน", "พฤษจิกายน"),
    ("ธันวาคม",),
)
SPOKEN_MONTHS: Final = (
    ("มกรา",),
    ("กุมภา",),
    ("มีนา",),
    ("เมษา",),
    ("พฤษภา",),
    ("มิถุนา",),
    ("กรกฎา", "กรกฏา"),
    ("สิงหา",),
    ("กันยา",),
    ("ตุลา",),
    ("พฤศจิกา", "พฤษจิกา"),
    ("ธันวา",),
)
ABBREVIATIONS: Final = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip

_MONTH_BY_KEY: Final[dict[str, int]] = {}
for _number, _names in enumerate(FULL_MONTHS, start=1):
    _MONTH_BY_KEY.update(dict.fromkeys(_names, _number))
for _number, _names in enumerate(SPOKEN_MONTHS, start=1):
    _MONTH_BY_KEY.update(dict.fromkeys(_names, _number))
for _number, _abbreviation in enumerate(ABBREVIATIONS, start=1):
    _MONTH_BY_KEY[_abbreviation.replace(".", "")] = _number  # the dotless form: "ตค"


def alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _dotted(abbreviation: str) -> str:
    """ "ต.ค." → a pattern that also accepts "ต. ค." and "ต.ค" (no final dot)."""
    first, second = abbreviation.rstrip(".").split(".")
    return rf"{first}\.\s?{second}\.?"


_THAI_LETTER_AHEAD: Final = r"(?![\u0e01-\u0e2e\u0e30-\u0e4e])"
_FULL: Final = alternation([n for names in FULL_MONTHS for n in names])
SPOKEN: Final = f"(?:{alternation([n for names in SPOKEN_MONTHS for n in names])})"
_DOTTED: Final = "|".join(_dotted(a) for a in ABBREVIATIONS)
_DOTLESS: Final = f"(?:{alternation([a.replace('.', '') for a in ABBREVIATIONS])})"
# Any spelling; only used right after a digit or "เดือน". Full names first (longest).
MONTH_ANY: Final = (
    f"(?:{_FULL}|{_DOTTED}|{SPOKEN}{_THAI_LETTER_AHEAD}|{_DOTLESS}{_THAI_LETTER_AHEAD})"
)
# Spellings safe on their own in running text.
# "ชม. ครึ่ง" and "ชม.ค่ะ" contain "ม. ค"/"ม.ค": a dotted abbreviation counts alone only when
# no Thai letter is glued before it (after a digit or "เดือน" it may be: "28พ.ย.", "เดือนพ.ย.").
MONTH_ALONE: Final = f"(?:{_FULL}|(?<![\u0e01-\u0e4e])(?:{_DOTTED}))"
# A dotless abbreviation standing as a word of its own ("ตค รายรับ 5000", "พย. รายรับ ..."):
# never glued to Thai letters on either side, so "กค" inside ลูกค้า stays a word.
DOTLESS_WORD: Final = (
    f"(?<![\u0e01-\u0e4e.])(?:{alternation([a.replace('.', '') for a in ABBREVIATIONS])})"
    r"(?:\.|(?![\u0e01-\u0e4e])(?=\s+\S))"  # a word of a longer message, not the whole of it
)


def month_key(text: str) -> int | None:
    """ "ต.ค." / "ต. ค" / "ตค" / "ตุลา" / "ตุลาคม" → 10; None for anything else."""
    return _MONTH_BY_KEY.get(re.sub(r"[.\s]", "", text))


# Substrings one of which every month spelling contains: the dot of "ต.ค.", the dotless
# abbreviations, the spoken names (which the full names contain).
_DOTLESS_GATE: Final = tuple(a.replace(".", "") for a in ABBREVIATIONS)
# A dotless word opens the message or follows a space ("ตค รายรับ…"): "กค" in ลูกค้า does not.
DOTLESS_GATE_WORDS: Final = (
    tuple(f"{edge}{word}" for word in _DOTLESS_GATE for edge in (" ", "\n"))
    + tuple(f"{word} " for word in _DOTLESS_GATE)
    + tuple(f"{word}." for word in _DOTLESS_GATE)
)
MONTHISH: Final = (
    ".",
    *(a.replace(".", "") for a in ABBREVIATIONS),
    *(n for names in SPOKEN_MONTHS for n in names),
)
