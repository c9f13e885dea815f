"""How numbers, money and dates read in Thai: thousands separators, baht, Buddhist-Era years.
Chat replies, summaries, workbooks, the dashboard and reminders all read them from here."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from bot.calendar import BE_OFFSET

THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip


def number(value: Decimal | int) -> str:
    """1250 -> "1,250"; 1250.5 -> "1,250.50"; whole numbers never show ".00"."""
    d = Decimal(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.quantize(Decimal('0.01')):,}"


def quantity(value: Decimal) -> str:
    d = value.normalize()
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d:,f}"


def baht(value: Decimal) -> str:
    return f"{number(value)} บาท"


def thai_date(value: date) -> str:
    return f"{value.day} {THAI_MONTHS_SHORT[value.month - 1]} {value.year + BE_OFFSET}"


def thai_month(value: date) -> str:
    return f"{THAI_MONTHS_SHORT[value.month - 1]} {value.year + BE_OFFSET}"


# The kinds of group activity the programme runs (DOMAIN.md, steps 4 and 6), as people say them.
ACTIVITY_KIND_NAMES = {
    "training": "อบรม",
    "study_visit": "ศึกษาดูงาน",
    "practice": "ฝึกปฏิบัติ",
    "production": "ผลิต",
    "marketing": "การตลาด",
    "other": "กิจกรรมอื่น",
}


# The kinds of record people keep, as a short word (lists, the dashboard's timeline, the erase
# summary) and as a heading (the person's own data page). One table: a kind is named the same
# everywhere.
RECORD_KIND_NAMES = {
    "sale": "ขาย",
    "meeting": "ประชุม",
    "work": "งาน",
    "activity": "กิจกรรม",
    "account": "บัญชีครัวเรือน",
    "visit": "เยี่ยม",
    "monthly": "ตัวเลขประจำเดือน",
    "annual": "สรุปประจำปี",
    "dividend": "ปันผล",
}
RECORD_KIND_TITLES = {
    "sale": "การขาย",
    "work": "งานที่ทำให้กลุ่ม",
    "meeting": "การประชุม",
    "activity": "กิจกรรม",
    "account": "บัญชีรับ–จ่ายครัวเรือน",
    "visit": "การเยี่ยม",
    "monthly": "ตัวเลขประจำเดือน",
    "annual": "สรุปประจำปี",
    "dividend": "ปันผล",
}

_LEADING_VOWEL = re.compile(r"([เแโใไ])([ก-ฮ])")
_TONE_MARKS = re.compile(r"[่-์]")


def thai_sort_key(text: str) -> tuple[str, str]:
    """Thai dictionary order, near enough for lists of places and names: a leading vowel
    (เ แ โ ใ ไ) sorts by the consonant after it, so บ้านโนนดู่ comes before บ้านหนองโพ (plain
    code-point order puts every โ-word last); tone marks count only between otherwise equal
    words. The dashboard and the workbook list villages in the same order with this key."""
    swapped = _LEADING_VOWEL.sub(r"\2\1", text)
    return _TONE_MARKS.sub("", swapped), swapped
