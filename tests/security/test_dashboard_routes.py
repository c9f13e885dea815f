"""Every dashboard route checks the session on the server. The pages are written as
`@signed_in_page` functions since the dashboard split; this walks the routes the dashboard
really mounts (not a hand-kept list), so a page added or refactored without the check is a
failing test: without a session it must answer 401 with the Thai sign-in page, never data."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from bot.dashboard import build_dashboard
from tests.support.chat import Chat

# Reachable without a session on purpose: the sign-in itself, the page after signing out,
# logout (it refuses by itself: 403 for another site's POST, else the sign-in page), files.
PUBLIC = {"login_page", "login", "signed_out", "logout", "static"}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


async def test_every_mounted_dashboard_page_needs_a_session(chat: Chat) -> None:
    mount = build_dashboard(chat.app)
    assert isinstance(mount, Mount)
    checked = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=Starlette(routes=[mount])), base_url="http://testserver"
    ) as http:
        inner = mount.app.app  # type: ignore[attr-defined]  # SecurityHeaders(Starlette)
        assert isinstance(inner, Starlette)
        for route in inner.routes:
            if getattr(route, "name", None) in PUBLIC:
                continue
            assert isinstance(route, Route), route
            for method in sorted(route.methods or {"GET"}):
                if method == "HEAD":
                    continue
                path = mount.path + _concrete(route.path)
                answer = await http.request(method, path, params={"district": "1"})
                assert answer.status_code == 401, (method, path)
                assert "เข้าสู่ระบบผ่านแชต" in answer.text and "PK" not in answer.text[:2]
                checked.append(route.name)
    # the pages that show data, as mounted after the split
    assert {"overview", "district", "group", "chart", "export", "province_export"} <= set(checked)
