"""`sammachip export`: the district workbook (or its summary as CSV) and the province workbook,
written to a file, with a line saying what was written. An entry point: the reports build the
bytes, this writes them."""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path

from bot.app import App
from bot.reports import export, province
from bot.services.errors import NotFound
from bot.storage.models import AreaKind
from bot.wording import thai_month, thai_sort_key


def _write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)


async def district_workbook(app: App, month: date, district: str | None, out: Path) -> int:
    """`sammachip export --month YYYY-MM [--district D] --out FILE`: writes the workbook
    (or, for a .csv file, the summary) and says what it wrote. Unknown district: NotFound."""
    settings = app.settings
    as_csv = out.suffix.lower() == ".csv"
    async with app.uow() as uow:
        ids = [(await export.find_district(uow, district)).id] if district else None
        data = await export.collect(
            uow, ids, month, records=not as_csv,
            due_day=settings.figures_escalate_day, tz=settings.tz,
            fiscal_start_month=settings.fiscal_year_start_month,
        )  # fmt: skip
    payload = export.render_summary_csv(data) if as_csv else export.render_workbook(data)
    await asyncio.to_thread(_write, out, payload)
    where = ", ".join(f"อำเภอ{d.name}" for d in data.districts) or "ยังไม่มีอำเภอที่มีกลุ่ม"
    sys.stdout.write(
        f"บันทึกรายงานเดือน {thai_month(data.month)} ({where}, {len(data.rows)} กลุ่ม) ไว้ที่ {out}\n"
    )
    return 0


async def province_workbook(app: App, month: date, name: str, out: Path) -> int:
    """`sammachip export --province P --month YYYY-MM --out FILE.xlsx`."""
    settings = app.settings
    wanted = " ".join(name.split()).removeprefix("จังหวัด").removeprefix("จ.").strip()
    async with app.uow() as uow:
        found = list(await uow.groups.areas_named(AreaKind.PROVINCE, wanted))
        if not found:
            raise NotFound(f"ไม่พบจังหวัด{wanted} กรุณาตรวจชื่อจังหวัดอีกครั้งค่ะ")
        area = found[0]
        districts = sorted(
            await uow.groups.areas_within(area.id, AreaKind.DISTRICT),
            key=lambda a: (thai_sort_key(a.name), a.id),
        )
        data = await province.rollup(
            uow, districts, f"จังหวัด{area.name}", month, due_day=settings.figures_escalate_day,
            tz=settings.tz, fiscal_start_month=settings.fiscal_year_start_month,
        )  # fmt: skip
    payload = province.render_workbook(data)
    await asyncio.to_thread(_write, out, payload)
    sys.stdout.write(
        f"บันทึกรายงานจังหวัด{area.name} เดือน {thai_month(data.month)} "
        f"({len(data.lines)} อำเภอ, {data.total.groups} กลุ่ม) ไว้ที่ {out}\n"
    )
    return 0
