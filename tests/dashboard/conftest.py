"""The dashboard on its own, the way the web server mounts it, with an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from bot.app import App
from bot.dashboard import build_dashboard


@pytest.fixture
def dashboard(app: App) -> Starlette:
    return Starlette(routes=[build_dashboard(app)])


@pytest.fixture
async def client(dashboard: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=dashboard)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
