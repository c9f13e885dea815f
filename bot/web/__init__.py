"""The web server of `sammachip serve`: LINE and Telegram webhooks, /healthz, generated files
under PUBLIC_BASE_URL/files/, and the officer dashboard. See `bot.web.server`.

`create_web_app` is imported on first use, so that `bot.web.stack` (the event loop and HTTP
parser) stays light: bench/bare_app.py, the bench's ceiling, uses it without the bot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.web.server import create_web_app

__all__ = ["create_web_app"]


def __getattr__(name: str) -> Any:
    if name == "create_web_app":
        from bot.web.server import create_web_app

        return create_web_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
