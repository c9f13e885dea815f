"""The Starlette app served by uvicorn (`sammachip serve`).

  POST /webhooks/line       X-Line-Signature checked; bad or missing → 400, nothing stored
  POST /webhooks/telegram   X-Telegram-Bot-Api-Secret-Token checked in constant time → 403
                            (one route per channel in bot/channels/registry.py)
  GET  /healthz             200 {"ok": true, ...} when the database answers, else 503
  GET  /files/{key}         generated pictures (unguessable, expiring keys); a document's key
  POST /files/{key}         shows a page whose button downloads it once (single use, 15 min)
  /dashboard/...            the officer dashboard (bot.dashboard)

A webhook answers 2xx only after its events are committed to the inbox (`bot.web.intake`:
one commit shared by every request waiting at that moment); they are handled and answered
right after, in order per chat. If they cannot be stored (database down) the answer is 500, so
the platform redelivers, and the unique delivery id makes that safe.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels import registry
from bot.channels.base import Inbound, WebhookRejected
from bot.channels.registry import ChannelSpec
from bot.reports.files import RETRY_AFTER, Loaded, NotReady, load
from bot.storage.database import read_only
from bot.web.runtime import Channels, acknowledge

if TYPE_CHECKING:  # built by the composition root; only their types are needed here
    from bot.app import App, Running
    from bot.web.intake import Intake

log = logging.getLogger(__name__)


GENERIC = {400: "bad request", 403: "forbidden", 413: "request body too large"}


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than `limit` bytes without reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class WebState:
    """What the routes need; `live` (the open channels, the intake) is set by the lifespan."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.live: Running | None = None

    @property
    def channels(self) -> Channels:
        return self.live.channels if self.live is not None else Channels()

    @property
    def intake(self) -> Intake | None:
        return self.live.intake if self.live is not None else None


def create_web_app(
    app: App,
    *,
    scheduler: bool = True,
    drain_interval: float | None = None,
    dashboard: bool = True,
    close_app: bool = False,
) -> Starlette:
    """The ASGI app. Its lifespan is the app's runtime (`bot.app.running`): the platform
    clients, the intake, the outbox drain every `drain_interval` seconds (default: settings),
    the menu sync and, with `scheduler`, the follow-ups; with `close_app` the database engine
    is disposed of at the end. One webhook route per registered channel."""
    state = WebState(app)
    interval = app.settings.outbox_drain_seconds if drain_interval is None else drain_interval

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with app.running(
            intake=True, drain_interval=interval, scheduler=scheduler, close_app=close_app
        ) as live:
            state.live = live
            log.info("serving channels: %s", ", ".join(live.channels.names) or "none")
            yield

    routes: list[BaseRoute] = [
        *(webhook_route(spec, state) for spec in registry.channels()),
        Route("/healthz", partial(healthz, state), methods=["GET"]),
        Route("/files/{key}", partial(files, state), methods=["GET", "POST"]),
    ]
    if dashboard:
        from bot.dashboard import build_dashboard

        routes.append(build_dashboard(app))
    web = Starlette(routes=routes, lifespan=lifespan)
    web.state.web = state
    return web


def webhook_route(spec: ChannelSpec, state: WebState) -> Route:
    """POST {spec.route}: the channel checks the request's proof header and parses the body;
    404 while the channel is not configured."""

    async def webhook(request: Request) -> Response:
        channel = state.channels.get(spec.name)
        intake = state.intake
        if channel is None or intake is None:
            return PlainTextResponse(f"{spec.title} is not configured", status_code=404)
        proof = request.headers.get(spec.proof_header)
        intake.arrive()
        try:
            return await _take(request, lambda body: channel.parse(body, proof), intake, state.app)
        finally:
            intake.leave()

    return Route(spec.route, webhook, methods=["POST"])


async def _take(
    request: Request, parse: Callable[[bytes], Inbound], intake: Intake, app: App
) -> Response:
    try:
        body = await read_body(request, app.settings.max_webhook_body_bytes)
    except BodyTooLarge:
        return PlainTextResponse("request body too large", status_code=413)
    except ClientDisconnect:
        # The caller gave up mid-body, or the proxy cut a body short: nothing was read
        # whole, nothing is stored, and nobody reads this answer.
        log.info("%s: the caller hung up before the body was complete", request.url.path)
        return PlainTextResponse("client closed request", status_code=400)
    try:
        inbound = parse(body)
    except WebhookRejected as rejected:
        # The reason goes to the log; the caller learns only the status (no validation
        # details echoed back).
        log.warning("%s refused: %s", request.url.path, rejected.detail)
        return PlainTextResponse(
            GENERIC.get(rejected.status, "refused"), status_code=rejected.status
        )
    try:
        accepted = await intake.accept(inbound.messages)
    except Exception:
        # Nothing of this request is stored: the platform's redelivery will be.
        return JSONResponse({"ok": False}, status_code=500)
    return JSONResponse(
        {"ok": True, "messages": len(inbound.messages), "duplicates": accepted.duplicates},
        background=BackgroundTask(acknowledge, inbound.acks) if inbound.acks else None,
    )


async def healthz(state: WebState, _: Request) -> Response:
    try:
        # A read beside the unit of work: on SQLite it does not wait its turn behind a
        # burst's writes (Caddy's check has a time limit, deploy/caddy/Caddyfile).
        async with read_only(state.app.engine) as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        log.warning("healthz: database unavailable: %s", error)
        return JSONResponse({"ok": False, "database": False}, status_code=503)
    return JSONResponse(
        {"ok": True, "database": True, "channels": state.channels.names},
        headers={"Cache-Control": "no-store"},
    )


async def files(state: WebState, request: Request) -> Response:
    """A picture (fetched by LINE to show it) or a document. Documents — exports, a person's
    data — are single use: GET shows a page with one button (a chat app fetching the link for
    its preview uses nothing up), the POST it sends downloads the file once."""
    app = state.app
    key = request.path_params["key"]
    now = app.clock.now()
    try:
        loaded = await load(app.uow, key, now) if 16 <= len(key) <= 64 else None
    except NotReady:  # the link is good, its workbook could not be built on this fetch
        page = _file_page(503, "ยังเตรียมไฟล์ไม่เสร็จค่ะ", "ลองกดลิงก์อีกครั้งในอีกสักครู่นะคะ")
        page.headers["Retry-After"] = str(int(RETRY_AFTER.total_seconds()))
        return page
    if loaded is None:
        return _file_page(404, "ไม่พบไฟล์ หรือลิงก์หมดอายุแล้วค่ะ", "ขอไฟล์ใหม่จากบอทได้เลยนะคะ")
    if not loaded.single_use:
        if request.method != "GET":
            return PlainTextResponse("method not allowed", status_code=405)
        return _file_response(loaded, key, "private, max-age=300")
    if loaded.used:
        return _file_page(410, "ลิงก์นี้ถูกใช้ไปแล้วค่ะ", USED_ONCE)
    if request.method == "GET":
        return _file_page(200, "ดาวน์โหลดไฟล์", loaded.filename or "", button=True)
    async with app.uow() as uow:
        first = await uow.files.use_once(key, now)
        await uow.commit()
    if not first:
        return _file_page(410, "ลิงก์นี้ถูกใช้ไปแล้วค่ะ", USED_ONCE)
    return _file_response(loaded, key, "no-store, private")


USED_ONCE = "ลิงก์ดาวน์โหลดใช้ได้ครั้งเดียว ขอไฟล์ใหม่จากบอทได้เลยนะคะ"
_FILE_HEADERS = {
    "Cache-Control": "no-store, private",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
}


def _file_page(status: int, title: str, text: str, *, button: bool = False) -> HTMLResponse:
    form = (
        '<form method="post"><button type="submit">ดาวน์โหลด</button></form>'
        "<p>ลิงก์นี้ใช้ได้ครั้งเดียว กรุณาอย่าส่งต่อให้ผู้อื่นนะคะ</p>"
        if button
        else ""
    )
    body = (
        '<!doctype html><html lang="th"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p>{form}</body></html>"
    )
    return HTMLResponse(body, status_code=status, headers=_FILE_HEADERS)


def _file_response(loaded: Loaded, key: str, cache: str) -> Response:
    headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    if not loaded.content_type.startswith("image/"):
        name = (loaded.filename or "file").replace('"', "")
        ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
        headers["Content-Disposition"] = (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
        )
    return Response(loaded.data, media_type=loaded.content_type, headers=headers)
