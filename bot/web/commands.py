"""`sammachip serve` and `sammachip poll`: migrate, build the app, run it (`bot.app.running`)
until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import sys

from bot.app import App, build_app, running
from bot.channels.base import Inbound
from bot.channels.telegram import TelegramChannel, poll
from bot.config import Settings
from bot.storage.migrate import upgrade_async
from bot.web import stack
from bot.web.runtime import Channels, deliver, process

log = logging.getLogger(__name__)


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL at INFO: a Bot API URL contains the bot token (Telegram
    # now goes through aiohttp, which does not; httpx still carries speech-to-text calls).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # uvicorn's access log prints each path with its query: the dashboard's one-time sign-in
    # link carries its token there.
    logging.getLogger("uvicorn.access").addFilter(RedactQuery())
    # Caddy checks every worker's /healthz each second (deploy/caddy): 86,400 lines a day
    # that say nothing. A failed check is still logged.
    logging.getLogger("uvicorn.access").addFilter(QuietHealthChecks())


_SECRET_QUERY = re.compile(r"((?:^|[?&;])(?:token|secret|key|code)=)[^&;\s\"]*", re.IGNORECASE)
# A generated file's key is its credential: /files/<key> is logged as /files/[redacted].
_FILE_KEY = re.compile(r"(/files/)[^/?#\s\"]+")


def redact(text: str) -> str:
    # Most of what passes is a webhook's access line ("POST /webhooks/line HTTP/1.1"): no
    # query value and no file key, so no pattern can match and none is run.
    if "=" not in text and "/files/" not in text:
        return text
    return _FILE_KEY.sub(r"\1[redacted]", _SECRET_QUERY.sub(r"\1[redacted]", text))


class RedactQuery(logging.Filter):
    """Blanks secret-looking query values (token=, secret=, key=, code=) and file keys
    (/files/…) in a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


class QuietHealthChecks(logging.Filter):
    """Drops the access line of a passed health check (GET /healthz answered 200)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:  # client, method, path, version, status
            return not (args[2] == "/healthz" and args[4] == 200)
        return True


def _log_stack(http: stack.Http | None = None) -> None:
    """Which loop (and parser) this process runs on: the operator's check of EVENT_LOOP."""
    loop = type(asyncio.get_running_loop())
    parser = f", HTTP parser: {http}" if http else ""
    log.info("event loop: %s.%s%s", loop.__module__, loop.__name__, parser)


async def serve(
    settings: Settings,
    host: str,
    port: int,
    scheduler: bool = True,
    http: stack.Http | None = None,
) -> int:
    """`http`: the parser `bot.cli` resolved from HTTP_PARSER (resolved here when not given);
    the loop is the running one (`bot.web.stack.run`)."""
    import uvicorn

    from bot.web.server import create_web_app

    _logging()
    http = http or stack.http_parser(settings.http_parser)
    _log_stack(http)
    await upgrade_async(settings.database_url)
    if not (settings.line_enabled or settings.telegram_enabled):
        log.warning(
            "neither LINE nor Telegram credentials are set: only /healthz and the dashboard"
        )
    app = build_app(settings)
    web = create_web_app(app, scheduler=scheduler, close_app=True)
    config = stack.uvicorn_config(web, host, port, http)
    await uvicorn.Server(config).serve()  # Ctrl-C / SIGTERM: a clean shutdown, then exit
    return 0


async def run_poll(settings: Settings, scheduler: bool = True) -> int:
    _logging()
    _log_stack()
    if not settings.telegram_enabled:
        sys.stderr.write("ยังไม่ได้ตั้งค่า TELEGRAM_BOT_TOKEN (TELEGRAM_BOT_TOKEN is not set)\n")
        return 2
    await upgrade_async(settings.database_url)
    app = build_app(settings)
    interval = settings.outbox_drain_seconds
    async with running(app, drain_interval=interval, scheduler=scheduler, close_app=True) as live:
        telegram = live.channels.telegram
        assert telegram is not None
        await _poll_until_stopped(app, live.channels, telegram, settings)
    return 0


async def _poll_until_stopped(
    app: App, channels: Channels, telegram: TelegramChannel, settings: Settings
) -> None:
    """Long polling until SIGINT/SIGTERM; the replies being sent get ten seconds to finish."""
    sending: set[asyncio.Task[None]] = set()

    async def handle(inbound: Inbound) -> None:
        done = await process(app, inbound, channels)
        if done.error is not None:
            raise done.error  # the offset stays: the update is fetched again
        task = asyncio.create_task(deliver(app, done.outbox_ids, inbound.acks))
        sending.add(task)
        task.add_done_callback(sending.discard)

    polling = asyncio.create_task(
        poll(telegram, handle, wait_seconds=settings.telegram_poll_timeout_seconds)
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, polling.cancel)
    log.info("polling Telegram as @%s", telegram.bot.username)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await polling
    finally:
        if sending:
            await asyncio.wait(sending, timeout=10)
