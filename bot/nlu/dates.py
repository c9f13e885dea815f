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

This module holds the rule table (which pattern claims its text first) and the scan; what each
pattern means is read elsewhere: `absolute_dates` (calendar dates, named months, years),
`relative_dates` (days, weeks and months counted from today), `clock_times`, `thai_months`
(the spellings), `date_parts` (`Found` and calendar arithmetic that cannot raise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from bot.nlu.absolute_dates import (
    DAY,
    NOT_UNIT_AHEAD,
    YEAR,
    day_only,
    named_date,
    named_month,
    numbered_month,
    numeric_date,
)
from bot.nlu.clock_times import CLOCK_RANGE, NOT_DURATION, clock_range
from bot.nlu.date_parts import Day, Found, Resolver
from bot.nlu.relative_dates import (
    AGO,
    COUNT,
    WEEKDAYS,
    days_ago,
    future_word,
    last_week,
    months_ago,
    relative_day,
    relative_month,
    vague_day,
    weekday_date,
)
from bot.nlu.thai_months import (
    DOTLESS_GATE_WORDS,
    DOTLESS_WORD,
    MONTH_ALONE,
    MONTH_ANY,
    MONTHISH,
    SPOKEN,
    alternation,
)


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


# --- the pattern table, in priority order (earlier patterns claim their text first) --------


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    resolve: Resolver | None  # None: blank the span, it names no date
    # Cheap gates tried before the pattern: it cannot match unless the text has a digit
    # (when ``digit``) and one of ``words`` (when given). Most messages skip most rules.
    digit: bool
    words: re.Pattern[str] | None  # an alternation of literal strings: one C-level scan


def _rule(pattern: str, resolve: Resolver | None, *words: str, digit: bool = True) -> _Rule:
    gate = re.compile("|".join(map(re.escape, words))) if words else None
    return _Rule(re.compile(pattern), resolve, digit, gate)


# "วันที่ 15 ต.ค.": the prefix is blanked with the date. It is checked backwards from the
# match instead of being part of the patterns, which would then be tried at every position.
_DAY_PREFIX: Final = re.compile(r"(?:วัน)?ที่\s*$")


# In priority order: earlier rules claim their text first.
_RULES: Final[tuple[_Rule, ...]] = (
    # clock ranges first: "9.00-12.30 น." must not be read as a date or two times
    _rule(CLOCK_RANGE, clock_range, "ถึง", "-", "จน", "–", "~", digit=False),
    # explicit calendar dates
    _rule(rf"{DAY}\s*(?P<m>{MONTH_ANY}){YEAR}?", named_date, *MONTHISH),
    _rule(
        rf"{DAY}\s?(?P<sep>[/\-.])\s?(?P<m>[0-9]{{1,2}})\s?(?P=sep)\s?"
        r"(?P<y>[0-9]{4}|[0-9]{2})(?![0-9]|[.,][0-9])",
        numeric_date,
        "/",
        "-",
        ".",
    ),
    # "เดือน 8/68" is a month (before the d/m rule reads it as the 8th of month 68)
    _rule(
        r"เดือน(?:ที่)?\s*(?P<mn>[0-9]{1,2})(?:\s*/\s*(?P<y>[0-9]{4}|[0-9]{2}))?(?![0-9])"
        + NOT_UNIT_AHEAD,
        numbered_month,
        "เดือน",
    ),
    # not dates, and not amounts either: blanked so no number is read from them (before the
    # day-only rule, which would read "ครั้งที่ 3" as the 3rd)
    _rule(r"(?:เวลา\s*)?[0-9]{1,2}[:.][0-9]{2}\s*(?:น\.|นาฬิกา|น(?![\u0e01-\u0e4e]))", None, "น"),
    _rule(r"(?<![0-9])[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?![0-9])", None, ":"),
    # "ใช้เวลา 6 ชั่วโมง" is a duration, not the time 6 o'clock
    _rule(
        r"เวลา\s*[0-9]{1,2}(?:[:.][0-9]{2})?(?![0-9])" + NOT_DURATION + r"(?:\s*น\.)?",
        None,
        "เวลา",
    ),
    _rule(
        r"(?:บ่าย|ตี)\s*[0-9]{1,2}(?![0-9])" + NOT_DURATION + r"(?:\s*โมง)?"
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
        rf"{DAY}/(?P<m>[0-9]{{1,2}})(?![0-9/]|[.,][0-9]){NOT_UNIT_AHEAD}",
        numeric_date,
        "/",
    ),
    _rule(r"(?:วัน)?ที่\s*(?P<d>[0-9]{1,2})(?![0-9]|[.,/][0-9])" + NOT_UNIT_AHEAD, day_only, "ที่"),
    # months
    _rule(rf"(?:ประจำ)?เดือน\s*(?P<m>{MONTH_ANY}){YEAR}?", named_month, "เดือน", digit=False),
    # full names end in คม/ยน/พันธ์; abbreviations have a dot
    _rule(rf"(?P<m>{MONTH_ALONE}){YEAR}?", named_month, ".", "คม", "ยน", "พันธ", digit=False),
    _rule(rf"(?P<m>{SPOKEN}){YEAR}", named_month, *MONTHISH),
    _rule(rf"(?P<m>{DOTLESS_WORD}){YEAR}?", named_month, *DOTLESS_GATE_WORDS, digit=False),
    _rule(rf"{COUNT}\s*เดือน{AGO}", months_ago, "เดือน", digit=False),
    _rule(r"เดือน(?:ที่แล้ว|ก่อน|ที่ผ่านมา)", relative_month(-1), "เดือน", digit=False),
    _rule(r"เดือนนี้", relative_month(0), "เดือน", digit=False),
    _rule(r"เดือนหน้า", relative_month(1), "เดือน", digit=False),
    _rule(
        r"(?<!วัน)(?:สัปดาห์|อาทิตย์|อาทิตย)หน้า|ปีหน้า|งวดหน้า|ครั้งหน้า|คราวหน้า",
        future_word,
        "หน้า",
        digit=False,
    ),
    # relative days
    _rule(
        r"เมื่อวันก่อน|วันก่อนๆ|(?:เมื่อ)?(?:หลาย|ไม่กี่)วัน(?:ก่อน|ที่แล้ว)",
        vague_day,
        "วันก่อน",
        "วันที่แล้ว",
        digit=False,
    ),
    _rule(r"(?:เมื่อ)?วานซืน", relative_day(-2), "วาน", digit=False),
    _rule(r"เมื่อวาน(?:นี้)?|เมื่อคืน(?:นี้)?", relative_day(-1), "เมื่อ", digit=False),
    _rule(
        r"วันนี้|เช้านี้|บ่ายนี้|เย็นนี้|คืนนี้|เมื่อเช้า(?:นี้)?|เมื่อ(?:ตะ)?กี[้๊]",
        relative_day(0),
        "นี้",
        "เมื่อเช้า",
        "กี",
        digit=False,
    ),
    _rule(r"พรุ่งนี้", relative_day(1), "พรุ่ง", digit=False),
    _rule(r"มะรืน(?:นี้)?", relative_day(2), "มะรืน", digit=False),
    _rule(rf"(?:เมื่อ\s*)?{COUNT}\s*วัน{AGO}", days_ago, "วัน", digit=False),
    # "วันก่อน" with no count of its own ("ขายผัก สามพันห้าวันก่อน"): the other day, asked
    _rule(r"วัน(?:ก่อน|ที่แล้ว)(?!\s*(?:ที่|นี้))", vague_day, "วันก่อน", "วันที่แล้ว", digit=False),
    _rule(
        rf"(?:เมื่อ)?วัน(?P<wd>{alternation(list(WEEKDAYS))})"
        r"(?:\s*(?P<rel>ที่แล้ว|ก่อน|ที่ผ่านมา|นี้|หน้า))?",
        weekday_date,
        "วัน",
        digit=False,
    ),
    # "เสาร์นี้", "ศุกร์ที่แล้ว" without วัน (not อาทิตย์: "อาทิตย์นี้" is this week)
    _rule(
        r"(?<![\u0e01-\u0e4e])(?P<wd>จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัส|ศุกร์|เสาร์)"
        r"(?P<rel>ที่แล้ว|ที่ผ่านมา|นี้|หน้า)",
        weekday_date,
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
        rf"(?<!วัน)(?:เมื่อ)?(?:สัปดาห์|อาทิตย์|อาทิตย){AGO}",
        last_week,
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
    found: list[Found] = []
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
