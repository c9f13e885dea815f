"""The officer dashboard: a small server-rendered Thai web app under /dashboard (overview of
the district's groups, a page per group, the month's Excel export), signed in through the chat.

`build_dashboard(app)` returns a Starlette `Mount` at /dashboard that the web server adds to
its routes. Starlette and Jinja2 are imported only when it is called, so the chat handler that
mints sign-in links (it uses `bot.services.dashboard_access`) costs the bot nothing at start-up."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.routing import Mount

    from bot.app import App


def build_dashboard(app: App) -> Mount:
    from bot.dashboard.web import build

    return build(app)


__all__ = ["build_dashboard"]
