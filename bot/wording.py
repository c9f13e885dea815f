"""How numbers, money and dates read in Thai: thousands separators, baht, Buddhist-Era years.
Chat replies, summaries, workbooks, the dashboard and reminders all read them from here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
BE_OFFSET = 543


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
