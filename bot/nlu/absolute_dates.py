"""Calendar dates and named months: "15 ต.ค. 68", "15/10/2568", "วันที่ 30", "เดือน ต.ค.",
"เดือน 8/68", "ประจำเดือน ธ.ค."; and the year and day fragments their patterns share.

Apart from relative words because these carry their own numbers: years are read here (two
digits are Buddhist Era; ≥ 2400 BE, otherwise CE), and a date or month left without a year is
the most recent one, unless this year's is still ahead and nearer (then asked)."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from bot.nlu import money, units
from bot.nlu.date_parts import Found, ce_year, make_date, month_start
from bot.nlu.thai_months import month_key

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
YEAR: Final = (
    rf"(?:\s*{_ERA}?\s*(?P<y>[0-9]{{4}}|[0-9]{{2}})(?![0-9]|[.,][0-9]|\s*(?:{_NOT_A_YEAR_AFTER})))"
)
DAY: Final = r"(?<![0-9.,/])(?P<d>[0-9]{1,2})"
NOT_UNIT_AHEAD: Final = rf"(?!\s*(?:{_NOT_A_YEAR_AFTER}))"


def _latest(month: int, day: int, today: date) -> date | None:
    """Most recent ``day``/``month`` on or before today (29 ก.พ. looks back to a leap year);
    None when this year's, still ahead, is the nearer reading ("25 ต.ค." on 20 ต.ค.: five
    days ahead or last year? asked), while "28 ธ.ค." on 5 ม.ค. is last December's."""
    past: date | None = None
    for back in range(9):
        candidate = make_date(today.year - back, month, day)
        if candidate is not None and candidate <= today:
            past = candidate
            break
    ahead = make_date(today.year, month, day)
    if ahead is not None and ahead > today and (past is None or ahead - today < today - past):
        return None
    return past


def _calendar_date(match: re.Match[str], today: date, rank: int, month: int | None) -> Found:
    start = match.start()
    day = int(match.group("d"))
    if month is None or not 1 <= month <= 12 or not 1 <= day <= 31:
        return Found(rank, start, problem="date")
    digits = match.groupdict().get("y")
    if digits is None:
        found = _latest(month, day, today)
        return Found(rank, start, date=found, problem=None if found else "date")
    year = ce_year(digits, match.groupdict().get("era"))
    found = make_date(year, month, day) if year is not None else None
    return Found(rank, start, date=found, problem=None if found else "date")


def named_date(match: re.Match[str], today: date) -> Found:
    return _calendar_date(match, today, 0, month_key(match.group("m")))


def numeric_date(match: re.Match[str], today: date) -> Found:
    return _calendar_date(match, today, 0, int(match.group("m")))


def day_only(match: re.Match[str], today: date) -> Found:
    """ "วันที่ 30" on 3 ธ.ค. is 30 พ.ย.; "วันที่ 25" on the 20th, five days ahead or last
    month's? The nearer reading is ahead: asked."""
    day = int(match.group("d"))
    ahead = make_date(today.year, today.month, day)
    for back in range(12):
        first = month_start(today.year, today.month - back)
        found = make_date(first.year, first.month, day) if first else None
        if found is not None and found <= today:
            if ahead is not None and ahead > today and ahead - today < today - found:
                break
            return Found(1, match.start(), date=found)
    return Found(1, match.start(), problem="date")


def _month_ref(match: re.Match[str], today: date, month: int | None) -> Found:
    start = match.start()
    if month is None or not 1 <= month <= 12:
        return Found(5, start, problem="month")
    digits = match.groupdict().get("y")
    if digits is None:
        # the most recent such month, this one included; a month a few months ahead is
        # nearer than last year's ("เดือน พ.ย." on 20 ต.ค.): asked
        if month > today.month and month - today.month < 12 - (month - today.month):
            return Found(5, start, problem="month")
        year = today.year if month <= today.month else today.year - 1
    else:
        parsed = ce_year(digits, match.groupdict().get("era"))
        if parsed is None:
            return Found(5, start, problem="month")
        year = parsed
    first = make_date(year, month, 1)
    return Found(5, start, month=first, problem=None if first else "month")


def named_month(match: re.Match[str], today: date) -> Found:
    found = _month_ref(match, today, month_key(match.group("m")))
    if match.group().startswith("ประจำ"):
        return Found(found.rank, found.start, month=found.month, problem=found.problem,
                      month_is_name=True)  # fmt: skip
    return found


def numbered_month(match: re.Match[str], today: date) -> Found:
    return _month_ref(match, today, int(match.group("mn")))
