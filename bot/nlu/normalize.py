"""Character-level clean-up of one chat message, before anything tries to read it.

Everything here is a pure `str -> str` step that cannot raise. The order matters:
digits are converted first so every later regex only has to know ``[0-9]``; laughter is
removed before stretched letters are squeezed, because "ถถถ" squeezed would become "ถ".
"""

from __future__ import annotations

import re
from typing import Final

from pythainlp.util import normalize as _pythainlp_normalize

# Only the first MAX_CHARS characters of a message are read. A report is a line or two;
# a 10,000-character paste is not a report, and capping keeps the worst case bounded
# (newmm is roughly linear but its constant is large).
MAX_CHARS: Final = 1000

_THAI_DIGITS: Final = "๐๑๒๓๔๕๖๗๘๙"

# One translate table does digits, invisible characters and odd spaces in a single C pass.
_TABLE: Final[dict[int, int | str | None]] = {
    **{ord(d): str(i) for i, d in enumerate(_THAI_DIGITS)},
    # zero-width space / non-joiner / joiner, word joiner, BOM, soft hyphen: invisible, and
    # they split words ("ขาย\u200bไข่") so they must go before tokenizing.
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None),
    # non-breaking and ideographic spaces and the line/paragraph separators act as spaces.
    **dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u3000\u2028\u2029"), " "),
}

# C0/C1 control characters (tabs and newlines are handled as whitespace below).
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES: Final = re.compile(r"\s+")

# pythainlp.util.normalize fixes นํ้า→น้ำ, เเ→แ, doubled tone marks and dangling marks, but it
# costs ~45 µs even on clean text. Those defects are all detectable by one cheap regex, so it
# only runs when needed. Triggers: a nikhahit (decomposed sara am), two sara e, a repeated
# above/below mark, two tone marks in a row, a tone mark after sara am, or a mark after a space.
_NEEDS_PYTHAINLP: Final = re.compile(
    r"\u0e4d|เเ|([\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])\1|[\u0e48-\u0e4b]{2}|\u0e33[\u0e48-\u0e4b]"
    r"|(?:^|\s)[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]"
)

# Laughter: "555" (ห้า sounds like "ha") and "ถถถ" (the 5 key with the Thai layout on).
# The digits form is only laughter when it is not a price: "555 บาท" is money, so the digits
# case is decided in tokens.py where units are known; the Thai-letter form is removed here.
_LAUGH_LETTERS: Final = re.compile(r"ถถถ+|(?:ฮ่?า){2,}|ฮ่?าๆ+|(?:อิ){2,}|(?:คิ){3,}")

# Stretched writing: "ครับบบ", "ค่าาา", "มากกกก". Three or more of the same Thai character
# are never spelling. Two are squeezed only for the letters people stretch at the end of a
# word ("ค่าา", "ครับบ", "ด้วยย", "แล้วว", "นะะ"): "กก" is the kilogram abbreviation.
# Digits are never squeezed.
_STRETCH3: Final = re.compile(r"([\u0e01-\u0e4e])\1{2,}")
_STRETCH2_END: Final = re.compile(r"([าะบยว])\1(?![\u0e01-\u0e4e])")


# Speech to text (voice notes) writes what it heard: "บาท" comes out as its homophone "บาด"
# (to cut). After a number, in digits or words, it can only be the baht: "300 บาด",
# "สามร้อยบาด", "สามร้อยบาดค่ะ". Not before other letters: "บาดเจ็บ", "2 บาดแผล" keep theirs.
_HEARD_BAHT: Final = re.compile(
    r"([0-9]|สิบ|ร้อย|พัน|หมื่น|แสน|ล้าน|หนึ่ง|นึง|เอ็ด|สอง|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า)(\s?)บาด"
    r"(?=$|[^\u0e01-\u0e4e]|ถ้วน|ค่ะ|คะ|ค่า|ครับ|คับ|นะ|จ้า|จ้ะ)"
)


def normalize_text(text: str) -> str:
    """Return a cleaned copy of ``text`` (first MAX_CHARS characters) for the other modules.

    Thai digits become ASCII, invisible characters go, controls and runs of whitespace become
    single spaces, broken vowel/tone sequences are repaired, laughter and stretched endings
    are squeezed. Polite particles are removed later, at token level (see `is_particle`),
    because "ค่า" is a particle at the end of a message but a noun in "ค่าอาหาร".
    """
    text = text[:MAX_CHARS].translate(_TABLE)
    text = _CONTROL.sub(" ", text)
    if _NEEDS_PYTHAINLP.search(text):
        text = _pythainlp_normalize(text)
    text = _LAUGH_LETTERS.sub(" ", text)
    text = _STRETCH3.sub(r"\1", text)
    text = _STRETCH2_END.sub(r"\1", text)
    if "บาด" in text:
        text = _heard_baht(text)
    return _SPACES.sub(" ", text).strip()


def _heard_baht(text: str) -> str:
    return _HEARD_BAHT.sub(r"\1\2บาท", text)


# Polite and sentence-final particles: they carry mood, never data. Matched as whole tokens.
# fmt: off
PARTICLES: Final = frozenset(
    {
        "ครับ",
        "คับ",
        "ครัช",
        "คร้าบ",
        "ค้าบ",
        "ครับผม",
        "คับผม",
        "ขอรับ",
        "ค่ะ",
        "คะ",
        "ค่า",
        "ค้า",
        "คร่ะ",
        "นะคะ",
        "นะครับ",
        "นะค่ะ",
        "จ้ะ",
        "จ้า",
        "จ๊ะ",
        "จ๊า",
        "นะ",
        "น้า",
        "นะจ๊ะ",
        "นะจ้ะ",
        "ฮะ",
        "ฮับ",
        "เด้อ",
        "เน้อ",
        "เนาะ",
        "อ่ะ",
        "อะ",
    }
)
# fmt: on

# Particles that are also ordinary words: "ค่า" is "cost" in "ค่า 300" and "ค่าอาหาร".
_PARTICLE_ONLY_AT_END: Final = frozenset({"ค่า", "ค้า", "อะ", "อ่ะ"})


def is_particle(token: str, next_raw: str | None, next_word: str | None) -> bool:
    """Whether ``token`` is a polite particle to drop.

    ``next_raw`` is the token right after it and ``next_word`` the next non-space token
    (None at the end). "ค่า" and friends count only at the end of a clause: not when glued
    to a word ("ค่าไฟ") and not when a number follows ("จ่ายค่า 300"), so "300 บาทค่า" and
    "ขายผัก 200 ค่า" lose the particle while the noun keeps its meaning.
    """
    if token not in PARTICLES:
        return False
    if token in _PARTICLE_ONLY_AT_END:
        if next_raw is not None and next_raw[:1].isalpha():
            return False
        return next_word is None or not next_word[:1].isdigit()
    return True
