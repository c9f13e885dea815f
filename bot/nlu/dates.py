"""Dates and months in a message, found with regexes before tokenizing.

newmm cuts "1 มี.ค. 67" into pieces, so dates are matched on the normalised string and their
spans are blanked before the tokenizer runs. Clock times ("13.30 น."), phone numbers, village
numbers ("หมู่ 7", "ม.7"), ordinals ("ครั้งที่ 3") and bare years are blanked too: none of
them is an amount.

Rules (THAI.md, DOMAIN.md), all relative to the ``today`` the caller passes:

- Years: two digits are Buddhist Era ("67" = 2567 = 2024); four digits ≥ 2400 are BE, 1900–2399
  CE; "ค.ศ." forces CE. A date with no year is the most recent such date on or before today,
  unless this year's is still ahead and nearer ("25 ต.ค." on 20 ต.ค.: five days ahead, or
  last year?): then it is asked ("date"); the same for a day alone against last month's
  ("วันที่ 25" on the 20th) and a month alone against last year's ("เดือน พ.ย." on 20 ต.ค.).
- Month names: full, dotted ("ต.ค.", "ต. ค", "ต.ค"), spoken ("ตุลา"), misspelt ("กรกฏาคม"),
  and dotless ("ตค") only after a digit, after "เดือน", or as a word of its own between spaces
  ("ตค รายรับ 5000", "พย. รายรับ …"), because "กค" hides in ลูกค้า and "ม.ค" in "ชม.ค่ะ".
  Spoken names alone need a year ("มีนา" is also a girl's name).
- Numeric dates: d/m/y, d-m-y, d.m.y; d/m without a year.
- Relative: วันนี้, เมื่อวาน (also เมื่อคืน), เมื่อวานซืน, พรุ่งนี้, "N วันก่อน".
- Weeks run Monday–Sunday (ISO). "อาทิตย์ที่แล้ว"/"สัปดาห์ที่แล้ว" = last week, reported as the
  Monday of last week; "วันอาทิตย์ที่แล้ว" = the Sunday of last week; a bare weekday
  "วันพุธ" = the most recent Wednesday on or before today; "วันพุธนี้" = this week's.
- Months: "เดือน ต.ค.", "ต.ค. 68", "เดือน 10", "เดือน 8/68", "เดือนนี้", "เดือนที่แล้ว", "เดือนหน้า",
  "2 เดือนก่อน" give ``month`` (first day of it); a month with no year is the most recent one,
  this month included. "ประจำเดือน …" names a monthly meeting (``month_is_name``).
- Vague: "เมื่อวันก่อน", "วันก่อน" without a count, "หลายวันก่อน" are asked ("date"). A count word
  must start a word: "สามพันห้า เดือนก่อน" is 3,500 last month, not five months ago.
- Impossible or implausible dates (31 ก.พ., month 13, year 3100) give no date and the
  ambiguity code "date" (or "month"); so does the vague "เมื่อวันก่อน" (the other day), and
  "วันจันทร์ที่แล้ว" when this week's and last week's Monday are both past and differ.
- "อาทิตย์ที่แล้ว" is a week (``week``), "พรุ่งนี้", "เดือนหน้า", "เสาร์นี้" still ahead point to
  the future (``future``); the parser turns these into questions or a plan.
- Clock ranges ("ตั้งแต่ 8 โมงถึงเที่ยง", "บ่ายโมงถึงสี่โมงเย็น", "ทุ่มนึงถึงสามทุ่ม", "9.00-12.30 น.")
  give their length in hours (``spans``), read with the Thai parts-of-day clock (`clock_hour`).
- Several dates: explicit calendar dates beat relative words, then the first in the text wins.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date
from decimal import Decimal
from typing import Final

from bot.nlu import money, units

_FULL_MONTHS: Final = (
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
_SPOKEN_MONTHS: Final = (
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
_ABBREVIATIONS: Final = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip

_MONTH_BY_KEY: Final[dict[str, int]] = {}
for _number, _names in enumerate(_FULL_MONTHS, start=1):
    _MONTH_BY_KEY.update(dict.fromkeys(_names, _number))
for _number, _names in enumerate(_SPOKEN_MONTHS, start=1):
    _MONTH_BY_KEY.update(dict.fromkeys(_names, _number))
for _number, _abbreviation in enumerate(_ABBREVIATIONS, start=1):
    _MONTH_BY_KEY[_abbreviation.replace(".", "")] = _number  # the dotless form: "ตค"


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _dotted(abbreviation: str) -> str:
    """ "ต.ค." → a pattern that also accepts "ต. ค." and "ต.ค" (no final dot)."""
    first, second = abbreviation.rstrip(".").split(".")
    return rf"{first}\.\s?{second}\.?"


_THAI_LETTER_AHEAD: Final = r"(?![\u0e01-\u0e2e\u0e30-\u0e4e])"
_FULL: Final = _alternation([n for names in _FULL_MONTHS for n in names])
_SPOKEN: Final = f"(?:{_alternation([n for names in _SPOKEN_MONTHS for n in names])})"
_DOTTED: Final = "|".join(_dotted(a) for a in _ABBREVIATIONS)
_DOTLESS: Final = f"(?:{_alternation([a.replace('.', '') for a in _ABBREVIATIONS])})"
# Any spelling; only used right after a digit or "เดือน". Full names first (longest).
_MONTH_ANY: Final = (
    f"(?:{_FULL}|{_DOTTED}|{_SPOKEN}{_THAI_LETTER_AHEAD}|{_DOTLESS}{_THAI_LETTER_AHEAD})"
)
# Spellings safe on their own in running text.
# "ชม. ครึ่ง" and "ชม.ค่ะ" contain "ม. ค"/"ม.ค": a dotted abbreviation counts alone only when
# no Thai letter is glued before it (after a digit or "เดือน" it may be: "28พ.ย.", "เดือนพ.ย.").
_MONTH_ALONE: Final = f"(?:{_FULL}|(?<![\u0e01-\u0e4e])(?:{_DOTTED}))"
# A dotless abbreviation standing as a word of its own ("ตค รายรับ 5000", "พย. รายรับ ..."):
# never glued to Thai letters on either side, so "กค" inside ลูกค้า stays a word.
_DOTLESS_WORD: Final = (
    f"(?<![\u0e01-\u0e4e.])(?:{_alternation([a.replace('.', '') for a in _ABBREVIATIONS])})"
    r"(?:\.|(?![\u0e01-\u0e4e])(?=\s+\S))"  # a word of a longer message, not the whole of it
)

# A number followed by one of these is a quantity or a price, not a year: "15 ต.ค. 50 ฟอง".
_NOT_A_YEAR_AFTER: Final = (
    "(?:"
    + "|".join(
        re.escape(w)
        for w in sorted(
            [*units.UNITS, *money.BAHT_WORDS, *money.SATANG_WORDS], key=len, reverse=True
        )
    )
    # ...as a whole word: "ราย" starts รายรับ, "ผล" starts ผลการประชุม. Glued ๆ, ละ and
    # particles still end the unit ("50 ฟองๆละ", "50 บาทค่ะ").
    + r")(?=ๆ|ละ|ค่ะ|ครับ|คะ|ค่า|คับ|นะ|จ้า|[^\u0e01-\u0e4e]|$)"
)
_ERA: Final = r"(?P<era>พ\.?\s?ศ\.?|ค\.?\s?ศ\.?)"
_YEAR: Final = (
    rf"(?:\s*{_ERA}?\s*(?P<y>[0-9]{{4}}|[0-9]{{2}})(?![0-9]|[.,][0-9]|\s*(?:{_NOT_A_YEAR_AFTER})))"
)
_DAY: Final = r"(?<![0-9.,/])(?P<d>[0-9]{1,2})"
_NOT_UNIT_AHEAD: Final = rf"(?!\s*(?:{_NOT_A_YEAR_AFTER}))"

_WEEKDAYS: Final[dict[str, int]] = {
    "จันทร์": 0, "จันท": 0, "อังคาร": 1, "พุธ": 2, "พฤหัสบดี": 3, "พฤหัสฯ": 3, "พฤหัส": 3,
    "พฤ.": 3, "ศุกร์": 4, "ศุกร": 4, "เสาร์": 5, "อาทิตย์": 6, "อาทิตย": 6,
}  # fmt: skip
_SMALL_NUMBER_WORDS: Final[dict[str, int]] = {
    "หนึ่ง": 1, "นึง": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5,
    "หก": 6, "เจ็ด": 7, "แปด": 8, "เก้า": 9, "สิบ": 10,
}  # fmt: skip
# A count word must start a word: in "สามพันห้า เดือนก่อน" the ห้า ends 3,500 and "เดือนก่อน" is
# last month, not "five months ago" (a miss the issue lists); "เมื่อห้าวันก่อน" still counts.
_COUNT: Final = (
    rf"(?P<n>(?<![0-9.,])[0-9]{{1,2}}|(?:(?<=เมื่อ)|(?<![\u0e01-\u0e4e]))"
    rf"(?:{_alternation(list(_SMALL_NUMBER_WORDS))}))"
)
_AGO: Final = r"(?:ก่อน|ที่แล้ว|ที่ผ่านมา)"


Day = date  # the field names below shadow `date` inside the class bodies


@dataclass(frozen=True, slots=True)
class DateScan:
    text: str  # the input with every date, time and other non-amount number blanked
    date: Day | None = None
    month: Day | None = None  # first day of the month referred to
    ambiguous: tuple[str, ...] = ()
    # The text points ahead with a relative word ("พรุ่งนี้", "เดือนหน้า", "เสาร์นี้" still to
    # come): a plan or an announcement rather than a report, unless it carries figures.
    future: bool = False
    # "อาทิตย์ที่แล้ว": a week, not a day. ``date`` is its Monday (a summary can use the week);
    # a record needs a day, so the parser asks.
    week: bool = False
    # The month came from "ประจำเดือน …" (the name of a monthly meeting), not when it happened.
    month_is_name: bool = False
    # Clock ranges ("8 โมงถึงเที่ยง", "9.00-12.30 น."): their lengths in hours, in text order;
    # None for a range that ends before it starts.
    spans: tuple[Decimal | None, ...] = ()


@dataclass(frozen=True, slots=True)
class _Found:
    rank: int  # lower wins when several dates are found
    start: int
    date: Day | None = None
    month: Day | None = None
    problem: str | None = None  # "date" or "month" when the text named an impossible one
    future: bool = False
    week: bool = False
    month_is_name: bool = False
    span: Decimal | None = None  # a clock range's length in hours
    is_span: bool = False


_Resolver = Callable[["re.Match[str]", date], "_Found | None"]


# --- calendar helpers that cannot raise ------------------------------------------------------


def _make(year: int, month: int, day: int) -> date | None:
    if not (MINYEAR <= year <= MAXYEAR and 1 <= month <= 12 and day >= 1):
        return None
    if day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _shift(day: date, days: int) -> date | None:
    ordinal = day.toordinal() + days
    if not 1 <= ordinal <= date.max.toordinal():
        return None
    return date.fromordinal(ordinal)


def _month_start(year: int, month: int) -> date | None:
    """First day of ``month`` of ``year``, month arithmetic allowed to overflow (13, 0, -1...)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return _make(year, month, 1)


def _ce_year(digits: str | None, era: str | None) -> int | None:
    """The Common-Era year of a typed year, or None when it is not a plausible year."""
    if digits is None:
        return None
    value = int(digits)
    christian = era is not None and era.startswith("ค")
    if len(digits) == 2:
        value += 2000 if christian else 2500
    if not christian and value >= 2400:
        value -= 543
    elif era is not None and not christian:
        return None  # "พ.ศ. 2025": an era that contradicts the number
    return value if 1900 <= value <= 2200 else None


def _latest(month: int, day: int, today: date) -> date | None:
    """Most recent ``day``/``month`` on or before today (29 ก.พ. looks back to a leap year);
    None when this year's, still ahead, is the nearer reading ("25 ต.ค." on 20 ต.ค.: five
    days ahead or last year? asked), while "28 ธ.ค." on 5 ม.ค. is last December's."""
    past: date | None = None
    for back in range(9):
        candidate = _make(today.year - back, month, day)
        if candidate is not None and candidate <= today:
            past = candidate
            break
    ahead = _make(today.year, month, day)
    if ahead is not None and ahead > today and (past is None or ahead - today < today - past):
        return None
    return past


def _month_key(text: str) -> int | None:
    return _MONTH_BY_KEY.get(re.sub(r"[.\s]", "", text))


# --- resolvers: one per pattern --------------------------------------------------------------


def _calendar_date(match: re.Match[str], today: date, rank: int, month: int | None) -> _Found:
    start = match.start()
    day = int(match.group("d"))
    if month is None or not 1 <= month <= 12 or not 1 <= day <= 31:
        return _Found(rank, start, problem="date")
    digits = match.groupdict().get("y")
    if digits is None:
        found = _latest(month, day, today)
        return _Found(rank, start, date=found, problem=None if found else "date")
    year = _ce_year(digits, match.groupdict().get("era"))
    found = _make(year, month, day) if year is not None else None
    return _Found(rank, start, date=found, problem=None if found else "date")


def _named_date(match: re.Match[str], today: date) -> _Found:
    return _calendar_date(match, today, 0, _month_key(match.group("m")))


def _numeric_date(match: re.Match[str], today: date) -> _Found:
    return _calendar_date(match, today, 0, int(match.group("m")))


def _day_only(match: re.Match[str], today: date) -> _Found:
    """ "วันที่ 30" on 3 ธ.ค. is 30 พ.ย.; "วันที่ 25" on the 20th, five days ahead or last
    month's? The nearer reading is ahead: asked."""
    day = int(match.group("d"))
    ahead = _make(today.year, today.month, day)
    for back in range(12):
        first = _month_start(today.year, today.month - back)
        found = _make(first.year, first.month, day) if first else None
        if found is not None and found <= today:
            if ahead is not None and ahead > today and ahead - today < today - found:
                break
            return _Found(1, match.start(), date=found)
    return _Found(1, match.start(), problem="date")


def _month_ref(match: re.Match[str], today: date, month: int | None) -> _Found:
    start = match.start()
    if month is None or not 1 <= month <= 12:
        return _Found(5, start, problem="month")
    digits = match.groupdict().get("y")
    if digits is None:
        # the most recent such month, this one included; a month a few months ahead is
        # nearer than last year's ("เดือน พ.ย." on 20 ต.ค.): asked
        if month > today.month and month - today.month < 12 - (month - today.month):
            return _Found(5, start, problem="month")
        year = today.year if month <= today.month else today.year - 1
    else:
        parsed = _ce_year(digits, match.groupdict().get("era"))
        if parsed is None:
            return _Found(5, start, problem="month")
        year = parsed
    first = _make(year, month, 1)
    return _Found(5, start, month=first, problem=None if first else "month")


def _named_month(match: re.Match[str], today: date) -> _Found:
    found = _month_ref(match, today, _month_key(match.group("m")))
    if match.group().startswith("ประจำ"):
        return _Found(found.rank, found.start, month=found.month, problem=found.problem,
                      month_is_name=True)  # fmt: skip
    return found


def _numbered_month(match: re.Match[str], today: date) -> _Found:
    return _month_ref(match, today, int(match.group("mn")))


def _relative_month(offset: int) -> _Resolver:
    def resolve(match: re.Match[str], today: date) -> _Found:
        month = _month_start(today.year, today.month + offset)
        return _Found(5, match.start(), month=month, future=offset > 0)

    return resolve


def _months_ago(match: re.Match[str], today: date) -> _Found:
    count = _count(match.group("n"))
    return _Found(5, match.start(), month=_month_start(today.year, today.month - count))


def _relative_day(offset: int) -> _Resolver:
    def resolve(match: re.Match[str], today: date) -> _Found:
        return _Found(2, match.start(), date=_shift(today, offset), future=offset > 0)

    return resolve


def _count(text: str) -> int:
    return int(text) if text.isdigit() else _SMALL_NUMBER_WORDS.get(text, 0)


def _days_ago(match: re.Match[str], today: date) -> _Found:
    return _Found(2, match.start(), date=_shift(today, -_count(match.group("n"))))


def _weekday(match: re.Match[str], today: date) -> _Found:
    weekday = _WEEKDAYS.get(match.group("wd"), 0)
    relation = match.group("rel")
    monday = _shift(today, -today.weekday())
    if relation is None:  # most recent such day, today included
        found = _shift(today, -((today.weekday() - weekday) % 7))
    elif relation == "นี้":  # this week's, which may be ahead
        found = _shift(monday, weekday) if monday else None
        return _Found(3, match.start(), date=found, future=found is not None and found > today)
    elif relation == "หน้า":  # next week's
        found = _shift(monday, weekday + 7) if monday else None
        return _Found(3, match.start(), date=found, future=True)
    else:  # ที่แล้ว / ก่อน / ที่ผ่านมา
        # "วันจันทร์ที่แล้ว" said on a Thursday: this week's Monday (3 days ago) or last
        # week's (10 days ago)? People mean both; when the two differ, ask.
        found = _shift(monday, weekday - 7) if monday else None
        latest = _shift(today, -((today.weekday() - weekday - 1) % 7) - 1)
        if found != latest:
            return _Found(3, match.start(), problem="date")
    return _Found(3, match.start(), date=found)


def _last_week(match: re.Match[str], today: date) -> _Found:
    return _Found(4, match.start(), date=_shift(today, -today.weekday() - 7), week=True)


def _future(match: re.Match[str], today: date) -> _Found:
    """ "อาทิตย์หน้า", "เดือนหน้า", "ปีหน้า": ahead, no day to record."""
    return _Found(9, match.start(), future=True)


def _vague(match: re.Match[str], today: date) -> _Found:
    return _Found(9, match.start(), problem="date")


# --- clock times ---------------------------------------------------------------------------
# Thai tells the time in parts of the day: "8 โมง(เช้า)" 8:00, "บ่ายโมง" 13:00, "บ่ายสอง(โมง)" 14:00,
# "สี่โมงเย็น" 16:00, "เที่ยง" 12:00, "ตีห้า" 5:00, "ทุ่มนึง" 19:00, "สามทุ่ม" 21:00; also "9.00 น.",
# "13:30", "14 นาฬิกา". A bare "สี่โมง" (1–5 โมง) is afternoon; "สี่โมงเช้า" is the old six-hour
# clock's 10:00. A range ("ตั้งแต่ 8 โมงถึงเที่ยง", "9.00-12.30 น.") is a duration of work.

_CLOCK_NUMBERS: Final[dict[str, int]] = {
    **{str(n): n for n in range(25)}, **{f"0{n}": n for n in range(10)},
    "หนึ่ง": 1, "นึง": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5, "หก": 6, "เจ็ด": 7, "แปด": 8,
    "เก้า": 9, "สิบ": 10, "สิบเอ็ด": 11, "สิบสอง": 12,
}  # fmt: skip
_CN: Final = r"(?:[0-9]{1,2}|สิบเอ็ด|สิบสอง|สิบ|หนึ่ง|นึง|สอง|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า)"
_HALF_HOUR: Final = r"(?:ครึ่ง)?"
# Not followed by a duration: "บ่าย 3 ชม." is three hours in the afternoon, not 15:00.
_NOT_DURATION: Final = r"(?!\s*(?:ชั่วโมง|ชม|นาที|ช\.ม))"
_CLOCK: Final = (
    r"(?:[0-9]{1,2}[.:][0-9]{2}(?:\s*(?:น\.|นาฬิกา|น(?![\u0e01-\u0e4e])))?"
    rf"|[0-9]{{1,2}}\s*นาฬิกา"
    rf"|(?:ตอน)?บ่าย\s*(?:{_CN}(?![0-9]){_NOT_DURATION}\s*(?:โมง)?|โมง){_HALF_HOUR}"
    r"|เที่ยง(?:คืน|วัน|ตรง)?"
    rf"|ตี\s*{_CN}(?![0-9]){_NOT_DURATION}{_HALF_HOUR}"
    rf"|(?:{_CN}\s*)?ทุ่ม(?:นึง|หนึ่ง)?{_HALF_HOUR}"
    rf"|{_CN}\s*โมง(?:เช้า|เย็น|ค่ำ)?{_HALF_HOUR})"
)
_CLOCK_PARTS: Final = re.compile(
    rf"(?P<hm>(?P<h>[0-9]{{1,2}})[.:](?P<m>[0-9]{{2}}))|(?P<nh>[0-9]{{1,2}})\s*นาฬิกา"
    rf"|(?P<pm>บ่าย)\s*(?P<pn>{_CN})?|(?P<noon>เที่ยงคืน|เที่ยง)"
    rf"|ตี\s*(?P<tn>{_CN})|(?:(?P<dn>{_CN})\s*)?ทุ่ม"
    rf"|(?P<on>{_CN})\s*โมง(?P<part>เช้า|เย็น|ค่ำ)?"
)
_RANGE_WORD: Final = r"(?:ไปจนถึง|จนถึง|ถึง|จน|-|–|~)"
_CLOCK_RANGE: Final = (
    rf"(?:ตั้งแต่|เริ่ม)?\s*(?:เวลา\s*)?(?P<a>{_CLOCK})\s*{_RANGE_WORD}\s*(?:เวลา\s*)?"
    rf"(?P<b>{_CLOCK})(?!\s*(?:บาท|บ\.|฿))"
)


def clock_hour(text: str) -> Decimal | None:
    """The time of day ``text`` names, in hours since midnight (13.5 for "บ่ายโมงครึ่ง"), or None."""
    match = _CLOCK_PARTS.search(text)
    if match is None:
        return None
    groups = match.groupdict()
    half = Decimal("0.5") if text.rstrip().endswith("ครึ่ง") else Decimal(0)
    hour: int | None
    if groups["hm"]:
        hour, minutes = int(groups["h"]), int(groups["m"])
        if hour > 24 or minutes > 59:
            return None
        return Decimal(hour) + Decimal(minutes) / 60
    if groups["nh"]:
        hour = int(groups["nh"])
    elif groups["pm"]:
        number = _CLOCK_NUMBERS.get(groups["pn"] or "", 1)  # "บ่ายโมง" = 13:00
        hour = number + 12 if number <= 6 else number
    elif groups["noon"]:
        hour = 24 if groups["noon"] == "เที่ยงคืน" else 12
    elif groups["tn"]:
        hour = _CLOCK_NUMBERS.get(groups["tn"])
    elif "ทุ่ม" in match.group():
        hour = 18 + _CLOCK_NUMBERS.get(groups["dn"] or "", 1)  # "ทุ่มนึง" = 19:00
    else:
        said = _CLOCK_NUMBERS.get(groups["on"] or "")
        if said is None:
            return None
        part = groups["part"]
        if part == "เช้า":
            hour = said + 6 if said < 6 else said
        elif part in ("เย็น", "ค่ำ"):
            hour = said + 12 if said <= 7 else said
        else:
            hour = said + 12 if 1 <= said <= 5 else said
    if hour is None or not 0 <= hour <= 24:
        return None
    return Decimal(hour) + half


def _clock_range(match: re.Match[str], today: date) -> _Found:
    start, end = clock_hour(match.group("a")), clock_hour(match.group("b"))
    if start is None or end is None or end <= start:
        return _Found(9, match.start(), is_span=True)
    return _Found(9, match.start(), span=end - start, is_span=True)


# --- the pattern table, in priority order (earlier patterns claim their text first) --------


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    resolve: _Resolver | None  # None: blank the span, it names no date
    # Cheap gates tried before the pattern: it cannot match unless the text has a digit
    # (when ``digit``) and one of ``words`` (when given). Most messages skip most rules.
    digit: bool
    words: re.Pattern[str] | None  # an alternation of literal strings: one C-level scan


def _rule(pattern: str, resolve: _Resolver | None, *words: str, digit: bool = True) -> _Rule:
    gate = re.compile("|".join(map(re.escape, words))) if words else None
    return _Rule(re.compile(pattern), resolve, digit, gate)


# Substrings one of which every month spelling contains: the dot of "ต.ค.", the dotless
# abbreviations, the spoken names (which the full names contain).
_DOTLESS_GATE: Final = tuple(a.replace(".", "") for a in _ABBREVIATIONS)
# A dotless word opens the message or follows a space ("ตค รายรับ…"): "กค" in ลูกค้า does not.
_DOTLESS_GATE_WORDS: Final = (
    tuple(f"{edge}{word}" for word in _DOTLESS_GATE for edge in (" ", "\n"))
    + tuple(f"{word} " for word in _DOTLESS_GATE)
    + tuple(f"{word}." for word in _DOTLESS_GATE)
)
_MONTHISH: Final = (
    ".",
    *(a.replace(".", "") for a in _ABBREVIATIONS),
    *(n for names in _SPOKEN_MONTHS for n in names),
)


# "วันที่ 15 ต.ค.": the prefix is blanked with the date. It is checked backwards from the
# match instead of being part of the patterns, which would then be tried at every position.
_DAY_PREFIX: Final = re.compile(r"(?:วัน)?ที่\s*$")


# In priority order: earlier rules claim their text first.
_RULES: Final[tuple[_Rule, ...]] = (
    # clock ranges first: "9.00-12.30 น." must not be read as a date or two times
    _rule(_CLOCK_RANGE, _clock_range, "ถึง", "-", "จน", "–", "~", digit=False),
    # explicit calendar dates
    _rule(rf"{_DAY}\s*(?P<m>{_MONTH_ANY}){_YEAR}?", _named_date, *_MONTHISH),
    _rule(
        rf"{_DAY}\s?(?P<sep>[/\-.])\s?(?P<m>[0-9]{{1,2}})\s?(?P=sep)\s?"
        r"(?P<y>[0-9]{4}|[0-9]{2})(?![0-9]|[.,][0-9])",
        _numeric_date,
        "/",
        "-",
        ".",
    ),
    # "เดือน 8/68" is a month (before the d/m rule reads it as the 8th of month 68)
    _rule(
        r"เดือน(?:ที่)?\s*(?P<mn>[0-9]{1,2})(?:\s*/\s*(?P<y>[0-9]{4}|[0-9]{2}))?(?![0-9])"
        + _NOT_UNIT_AHEAD,
        _numbered_month,
        "เดือน",
    ),
    # not dates, and not amounts either: blanked so no number is read from them (before the
    # day-only rule, which would read "ครั้งที่ 3" as the 3rd)
    _rule(r"(?:เวลา\s*)?[0-9]{1,2}[:.][0-9]{2}\s*(?:น\.|นาฬิกา|น(?![\u0e01-\u0e4e]))", None, "น"),
    _rule(r"(?<![0-9])[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?![0-9])", None, ":"),
    # "ใช้เวลา 6 ชั่วโมง" is a duration, not the time 6 o'clock
    _rule(
        r"เวลา\s*[0-9]{1,2}(?:[:.][0-9]{2})?(?![0-9])" + _NOT_DURATION + r"(?:\s*น\.)?",
        None,
        "เวลา",
    ),
    _rule(
        r"(?:บ่าย|ตี)\s*[0-9]{1,2}(?![0-9])" + _NOT_DURATION + r"(?:\s*โมง)?"
        r"|[0-9]{1,2}\s*โมง(?:เช้า|เย็น|ครึ่ง)?",
        None,
        "บ่าย",
        "ตี",
        "โมง",
    ),
    _rule(r"(?<![0-9])0[0-9]{1,2}-?[0-9]{3}-?[0-9]{3,4}(?![0-9])", None, "0"),
    _rule(
        # "ม. 7" is หมู่ 7, but not the end of an abbreviation: "เงินเดือน อสม. 1,000"
        r"(?:หมู่(?:ที่)?|(?<![\u0e01-\u0e4e])ม\.|เลขที่|บ้านเลขที่)\s*[0-9]{1,4}(?:/[0-9]{1,4})?"
        r"(?![0-9]|,[0-9])",
        None,
        "หมู่",
        "ม.",
        "เลขที่",
    ),
    _rule(r"(?:ครั้งที่|รอบที่|ลำดับที่|ข้อที่|วาระที่)\s*[0-9]+(?:/[0-9]{2,4})?", None, "ที่"),
    _rule(
        rf"{_DAY}/(?P<m>[0-9]{{1,2}})(?![0-9/]|[.,][0-9]){_NOT_UNIT_AHEAD}",
        _numeric_date,
        "/",
    ),
    _rule(r"(?:วัน)?ที่\s*(?P<d>[0-9]{1,2})(?![0-9]|[.,/][0-9])" + _NOT_UNIT_AHEAD, _day_only, "ที่"),
    # months
    _rule(rf"(?:ประจำ)?เดือน\s*(?P<m>{_MONTH_ANY}){_YEAR}?", _named_month, "เดือน", digit=False),
    # full names end in คม/ยน/พันธ์; abbreviations have a dot
    _rule(rf"(?P<m>{_MONTH_ALONE}){_YEAR}?", _named_month, ".", "คม", "ยน", "พันธ", digit=False),
    _rule(rf"(?P<m>{_SPOKEN}){_YEAR}", _named_month, *_MONTHISH),
    _rule(rf"(?P<m>{_DOTLESS_WORD}){_YEAR}?", _named_month, *_DOTLESS_GATE_WORDS, digit=False),
    _rule(rf"{_COUNT}\s*เดือน{_AGO}", _months_ago, "เดือน", digit=False),
    _rule(r"เดือน(?:ที่แล้ว|ก่อน|ที่ผ่านมา)", _relative_month(-1), "เดือน", digit=False),
    _rule(r"เดือนนี้", _relative_month(0), "เดือน", digit=False),
    _rule(r"เดือนหน้า", _relative_month(1), "เดือน", digit=False),
    _rule(
        r"(?<!วัน)(?:สัปดาห์|อาทิตย์|อาทิตย)หน้า|ปีหน้า|งวดหน้า|ครั้งหน้า|คราวหน้า", _future, "หน้า", digit=False
    ),
    # relative days
    _rule(
        r"เมื่อวันก่อน|วันก่อนๆ|(?:เมื่อ)?(?:หลาย|ไม่กี่)วัน(?:ก่อน|ที่แล้ว)",
        _vague,
        "วันก่อน",
        "วันที่แล้ว",
        digit=False,
    ),
    _rule(r"(?:เมื่อ)?วานซืน", _relative_day(-2), "วาน", digit=False),
    _rule(r"เมื่อวาน(?:นี้)?|เมื่อคืน(?:นี้)?", _relative_day(-1), "เมื่อ", digit=False),
    _rule(
        r"วันนี้|เช้านี้|บ่ายนี้|เย็นนี้|คืนนี้|เมื่อเช้า(?:นี้)?|เมื่อ(?:ตะ)?กี[้๊]",
        _relative_day(0),
        "นี้",
        "เมื่อเช้า",
        "กี",
        digit=False,
    ),
    _rule(r"พรุ่งนี้", _relative_day(1), "พรุ่ง", digit=False),
    _rule(r"มะรืน(?:นี้)?", _relative_day(2), "มะรืน", digit=False),
    _rule(rf"(?:เมื่อ\s*)?{_COUNT}\s*วัน{_AGO}", _days_ago, "วัน", digit=False),
    # "วันก่อน" with no count of its own ("ขายผัก สามพันห้าวันก่อน"): the other day, asked
    _rule(r"วัน(?:ก่อน|ที่แล้ว)(?!\s*(?:ที่|นี้))", _vague, "วันก่อน", "วันที่แล้ว", digit=False),
    _rule(
        rf"(?:เมื่อ)?วัน(?P<wd>{_alternation(list(_WEEKDAYS))})"
        r"(?:\s*(?P<rel>ที่แล้ว|ก่อน|ที่ผ่านมา|นี้|หน้า))?",
        _weekday,
        "วัน",
        digit=False,
    ),
    # "เสาร์นี้", "ศุกร์ที่แล้ว" without วัน (not อาทิตย์: "อาทิตย์นี้" is this week)
    _rule(
        r"(?<![\u0e01-\u0e4e])(?P<wd>จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัส|ศุกร์|เสาร์)"
        r"(?P<rel>ที่แล้ว|ที่ผ่านมา|นี้|หน้า)",
        _weekday,
        "จันทร์นี้",
        "จันทร์หน้า",
        "จันทร์ที่",
        "อังคาร",
        "พุธ",
        "พฤหัส",
        "ศุกร์",
        "เสาร์",
        digit=False,
    ),
    _rule(
        rf"(?<!วัน)(?:เมื่อ)?(?:สัปดาห์|อาทิตย์|อาทิตย){_AGO}",
        _last_week,
        "สัปดาห์",
        "อาทิตย",
        digit=False,
    ),
    # a year alone ("ปี 2568"): last, so "15 ต.ค. พ.ศ. 2568" keeps its year
    _rule(r"(?:พ\.?\s?ศ\.?|ค\.?\s?ศ\.?|ปี)\s*(?:[0-9]{4}|[0-9]{2})(?![0-9])", None, "ศ", "ปี"),
)
_HAS_DIGIT: Final = re.compile(r"[0-9]")


def scan_dates(text: str, today: date) -> DateScan:
    """Find the date and month a message mentions and blank every date-like span."""
    has_digit = _HAS_DIGIT.search(text) is not None
    taken: list[tuple[int, int]] = []
    found: list[_Found] = []
    for rule in _RULES:
        if rule.digit and not has_digit:
            continue
        if rule.words is not None and rule.words.search(text) is None:
            continue
        for match in rule.pattern.finditer(text):
            start, end = match.span()
            if "d" in rule.pattern.groupindex:
                prefix = _DAY_PREFIX.search(text, max(0, start - 8), start)
                start = prefix.start() if prefix else start
            if start == end or any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            if rule.resolve is not None:
                result = rule.resolve(match, today)
                if result is not None:
                    found.append(result)
    if not taken:
        return DateScan(text)
    blanked = _blank(text, taken)
    dates = sorted((f for f in found if f.date is not None), key=lambda f: (f.rank, f.start))
    months = sorted((f for f in found if f.month is not None), key=lambda f: f.start)
    problems = tuple(dict.fromkeys(f.problem for f in found if f.problem))
    # one impossible or vague date makes any other one suspect: ask rather than pick
    chosen = dates[0] if dates and "date" not in problems else None
    return DateScan(
        blanked,
        date=chosen.date if chosen else None,
        month=months[0].month if months else None,
        ambiguous=problems,
        future=any(f.future for f in found),
        week=chosen is not None and chosen.week,
        month_is_name=bool(months) and months[0].month_is_name,
        spans=tuple(f.span for f in sorted(found, key=lambda f: f.start) if f.is_span),
    )


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end in sorted(spans):
        pieces.append(text[position:start])
        pieces.append(" ")
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
