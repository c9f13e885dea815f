"""The xlsx writer: the district monthly workbook (and the cells every workbook shares: the
province workbook uses `table` and `put` too). Thai headers, dates as real date cells shown in
the Buddhist Era, money '#,##0.00', the header row frozen, text never a formula. Rendering only:
no database; callers run it in a thread, outside any transaction."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.calendar import BANGKOK, add_months
from bot.reports.export_rows import (
    _ANNUAL_FORMATS,
    _BAD_SHEET_CHARS,
    _DIVIDEND_FORMATS,
    _HOUSEHOLD_FORMATS,
    _RECORD_FORMATS,
    _TRAINING_FORMATS,
    ANNUAL_HEADERS,
    ANNUAL_SHEET,
    COUNT_FORMAT,
    DATE_FORMAT,
    DATETIME_FORMAT,
    DISTRICT_HEADER,
    DIVIDEND_HEADERS,
    DIVIDEND_SHEET,
    FORMULA_STARTS,
    HOUSEHOLD_HEADERS,
    HOUSEHOLD_SHEET,
    MAX_SHEET_NAME,
    MISSING,
    MONEY_FORMAT,
    PROGRAMME_SHEETS,
    RECORD_HEADERS,
    SUMMARY_HEADERS,
    SUMMARY_SHEET,
    TRAINING_HEADERS,
    TRAINING_SHEET,
    ExportData,
    RecordRow,
    summary_values,
)
from bot.wording import number, thai_date, thai_month

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


def thai_datetime(value: datetime, tz: ZoneInfo = BANGKOK) -> str:
    local = value.astimezone(tz)
    return f"{thai_date(local.date())} {local:%H:%M} น."


def visible_length(text: str) -> int:
    """Characters that take room: Thai vowels and tone marks above or below a consonant
    (category Mn) take none."""
    return sum(1 for char in text if unicodedata.category(char) != "Mn")


def sheet_names(names: Sequence[str], taken: Sequence[str] = (SUMMARY_SHEET,)) -> list[str]:
    """Excel sheet names for these groups: no []:*?/\\ characters, at most 31 characters,
    unique (Excel compares them case-insensitively), never clashing with `taken`."""
    used = {name.casefold() for name in taken}
    out: list[str] = []
    for raw in names:
        base = _BAD_SHEET_CHARS.sub(" ", " ".join(raw.split())).strip("' ") or "กลุ่ม"
        candidate = base[:MAX_SHEET_NAME].rstrip()
        counter = 2
        while candidate.casefold() in used:
            suffix = f" ({counter})"
            candidate = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
            counter += 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    """An instant as the wall-clock time in `tz`, without zone: what a spreadsheet cell holds."""
    return value.astimezone(tz).replace(tzinfo=None)


def _record_values(row: RecordRow, tz: ZoneInfo) -> list[Any]:
    return [
        row.kind,
        row.on_date,
        row.item,
        row.quantity,
        row.unit,
        row.unit_price,
        row.amount,
        row.income,
        row.expenses,
        row.balance,
        row.who,
        row.detail,
        _local(row.recorded_at, tz) if row.recorded_at else None,
    ]


def _title(data: ExportData) -> str:
    month = thai_month(data.month)
    if len(data.districts) == 1:
        d = data.districts[0]
        where = f"อำเภอ{d.name}" + (f" จังหวัด{d.province}" if d.province else "")
    else:
        where = f"{len(data.districts)} อำเภอ"
    return f"สรุปกลุ่มอาชีพ สัมมาชีพชุมชน {where} เดือน {month}"


def render_workbook(data: ExportData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.worksheet.hyperlink import Hyperlink

    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = SUMMARY_SHEET
    with_district = data.with_district
    headers = [DISTRICT_HEADER, *SUMMARY_HEADERS] if with_district else list(SUMMARY_HEADERS)
    money_columns = {headers.index(h) for h in SUMMARY_HEADERS[6:10]}
    count_columns = {headers.index(h) for h in SUMMARY_HEADERS[3:6]}
    formats = {
        **dict.fromkeys(money_columns, MONEY_FORMAT),
        **dict.fromkeys(count_columns, COUNT_FORMAT),
    }
    body = [summary_values(row, data, with_district) for row in data.rows]
    total: list[Any] = [None] * len(headers)
    total[0] = "รวม"
    for column in sorted(money_columns | count_columns):
        total[column] = sum((v[column] for v in body if v[column] is not None), Decimal(0))
        if column in count_columns:
            total[column] = int(total[column])
    status_column = headers.index(SUMMARY_HEADERS[10])
    submitted = sum(1 for row in data.rows if row.status != MISSING)
    total[status_column] = f"ส่งแล้ว {submitted}/{len(data.rows)} กลุ่ม"
    notes = [
        f"ส่งตรงเวลา = ส่งตัวเลขฉบับแรกภายในวันที่ {data.due_day} {thai_month(add_months(data.month, 1))}"
        " (เวลาประเทศไทย) · สมาชิก = สมาชิกที่ยังอยู่ในกลุ่ม ณ วันที่ออกรายงาน",
        "สร้างโดย Sammachip Bot",
    ]
    table(summary, _title(data), headers, body, formats, total=total, notes=notes)

    _programme_sheets(workbook, data)
    names = sheet_names([row.group for row in data.rows], (SUMMARY_SHEET, *PROGRAMME_SHEETS))
    group_column = headers.index(SUMMARY_HEADERS[0]) + 1
    for index, (row, name) in enumerate(zip(data.rows, names, strict=True)):
        sheet = workbook.create_sheet(name)
        lines = [_record_values(r, data.tz) for r in _ordered(data.records.get(row.group_id, []))]
        title = f"{row.group} · {row.village} · อำเภอ{row.district} · เดือน {thai_month(data.month)}"
        empty = ["ไม่มีรายการที่บันทึกในเดือนนี้"] if not lines else []
        table(sheet, title, list(RECORD_HEADERS), lines, _RECORD_FORMATS, notes=empty)
        cell = summary.cell(row=3 + index, column=group_column)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{name}'!A1", display=row.group)
        cell.style = "Hyperlink"
        cell.quotePrefix = row.group.startswith(FORMULA_STARTS)  # the style reset it

    workbook.properties.creator = "Sammachip Bot"
    workbook.properties.title = _title(data)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _programme_sheets(workbook: Any, data: ExportData) -> None:
    """The annual summaries, dividends, households and trainings sheets (after "สรุป")."""
    districts = {d.id: d.name for d in data.districts}
    month = thai_month(data.month)

    def sheet(
        name: str, title: str, headers: tuple[str, ...], body: list[list[Any]],
        formats: dict[int, str], empty: str, districts_of: list[int],
    ) -> None:  # fmt: skip
        shift = 1 if data.with_district else 0
        if data.with_district:
            body = [
                [districts.get(d, ""), *values]
                for d, values in zip(districts_of, body, strict=True)
            ]
        table(
            workbook.create_sheet(name), title,
            [DISTRICT_HEADER, *headers] if shift else list(headers), body,
            {column + shift: f for column, f in formats.items()},
            notes=[] if body else [empty],
        )  # fmt: skip

    sheet(
        ANNUAL_SHEET, f"สรุปประจำปีที่เหรัญญิกส่ง (ฉบับล่าสุดของแต่ละปี ถึงสิ้นเดือน {month})",
        ANNUAL_HEADERS,
        [[a.group, a.village, a.be_year, a.revision, a.revenue, a.costs, a.profit, a.dividends,
          a.sender, a.on_date] for a in data.annuals],
        _ANNUAL_FORMATS, "ยังไม่มีกลุ่มที่ส่งสรุปประจำปี", [a.district_id for a in data.annuals],
    )  # fmt: skip
    sheet(
        DIVIDEND_SHEET, f"การจ่ายปันผลที่เหรัญญิกยืนยันแล้ว (ถึงสิ้นเดือน {month})",
        DIVIDEND_HEADERS,
        [[d.group, d.village, d.period_start, d.period_last, d.total, d.members_paid,
          d.total_units, d.sender, d.on_date] for d in data.dividends],
        _DIVIDEND_FORMATS, "ยังไม่มีกลุ่มที่จ่ายปันผล", [d.district_id for d in data.dividends],
    )  # fmt: skip
    sheet(
        HOUSEHOLD_SHEET, f"ครัวเรือนเป้าหมาย เดือน {month}", HOUSEHOLD_HEADERS,
        [[h.head, h.village, h.occupation, h.trainer, h.visits, h.last_visit, h.income,
          h.expenses, h.balance, h.entries, h.trainings] for h in data.households],
        _HOUSEHOLD_FORMATS, "ยังไม่มีครัวเรือนเป้าหมายในอำเภอนี้",
        [h.district_id for h in data.households],
    )  # fmt: skip
    sheet(
        TRAINING_SHEET, f"การอบรมครัวเรือนเป้าหมาย เดือน {month}", TRAINING_HEADERS,
        [[t.on_date, t.trainer, t.topics, t.attendees, ", ".join(t.households)]
         for t in data.trainings],
        _TRAINING_FORMATS, "ไม่มีการอบรมที่บันทึกในเดือนนี้",
        [t.district_id for t in data.trainings],
    )  # fmt: skip


# The order a group's sheet lists records in: by kind as the programme reports them, then date.
_KIND_ORDER = ("ขาย", "ประชุม", "งาน", "กิจกรรม", "พัฒนากรเยี่ยม", "ตัวเลขประจำเดือน", "สรุปประจำปี", "ปันผล")


def _ordered(rows: list[RecordRow]) -> list[RecordRow]:
    return sorted(rows, key=lambda r: (_KIND_ORDER.index(r.kind), r.on_date))


def table(
    sheet: Worksheet,
    title: str,
    headers: list[str],
    body: list[list[Any]],
    formats: dict[int, str],
    *,
    total: list[Any] | None = None,
    notes: Sequence[str] = (),
) -> None:
    """Row 1 the title, row 2 the headers (frozen with the title), then the body."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    put(sheet, 1, 1, title).font = Font(bold=True, size=13)
    header_fill = PatternFill("solid", start_color="E8F5E9")
    thin = Side(style="thin", color="A5D6A7")
    for column, header in enumerate(headers, start=1):
        cell = put(sheet, 2, column, header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.border = Border(bottom=thin)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    rows = [*body, total] if total is not None else list(body)
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            cell = put(sheet, 3 + offset, column, value)
            if column - 1 in formats and isinstance(value, (int, Decimal)):
                cell.number_format = formats[column - 1]
            elif isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            if total is not None and offset == len(body):
                cell.font = Font(bold=True)
                cell.border = Border(top=thin)
    after = 3 + len(rows) + 1
    for offset, note in enumerate(notes):
        put(sheet, after + offset, 1, note).font = Font(italic=True, color="666666")

    last_column = get_column_letter(len(headers))
    sheet.freeze_panes = "A3"
    if body:
        sheet.auto_filter.ref = f"A2:{last_column}{2 + len(body)}"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]
    for column, header in enumerate(headers, start=1):
        widest = max(
            [min(visible_length(header), 14)]
            + [_display_width(values[column - 1], formats.get(column - 1)) for values in rows]
        )
        sheet.column_dimensions[get_column_letter(column)].width = max(8, min(widest + 2, 48))
    sheet.row_dimensions[2].height = 32


def put(sheet: Worksheet, row: int, column: int, value: Any) -> Any:
    """Writes one cell. Text is always a text cell, never a formula, whatever people typed
    (a member named '=HYPERLINK(…)', a meeting topic '@SUM(…)'): openpyxl would store a
    string starting with '=' as a formula. Characters Excel cannot hold are dropped."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # shown as typed; Excel keeps it text when edited too
    else:
        cell.value = value
    return cell


def _display_width(value: Any, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal) and number_format == MONEY_FORMAT:
        return len(f"{value:,.2f}")
    if isinstance(value, (int, Decimal)):
        return len(number(value))
    if isinstance(value, datetime):
        return visible_length(f"{thai_date(value.date())} {value:%H:%M} น.")
    if isinstance(value, date):
        return visible_length(thai_date(value))
    return visible_length(str(value))
