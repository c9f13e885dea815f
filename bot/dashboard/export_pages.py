"""The workbooks, through the one export service (bot/services/exports.py):
  GET /export?month=YYYY-MM           the district's monthly workbook (.xlsx); an administrator
                                      adds &district=ID (a district of their scope, else 404)
  GET /export/province?month=YYYY-MM  a province administrator's workbook (anyone else: 404)
A month in the future or more than three years back answers 400. The workbook is rendered
after the page's reads, with the unit of work closed."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from bot.dashboard import params
from bot.dashboard.session import After, SignedIn, signed_in_page
from bot.reports.export_rows import XLSX_TYPE
from bot.services import administrators, exports
from bot.storage.models import Officer
from bot.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.dashboard.web import Dashboard

BAD_MONTH = ("เดือนไม่ถูกต้อง", "ดาวน์โหลดได้ตั้งแต่เดือนนี้ย้อนหลังไม่เกิน 3 ปีค่ะ")


@signed_in_page
async def district_export(
    dashboard: Dashboard, request: Request, uow: UnitOfWork, signed: SignedIn
) -> Response | After:
    month = params.month(request.query_params.get("month"), dashboard.today().replace(day=1))
    if month is None:
        return dashboard.message(request, 400, *BAD_MONTH, signed=signed)
    if signed.scope is None:
        assert isinstance(signed.officer, Officer)
        district_id = signed.officer.district_id
    else:  # an administrator names the district; only one of their scope is served
        wanted = params.path_id(params.query_int(request.query_params.get("district")))
        if wanted is None and not signed.scope.is_province:
            wanted = signed.scope.area_id
        area = await administrators.district_in_scope(uow, signed.scope, wanted) if wanted else None
        if area is None:
            return dashboard.not_found(request, signed)
        district_id = area.id
    found = await exports.district(uow, district_id, month, exports.Options.of(dashboard.settings))
    ascii_name = f"sammachip-{month.year + 543}-{month.month:02d}.xlsx"
    return After(lambda: _download(found.workbook, found.filename, ascii_name))


@signed_in_page
async def province_export(
    dashboard: Dashboard, request: Request, uow: UnitOfWork, signed: SignedIn
) -> Response | After:
    """A province administrator's workbook: one summary row per district, one sheet per
    district. Anyone else: 404."""
    month: date | None = params.month(
        request.query_params.get("month"), dashboard.today().replace(day=1)
    )
    scope = signed.scope
    if scope is None or not scope.is_province:
        return dashboard.not_found(request, signed)
    if month is None:
        return dashboard.message(request, 400, *BAD_MONTH, signed=signed)
    found = await exports.province(
        uow, await administrators.districts(uow, scope), scope.title, month,
        exports.Options.of(dashboard.settings),
    )  # fmt: skip
    ascii_name = f"sammachip-province-{month.year + 543}-{month.month:02d}.xlsx"
    return After(lambda: _download(found.workbook, found.filename, ascii_name))


async def _download(render: Callable[[], bytes], filename: str, ascii_name: str) -> Response:
    workbook = await asyncio.to_thread(render)
    return Response(
        workbook,
        media_type=XLSX_TYPE,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
            )
        },
    )
