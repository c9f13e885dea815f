"""`sammachip export`: the district workbook (or its summary as CSV) and the province workbook,
written to a file, with a line saying what was written. An entry point: the export service
(bot/services/exports.py) builds the bytes, this writes them."""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path

from bot.app import App
from bot.services import exports
from bot.wording import thai_month


def _write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)


async def district_workbook(app: App, month: date, district: str | None, out: Path) -> int:
    """`sammachip export --month YYYY-MM [--district D] --out FILE`: writes the workbook
    (or, for a .csv file, the summary) and says what it wrote. Unknown district: NotFound."""
    as_csv = out.suffix.lower() == ".csv"
    options = exports.Options.of(app.settings)
    async with app.uow() as uow:
        ids = [(await exports.find_district(uow, district)).id] if district else None
        found = await exports.districts(uow, ids, month, options, records=not as_csv)
    payload = await asyncio.to_thread(found.summary_csv if as_csv else found.workbook)
    await asyncio.to_thread(_write, out, payload)
    data = found.data
    where = ", ".join(f"อำเภอ{d.name}" for d in data.districts) or "ยังไม่มีอำเภอที่มีกลุ่ม"
    sys.stdout.write(
        f"บันทึกรายงานเดือน {thai_month(data.month)} ({where}, {len(data.rows)} กลุ่ม) ไว้ที่ {out}\n"
    )
    return 0


async def province_workbook(app: App, month: date, name: str, out: Path) -> int:
    """`sammachip export --province P --month YYYY-MM --out FILE.xlsx`."""
    options = exports.Options.of(app.settings)
    async with app.uow() as uow:
        area = await exports.find_province(uow, name)
        areas = await exports.province_districts(uow, area)
        found = await exports.province(uow, areas, f"จังหวัด{area.name}", month, options)
    payload = await asyncio.to_thread(found.workbook)
    await asyncio.to_thread(_write, out, payload)
    data = found.rollup
    sys.stdout.write(
        f"บันทึกรายงานจังหวัด{area.name} เดือน {thai_month(data.month)} "
        f"({len(data.lines)} อำเภอ, {data.total.groups} กลุ่ม) ไว้ที่ {out}\n"
    )
    return 0
