"""Signing in and out:
GET  /login?token=…  the link from the chat: checks it and shows one button that signs in.
                     GET changes nothing, so a chat app fetching the link for its preview can
                     neither use it up nor get the officer's session
POST /login          uses the token once, sets the session cookie
POST /logout         CSRF-checked; ends the session for good
GET  /signed-out"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.dashboard.session import entry
from bot.services import dashboard_access as auth
from bot.services.dashboard_access import BadToken

if TYPE_CHECKING:
    from bot.dashboard.web import Dashboard

MAX_FORM_BYTES = 4096


async def login_page(dashboard: Dashboard, request: Request) -> Response:
    token = request.query_params.get("token", "")
    async with dashboard.app.uow() as uow:
        try:
            _, claim = await dashboard.verify(
                uow, lambda k: auth.read_login(k, token, dashboard.app.clock.now())
            )
            if await auth.nonce_used(uow, claim.nonce):
                raise BadToken("used")
            officer = await entry(uow, claim.officer_id, claim.admin)
            if officer is None or not auth.current(officer, claim.epoch):
                raise BadToken("invalid")
        except BadToken as error:
            return dashboard.link_refused(request, error.reason)
    return dashboard.render(request, "login.html", token=token)


async def login(dashboard: Dashboard, request: Request) -> Response:
    settings = dashboard.settings
    if not _same_origin(request, settings.public_base_url):
        return dashboard.forbidden(request)
    form = await _form(request)
    token = form.get("token", "")
    now = dashboard.app.clock.now()
    async with dashboard.app.uow() as uow:
        try:
            keys, claim = await dashboard.verify(uow, lambda k: auth.read_login(k, token, now))
            officer = await entry(uow, claim.officer_id, claim.admin)
            if officer is None or not auth.current(officer, claim.epoch):
                raise BadToken("invalid")
            await auth.use_nonce(uow, claim.nonce)
        except BadToken as error:
            return dashboard.link_refused(request, error.reason)
    ttl = timedelta(hours=settings.dashboard_session_hours)
    base = dashboard.base(request)
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


async def logout(dashboard: Dashboard, request: Request) -> Response:
    # Not @signed_in_page: another site's POST is refused (403) before the session is read.
    if not _same_origin(request, dashboard.settings.public_base_url):
        return dashboard.forbidden(request)
    form = await _form(request)
    async with dashboard.app.uow() as uow:
        signed = await dashboard.signed_in(request, uow)
        if isinstance(signed, str):
            return dashboard.sign_in_page(request, signed)
        keys = await dashboard.key_ring(uow)
        if keys is None or not auth.csrf_valid(keys, signed.session.session_id, form.get("csrf")):
            return dashboard.forbidden(request, signed)
        await auth.revoke_session(uow, signed.session.session_id)
    base = dashboard.base(request)
    response = RedirectResponse(f"{base}/signed-out", status_code=303)
    response.delete_cookie(
        auth.COOKIE,
        path=base,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


async def signed_out(dashboard: Dashboard, request: Request) -> Response:
    return dashboard.message(
        request,
        200,
        "ออกจากระบบแล้ว",
        "ออกจากระบบเรียบร้อยแล้วค่ะ ขอบคุณที่ติดตามกลุ่มอาชีพนะคะ",
        how_to_sign_in=True,
    )


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
