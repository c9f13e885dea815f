"""The Starlette app served by uvicorn (`sammachip serve`).

  POST /webhooks/line       X-Line-Signature checked; bad or missing → 400, nothing stored
  POST /webhooks/telegram   X-Telegram-Bot-Api-Secret-Token checked in constant time → 403
  GET  /healthz             200 {"ok": true, ...} when the database answers, else 503
  GET  /files/{key}         generated pictures and exports (unguessable, expiring keys)
  /dashboard/...            the officer dashboard (bot.dashboard)

A webhook answers 2xx only after its events are committed to the inbox (`bot.web.intake`:
one commit shared by every request waiting at that moment); they are handled and answered
right after, in order per chat. If they cannot be stored (database down) the answer is 500, so
the platform redelivers, and the unique delivery id makes that safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.channels.base import Inbound, WebhookRejected
from bot.channels.telegram import SECRET_HEADER
from bot.web.intake import Intake
from bot.web.runtime import (
    Channels,
    acknowledge,
    drain_forever,
    start_scheduler,
    stop_scheduler,
)

log = logging.getLogger(__name__)


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
    """What the routes need; `channels` is filled in by the lifespan."""

    def __init__(self, app: App, *, scheduler: bool, drain_interval: float | None) -> None:
        self.app = app
        self.scheduler = scheduler
        self.drain_interval = drain_interval
        self.channels = Channels()
        self.scheduled: Any | None = None
        self.intake: Intake | None = None


def create_web_app(
    app: App,
    *,
    scheduler: bool = True,
    drain_interval: float | None = None,
    dashboard: bool = True,
    close_app: bool = False,
) -> Starlette:
    """The ASGI app. Platform clients are opened in its lifespan (inside the running loop) and
    closed on shutdown; with `drain_interval` (default: settings) a drain loop runs too, and
    with `close_app` the app's database engine is disposed of at the end."""
    state = WebState(
        app,
        scheduler=scheduler,
        drain_interval=app.settings.outbox_drain_seconds
        if drain_interval is None
        else drain_interval,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        state.channels = await Channels.open(app)
        drainer: asyncio.Task[None] | None = None
        state.intake = Intake(app, channels=state.channels)
        state.intake.start()
        # People's menus: whenever a role changes (kicked), and retries every drain interval.
        menus = asyncio.create_task(app.menus.forever(state.drain_interval or 0))
        app.menus.kick()  # anything a restart left pending
        try:
            if state.drain_interval and state.drain_interval > 0:
                drainer = asyncio.create_task(drain_forever(app, state.drain_interval))
            if state.scheduler:
                state.scheduled = await start_scheduler(app)
            log.info("serving channels: %s", ", ".join(state.channels.names) or "none")
            yield
        finally:
            await state.intake.stop()
            menus.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await menus
            await stop_scheduler(state.scheduled)
            if drainer is not None:
                drainer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await drainer
            await state.channels.close(app)
            if close_app:  # `serve`: the database pool goes with the server
                await app.close()

    async def line_webhook(request: Request) -> Response:
        adapter = state.channels.line_adapter
        if adapter is None:
            return PlainTextResponse("LINE is not configured", status_code=404)
        signature = request.headers.get("x-line-signature")
        return await _webhook(request, lambda body: adapter.parse(body, signature))

    async def telegram_webhook(request: Request) -> Response:
        channel = state.channels.telegram
        if channel is None:
            return PlainTextResponse("Telegram is not configured", status_code=404)
        secret = request.headers.get(SECRET_HEADER)
        return await _webhook(request, lambda body: channel.adapter.parse(body, secret))

    async def _webhook(request: Request, parse: Any) -> Response:
        intake = state.intake
        assert intake is not None, "the lifespan starts the intake"
        intake.arrive()
        try:
            return await _take(request, parse, intake)
        finally:
            intake.leave()

    async def _take(request: Request, parse: Any, intake: Intake) -> Response:
        try:
            body = await read_body(request, app.settings.max_webhook_body_bytes)
        except BodyTooLarge:
            return PlainTextResponse("request body too large", status_code=413)
        try:
            inbound: Inbound = parse(body)
        except WebhookRejected as rejected:
            log.warning("%s refused: %s", request.url.path, rejected.detail)
            return PlainTextResponse(rejected.detail, status_code=rejected.status)
        try:
            accepted = await intake.accept(inbound.messages)
        except Exception:
            # Nothing of this request is stored: the platform's redelivery will be.
            return JSONResponse({"ok": False}, status_code=500)
        return JSONResponse(
            {"ok": True, "messages": len(inbound.messages), "duplicates": accepted.duplicates},
            background=BackgroundTask(acknowledge, inbound.acks) if inbound.acks else None,
        )

    async def healthz(_: Request) -> Response:
        try:
            async with app.uow() as uow:
                await uow.session.execute(text("SELECT 1"))
        except Exception as error:
            log.warning("healthz: database unavailable: %s", error)
            return JSONResponse({"ok": False, "database": False}, status_code=503)
        return JSONResponse(
            {"ok": True, "database": True, "channels": state.channels.names},
            headers={"Cache-Control": "no-store"},
        )

    async def files(request: Request) -> Response:
        key = request.path_params["key"]
        async with app.uow() as uow:
            stored = await uow.files.get(key, app.clock.now())
        if stored is None:
            return PlainTextResponse("not found", status_code=404)
        headers = {"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"}
        if not stored.content_type.startswith("image/"):
            name = (stored.filename or key).replace('"', "")
            ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
            headers["Content-Disposition"] = (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
            )
        return Response(stored.data, media_type=stored.content_type, headers=headers)

    routes: list[BaseRoute] = [
        Route("/webhooks/line", line_webhook, methods=["POST"]),
        Route("/webhooks/telegram", telegram_webhook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/files/{key}", files, methods=["GET"]),
    ]
    if dashboard:
        try:
            from bot.dashboard import build_dashboard

            routes.append(build_dashboard(app))
        except ImportError as error:  # the dashboard is optional for the chat channels
            log.warning("dashboard not available: %s", error)
    web = Starlette(routes=routes, lifespan=lifespan)
    web.state.web = state
    return web
