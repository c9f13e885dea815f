"""What the attack scenarios share: `sammachip serve` as a real process on loopback, wired to
the fake LINE and Bot API servers (real wire format, signed webhooks), and people talking to
it the way an attacker or a villager would. Setup that is not part of an attack (a demo
person's LINE account, a code the district office issued) is written straight to the database
or done with the same services the command line uses."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import Select, delete, func, select

from bot.app import build_app
from bot.config import Settings
from bot.services import admin
from bot.services.enrolment_codes import CodeKind
from bot.storage.database import create_engine, session_factory
from bot.storage.models import Base, ChatAccount, InboundEvent, OccupationGroup, Outbox, Person
from bot.storage.models import utcnow as _utcnow
from tests.reliability.harness import ServeProcess, line_request, telegram_request
from tests.support.channel_stack import PUBLIC
from tests.support.fake_line import FakeLine, LineEvents, flex_text
from tests.support.fake_telegram import FakeTelegram, TelegramUpdates

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b|\b[A-Z2-9]{5}-[A-Z2-9]{5}\b")
FILE_LINK = re.compile(re.escape(PUBLIC) + r"/files/([A-Za-z0-9_-]+)")
LOGIN_LINK = re.compile(re.escape(PUBLIC) + r"(/dashboard/login\?token=[A-Za-z0-9._-]+)")

T = TypeVar("T")


def settings(url: str) -> Settings:
    return Settings(_env_file=None, database_url=url)


async def issue_code(url: str, kind: CodeKind, target: int) -> str:
    """A code the district office issues (`sammachip code rotate`)."""
    app = build_app(settings(url))
    try:
        async with app.uow() as uow:
            code = await admin.issue_code(uow, kind, target, app.clock.now(), app.settings)
            await uow.commit()
        return code
    finally:
        await app.close()


async def add_officer(url: str, name: str) -> int:
    """A new officer of the demo district (`sammachip officer add`), not linked yet."""
    app = build_app(settings(url))
    try:
        async with app.uow() as uow:
            officer = await admin.add_officer(uow, name=name, district="วังหิน", province="ศรีสะเกษ")
            await uow.commit()
        return officer.id
    finally:
        await app.close()


async def give_account(url: str, person_name: str, channel: str, external_id: str) -> int:
    """A demo person's chat account on a platform, linked long before the attack; it replaces
    their demo console account (real people are on LINE or Telegram)."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            person_id = await session.scalar(select(Person.id).where(Person.name == person_name))
            assert person_id is not None, person_name
            await session.execute(
                delete(ChatAccount).where(
                    ChatAccount.person_id == person_id, ChatAccount.channel == "console"
                )
            )
            long_ago = _utcnow() - timedelta(days=30)
            session.add(
                ChatAccount(
                    channel=channel,
                    external_id=external_id,
                    person_id=person_id,
                    consented_at=long_ago,
                    linked_at=long_ago,
                    created_at=long_ago,
                )
            )
            await session.commit()
            return int(person_id)
    finally:
        await engine.dispose()


async def scalar(url: str, query: Select[T]) -> T | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(query)
    finally:
        await engine.dispose()


async def rows(url: str, query: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(query)).all())
    finally:
        await engine.dispose()


async def count(url: str, model: type[Base], *where: Any) -> int:
    return int(await scalar(url, select(func.count()).select_from(model).where(*where)) or 0)


async def join_code(url: str, group_name: str) -> str:
    code = await scalar(
        url, select(OccupationGroup.join_code).where(OccupationGroup.name == group_name)
    )
    assert code
    return str(code)


async def quiet(url: str, within: float = 20.0) -> None:
    """Until every stored event is handled and every LINE/Telegram message sent (rows for
    the demo people's console accounts wait for a console, which serve has not)."""
    deadline = time.monotonic() + within
    while True:
        waiting = await count(url, InboundEvent, InboundEvent.status == "pending") + await count(
            url, Outbox, Outbox.status == "pending", Outbox.channel != "console"
        )
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{waiting} events or messages still pending")
        await asyncio.sleep(0.1)


@dataclass
class Served:
    """A running `serve` and ways to talk to it."""

    url: str
    server: ServeProcess
    line: FakeLine
    telegram: FakeTelegram
    http: httpx.AsyncClient
    events: LineEvents = field(default_factory=LineEvents)
    updates: TelegramUpdates = field(default_factory=TelegramUpdates)
    workers: list[ServeProcess] = field(default_factory=list)
    _turn: int = 0

    def _base(self) -> str:
        """The next worker, in turn (with one worker, always it)."""
        pool = self.workers or [self.server]
        self._turn += 1
        return pool[self._turn % len(pool)].base

    async def line_says(
        self, user: str, text: str, *, group: str | None = None, message_id: str | None = None
    ) -> list[str]:
        """Sends a LINE message; the reply's texts (empty if the bot stays silent)."""
        chat = group or user
        token = self.line.issue_token(chat)
        event = self.events.text(
            text, user=user, reply_token=token, group=group, message_id=message_id
        )
        body, headers = line_request([event])
        response = await self.http.post(
            f"{self._base()}/webhooks/line", content=body, headers=headers
        )
        assert response.status_code == 200, response.text
        await quiet(self.url)
        return [  # what the person reads: texts, and Flex cards as they show on a phone
            m.get("text", "") if m.get("type") == "text" else flex_text(m["contents"])
            for call in self.line.delivered
            if call.reply_token == token
            for m in call.messages
            if m.get("type") in ("text", "flex")
        ]

    async def line_event(self, event: dict[str, Any]) -> None:
        body, headers = line_request([event])
        response = await self.http.post(
            f"{self._base()}/webhooks/line", content=body, headers=headers
        )
        assert response.status_code == 200
        await quiet(self.url)

    async def tg_says(
        self, user: int, text: str, *, chat: int | None = None, first_name: str = "บุญมี"
    ) -> list[str]:
        """Sends a Telegram message; the texts the bot sent to that chat in answer."""
        where = str(chat if chat is not None else user)
        before = len(self.telegram.texts(where))
        update = self.updates.message(text, user_id=user, chat_id=chat, first_name=first_name)
        body, headers = telegram_request(update)
        response = await self.http.post(
            f"{self._base()}/webhooks/telegram", content=body, headers=headers
        )
        assert response.status_code == 200, response.text
        await quiet(self.url)
        return self.telegram.texts(where)[before:]

    def line_texts(self, chat: str) -> list[str]:
        return self.line.texts(chat)


@asynccontextmanager
async def served(
    url: str,
    line: FakeLine,
    telegram: FakeTelegram,
    log: Path,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> AsyncIterator[Served]:
    processes = []
    try:
        for n in range(workers):
            process = ServeProcess(
                url, line, telegram, log.with_name(f"{log.stem}-{n}{log.suffix}"),
                extra_env=dict(env or {}),
            )  # fmt: skip
            processes.append(await process.start())
        async with httpx.AsyncClient(base_url=processes[0].base, timeout=20) as http:
            yield Served(url, processes[0], line, telegram, http, workers=processes)
    finally:
        for process in processes:
            process.stop()


def logs(log: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(log.parent.glob(f"{log.stem}*")))
