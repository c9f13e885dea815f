"""The whole bot behind its real web server, wired to the fake LINE and Bot API servers:
what the end-to-end tests drive (see tests/e2e/conftest.py for the fixtures)."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from bot.app import App, build_app
from bot.clock import FixedClock
from bot.config import Settings
from bot.demo import DemoIds
from bot.storage.models import Base, ChatAccount, OccupationGroup, Outbox
from bot.web import create_web_app
from tests.support.chat import Chat, RecordingTransport
from tests.support.fake_line import FakeLine, LineEvents, signed, user_id
from tests.support.fake_telegram import FakeTelegram, TelegramUpdates
from tests.support.live_server import LiveServer, until

_databases = itertools.count()


def database_for(request: pytest.FixtureRequest) -> str:
    """The `db_url` fixture: the demo district seeded on SQLite, or on PostgreSQL too for a test
    marked `both_databases` (the rule is in tests/conftest.py)."""
    from tests.conftest import backend

    if backend(request) == "sqlite":
        template: Path = request.getfixturevalue("seeded_sqlite")
        path = request.getfixturevalue("tmp_path") / "channels.db"
        shutil.copyfile(template, path)
        return f"sqlite+aiosqlite:///{path}"

    server = request.getfixturevalue("pg_server")
    name = f"channels_{os.getpid()}_{next(_databases)}"
    asyncio.run(server.create_database(name, "template_sammachip"))
    return str(server.url(name))


async def seed_database(url: str) -> None:
    """The demo district as of today (the stack's clock starts at the real present)."""
    app = build_app(Settings(_env_file=None, database_url=url))
    try:
        await Chat(app, RecordingTransport("console")).seed()
    finally:
        await app.close()


@pytest.fixture(scope="session")
def seeded_sqlite(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo district, seeded once; each test gets a copy."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    shutil.copyfile(sqlite_template, path)
    asyncio.run(seed_database(f"sqlite+aiosqlite:///{path}"))
    return path


LINE_SECRET = "line-channel-secret-for-tests"
TELEGRAM_SECRET = "tg-webhook-secret_0123456789"
PUBLIC = "https://bot.example.test"


@dataclass
class Stack:
    app: App
    web: Starlette
    server: LiveServer
    http: httpx.AsyncClient
    line: FakeLine
    telegram: FakeTelegram
    clock: FixedClock
    ids: DemoIds
    events: LineEvents
    updates: TelegramUpdates

    async def post_line(
        self, *events: dict[str, Any], signature: str | None = "sign", wait: bool = True
    ) -> httpx.Response:
        """POSTs a signed webhook; with `wait`, returns once the bot has handled what it stored
        and tried its replies (as a person waits for the answer), else right after the 2xx."""
        body, good = signed(list(events), LINE_SECRET)
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            headers["X-Line-Signature"] = good
        elif signature is not None:
            headers["X-Line-Signature"] = signature
        response = await self.http.post("/webhooks/line", content=body, headers=headers)
        if wait:
            await self.handled()
        return response

    async def post_telegram(
        self, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET, wait: bool = True
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        response = await self.http.post("/webhooks/telegram", json=update, headers=headers)
        if wait:
            await self.handled()
        return response

    async def handled(self) -> None:
        """Until the server's intake has handled every stored event and tried its reply."""
        intake = self.web.state.web.intake
        assert intake is not None
        async with asyncio.timeout(10):
            await intake.idle()

    async def settled(self) -> None:
        """Until every reply written so far has been sent (or given up on) by the sender (rows
        for a channel this stack does not send on, like the demo officer's console account
        being told of a new member, wait for a process that does)."""
        await self.handled()
        sendable = Outbox.channel.in_(("line", "telegram"))
        for _ in range(500):
            if await self.count(Outbox, Outbox.status == "pending", sendable) == 0:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("outbox rows still pending")

    async def settled_or_failed_once(self) -> Outbox:
        """The newest outbox row, once the sender has sent it or recorded a failure."""
        for _ in range(500):
            async with self.app.uow() as uow:
                row = await uow.session.scalar(select(Outbox).order_by(Outbox.id.desc()).limit(1))
            if row is not None and (row.last_error or row.status != "pending"):
                return row
            await asyncio.sleep(0.01)
        raise AssertionError("the reply was neither sent nor failed")

    async def count(self, model: type[Base], *where: Any) -> int:
        async with self.app.uow() as uow:
            return int(
                await uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
            )

    async def join_code(self, group_id: int | None = None) -> str:
        async with self.app.uow() as uow:
            group = await uow.session.get(OccupationGroup, group_id or self.ids.egg_group_id)
            assert group is not None and group.join_code is not None
            return group.join_code

    async def give_role(self, channel: str, external_id: str, role: str) -> None:
        """Makes a linked member of the salted-egg group its chair or treasurer (as if they
        had linked with that code)."""
        person_id = await self.person_of(channel, external_id)
        assert person_id is not None
        async with self.app.uow() as uow:
            membership = await uow.groups.membership(person_id, self.ids.egg_group_id)
            assert membership is not None
            membership.role = role
            await uow.commit()

    async def person_of(self, channel: str, external_id: str) -> int | None:
        async with self.app.uow() as uow:
            account = await uow.session.scalar(
                select(ChatAccount).where(
                    ChatAccount.channel == channel, ChatAccount.external_id == external_id
                )
            )
            return account.person_id if account else None

    async def line_member(self, user: str | None = None) -> str:
        """A LINE user who joined the salted-egg group in a private chat ("เข้ากลุ่ม CODE")."""
        user = user or user_id()
        token = self.line.issue_token(user)
        before = len(self.line.delivered)
        response = await self.post_line(
            self.events.text(f"เข้ากลุ่ม {await self.join_code()}", user=user, reply_token=token)
        )
        assert response.status_code == 200
        await until(lambda: len(self.line.delivered) > before, what="the privacy notice")
        # PDPA: nothing is linked until the person agrees to the notice.
        response = await self.post_line(
            self.events.text("ยินยอม", user=user, reply_token=self.line.issue_token(user))
        )
        assert response.status_code == 200
        await until(lambda: len(self.line.delivered) > before + 1, what="the welcome reply")
        return user

    async def telegram_member(self, user: int) -> int:
        before = len(self.telegram.sent)
        response = await self.post_telegram(
            self.updates.message(f"/join {await self.join_code()}", user_id=user)
        )
        assert response.status_code == 200
        await until(lambda: len(self.telegram.sent) > before, what="the privacy notice")
        response = await self.post_telegram(self.updates.message("ยินยอม", user_id=user))
        assert response.status_code == 200
        await until(lambda: len(self.telegram.sent) > before + 1, what="the welcome message")
        return user


def stack_settings(url: str, line: FakeLine, telegram: FakeTelegram) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        line_channel_secret=LINE_SECRET,
        line_channel_access_token=line.access_token,
        line_api_base_url=line.url,
        telegram_bot_token=telegram.token,
        telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_base_url=telegram.base_url,
        public_base_url=PUBLIC,
        send_timeout_seconds=3.0,
        max_webhook_body_bytes=64_000,
    )


@asynccontextmanager
async def running_stack(
    url: str, line: FakeLine, telegram: FakeTelegram, *, drain_interval: float = 0,
    **settings: Any,
) -> AsyncIterator[Stack]:  # fmt: skip
    """`settings`: other settings than the stack's own (e.g. a speech-to-text server)."""
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    configured = stack_settings(url, line, telegram).model_copy(update=settings)
    app = build_app(configured, clock=clock)
    ids = await Chat(app, RecordingTransport("console")).seed()
    web = create_web_app(app, scheduler=False, drain_interval=drain_interval, dashboard=False)
    server = await LiveServer(web).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            yield Stack(
                app, web, server, http, line, telegram, clock, ids, LineEvents(), TelegramUpdates()
            )
    finally:
        await server.stop()
        await app.close()
