"""Relative dates and months: วันนี้, เมื่อวาน, "3 วันก่อน", weekdays ("วันพุธ", "เสาร์นี้",
"วันจันทร์ที่แล้ว"), "อาทิตย์ที่แล้ว" (a week), "เดือนที่แล้ว", "2 เดือนก่อน", future and vague words.

Apart from calendar dates because these are counted from ``today`` rather than read: weeks run
Monday–Sunday, a count word must start a word ("สามพันห้า เดือนก่อน" is 3,500 last month), and
what points ahead or is vague is marked for the parser to ask."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from bot.nlu.date_parts import Found, Resolver, month_start, shift
from bot.nlu.thai_months import alternation

WEEKDAYS: Final[dict[str, int]] = {
    "จันทร์": 0, "จันท": 0, "อังคาร": 1, "พุธ": 2, "พฤหัสบดี": 3, "พฤหัสฯ": 3, "พฤหัส": 3,
    "พฤ.": 3, "ศุกร์": 4, "ศุกร": 4, "เสาร์": 5, "อาทิตย์": 6, "อาทิตย": 6,
}  # fmt: skip
_SMALL_NUMBER_WORDS: Final[dict[str, int]] = {
    "หนึ่ง": 1, "นึง": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5,
    "หก": 6, "เจ็ด": 7, "แปด": 8, "เก้า": 9, "สิบ": 10,
}  # fmt: skip
# A count word must start a word: in "สามพันห้า เดือนก่อน" the ห้า ends 3,500 and "เดือนก่อน" is
# last month, not "five months ago" (a miss the issue lists); "เมื่อห้าวันก่อน" still counts.
COUNT: Final = (
    rf"(?P<n>(?<![0-9.,])[0-9]{{1,2}}|(?:(?<=เมื่อ)|(?<![\u0e01-\u0e4e]))"
    rf"(?:{alternation(list(_SMALL_NUMBER_WORDS))}))"
)
AGO: Final = r"(?:ก่อน|ที่แล้ว|ที่ผ่านมา)"


def relative_month(offset: int) -> Resolver:
    def resolve(match: re.Match[str], today: date) -> Found:
        month = month_start(today.year, today.month + offset)
        return Found(5, match.start(), month=month, future=offset > 0)

    return resolve


def months_ago(match: re.Match[str], today: date) -> Found:
    count = count_of(match.group("n"))
    return Found(5, match.start(), month=month_start(today.year, today.month - count))


def relative_day(offset: int) -> Resolver:
    def resolve(match: re.Match[str], today: date) -> Found:
        return Found(2, match.start(), date=shift(today, offset), future=offset > 0)

    return resolve


def count_of(text: str) -> int:
    return int(text) if text.isdigit() else _SMALL_NUMBER_WORDS.get(text, 0)


def days_ago(match: re.Match[str], today: date) -> Found:
    return Found(2, match.start(), date=shift(today, -count_of(match.group("n"))))


def weekday_date(match: re.Match[str], today: date) -> Found:
    weekday = WEEKDAYS.get(match.group("wd"), 0)
    relation = match.group("rel")
    monday = shift(today, -today.weekday())
    if relation is None:  # most recent such day, today included
        found = shift(today, -((today.weekday() - weekday) % 7))
    elif relation == "นี้":  # this week's, which may be ahead
        found = shift(monday, weekday) if monday else None
        return Found(3, match.start(), date=found, future=found is not None and found > today)
    elif relation == "หน้า":  # next week's
        found = shift(monday, weekday + 7) if monday else None
        return Found(3, match.start(), date=found, future=True)
    else:  # ที่แล้ว / ก่อน / ที่ผ่านมา
        # "วันจันทร์ที่แล้ว" said on a Thursday: this week's Monday (3 days ago) or last
        # week's (10 days ago)? People mean both; when the two differ, ask.
        found = shift(monday, weekday - 7) if monday else None
        latest = shift(today, -((today.weekday() - weekday - 1) % 7) - 1)
        if found != latest:
            return Found(3, match.start(), problem="date")
    return Found(3, match.start(), date=found)


def last_week(match: re.Match[str], today: date) -> Found:
    return Found(4, match.start(), date=shift(today, -today.weekday() - 7), week=True)


def future_word(match: re.Match[str], today: date) -> Found:
    """ "อาทิตย์หน้า", "เดือนหน้า", "ปีหน้า": ahead, no day to record."""
    return Found(9, match.start(), future=True)


def vague_day(match: re.Match[str], today: date) -> Found:
    return Found(9, match.start(), problem="date")
