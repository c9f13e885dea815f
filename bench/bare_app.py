"""The ceiling for bench/webhook.py: a bare Starlette app whose webhook routes read the body and
answer 200, served by uvicorn with the settings `sammachip serve` uses (bot/web/commands.py).

Run:  .venv/bin/python bench/bare_app.py --port 8099   (bench/webhook.py starts it itself)
"""

from __future__ import annotations

import argparse
import asyncio
import logging

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


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
    config = uvicorn.Config(
        app, host=args.host, port=args.port, lifespan="on", proxy_headers=True, log_config=None
    )
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
