"""One export service: the district monthly workbook (or its summary as CSV) and the province
workbook, for every door that hands them out — the chat (`ส่งออก`), the dashboard
(`/dashboard/export…`) and the CLI (`sammachip export`). They differ only in who may ask and
where the bytes go; what is in the file is decided here once.

Reading and rendering are kept apart: `district`/`province` read (in the caller's unit of work),
`.workbook()`/`.summary_csv()` render (CPU only, no database: callers run them in a thread,
after their transaction). The chat never renders inside the message's transaction: `request`
stores a single-use file *request* (a `stored_file` row with an empty body and a spec naming the
export) in the same commit as the reply that carries its link; the workbook is rendered from
that spec when the link is first fetched (bot/reports/files.py) — by the platform uploading it
(Telegram) or the person opening it (LINE, console) — in its own short read, outside any
message. A crash between the commit and the fetch loses nothing: the request is committed with
the reply, so the next fetch renders it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.calendar import BANGKOK
from bot.reports import export as district_report
from bot.reports import province as province_report
from bot.reports.export_csv import render_summary_csv
from bot.reports.export_rows import FIGURES_DUE_DAY, XLSX_TYPE, ExportData, export_filename
from bot.reports.xlsx import render_workbook
from bot.services.errors import InvalidInput, NotFound
from bot.storage.models import Area, AreaKind
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import thai_sort_key

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.storage.models import StoredFile


class Kind(StrEnum):
    """Which workbook a stored request names."""

    DISTRICT = "district"
    PROVINCE = "province"


DISTRICT = Kind.DISTRICT
PROVINCE = Kind.PROVINCE
SPEC_KEY = "export"  # a stored file's spec with this key is an export to render on first fetch


@dataclass(frozen=True, slots=True)
class Options:
    """The settings an export depends on (when figures are late, the timezone, the fiscal year)."""

    due_day: int = FIGURES_DUE_DAY
    tz: ZoneInfo = BANGKOK
    fiscal_start_month: int = 10

    @classmethod
    def of(cls, settings: Settings) -> Options:
        return cls(settings.figures_escalate_day, settings.tz, settings.fiscal_year_start_month)


@dataclass(frozen=True, slots=True)
class DistrictExport:
    """One district's (or several districts') month, read; rendering is the caller's step."""

    data: ExportData
    filename: str

    def workbook(self) -> bytes:
        return render_workbook(self.data)

    def summary_csv(self) -> bytes:
        return render_summary_csv(self.data)


@dataclass(frozen=True, slots=True)
class ProvinceExport:
    rollup: province_report.Rollup
    filename: str

    def workbook(self) -> bytes:
        return province_report.render_workbook(self.rollup)


# --- reading ------------------------------------------------------------------------------


async def districts(
    uow: UnitOfWork, district_ids: Sequence[int] | None, month: date, options: Options,
    *, records: bool = True,
) -> DistrictExport:  # fmt: skip
    """These districts' month (None: every district with groups). `records=False` reads the
    summary only (what the CSV and the chat's short summary need)."""
    data = await district_report.collect(
        uow, district_ids, month, records=records, due_day=options.due_day, tz=options.tz,
        fiscal_start_month=options.fiscal_start_month,
    )  # fmt: skip
    name = data.districts[0].name if len(data.districts) == 1 else "ทุกอำเภอ"
    return DistrictExport(data, export_filename(name, data.month))


async def district(
    uow: UnitOfWork, district_id: int, month: date, options: Options, *, records: bool = True
) -> DistrictExport:
    """One district's month; NotFound (Thai) if `district_id` is not a district."""
    area = await uow.groups.area_by_id(district_id)
    if area is None or area.kind != AreaKind.DISTRICT:
        raise NotFound(f"ไม่พบอำเภอรหัส {district_id} ค่ะ")
    found = await districts(uow, [district_id], month, options, records=records)
    return DistrictExport(found.data, export_filename(area.name, found.data.month))


async def district_workbook(
    uow: UnitOfWork, district_id: int, month: date, options: Options | None = None
) -> bytes:
    """The district's monthly workbook (.xlsx bytes), rendered here (tests, one-off tools)."""
    return (await district(uow, district_id, month, options or Options())).workbook()


async def district_summary_csv(
    uow: UnitOfWork, district_id: int, month: date, options: Options | None = None
) -> bytes:
    """The workbook's summary sheet as CSV bytes (UTF-8 with BOM)."""
    found = await district(uow, district_id, month, options or Options(), records=False)
    return found.summary_csv()


async def province_districts(uow: UnitOfWork, province: Area) -> list[Area]:
    """The province's districts, in Thai order."""
    found = await uow.groups.areas_within(province.id, AreaKind.DISTRICT)
    return sorted(found, key=lambda a: (thai_sort_key(a.name), a.id))


async def province(
    uow: UnitOfWork, areas: Sequence[Area], title: str, month: date, options: Options
) -> ProvinceExport:
    """The roll-up of these districts under `title` ("จังหวัดศรีสะเกษ")."""
    rollup = await province_report.rollup(
        uow, areas, title, month, due_day=options.due_day, tz=options.tz,
        fiscal_start_month=options.fiscal_start_month,
    )  # fmt: skip
    return ProvinceExport(rollup, province_report.filename(title, rollup.month))


def _clean_district_name(name: str) -> str:
    cleaned = " ".join(name.split())
    for prefix in ("อำเภอ", "อ."):
        if cleaned.startswith(prefix):
            cleaned = cleaned.removeprefix(prefix).strip()
    return cleaned


async def find_district(uow: UnitOfWork, name: str) -> Area:
    """The district (Area of kind district) called `name` ("วังหิน", "อำเภอวังหิน", "อ.วังหิน"),
    or with that numeric id. Raises NotFound / InvalidInput with a Thai message."""
    wanted = _clean_district_name(name)
    if wanted.isdigit():
        area = await uow.groups.area_by_id(int(wanted))
        if area is not None and area.kind == AreaKind.DISTRICT:
            return area
    found = list(await uow.groups.areas_named(AreaKind.DISTRICT, wanted))
    if not found:
        raise NotFound(f"ไม่พบอำเภอ {name} กรุณาตรวจชื่ออำเภออีกครั้งค่ะ")
    if len(found) > 1:
        ids = ", ".join(str(area.id) for area in found)
        raise InvalidInput(f"มีอำเภอชื่อ {wanted} หลายแห่ง (รหัส {ids}) กรุณาระบุเป็นรหัสอำเภอแทนค่ะ")
    return found[0]


async def find_province(uow: UnitOfWork, name: str) -> Area:
    """The province called `name` ("ศรีสะเกษ", "จังหวัดศรีสะเกษ", "จ.ศรีสะเกษ"); NotFound (Thai)."""
    wanted = " ".join(name.split()).removeprefix("จังหวัด").removeprefix("จ.").strip()
    found = list(await uow.groups.areas_named(AreaKind.PROVINCE, wanted))
    if not found:
        raise NotFound(f"ไม่พบจังหวัด{wanted} กรุณาตรวจชื่อจังหวัดอีกครั้งค่ะ")
    return found[0]


# --- a file requested in chat, rendered on first fetch -----------------------------------


def _spec(kind: Kind, area_id: int, month: date, options: Options) -> dict[str, Any]:
    return {
        SPEC_KEY: str(kind), "area_id": area_id, "month": month.isoformat(),
        "due_day": options.due_day, "tz": options.tz.key,
        "fiscal_start_month": options.fiscal_start_month,
    }  # fmt: skip


async def request(
    uow: UnitOfWork, kind: Kind, area_id: int, month: date, options: Options, *, filename: str,
    now: datetime, ttl: timedelta, owner_person_id: int,
) -> StoredFile:  # fmt: skip
    """A single-use, expiring file for `owner_person_id` whose workbook is rendered when its
    link is first fetched. The caller has checked that the person may see `area_id`."""
    return await uow.files.put(
        b"", XLSX_TYPE, now=now, ttl=ttl, filename=filename, owner_person_id=owner_person_id,
        single_use=True, spec=_spec(kind, area_id, month, options),
    )  # fmt: skip


def is_request(spec: dict[str, Any] | None) -> bool:
    return bool(spec) and SPEC_KEY in (spec or {})


async def render_request(
    uow_factory: Callable[[], AbstractAsyncContextManager[UnitOfWork]], spec: dict[str, Any]
) -> bytes:
    """The workbook a stored request names: read in a unit of work from `uow_factory`, rendered
    in a thread after it (on SQLite never holding the database while openpyxl works; on
    PostgreSQL bot/reports/files.py lends the unit of work that holds the link's lock, so a
    build never takes a second connection while it holds one)."""
    options = Options(int(spec["due_day"]), ZoneInfo(str(spec["tz"])),
                      int(spec["fiscal_start_month"]))  # fmt: skip
    month = date.fromisoformat(str(spec["month"]))
    area_id = int(spec["area_id"])
    async with uow_factory() as uow:
        if spec[SPEC_KEY] == PROVINCE:
            area = await uow.groups.area_by_id(area_id)
            if area is None:
                raise NotFound(f"ไม่พบจังหวัดรหัส {area_id} ค่ะ")
            found: DistrictExport | ProvinceExport = await province(
                uow, await province_districts(uow, area), f"จังหวัด{area.name}", month, options
            )
        else:
            found = await district(uow, area_id, month, options)
    return await asyncio.to_thread(found.workbook)
