"""The dashboard's HTTP side: routes, the session check on every page, and the headers every
response carries (no caching of anyone's pages, a strict Content-Security-Policy, no referrer so
a sign-in link never leaks to another site).

Pages (under /dashboard):
  GET  /                     district overview (sortable: ?sort=overdue|name|...&rev=1)
  GET  /groups/{id}          one group
  GET  /groups/{id}/chart.png  its monthly sales chart
  GET  /export?month=YYYY-MM the district's monthly workbook (.xlsx); an administrator adds
                             &district=ID (a district of their scope, else 404)
  GET  /districts/{id}       an administrator's view of one district of their scope
  GET  /export/province?month=YYYY-MM  a province administrator's workbook
An administrator's `/` is their province (one line per district) or their district.
  GET  /login?token=…        the link from the chat: checks it and shows one button that signs
                             in. GET changes nothing, so a chat app fetching the link for its
                             preview can neither use it up nor get the officer's session
  POST /login                uses the token once, sets the session cookie
  POST /logout               CSRF-checked; ends the session for good
  GET  /signed-out
Without a valid session a page answers 401 with a Thai page that says how to sign in; another
district's group and a group that does not exist both answer 404.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.calendar import add_months
from bot.dashboard import queries, views
from bot.reports.export_rows import XLSX_TYPE
from bot.services import administrators, exports
from bot.services import dashboard_access as auth
from bot.services.actors import Actor
from bot.services.administrators import Scope as AdminScope
from bot.services.dashboard_access import BadToken, Keys, SessionClaim
from bot.storage.models import Administrator, OccupationGroup, Officer
from bot.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:  # the composition root builds the dashboard; only its type is needed here
    from bot.app import App
from bot.wording import thai_month

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 4096
EXPORT_MONTHS_BACK = 36
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

NO_STORE = "no-store, private"
STATIC_CACHE = "public, max-age=86400"  # the stylesheet only: the same for everyone, versioned
# No script at all; styles and images from the dashboard itself; forms post only to it.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


# --- headers ---------------------------------------------------------------------------


class SecurityHeaders:
    """Adds the dashboard's headers to every response, error pages included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root = scope.get("root_path", "")
        path: str = scope["path"]
        static = path.removeprefix(root).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = STATIC_CACHE if static else NO_STORE
                if not static:
                    headers["Pragma"] = "no-cache"
                    headers["Vary"] = "Cookie"
                headers["X-Content-Type-Options"] = "nosniff"
                # Same-origin only: the sign-in link's token never leaves in a Referer, and
                # the browser still sends a real Origin on the dashboard's own forms.
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Frame-Options"] = "DENY"
                headers["Content-Security-Policy"] = CSP
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- sessions --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedIn:
    officer: Officer | Administrator  # who signed in (an administrator when `scope` is set)
    session: SessionClaim
    csrf: str
    scope: AdminScope | None = None  # an administrator's province or district

    @property
    def actor(self) -> Actor:
        # The dashboard acts for the officer's district only (bot.services.reports decides).
        assert isinstance(self.officer, Officer)
        return Actor(
            person_id=self.officer.person_id or 0,
            name=self.officer.name,
            officer_id=self.officer.id,
            district_id=self.officer.district_id,
        )

    def reading(self, district_id: int) -> Actor:
        """Who reads a district's pages for an administrator: the district, nothing else (the
        pages only read; the district was checked against the scope before)."""
        return Actor(person_id=self.officer.person_id or 0, name=self.officer.name,
                     district_id=district_id)  # fmt: skip


async def _entry(uow: UnitOfWork, officer_id: int, admin: bool) -> Officer | Administrator | None:
    """The officer, or the administrator, a token names."""
    if admin:
        return await uow.session.get(Administrator, officer_id)
    return await uow.people.officer(officer_id)


SIGN_IN_REASONS = {
    "none": "กรุณาเข้าสู่ระบบผ่านแชตค่ะ",
    "expired": "หมดเวลาใช้งานแล้วค่ะ กรุณาเข้าสู่ระบบใหม่ผ่านแชต",
    "invalid": "กรุณาเข้าสู่ระบบใหม่ผ่านแชตค่ะ",
    "revoked": "คุณออกจากระบบแล้วค่ะ เข้าสู่ระบบใหม่ผ่านแชตได้เลย",
    "ended": "การเข้าสู่ระบบนี้สิ้นสุดแล้วค่ะ (ออกจากระบบทุกเครื่อง หรือบัญชีมีการเปลี่ยนแปลง) "
    "พิมพ์ แดชบอร์ด ในแชตส่วนตัวกับบอทเพื่อเข้าใหม่นะคะ",
}
LINK_REASONS = {
    "invalid": "ลิงก์นี้ไม่ถูกต้องค่ะ",
    "expired": "ลิงก์นี้หมดอายุแล้วค่ะ (ลิงก์ใช้ได้ 10 นาที)",
    "used": "ลิงก์นี้ถูกใช้ไปแล้วค่ะ (ลิงก์ใช้ได้ครั้งเดียว)",
}


class Dashboard:
    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self.env = views.environment(app.settings.tz)
        self._keys: Keys | None = auth.configured_keys(app.settings)
        self._configured = self._keys is not None

    # -- keys and tokens

    async def _key_ring(self, uow: UnitOfWork, refresh: bool = False) -> Keys | None:
        """The keys to check with. Database keys are read once per process and read again when
        a token fails to verify (another process may have created the key meanwhile)."""
        if self._configured:
            return self._keys
        if self._keys is None or refresh:
            stored = await auth.stored_keys(uow)
            self._keys = Keys(stored[0], tuple(stored)) if stored else None
        return self._keys

    async def _verify(self, uow: UnitOfWork, check: Callable[[Keys], Any]) -> tuple[Keys, Any]:
        for refresh in (False, True):
            keys = await self._key_ring(uow, refresh)
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
            keys, claim = await self._verify(uow, lambda k: auth.read_session(k, cookie, now))
        except BadToken as error:
            return error.reason
        if await auth.session_revoked(uow, claim.session_id):
            return "revoked"
        officer = await _entry(uow, claim.officer_id, claim.admin)
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

    # -- pages

    async def overview(self, request: Request) -> Response:
        async with self.app.uow() as uow:
            signed = await self.signed_in(request, uow)
            if isinstance(signed, str):
                return self.sign_in_page(request, signed)
            if signed.scope is not None and signed.scope.is_province:
                return await self._province(request, uow, signed, signed.scope)
            actor = signed.actor if signed.scope is None else signed.reading(signed.scope.area_id)
            data = await queries.overview(uow, actor, self.settings, self.app.clock.now())
        return self._overview(request, signed, data, back=None)

    async def district(self, request: Request) -> Response:
        """An administrator's view of one district of their scope: the officers' overview."""
        district_id = _id(request.path_params["district_id"])
        async with self.app.uow() as uow:
            signed = await self.signed_in(request, uow)
            if isinstance(signed, str):
                return self.sign_in_page(request, signed)
            scope = signed.scope
            area = (
                await administrators.district_in_scope(uow, scope, district_id)
                if scope is not None and district_id
                else None
            )
            if area is None:
                return self.not_found(request, signed)  # a neighbour's district: as if none
            data = await queries.overview(
                uow, signed.reading(area.id), self.settings, self.app.clock.now()
            )
        back = f"{self.base(request)}/" if scope is not None and scope.is_province else None
        return self._overview(request, signed, data, back=back, district_id=area.id)

    async def _province(
        self, request: Request, uow: UnitOfWork, signed: SignedIn, scope: AdminScope
    ) -> Response:
        from bot.reports import province

        month = self._today().replace(day=1)
        districts = await administrators.districts(uow, scope)
        rollup = await province.rollup(
            uow, districts, scope.title, month, due_day=self.settings.figures_escalate_day,
            tz=self.settings.tz, fiscal_start_month=self.settings.fiscal_year_start_month,
        )  # fmt: skip
        previous = add_months(month, -1)
        return self.render(
            request,
            "province.html",
            signed=signed,
            scope=scope,
            rollup=rollup,
            now=self.app.clock.now(),
            exports=[(month, thai_month(month)), (previous, thai_month(previous))],
        )

    def _overview(
        self,
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
        return self.render(
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
                    row.meetings, data.today, self.settings.meeting_due_day
                )
                for row in rows
            },
        )

    async def group(self, request: Request) -> Response:
        group_id = _id(request.path_params["group_id"])
        async with self.app.uow() as uow:
            signed = await self.signed_in(request, uow)
            if isinstance(signed, str):
                return self.sign_in_page(request, signed)
            group = await self._group_of(uow, signed, group_id)
            if group is None:
                return self.not_found(request, signed)
            page = await queries.group_page(uow, group, self.settings, self.app.clock.now())
        row = page.row
        return self.render(
            request,
            "group.html",
            signed=signed,
            page=page,
            row=row,
            facts=page.report.facts,
            change=views.change_text(page.report.facts.sales_total, page.previous_sales),
            meeting_level=views.meeting_level(
                row.meetings,
                page.now.astimezone(self.settings.tz).date(),
                self.settings.meeting_due_day,
            ),
        )

    async def _group_of(
        self, uow: UnitOfWork, signed: SignedIn, group_id: int | None
    ) -> OccupationGroup | None:
        """The group if this officer or administrator may see it (else None: a 404)."""
        if not group_id:
            return None
        if signed.scope is not None:
            return await administrators.group_in_scope(uow, signed.scope, group_id)
        return await queries.visible_group(uow, signed.actor, group_id)

    async def chart(self, request: Request) -> Response:
        from bot.reports.charts import sales_chart
        from bot.reports.queries import sales_by_month

        group_id = _id(request.path_params["group_id"])
        async with self.app.uow() as uow:
            signed = await self.signed_in(request, uow)
            if isinstance(signed, str):
                return self.sign_in_page(request, signed)
            group = await self._group_of(uow, signed, group_id)
            if group is None:
                return self.not_found(request, signed)
            month = self._today().replace(day=1)
            months = await sales_by_month(uow, group.id, month, queries.CHART_MONTHS)
        png = await asyncio.to_thread(sales_chart, months, f"ยอดขายรายเดือน {group.name}")
        return Response(png, media_type="image/png")

    async def export(self, request: Request) -> Response:
        this_month = self._today().replace(day=1)
        month = _month(request.query_params.get("month"), this_month)
        async with self.app.uow() as uow:
            signed = await self.signed_in(request, uow)
            if isinstance(signed, str):
                return self.sign_in_page(request, signed)
            if month is None:
                return self.message(
                    request,
                    400,
                    "เดือนไม่ถูกต้อง",
                    "ดาวน์โหลดได้ตั้งแต่เดือนนี้ย้อนหลังไม่เกิน 3 ปีค่ะ",
                    signed=signed,
                )
            if signed.scope is None:
                assert isinstance(signed.officer, Officer)
                district_id = signed.officer.district_id
            else:  # an administrator names the district; only one of their scope is served
                wanted = _id(_int(request.query_params.get("district")))
                if wanted is None and not signed.scope.is_province:
                    wanted = signed.scope.area_id
                area = (
                    await administrators.district_in_scope(uow, signed.scope, wanted)
                    if wanted
                    else None
                )
                if area is None:
                    return self.not_found(request, signed)
                district_id = area.id
            found = await exports.district(
                uow, district_id, month, exports.Options.of(self.settings)
            )
        workbook = await asyncio.to_thread(found.workbook)
        filename = found.filename
        ascii_name = f"sammachip-{month.year + 543}-{month.month:02d}.xlsx"
        return Response(
            workbook,
            media_type=XLSX_TYPE,
            headers={
                "Content-Disposition": (
                    f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
                )
            },
        )

    async def province_export(self, request: Request) -> Response:
        """A province administrator's workbook: one summary row per district, one sheet per
        district. Anyone else: 404."""
        this_month = self._today().replace(day=1)
        month = _month(request.query_params.get("month"), this_month)
        async with self.app.uow() as uow:
            signed = await self.signed_in(request, uow)
            if isinstance(signed, str):
                return self.sign_in_page(request, signed)
            scope = signed.scope
            if scope is None or not scope.is_province:
                return self.not_found(request, signed)
            if month is None:
                return self.message(
                    request, 400, "เดือนไม่ถูกต้อง",
                    "ดาวน์โหลดได้ตั้งแต่เดือนนี้ย้อนหลังไม่เกิน 3 ปีค่ะ", signed=signed,
                )  # fmt: skip
            found = await exports.province(
                uow,
                await administrators.districts(uow, scope),
                scope.title,
                month,
                exports.Options.of(self.settings),
            )
        workbook = await asyncio.to_thread(found.workbook)
        filename = found.filename
        ascii_name = f"sammachip-province-{month.year + 543}-{month.month:02d}.xlsx"
        return Response(
            workbook,
            media_type=XLSX_TYPE,
            headers={
                "Content-Disposition": (
                    f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
                )
            },
        )

    # -- signing in and out

    async def login_page(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        async with self.app.uow() as uow:
            try:
                _, claim = await self._verify(
                    uow, lambda k: auth.read_login(k, token, self.app.clock.now())
                )
                if await auth.nonce_used(uow, claim.nonce):
                    raise BadToken("used")
                officer = await _entry(uow, claim.officer_id, claim.admin)
                if officer is None or not auth.current(officer, claim.epoch):
                    raise BadToken("invalid")
            except BadToken as error:
                return self.link_refused(request, error.reason)
        return self.render(request, "login.html", token=token)

    async def login(self, request: Request) -> Response:
        if not _same_origin(request, self.settings.public_base_url):
            return self.forbidden(request)
        form = await _form(request)
        token = form.get("token", "")
        now = self.app.clock.now()
        async with self.app.uow() as uow:
            try:
                keys, claim = await self._verify(uow, lambda k: auth.read_login(k, token, now))
                officer = await _entry(uow, claim.officer_id, claim.admin)
                if officer is None or not auth.current(officer, claim.epoch):
                    raise BadToken("invalid")
                await auth.use_nonce(uow, claim.nonce)
            except BadToken as error:
                return self.link_refused(request, error.reason)
        ttl = timedelta(hours=self.settings.dashboard_session_hours)
        base = self.base(request)
        response = RedirectResponse(f"{base}/", status_code=303)
        response.set_cookie(
            auth.COOKIE,
            auth.mint_session(keys, officer.id, now, ttl, officer.session_epoch, admin=claim.admin),
            max_age=int(ttl.total_seconds()),
            path=base,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

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

    async def logout(self, request: Request) -> Response:
        if not _same_origin(request, self.settings.public_base_url):
            return self.forbidden(request)
        form = await _form(request)
        async with self.app.uow() as uow:
            signed = await self.signed_in(request, uow)
            if isinstance(signed, str):
                return self.sign_in_page(request, signed)
            keys = await self._key_ring(uow)
            if keys is None or not auth.csrf_valid(
                keys, signed.session.session_id, form.get("csrf")
            ):
                return self.forbidden(request, signed)
            await auth.revoke_session(uow, signed.session.session_id)
        base = self.base(request)
        response = RedirectResponse(f"{base}/signed-out", status_code=303)
        response.delete_cookie(
            auth.COOKIE,
            path=base,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    async def signed_out(self, request: Request) -> Response:
        return self.message(
            request,
            200,
            "ออกจากระบบแล้ว",
            "ออกจากระบบเรียบร้อยแล้วค่ะ ขอบคุณที่ติดตามกลุ่มอาชีพนะคะ",
            how_to_sign_in=True,
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

    def _today(self) -> date:
        return self.app.clock.now().astimezone(self.settings.tz).date()


def _month(value: str | None, this_month: date) -> date | None:
    if not value:
        return this_month
    match = _MONTH.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    month = date(int(match.group(1)), int(match.group(2)), 1)
    if month > this_month or month < add_months(this_month, -EXPORT_MONTHS_BACK):
        return None
    return month


MAX_ID = 2**31 - 1  # ids are 32-bit in the database; a larger one names nothing


def _id(value: object) -> int | None:
    """A path id the database can hold, else None (answered 404, never a database error)."""
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) <= 10 else None


def _same_origin(request: Request, public_base_url: str | None) -> bool:
    """A browser's POST from another site carries that site's Origin: refuse it (with
    SameSite=Lax and the CSRF token this is defence in depth). An Origin of "null" (a
    sandboxed frame, a data: page: the way a login CSRF hides where it comes from) is refused
    too. No Origin at all (not a browser): the token in the form decides on its own."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    allowed = {f"{request.url.scheme}://{request.url.netloc}"}
    if public_base_url:
        public = urlsplit(public_base_url)
        allowed.add(f"{public.scheme}://{public.netloc}")
    return origin in allowed


async def _form(request: Request) -> dict[str, str]:
    """A small urlencoded form, read without python-multipart; oversized bodies are dropped."""
    if request.headers.get("content-type", "").split(";")[0].strip() != (
        "application/x-www-form-urlencoded"
    ):
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=8)
    return {name: values[0] for name, values in fields.items() if values}


def build(app: App) -> Mount:
    dashboard = Dashboard(app)
    routes: list[Route | Mount] = [
        Route("/", dashboard.overview, name="overview"),
        Route("/districts/{district_id:int}", dashboard.district, name="district"),
        Route("/groups/{group_id:int}", dashboard.group, name="group"),
        Route("/groups/{group_id:int}/chart.png", dashboard.chart, name="chart"),
        Route("/export", dashboard.export, name="export"),
        Route("/export/province", dashboard.province_export, name="province_export"),
        Route("/login", dashboard.login_page, methods=["GET"], name="login_page"),
        Route("/login", dashboard.login, methods=["POST"], name="login"),
        Route("/logout", dashboard.logout, methods=["POST"], name="logout"),
        Route("/signed-out", dashboard.signed_out, name="signed_out"),
        Mount("/static", StaticFiles(packages=[("bot.dashboard", "static")]), name="static"),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        HTTPException: dashboard.http_error,
        Exception: dashboard.server_error,
    }
    inner = Starlette(routes=routes, exception_handlers=handlers)
    return Mount(auth.PREFIX, app=SecurityHeaders(inner), name="dashboard")
