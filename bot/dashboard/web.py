"""The dashboard's HTTP side: the routes, the `Dashboard` every page uses (its signing keys,
the session check, rendering and the Thai message pages) and the error pages. The pages are in
their own modules; every signed-in page starts with the one check in bot/dashboard/session.py.

Pages (under /dashboard):
  GET  /                     district overview (sortable: ?sort=overdue|name|...&rev=1);
                             an administrator's `/` is their province (one line per district)
                             or their district                           overview_pages.py
  GET  /districts/{id}       an administrator's view of one district of their scope
  GET  /groups/{id}          one group                                   group_pages.py
  GET  /groups/{id}/chart.png  its monthly sales chart
  GET  /export?month=YYYY-MM the district's monthly workbook (.xlsx)     export_pages.py
  GET  /export/province?month=YYYY-MM  a province administrator's workbook
  GET  /login?token=…, POST /login, POST /logout, GET /signed-out        login_pages.py
Without a valid session a page answers 401 with a Thai page that says how to sign in; another
district's group and a group that does not exist both answer 404. Every response carries the
headers of bot/dashboard/headers.py.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.dashboard import export_pages, group_pages, login_pages, overview_pages, views
from bot.dashboard.headers import SecurityHeaders
from bot.dashboard.session import LINK_REASONS, SIGN_IN_REASONS, SignedIn, entry
from bot.services import administrators
from bot.services import dashboard_access as auth
from bot.services.dashboard_access import BadToken, Keys
from bot.storage.models import Administrator
from bot.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:  # the composition root builds the dashboard; only its type is needed here
    from bot.app import App

log = logging.getLogger(__name__)


class Dashboard:
    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self.env = views.environment(app.settings.tz)
        self._keys: Keys | None = auth.configured_keys(app.settings)
        self._configured = self._keys is not None

    # -- keys and tokens

    async def key_ring(self, uow: UnitOfWork, refresh: bool = False) -> Keys | None:
        """The keys to check with. Database keys are read once per process and read again when
        a token fails to verify (another process may have created the key meanwhile)."""
        if self._configured:
            return self._keys
        if self._keys is None or refresh:
            stored = await auth.stored_keys(uow)
            self._keys = Keys(stored[0], tuple(stored)) if stored else None
        return self._keys

    async def verify(self, uow: UnitOfWork, check: Callable[[Keys], Any]) -> tuple[Keys, Any]:
        for refresh in (False, True):
            keys = await self.key_ring(uow, refresh)
            if keys is None:
                continue
            try:
                return keys, check(keys)
            except BadToken as error:
                if error.reason != "invalid" or self._configured:
                    raise
        raise BadToken("invalid")

    async def signed_in(self, request: Request, uow: UnitOfWork) -> SignedIn | str:
        """The signed-in officer, or why there is none (none | expired | invalid | revoked)."""
        cookie = request.cookies.get(auth.COOKIE)
        if not cookie:
            return "none"
        now = self.app.clock.now()
        try:
            keys, claim = await self.verify(uow, lambda k: auth.read_session(k, cookie, now))
        except BadToken as error:
            return error.reason
        if await auth.session_revoked(uow, claim.session_id):
            return "revoked"
        officer = await entry(uow, claim.officer_id, claim.admin)
        if officer is None:
            return "invalid"
        if not auth.current(officer, claim.epoch):
            return "ended"  # unlinked, erased, code rotated or signed out everywhere
        scope = (
            await administrators.scope_of(uow, officer)
            if isinstance(officer, Administrator)
            else None
        )
        return SignedIn(officer, claim, auth.csrf_token(keys, claim.session_id), scope)

    # -- rendering

    def base(self, request: Request) -> str:
        return str(request.scope.get("root_path", "")) or auth.PREFIX

    def render(
        self,
        request: Request,
        template: str,
        status: int = 200,
        signed: SignedIn | None = None,
        **context: Any,
    ) -> HTMLResponse:
        base = self.base(request)
        html = self.env.get_template(template).render(
            base=base,
            css_href=f"{base}/static/{views.CSS_FILE}?v={views.css_version()}",
            officer=signed.officer if signed else None,
            csrf=signed.csrf if signed else "",
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def message(
        self,
        request: Request,
        status: int,
        title: str,
        text: str,
        *,
        how_to_sign_in: bool = False,
        signed: SignedIn | None = None,
    ) -> HTMLResponse:
        return self.render(
            request,
            "message.html",
            status,
            signed,
            title=title,
            text=text,
            how_to_sign_in=how_to_sign_in,
        )

    def sign_in_page(self, request: Request, reason: str) -> HTMLResponse:
        return self.message(
            request,
            401,
            "เข้าสู่ระบบผ่านแชต",
            SIGN_IN_REASONS.get(reason, SIGN_IN_REASONS["none"]),
            how_to_sign_in=True,
        )

    def not_found(self, request: Request, signed: SignedIn | None = None) -> HTMLResponse:
        return self.message(
            request,
            404,
            "ไม่พบหน้านี้",
            "ไม่พบกลุ่มหรือหน้านี้ในอำเภอของคุณค่ะ กลับไปที่ภาพรวมอำเภอเพื่อเลือกกลุ่มได้เลย",
            signed=signed,
        )

    def link_refused(self, request: Request, reason: str) -> HTMLResponse:
        return self.message(
            request,
            403,
            "ใช้ลิงก์นี้ไม่ได้",
            LINK_REASONS.get(reason, LINK_REASONS["invalid"]),
            how_to_sign_in=True,
        )

    def forbidden(self, request: Request, signed: SignedIn | None = None) -> HTMLResponse:
        return self.message(
            request,
            403,
            "ทำรายการนี้ไม่ได้",
            "คำขอนี้ไม่ได้มาจากหน้าแดชบอร์ดของคุณ จึงไม่ได้ทำรายการค่ะ กรุณาเปิดหน้าใหม่แล้วลองอีกครั้ง",
            signed=signed,
        )

    # -- errors

    async def http_error(self, request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        if status == 404:
            return self.not_found(request)
        if status == 405:
            return self.message(request, 405, "ทำรายการนี้ไม่ได้", "หน้านี้ไม่รับคำขอแบบนี้ค่ะ")
        return self.message(request, status, "เกิดข้อผิดพลาด", "ขออภัยค่ะ ลองใหม่อีกครั้งนะคะ")

    async def server_error(self, request: Request, error: Exception) -> Response:
        log.error("dashboard page failed: %s", request.url.path, exc_info=error)
        return self.message(request, 500, "ขออภัยค่ะ ระบบขัดข้อง", "ลองโหลดหน้านี้ใหม่อีกครั้งในอีกสักครู่นะคะ")

    def today(self) -> date:
        return self.app.clock.now().astimezone(self.settings.tz).date()


def build(app: App) -> Mount:
    dashboard = Dashboard(app)

    def page(
        endpoint: Callable[[Dashboard, Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        return functools.partial(endpoint, dashboard)

    routes: list[Route | Mount] = [
        Route("/", page(overview_pages.overview), name="overview"),
        Route("/districts/{district_id:int}", page(overview_pages.district), name="district"),
        Route("/groups/{group_id:int}", page(group_pages.group), name="group"),
        Route("/groups/{group_id:int}/chart.png", page(group_pages.chart), name="chart"),
        Route("/export", page(export_pages.district_export), name="export"),
        Route("/export/province", page(export_pages.province_export), name="province_export"),
        Route("/login", page(login_pages.login_page), methods=["GET"], name="login_page"),
        Route("/login", page(login_pages.login), methods=["POST"], name="login"),
        Route("/logout", page(login_pages.logout), methods=["POST"], name="logout"),
        Route("/signed-out", page(login_pages.signed_out), name="signed_out"),
        Mount("/static", StaticFiles(packages=[("bot.dashboard", "static")]), name="static"),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        HTTPException: dashboard.http_error,
        Exception: dashboard.server_error,
    }
    inner = Starlette(routes=routes, exception_handlers=handlers)
    return Mount(auth.PREFIX, app=SecurityHeaders(inner), name="dashboard")
