"""The dashboard in a real browser: Debian's Chromium (/usr/bin/chromium) driven by the PyPI
playwright package. Nothing downloads a browser; when Chromium is missing the test fails and
says how to install it (CI installs it in .ci/run).

One walk through as the demo officer, against the dashboard served by uvicorn in a thread on
127.0.0.1: sign in with the link the bot gave in the chat, the overview (demo groups, overdue
first), a group's page, the month's workbook, another district's group refused, sign out.
Screenshots at 360 px and 1280 px go to test-artifacts/screenshots/."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from starlette.applications import Starlette

from bot.app import build_app
from bot.clock import FixedClock
from bot.config import Settings
from bot.dashboard import build_dashboard
from bot.demo import EGG_GROUP, FROG_GROUP
from bot.services import dashboard_access as auth
from tests.conftest import NOW
from tests.dashboard.support import OTHER_GROUP, add_other_district, link_from_bot
from tests.support.chat import Chat, RecordingTransport

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

CHROMIUM = os.environ.get("SAMMACHIP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PHONE: ViewportSize = {"width": 360, "height": 780}
DESK: ViewportSize = {"width": 1280, "height": 900}


@dataclass
class Served:
    base_url: str
    link: str  # the sign-in link the bot sent the demo officer
    egg_group_id: int
    frog_group_id: int
    other_group_id: int


class _Server(threading.Thread):
    """uvicorn serving the dashboard in its own thread and event loop, with its own App (an
    async engine belongs to the loop that uses it)."""

    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        super().__init__(name="dashboard-server", daemon=True)
        self.settings = settings
        self.sock = sock
        self.server: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported by the fixture, not lost in the thread
            self.error = error

    async def _serve(self) -> None:
        import uvicorn

        app = build_app(self.settings, clock=FixedClock(NOW))
        config = uvicorn.Config(
            Starlette(routes=[build_dashboard(app)]),
            lifespan="off",
            ws="none",
            log_level="warning",
            access_log=False,
        )
        server = uvicorn.Server(config)
        self.server = server
        try:
            await server.serve(sockets=[self.sock])
        finally:
            await app.close()

    @property
    def started(self) -> bool:
        return bool(getattr(self.server, "started", False))

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.join(timeout=10)


async def _prepare(settings: Settings) -> tuple[str, int, int, int]:
    """Seeds the demo district and another one, and asks the bot for the officer's link."""
    console = RecordingTransport("console")
    app = build_app(settings, clock=FixedClock(NOW), transports={"console": console})
    try:
        chat = Chat(app, console)
        ids = await chat.seed()
        other = await add_other_district(app)
        link = await link_from_bot(chat)
    finally:
        await app.close()
    return link, ids.egg_group_id, ids.frog_group_id, other


@pytest.fixture
def served(sqlite_url: str) -> Iterator[Served]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        _env_file=None,
        database_url=sqlite_url,
        public_base_url=base_url,
    )
    link, egg, frog, other = asyncio.run(_prepare(settings))
    server = _Server(settings, sock)
    server.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if server.error is not None or not server.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the dashboard server did not start: {server.error!r}")
        time.sleep(0.02)
    try:
        yield Served(base_url, link, egg, frog, other)
    finally:
        server.stop()
        sock.close()
        if server.error is not None:
            raise server.error


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _chromium() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(apt-get install chromium; .ci/run does) — never `playwright install`",
            pytrace=False,
        )
    return CHROMIUM


def test_officer_dashboard_in_chromium(served: Served, screenshots: Path) -> None:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.fail("the playwright package is missing: pip install -e '.[test]'", pytrace=False)
    executable = _chromium()
    base = f"{served.base_url}{auth.PREFIX}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport=DESK, locale="th-TH", timezone_id="Asia/Bangkok", accept_downloads=True
            )
            context.set_default_timeout(10_000)
            page = context.new_page()

            # Sign in with the link the bot sent in the chat.
            assert served.link.startswith(f"{base}/login?token=")
            page.goto(served.link)
            page.get_by_role("button", name="เข้าสู่แดชบอร์ด").click()
            page.wait_for_url(f"{base}/")
            (cookie,) = [c for c in context.cookies() if c["name"] == auth.COOKIE]
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            assert cookie["path"] == auth.PREFIX

            # The overview: both demo groups, the most overdue first (frog: monthly, last
            # visit 40 days ago -> 10 days overdue; eggs: weekly, 10 days ago -> 3 days).
            expect(page.locator("h1")).to_contain_text("อำเภอวังหิน")
            rows = page.locator("table.groups tbody tr")
            expect(rows).to_have_count(2)
            assert rows.locator("a.group-link").all_inner_texts() == [FROG_GROUP, EGG_GROUP]
            overdue = [rows.nth(i).get_attribute("data-overdue-days") for i in range(2)]
            assert overdue == ["10", "3"]
            expect(rows.first).to_contain_text("เลยกำหนด 10 วัน")
            expect(rows.nth(1)).to_contain_text("เลยกำหนด 3 วัน")
            expect(page.locator("svg.spark")).to_have_count(2)
            page.screenshot(path=screenshots / "overview-1280.png", full_page=True)

            # Sorting by village, from the column header.
            page.get_by_role("columnheader", name="หมู่บ้าน").get_by_role("link").click()
            page.wait_for_url(f"{base}/?sort=village")
            assert rows.locator("a.group-link").all_inner_texts() == [EGG_GROUP, FROG_GROUP]

            # A phone: cards instead of a table, nothing wider than the screen.
            page.set_viewport_size(PHONE)
            page.goto(f"{base}/")
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            expect(page.locator("form.sorter")).to_be_visible()
            page.screenshot(path=screenshots / "overview-360.png", full_page=True)

            # Into a group.
            page.get_by_role("link", name=EGG_GROUP).click()
            page.wait_for_url(f"{base}/groups/{served.egg_group_id}")
            expect(page.locator("h1")).to_have_text(EGG_GROUP)
            members = page.locator("#members")
            expect(members).to_contain_text("มาลี ศรีสุข")
            expect(members).to_contain_text("เหรัญญิก")
            expect(page.locator("#visits")).to_contain_text("สมาชิกแบ่งงานชัดเจน")
            expect(page.locator("#timeline li").first).to_be_visible()
            chart = page.locator("img.chart")
            chart.scroll_into_view_if_needed()
            page.wait_for_function(
                "() => { const i = document.querySelector('img.chart');"
                " return i.complete && i.naturalWidth > 0; }"
            )
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            page.screenshot(path=screenshots / "group-360.png", full_page=True)
            page.set_viewport_size(DESK)
            page.screenshot(path=screenshots / "group-1280.png", full_page=True)

            # The frog group's figures: September's, submitted by the treasurer.
            page.goto(f"{base}/groups/{served.frog_group_id}")
            expect(page.locator("#figures")).to_contain_text("6,000")
            expect(page.locator("#figures")).to_contain_text("ใช้อยู่")

            # The month's workbook.
            page.get_by_role("link", name="← ภาพรวมอำเภอ").click()
            page.wait_for_url(f"{base}/")
            with page.expect_download() as info:
                page.locator("#export-1").click()
            download = info.value
            assert download.suggested_filename.endswith("-2568-10.xlsx")
            workbook = Path(download.path()).read_bytes()
            assert workbook.startswith(b"PK")
            from openpyxl import load_workbook

            sheets = load_workbook(io.BytesIO(workbook), read_only=True).sheetnames
            assert "สรุป" in sheets

            # Another district's group: refused, and nothing of it shown.
            response = page.goto(f"{base}/groups/{served.other_group_id}")
            assert response is not None and response.status == 404
            expect(page.locator("h1")).to_have_text("ไม่พบหน้านี้")
            assert OTHER_GROUP not in page.content()

            # Sign out; the pages then ask to sign in through the chat.
            page.goto(f"{base}/")
            page.get_by_role("button", name="ออกจากระบบ").click()
            page.wait_for_url(f"{base}/signed-out")
            response = page.goto(f"{base}/")
            assert response is not None and response.status == 401
            expect(page.locator("body")).to_contain_text("พิมพ์ แดชบอร์ด")

            # The link was used once; opening it again is refused.
            response = page.goto(served.link)
            assert response is not None and response.status == 403
            expect(page.locator("body")).to_contain_text("ใช้ไปแล้ว")
        finally:
            browser.close()
