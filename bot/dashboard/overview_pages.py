"""The overview pages: an officer's district (sortable: ?sort=overdue|name|...&rev=1), an
administrator's province (one line per district) or district, and one district of a province
administrator's scope (/districts/{id}; a neighbour's answers 404)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from bot.calendar import add_months
from bot.dashboard import queries, views
from bot.dashboard.params import path_id
from bot.dashboard.session import SignedIn, signed_in_page
from bot.services import administrators
from bot.services.administrators import Scope as AdminScope
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import thai_month

if TYPE_CHECKING:
    from bot.dashboard.web import Dashboard


@signed_in_page
async def overview(
    dashboard: Dashboard, request: Request, uow: UnitOfWork, signed: SignedIn
) -> Response:
    if signed.scope is not None and signed.scope.is_province:
        return await _province(dashboard, request, uow, signed, signed.scope)
    actor = signed.actor if signed.scope is None else signed.reading(signed.scope.area_id)
    data = await queries.overview(uow, actor, dashboard.settings, dashboard.app.clock.now())
    return _overview(dashboard, request, signed, data, back=None)


@signed_in_page
async def district(
    dashboard: Dashboard, request: Request, uow: UnitOfWork, signed: SignedIn
) -> Response:
    """An administrator's view of one district of their scope: the officers' overview."""
    district_id = path_id(request.path_params["district_id"])
    scope = signed.scope
    area = (
        await administrators.district_in_scope(uow, scope, district_id)
        if scope is not None and district_id
        else None
    )
    if area is None:
        return dashboard.not_found(request, signed)  # a neighbour's district: as if none
    data = await queries.overview(
        uow, signed.reading(area.id), dashboard.settings, dashboard.app.clock.now()
    )
    back = f"{dashboard.base(request)}/" if scope is not None and scope.is_province else None
    return _overview(dashboard, request, signed, data, back=back, district_id=area.id)


async def _province(
    dashboard: Dashboard, request: Request, uow: UnitOfWork, signed: SignedIn, scope: AdminScope
) -> Response:
    from bot.reports import province

    settings = dashboard.settings
    month = dashboard.today().replace(day=1)
    districts = await administrators.districts(uow, scope)
    rollup = await province.rollup(
        uow, districts, scope.title, month, due_day=settings.figures_escalate_day,
        tz=settings.tz, fiscal_start_month=settings.fiscal_year_start_month,
    )  # fmt: skip
    previous = add_months(month, -1)
    return dashboard.render(
        request,
        "province.html",
        signed=signed,
        scope=scope,
        rollup=rollup,
        now=dashboard.app.clock.now(),
        exports=[(month, thai_month(month)), (previous, thai_month(previous))],
    )


def _overview(
    dashboard: Dashboard,
    request: Request,
    signed: SignedIn,
    data: queries.Overview,
    *,
    back: str | None,
    district_id: int | None = None,
) -> Response:
    sort = request.query_params.get("sort", "overdue")
    if sort not in queries.SORTS:
        sort = "overdue"
    rev = request.query_params.get("rev") == "1"
    rows = queries.sort_rows(data.rows, sort, reverse=rev)
    previous = add_months(data.month, -1)
    here = f"districts/{district_id}" if district_id else ""
    return dashboard.render(
        request,
        "overview.html",
        signed=signed,
        data=data,
        rows=rows,
        sort=sort,
        rev=rev,
        back=back,
        here=here,
        export_district=f"&district={district_id}" if district_id else "",
        exports=[(data.month, thai_month(data.month)), (previous, thai_month(previous))],
        meeting_levels={
            row.group_id: views.meeting_level(
                row.meetings, data.today, dashboard.settings.meeting_due_day
            )
            for row in rows
        },
    )
