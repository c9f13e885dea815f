"""The CSV writer: the district workbook's summary sheet as CSV (`sammachip export … .csv`)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from bot.reports.export_rows import (
    DISTRICT_HEADER,
    FORMULA_STARTS,
    SUMMARY_HEADERS,
    ExportData,
    summary_values,
)
from bot.wording import thai_date


def csv_text(text: str) -> str:
    """A CSV field that a spreadsheet will not run: a leading = + - @ tab or CR gets an
    apostrophe in front (the OWASP recommendation; Excel hides it)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def render_summary_csv(data: ExportData) -> bytes:
    """The summary sheet as CSV: UTF-8 with a byte-order mark (so Excel reads the Thai), CRLF
    lines, the district in the first column, money as plain decimals ("1234.50")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_text(h) for h in (DISTRICT_HEADER, *SUMMARY_HEADERS)])
    for row in data.rows:
        values = summary_values(row, data, with_district=True)
        writer.writerow(["" if v is None else _csv_value(v) for v in values])
    return out.getvalue().encode("utf-8-sig")


def _csv_value(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.01")), "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return thai_date(value)  # the CSV is read as text: Buddhist-Era, as on every page
    return csv_text(str(value))
