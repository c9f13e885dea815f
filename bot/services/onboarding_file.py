"""The bulk-onboarding workbook (`sammachip import`): its sheets and Thai column names, the
template the command writes, and reading a filled-in .xlsx or .csv into plain rows.

Reading never trusts a cell: every value becomes stripped text (or a date for a date column),
a cell holding a formula is read as its text and refused by the validation (names must not
start with = + - @), and row numbers are the spreadsheet's own so errors point at the row."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.services.errors import InvalidInput

PROVINCES = "จังหวัด"
DISTRICTS = "อำเภอ"
SUBDISTRICTS = "ตำบล"
VILLAGES = "หมู่บ้าน"
OFFICERS = "พัฒนากร"
TRAINERS = "วิทยากร"
GROUPS = "กลุ่มอาชีพ"
HOUSEHOLDS = "ครัวเรือนเป้าหมาย"

NAME = "ชื่อ-สกุล"
GROUP_NAME = "ชื่อกลุ่ม"
OCCUPATION = "อาชีพ"
HEAD = "หัวหน้าครัวเรือน"
FOUNDED = "วันที่ก่อตั้ง"

# Sheet name -> its columns, in the order they are imported (a later sheet names rows of an
# earlier one). Every column is required.
SHEETS: dict[str, tuple[str, ...]] = {
    PROVINCES: (PROVINCES,),
    DISTRICTS: (PROVINCES, DISTRICTS),
    SUBDISTRICTS: (PROVINCES, DISTRICTS, SUBDISTRICTS),
    VILLAGES: (PROVINCES, DISTRICTS, SUBDISTRICTS, VILLAGES),
    OFFICERS: (NAME, PROVINCES, DISTRICTS),
    TRAINERS: (NAME, PROVINCES, DISTRICTS, OFFICERS),
    GROUPS: (GROUP_NAME, OCCUPATION, PROVINCES, DISTRICTS, VILLAGES, OFFICERS, FOUNDED),
    HOUSEHOLDS: (HEAD, OCCUPATION, PROVINCES, DISTRICTS, VILLAGES, OFFICERS, TRAINERS),
}
DATE_COLUMNS = frozenset({FOUNDED})
INSTRUCTIONS = "วิธีกรอก"

EXAMPLES: dict[str, tuple[str, ...]] = {
    PROVINCES: ("ราชบุรี",),
    DISTRICTS: ("ราชบุรี", "โพธาราม"),
    SUBDISTRICTS: ("ราชบุรี", "โพธาราม", "หนองโพ"),
    VILLAGES: ("ราชบุรี", "โพธาราม", "หนองโพ", "บ้านหนองโพ หมู่ที่ 3"),
    OFFICERS: ("นางสมหญิง ใจดี", "ราชบุรี", "โพธาราม"),
    TRAINERS: ("นายสมบัติ ขยันดี", "ราชบุรี", "โพธาราม", "นางสมหญิง ใจดี"),
    GROUPS: (
        "กลุ่มเพาะเห็ด",
        "เพาะเห็ด",
        "ราชบุรี",
        "โพธาราม",
        "บ้านหนองโพ หมู่ที่ 3",
        "นางสมหญิง ใจดี",
        "1/6/2568",
    ),
    HOUSEHOLDS: (
        "นางคำ ดีใจ",
        "ปลูกผัก",
        "ราชบุรี",
        "โพธาราม",
        "บ้านหนองโพ หมู่ที่ 3",
        "นางสมหญิง ใจดี",
        "นายสมบัติ ขยันดี",
    ),
}

NOTES = (
    "วิธีกรอกแบบฟอร์มนำเข้าข้อมูล (sammachip import)",
    "1. กรอกทีละแผ่นงาน แถวแรกเป็นหัวตาราง ห้ามแก้ชื่อหัวตาราง เริ่มกรอกที่แถว 2",
    "2. ชื่อจังหวัด อำเภอ ตำบล ไม่ต้องมีคำว่า จังหวัด/อำเภอ/ตำบล นำหน้า (ถ้ามีจะตัดออกให้)",
    "3. ทุกแถวที่อ้างถึงจังหวัด อำเภอ ตำบล หมู่บ้าน พัฒนากร หรือวิทยากร ต้องมีแถวนั้นในแผ่นงานของมัน หรือมีอยู่ในระบบแล้ว",
    "4. วันที่ก่อตั้งกรอกแบบ วัน/เดือน/ปี พ.ศ. เช่น 3/12/2569 (ปี ค.ศ. หรือ 2025-12-03 ก็ได้)",
    "5. ชื่อหมู่บ้านใส่หมู่ที่ด้วย เช่น บ้านหนองโพ หมู่ที่ 3 ชื่อหมู่บ้านต้องไม่ซ้ำกันในอำเภอเดียวกัน",
    "6. นำเข้าซ้ำได้: แถวที่มีอยู่แล้วจะถูกปรับปรุง ไม่สร้างซ้ำ ตรวจก่อนด้วย --dry-run",
    "7. หากมีข้อผิดพลาดแม้แถวเดียว จะไม่บันทึกอะไรเลย และบอกทุกข้อผิดพลาดพร้อมแผ่นงานและแถว",
    "",
    "Fill one sheet per kind; row 1 is the header (keep it), data from row 2. Dates: day/month/"
    "Buddhist-Era year (3/12/2569) or ISO. Re-importing updates rows instead of duplicating them.",
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the file, where it is."""

    sheet: str
    row: int | None
    message: str

    def thai(self) -> str:
        where = f"แผ่นงาน {self.sheet}" + (f" แถว {self.row}" if self.row else "")
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "message": self.message}


@dataclass(frozen=True, slots=True)
class Row:
    sheet: str
    number: int  # the spreadsheet's row number
    values: dict[str, Any]


@dataclass
class Sheets:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def write_template(path: Path) -> None:
    """An empty workbook with one sheet per kind (Thai headers, a grey example row note) and
    the instructions sheet first."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from bot.reports.xlsx import put

    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = INSTRUCTIONS
    for number, line in enumerate(NOTES, start=1):
        put(notes, number, 1, line)
    notes.column_dimensions["A"].width = 110
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for name, columns in SHEETS.items():
        sheet = workbook.create_sheet(name)
        for column, title in enumerate(columns, start=1):
            cell = put(sheet, 1, column, title)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            sheet.column_dimensions[cell.column_letter].width = 24
        example = "ตัวอย่าง: " + " | ".join(EXAMPLES[name])
        put(notes, len(NOTES) + 2 + list(SHEETS).index(name), 1, f"{name} — {example}")
        sheet.freeze_panes = "A2"
    if path.suffix.lower() != ".xlsx":
        raise InvalidInput("แบบฟอร์มต้องเป็นไฟล์ .xlsx (the template is an .xlsx file) ค่ะ")
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _header_key(text: Any) -> str:
    return re.sub(r"\s+", "", str(text or ""))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _read_table(sheet: str, table: list[list[Any]], out: Sheets) -> None:
    """Header row first; rows that are wholly empty are skipped."""
    columns = SHEETS[sheet]
    if not table:
        return
    header = [_header_key(v) for v in table[0]]
    positions: dict[str, int] = {}
    for column in columns:
        if _header_key(column) in header:
            positions[column] = header.index(_header_key(column))
        else:
            out.problems.append(
                Problem(sheet, 1, f"ไม่พบหัวตาราง {column} (หัวตารางต้องเป็น: {', '.join(columns)})")
            )
    if len(positions) != len(columns):
        return
    rows = out.rows.setdefault(sheet, [])
    for number, raw in enumerate(table[1:], start=2):
        values = {c: _cell(raw[i]) if i < len(raw) else "" for c, i in positions.items()}
        if all(v == "" for v in values.values()):
            continue
        rows.append(Row(sheet, number, values))


def read(path: Path) -> Sheets:
    """The rows of an .xlsx (sheets by their Thai names) or of one .csv (the sheet its header
    row names)."""
    if not path.is_file():
        raise InvalidInput(f"ไม่พบไฟล์ {path} ค่ะ")
    out = Sheets()
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=False)
        except Exception as error:  # a damaged or renamed file: openpyxl raises many kinds
            raise InvalidInput(f"เปิดไฟล์ {path.name} ไม่ได้ ไฟล์อาจเสียหรือไม่ใช่ .xlsx ค่ะ") from error
        try:
            known = [name for name in workbook.sheetnames if name in SHEETS]
            if not known:
                raise InvalidInput(
                    f"ไม่พบแผ่นงานที่รู้จักในไฟล์ {path.name} ชื่อแผ่นงานต้องเป็น: {', '.join(SHEETS)} "
                    "(สร้างแบบฟอร์มด้วย sammachip import --template FILE.xlsx) ค่ะ"
                )
            for name in known:
                table = [list(r) for r in workbook[name].iter_rows(values_only=True)]
                _read_table(name, table, out)
        finally:
            workbook.close()
    elif suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInput(f"ไฟล์ {path.name} ต้องบันทึกแบบ CSV UTF-8 ค่ะ") from error
        table = [list(r) for r in csv.reader(io.StringIO(text))]
        header = {_header_key(v) for v in (table[0] if table else [])}
        # The sheet whose columns the header has, the one with the most columns first.
        matches = [
            name
            for name, columns in sorted(SHEETS.items(), key=lambda kv: -len(kv[1]))
            if {_header_key(c) for c in columns} <= header
        ]
        if not matches:
            raise InvalidInput(
                f"ไม่รู้ว่าไฟล์ {path.name} เป็นข้อมูลแผ่นงานใด แถวแรกต้องเป็นหัวตารางของแผ่นงานหนึ่ง เช่น "
                f"{', '.join(SHEETS[GROUPS])} ค่ะ"
            )
        _read_table(matches[0], table, out)
    else:
        raise InvalidInput("นำเข้าได้เฉพาะไฟล์ .xlsx หรือ .csv ค่ะ")
    return out


_PREFIXES = {
    PROVINCES: ("จังหวัด", "จ."),
    DISTRICTS: ("อำเภอ", "อ."),
    SUBDISTRICTS: ("ตำบล", "ต."),
}


def area_name(column: str, value: str) -> str:
    """'อำเภอโพธาราม' and 'อ.โพธาราม' are both โพธาราม (the system keeps the bare name)."""
    for prefix in _PREFIXES.get(column, ()):
        if value.startswith(prefix) and len(value) > len(prefix):
            return value[len(prefix) :].strip()
    return value


_NUMERIC_DATE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NAMED_DATE = re.compile(r"(\d{1,2})\s*([\u0e01-\u0e4e.\s]+?)\s*(?:พ\.?\s?ศ\.?)?\s*(\d{2}|\d{4})")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def _year(digits: str) -> int:
    value = int(digits)
    if len(digits) == 2:
        value += 2500  # a two-digit year in Thai paperwork is Buddhist Era: 69 is 2569
    return value - 543 if value >= 2400 else value


def parse_date(value: Any) -> date | None:
    """A founding date as offices write it: 3/12/2569 (day/month/Buddhist-Era year), 3/12/69,
    3 ธ.ค. 2569, 2025-12-03, or a date cell (a Buddhist-Era year typed into one is read too)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.replace(year=value.year - 543) if value.year >= 2400 else value
    text = str(value).translate(_THAI_DIGITS).strip()
    try:
        if match := _ISO_DATE.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            return date(year - 543 if year >= 2400 else year, month, day)
        if match := _NUMERIC_DATE.fullmatch(text):
            day, month = int(match[1]), int(match[2])
            return date(_year(match[3]), month, day)
        if match := _NAMED_DATE.fullmatch(text):
            from bot.nlu.thai_months import month_key

            month_number = month_key(match[2])
            if month_number is None:
                return None
            return date(_year(match[3]), month_number, int(match[1]))
    except ValueError:
        return None
    return None
