"""One group's page (/groups/{id}) and its monthly sales chart (/groups/{id}/chart.png).
Another district's group and a group that does not exist both answer 404."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from bot.dashboard import group_queries, queries, views
from bot.dashboard.params import path_id
from bot.dashboard.session import After, SignedIn, signed_in_page
from bot.services import administrators
from bot.storage.models import OccupationGroup
from bot.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from bot.dashboard.web import Dashboard


@signed_in_page
async def group(
    dashboard: Dashboard, request: Request, uow: UnitOfWork, signed: SignedIn
) -> Response | After:
    settings = dashboard.settings
    found = await group_of(uow, signed, path_id(request.path_params["group_id"]))
    if found is None:
        return dashboard.not_found(request, signed)
    page = await group_queries.group_page(uow, found, settings, dashboard.app.clock.now())

    async def respond() -> Response:
        row = page.row
        return dashboard.render(
            request,
            "group.html",
            signed=signed,
            page=page,
            row=row,
            facts=page.report.facts,
            change=views.change_text(page.report.facts.sales_total, page.previous_sales),
            meeting_level=views.meeting_level(
                row.meetings,
                page.now.astimezone(settings.tz).date(),
                settings.meeting_due_day,
            ),
        )

    return After(respond)


async def group_of(
    uow: UnitOfWork, signed: SignedIn, group_id: int | None
) -> OccupationGroup | None:
    """The group if this officer or administrator may see it (else None: a 404)."""
    if not group_id:
        return None
    if signed.scope is not None:
        return await administrators.group_in_scope(uow, signed.scope, group_id)
    return await group_queries.visible_group(uow, signed.actor, group_id)


@signed_in_page
async def chart(
    dashboard: Dashboard, request: Request, uow: UnitOfWork, signed: SignedIn
) -> Response | After:
    from bot.reports.charts import sales_chart
    from bot.reports.queries import sales_by_month

    found = await group_of(uow, signed, path_id(request.path_params["group_id"]))
    if found is None:
        return dashboard.not_found(request, signed)
    month = dashboard.today().replace(day=1)
    months = await sales_by_month(uow, found.id, month, queries.CHART_MONTHS)
    title = f"ยอดขายรายเดือน {found.name}"

    async def respond() -> Response:
        png = await asyncio.to_thread(sales_chart, months, title)
        return Response(png, media_type="image/png")

    return After(respond)
