"""The web server of `sammachip serve`: LINE and Telegram webhooks, /healthz, generated files
under PUBLIC_BASE_URL/files/, and the officer dashboard. See `bot.web.server`."""

from __future__ import annotations

from bot.web.server import create_web_app

__all__ = ["create_web_app"]
