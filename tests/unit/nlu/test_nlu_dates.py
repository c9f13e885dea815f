"""dates.py: calendar dates, months, relative words, and what is blanked."""

from __future__ import annotations

from datetime import date

import pytest

from bot.nlu.dates import scan_dates

MONDAY = date(2025, 10, 20)  # the table's "today": a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 ต.ค. 68", date(2025, 10, 15)),  # two-digit years are BE
        ("15 ต.ค. 67", date(2024, 10, 15)),
        ("15 ต.ค. 2568", date(2025, 10, 15)),  # four digits ≥ 2400 are BE
        ("15 ต.ค. 2025", date(2025, 10, 15)),  # otherwise CE
        ("15 ต.ค. พ.ศ. 2568", date(2025, 10, 15)),
        ("15 ต.ค. ค.ศ. 25", date(2025, 10, 15)),
        ("15 ตุลาคม 2568", date(2025, 10, 15)),
        ("15 ตุลา 68", date(2025, 10, 15)),
        ("3 กรกฏาคม 2567", date(2024, 7, 3)),  # misspelt ฏ
        ("3 กรกฎาคม 2567", date(2024, 7, 3)),
        ("3 กรกฎา 67", date(2024, 7, 3)),
        ("15ตค68", date(2025, 10, 15)),  # dotless after a digit
        ("15 ต. ค. 68", date(2025, 10, 15)),
        ("15 ต.ค", date(2025, 10, 15)),
        ("วันที่ 15 ต.ค. 68", date(2025, 10, 15)),
        ("15/10/2568", date(2025, 10, 15)),
        ("15/10/68", date(2025, 10, 15)),
        ("15-10-2025", date(2025, 10, 15)),
        ("15.10.68", date(2025, 10, 15)),
        ("15 10 2568", None),  # spaces only: not a date (thai_strptime read this as January)
        ("5/10", date(2025, 10, 5)),
        ("วันที่ 5", date(2025, 10, 5)),
        ("วันที่ 25", None),  # 5 days ahead or 25 days back? the nearer is ahead: asked
        ("วันที่ 30", None),  # 10 days ahead or 20 back: asked
        ("วันที่ 31", None),  # 11 days ahead, or 31 August (September has 30 days): asked
        ("1 มี.ค.", date(2025, 3, 1)),
        ("25 ธ.ค.", None),  # no year, this year's is ahead and nearer than last year's: asked
        ("25 ส.ค.", date(2025, 8, 25)),  # no year: the most recent past one
        ("20 ต.ค.", date(2025, 10, 20)),  # today counts
        ("29 ก.พ.", date(2024, 2, 29)),
    ],
)
def test_calendar_dates(text: str, expected: date | None) -> None:
    assert scan_dates(text, MONDAY).date == expected


@pytest.mark.parametrize(
    "text",
    ["31 ก.พ.", "31/04/2568", "32 ต.ค.", "15/13/68", "15 ต.ค. พ.ศ. 2025", "1 ม.ค. 3100"],
)
def test_impossible_dates_are_asked(text: str) -> None:
    scan = scan_dates(text, MONDAY)
    assert scan.date is None
    assert "date" in scan.ambiguous


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("วันนี้", date(2025, 10, 20)),
        ("เมื่อวาน", date(2025, 10, 19)),
        ("เมื่อคืน", date(2025, 10, 19)),
        ("เมื่อวานซืน", date(2025, 10, 18)),
        ("พรุ่งนี้", date(2025, 10, 21)),
        ("3 วันก่อน", date(2025, 10, 17)),
        ("สามวันที่แล้ว", date(2025, 10, 17)),
        ("อาทิตย์ที่แล้ว", date(2025, 10, 13)),  # last week: its Monday
        ("สัปดาห์ที่แล้ว", date(2025, 10, 13)),
        ("วันอาทิตย์ที่แล้ว", date(2025, 10, 19)),  # the Sunday of last week
        ("วันอาทิตย์", date(2025, 10, 19)),  # most recent Sunday
        ("วันจันทร์", date(2025, 10, 20)),  # today counts
        ("วันจันทร์ที่แล้ว", date(2025, 10, 13)),
        ("วันพุธนี้", date(2025, 10, 22)),  # this week's
        ("เมื่อวันพฤหัส", date(2025, 10, 16)),
    ],
)
def test_relative_days(text: str, expected: date) -> None:
    assert scan_dates(text, MONDAY).date == expected


def test_weekday_rules_on_a_wednesday() -> None:
    wednesday = date(2025, 10, 22)
    assert scan_dates("วันจันทร์", wednesday).date == date(2025, 10, 20)
    # this week's Monday (2 days ago) or last week's? People mean both: asked
    assert scan_dates("วันจันทร์ที่แล้ว", wednesday).ambiguous == ("date",)
    assert scan_dates("วันจันทร์ที่แล้ว", wednesday).date is None
    # on a Wednesday, "วันศุกร์ที่แล้ว" can only be last week's Friday
    assert scan_dates("วันศุกร์ที่แล้ว", wednesday).date == date(2025, 10, 17)
    assert scan_dates("วันพุธ", wednesday).date == wednesday
    assert scan_dates("อาทิตย์ที่แล้ว", wednesday).date == date(2025, 10, 13)
    assert scan_dates("อาทิตย์ที่แล้ว", wednesday).week  # a week, not a day: records ask


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("เดือน ต.ค.", date(2025, 10, 1)),  # this month counts
        ("เดือน ม.ค.", date(2025, 1, 1)),  # an earlier month: this year's
        ("เดือนตค", date(2025, 10, 1)),  # dotless after เดือน
        ("ต.ค. 68", date(2025, 10, 1)),
        ("ตุลาคม 2567", date(2024, 10, 1)),
        ("ตุลา 67", date(2024, 10, 1)),
        ("เดือน 9", date(2025, 9, 1)),
        ("เดือนที่แล้ว", date(2025, 9, 1)),
        ("เดือนนี้", date(2025, 10, 1)),
        ("2 เดือนก่อน", date(2025, 8, 1)),
        ("ประจำเดือนกันยายน", date(2025, 9, 1)),
        ("เดือนกันยายน 2567 รายรับ 500", date(2024, 9, 1)),  # ราย in รายรับ is not a unit
    ],
)
def test_months(text: str, month: date) -> None:
    scan = scan_dates(text, MONDAY)
    assert scan.month == month
    assert scan.date is None


def test_a_month_ahead_without_a_year_is_asked() -> None:
    # "เดือน พ.ย." on 20 Oct: next month (not started) or last year's? asked, never guessed
    scan = scan_dates("เดือน พ.ย.", MONDAY)
    assert scan.month is None and scan.ambiguous == ("month",)
    assert scan_dates("เดือน พ.ค.", MONDAY).month == date(2025, 5, 1)  # 5 months back


def test_month_across_new_year() -> None:
    assert scan_dates("เดือนที่แล้ว", date(2025, 1, 15)).month == date(2024, 12, 1)
    assert scan_dates("เดือน ธ.ค.", date(2025, 1, 15)).month == date(2024, 12, 1)


@pytest.mark.parametrize("text", ["ลูกค้า", "ขายให้ลูกค้า 40", "มีนา", "มีนาขายผัก", "กค"])
def test_month_spellings_inside_words_or_names_are_ignored(text: str) -> None:
    scan = scan_dates(text, MONDAY)
    assert scan.date is None and scan.month is None
    assert scan.text == text  # nothing blanked


@pytest.mark.parametrize(
    "text",
    [
        "ประชุม 13.30 น.",
        "ประชุมเวลา 9.00",
        "ประชุม 14:30",
        "บ่าย 2 โมง",
        "โทร 081-234-5678",
        "บ้านโนนดู่ หมู่ 7",
        "บ้านโนนดู่ ม.7",
        "ประชุมครั้งที่ 3/2568",
        "ปี 2568",
    ],
)
def test_numbers_that_are_not_amounts_are_blanked(text: str) -> None:
    assert not any(c.isdigit() for c in scan_dates(text, MONDAY).text)


def test_a_number_before_a_unit_is_not_a_year() -> None:
    scan = scan_dates("ขายไข่ 15 ต.ค. 50 ฟอง", MONDAY)
    assert scan.date == date(2025, 10, 15)
    assert "50 ฟอง" in scan.text


def test_vague_date_is_asked() -> None:
    scan = scan_dates("ขายผักเมื่อวันก่อน", MONDAY)
    assert scan.date is None and scan.ambiguous == ("date",)


def test_explicit_date_beats_relative_words() -> None:
    assert scan_dates("วันพุธที่ 1 ต.ค. 68", MONDAY).date == date(2025, 10, 1)


@pytest.mark.parametrize("today", [date.min, date.max, date(1, 3, 1), date(9999, 12, 30)])
@pytest.mark.parametrize(
    "text",
    ["พรุ่งนี้", "เมื่อวาน", "อาทิตย์ที่แล้ว", "วันอาทิตย์ที่แล้ว", "วันพุธนี้", "เดือนที่แล้ว",
     "เดือนนี้", "29 ก.พ.", "วันที่ 31", "99 วันก่อน", "12 เดือนก่อน", "15 ต.ค."],
)  # fmt: skip
def test_calendar_edges_never_raise(today: date, text: str) -> None:
    scan_dates(text, today)
