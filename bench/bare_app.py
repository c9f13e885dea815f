"""The ceiling for bench/webhook.py: a bare Starlette app whose webhook routes read the body and
answer 200, served by uvicorn with the settings `sammachip serve` uses (bot/web/commands.py),
on the same event loop and HTTP parser (bot/web/stack.py: EVENT_LOOP, HTTP_PARSER).

Run:  .venv/bin/python bench/bare_app.py --port 8099   (bench/webhook.py starts it itself)
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings
from bot.web import stack


async def webhook(request: Request) -> Response:
    body = await request.body()
    return JSONResponse({"ok": True, "bytes": len(body)})


async def healthz(_: Request) -> Response:
    return JSONResponse({"ok": True})


app = Starlette(
    routes=[
        Route("/webhooks/line", webhook, methods=["POST"]),
        Route("/webhooks/telegram", webhook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The same uvicorn.Config and logging as `sammachip serve` (bot/web/commands.py: INFO, so
    # one access-log line per request), so the ratio compares the bot, not settings.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # And the same loop and parser: uvloop + httptools speed the ceiling as much as the bot.
    settings = Settings()
    loop = stack.event_loop(settings.event_loop)
    http = stack.http_parser(settings.http_parser)
    logging.getLogger(__name__).info("event loop: %s, HTTP parser: %s", loop, http)
    config = stack.uvicorn_config(app, args.host, args.port, http)
    stack.run(uvicorn.Server(config).serve(), loop)


if __name__ == "__main__":
    main()
