"""What the district monthly workbook holds (bot/services/exports.py assembles it): its sheets,
headers and number formats, the rows the queries (bot/reports/export.py) read, the figures'
on-time rule, and the file name. The xlsx writer (bot/reports/xlsx.py) and the CSV writer
(bot/reports/export_csv.py) turn these rows into bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.calendar import BANGKOK, BE_OFFSET, add_months, month_start
from bot.reports.programme import AnnualRow, DividendRow, HouseholdRow, TrainingRow

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIGURES_DUE_DAY = 10  # Settings.figures_escalate_day: figures are late after the 10th

ON_TIME = "ส่งแล้ว/ตรงเวลา"
LATE = "ส่งช้า"
MISSING = "ยังไม่ส่ง"

MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
QUANTITY_FORMAT = "#,##0.###"
# Dates are real date cells (sorting and filtering go by the date) shown in the Thai Buddhist
# calendar: [$-107041E] = Western digits (01), Thai Buddhist calendar (07), Thai locale (041E),
# so Excel shows "3 ธ.ค. 2569". An application without that calendar shows the same date in
# its own.
DATE_FORMAT = "[$-107041E]d mmm yyyy"
DATETIME_FORMAT = '[$-107041E]d mmm yyyy hh:mm "น."'
SUMMARY_SHEET = "สรุป"
MAX_SHEET_NAME = 31  # Excel's limit
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

SUMMARY_HEADERS = (
    "กลุ่มอาชีพ",
    "หมู่บ้าน",
    "อาชีพ",
    "สมาชิก (คน)",
    "ประชุม (ครั้ง)",
    "พัฒนากรเยี่ยม (ครั้ง)",
    "ยอดขาย (บาท)",
    "รายรับ (บาท)",
    "รายจ่าย (บาท)",
    "คงเหลือ (บาท)",
    "ส่งตัวเลขประจำเดือน",
    "วันที่ส่ง",
)
DISTRICT_HEADER = "อำเภอ"
RECORD_HEADERS = (
    "ประเภท",
    "วันที่",
    "รายการ",
    "จำนวน",
    "หน่วย",
    "ราคาต่อหน่วย (บาท)",
    "จำนวนเงิน (บาท)",
    "รายรับ (บาท)",
    "รายจ่าย (บาท)",
    "คงเหลือ (บาท)",
    "ผู้บันทึก / ผู้ทำ",
    "รายละเอียด",
    "บันทึกเมื่อ",
)
ANNUAL_SHEET = "สรุปประจำปี"
DIVIDEND_SHEET = "ปันผล"
HOUSEHOLD_SHEET = "ครัวเรือนเป้าหมาย"
TRAINING_SHEET = "อบรมครัวเรือน"
PROGRAMME_SHEETS = (ANNUAL_SHEET, DIVIDEND_SHEET, HOUSEHOLD_SHEET, TRAINING_SHEET)
ANNUAL_HEADERS = (
    "กลุ่มอาชีพ",
    "หมู่บ้าน",
    "ปี (พ.ศ.)",
    "ฉบับที่",
    "รายรับรวม (บาท)",
    "รายจ่ายรวม (บาท)",
    "กำไร (บาท)",
    "ปันผลที่จ่ายแล้ว (บาท)",
    "ส่งโดย",
    "วันที่ส่ง",
)
DIVIDEND_HEADERS = (
    "กลุ่มอาชีพ",
    "หมู่บ้าน",
    "ตั้งแต่",
    "ถึง",
    "ปันผลรวม (บาท)",
    "สมาชิกที่ได้รับ (คน)",
    "งานรวม (หน่วย)",
    "บันทึกโดย",
    "วันที่จ่าย",
)
HOUSEHOLD_HEADERS = (
    "หัวหน้าครัวเรือน",
    "หมู่บ้าน",
    "อาชีพ",
    "วิทยากร",
    "พัฒนากรเยี่ยม (ครั้ง)",
    "เยี่ยมล่าสุด",
    "รายรับ (บาท)",
    "รายจ่าย (บาท)",
    "คงเหลือ (บาท)",
    "รายการในบัญชีรับ–จ่าย",
    "เข้าอบรม (ครั้ง)",
)
TRAINING_HEADERS = (
    "วันที่",
    "ผู้บันทึก (วิทยากร/พัฒนากร)",
    "เรื่อง",
    "ผู้เข้าร่วม (คน)",
    "ครัวเรือนเป้าหมายที่เข้าร่วม",
)
# Number format per column (by header index) of those sheets; others are text or dates.
_ANNUAL_FORMATS = dict.fromkeys((4, 5, 6, 7), MONEY_FORMAT)
_DIVIDEND_FORMATS = {4: MONEY_FORMAT, 5: COUNT_FORMAT, 6: QUANTITY_FORMAT}
_HOUSEHOLD_FORMATS = {4: COUNT_FORMAT, 6: MONEY_FORMAT, 7: MONEY_FORMAT, 8: MONEY_FORMAT,
                      9: COUNT_FORMAT, 10: COUNT_FORMAT}  # fmt: skip
_TRAINING_FORMATS = {3: COUNT_FORMAT}

# Number format per record column (by header index); others are text.
_RECORD_FORMATS = {3: QUANTITY_FORMAT, 5: MONEY_FORMAT, 6: MONEY_FORMAT, 7: MONEY_FORMAT,
                   8: MONEY_FORMAT, 9: MONEY_FORMAT}  # fmt: skip


# --- the facts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SummaryRow:
    district_id: int
    district: str
    group_id: int
    group: str
    village: str
    occupation: str
    members: int
    meetings: int
    visits: int
    sales: Decimal
    income: Decimal | None
    expenses: Decimal | None
    balance: Decimal | None
    status: str  # ON_TIME | LATE | MISSING
    submitted_at: datetime | None  # the first revision's creation (UTC)


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One line of a group's sheet; columns as RECORD_HEADERS."""

    kind: str
    on_date: date
    item: str
    quantity: Decimal | int | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    income: Decimal | None = None
    expenses: Decimal | None = None
    balance: Decimal | None = None
    who: str | None = None
    detail: str | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DistrictInfo:
    id: int
    name: str
    province: str | None


@dataclass
class ExportData:
    month: date
    districts: list[DistrictInfo]
    rows: list[SummaryRow]
    records: dict[int, list[RecordRow]] = field(default_factory=dict)
    tz: ZoneInfo = BANGKOK
    due_day: int = FIGURES_DUE_DAY

    # A district column on the summary: for an export of every district, or of several.
    with_district: bool = False
    # What officers need to see beyond the groups' month (bot/reports/programme.py).
    annuals: list[AnnualRow] = field(default_factory=list)
    dividends: list[DividendRow] = field(default_factory=list)
    households: list[HouseholdRow] = field(default_factory=list)
    trainings: list[TrainingRow] = field(default_factory=list)


def submission_deadline(
    month: date, due_day: int = FIGURES_DUE_DAY, tz: ZoneInfo = BANGKOK
) -> datetime:
    """The first instant after which the month's figures are late: the end of `due_day` of the
    following month in local time (10 Nov 2025 24:00 Bangkok for October 2025)."""
    day_after_due = add_months(month_start(month), 1) + timedelta(days=due_day)
    return datetime.combine(day_after_due, time(0), tzinfo=tz)


def submission_status(
    first_created: datetime | None,
    month: date,
    due_day: int = FIGURES_DUE_DAY,
    tz: ZoneInfo = BANGKOK,
) -> str:
    if first_created is None:
        return MISSING
    return ON_TIME if first_created < submission_deadline(month, due_day, tz) else LATE


# What a spreadsheet program reads as the start of a formula (or of a DDE/command injection):
# a text cell or CSV field starting with one of these is written as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def summary_values(row: SummaryRow, data: ExportData, with_district: bool) -> list[Any]:
    values: list[Any] = [
        row.group,
        row.village,
        row.occupation,
        row.members,
        row.meetings,
        row.visits,
        row.sales,
        row.income,
        row.expenses,
        row.balance,
        row.status,
        row.submitted_at.astimezone(data.tz).date() if row.submitted_at else None,
    ]
    return [row.district, *values] if with_district else values


def export_filename(district: str, month: date, suffix: str = ".xlsx") -> str:
    """A file name like สัมมาชีพ-อำเภอวังหิน-2568-10.xlsx (Buddhist-Era year, sorts by month)."""
    safe = re.sub(r"[\\/:*?\"<>|\s]+", "", district)
    return f"สัมมาชีพ-อำเภอ{safe}-{month.year + BE_OFFSET}-{month.month:02d}{suffix}"
