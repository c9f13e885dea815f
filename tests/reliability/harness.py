"""What the fault scenarios share: `sammachip serve` as a real subprocess wired to the fake
platforms on 127.0.0.1, people linked in bulk before a load run, and the figures each
scenario prints (and asserts)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import CursorResult, func, select, update

from bot.demo import EGG_GROUP
from bot.messages import InboundMessage
from bot.storage.database import create_engine, session_factory
from bot.storage.models import (
    Base,
    ChatAccount,
    InboundEvent,
    Membership,
    OccupationGroup,
    Outbox,
    Person,
    Sale,
)
from bot.storage.models import utcnow as _utcnow
from tests.support.channel_stack import LINE_SECRET, PUBLIC, TELEGRAM_SECRET
from tests.support.fake_line import FakeLine, sign
from tests.support.fake_telegram import FakeTelegram
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_SECRET = "dashboard-signing-secret-for-tests-0123456789"


def sale_text(n: int) -> str:
    """A sale whose quantity identifies the event it came from (n + 1 eggs at the usual
    5 baht each, so no price check asks to confirm)."""
    return f"ขายไข่เค็ม {n + 1} ฟอง {5 * (n + 1)} บาท"


def shows(seen: str, text: str) -> bool:
    """Whether a message a person received shows this reply text: the text itself, or a card
    made around it (a reminder: LINE's Flex card or Telegram's HTML, its title above)."""
    return seen == text or (bool(text) and text in seen)


def echoes(text: str, n: int) -> bool:
    """Whether a reply text is the echo of `sale_text(n)`."""
    return "บันทึกการขาย" in text and f" {n + 1} ฟอง" in text


# --- the database, read and written directly ------------------------------------------------


async def link_many(url: str, channel: str, external_ids: list[str], role: str = "member") -> None:
    """People linked in bulk, as if each had sent the join code and agreed to the notice:
    a Person, a consented ChatAccount and a Membership of the demo egg group each."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            group_id = await session.scalar(
                select(OccupationGroup.id).where(OccupationGroup.name == EGG_GROUP)
            )
            assert group_id is not None, "the demo district is not seeded"
            now = _utcnow()
            for n, external in enumerate(external_ids):
                person = Person(name=f"สมาชิกทดสอบ {channel} {n}", consented_at=now)
                session.add(person)
                await session.flush()
                session.add(
                    ChatAccount(
                        channel=channel,
                        external_id=external,
                        person_id=person.id,
                        consented_at=now,
                    )
                )
                session.add(Membership(person_id=person.id, group_id=group_id, role=role))
            await session.commit()
    finally:
        await engine.dispose()


async def count(url: str, model: type[Base], *where: Any) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(select(func.count()).select_from(model).where(*where))
            return int(found or 0)
    finally:
        await engine.dispose()


async def sale_refs(url: str) -> Counter[str]:
    """How many sales each platform message produced (Sale.source_ref is channel:chat:message)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(Sale.source_ref).where(Sale.source_ref.is_not(None)))
            return Counter(str(ref) for (ref,) in rows)
    finally:
        await engine.dispose()


async def waiting_refs(url: str) -> Counter[str]:
    """Events acknowledged and stored in the inbox but not handled yet, by the reference their
    sale will carry (channel:chat:message)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(InboundEvent.message).where(InboundEvent.status == "pending")
            )
            refs = [InboundMessage.from_record(message).source_ref for (message,) in rows]
            return Counter(ref for ref in refs if ref)
    finally:
        await engine.dispose()


async def event_ids(url: str, channel: str) -> Counter[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(InboundEvent.external_id).where(InboundEvent.channel == channel)
            )
            return Counter(str(e) for (e,) in rows)
    finally:
        await engine.dispose()


async def expire_leases(url: str) -> int:
    """Fast-forwards the sender's 60 s lease on rows a killed process had leased but not
    marked: exactly what the lease running out does, without waiting a minute."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            result = await session.execute(
                update(Outbox)
                .where(Outbox.status == "pending", Outbox.attempts > 0)
                .values(next_attempt_at=_utcnow())
            )
            await session.commit()
            assert isinstance(result, CursorResult)  # an UPDATE's result counts its rows
            return int(result.rowcount or 0)
    finally:
        await engine.dispose()


async def unmarked(url: str, channel: str) -> list[tuple[str, str]]:
    """(recipient, text) of the rows a killed process had leased and counted an attempt of but
    never marked: the sends that may have reached the platform without the database knowing."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Outbox.recipient, Outbox.payload).where(
                    Outbox.channel == channel, Outbox.status == "pending", Outbox.attempts >= 1
                )
            )
            return [(str(recipient), str(payload.get("text", ""))) for recipient, payload in rows]
    finally:
        await engine.dispose()


async def pending(url: str) -> int:
    """Stored events not handled yet plus replies not sent yet."""
    return await count(url, Outbox, Outbox.status == "pending") + await count(
        url, InboundEvent, InboundEvent.status == "pending"
    )


async def wait_pending_zero(url: str, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while await pending(url):
        if time.monotonic() > deadline:
            raise AssertionError(f"{await pending(url)} events or replies still pending")
        await asyncio.sleep(0.2)


# --- the server as a real process -----------------------------------------------------------


@dataclass
class ServeProcess:
    """`python -m bot serve` on a free loopback port; its output goes to a file."""

    url: str
    line: FakeLine
    telegram: FakeTelegram
    log: Path
    scheduler: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TELEGRAM_"))}
        env.update(
            DATABASE_URL=self.url,
            LINE_CHANNEL_SECRET=LINE_SECRET,
            LINE_CHANNEL_ACCESS_TOKEN=self.line.access_token,
            LINE_API_BASE_URL=self.line.url,
            TELEGRAM_BOT_TOKEN=self.telegram.token,
            TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
            TELEGRAM_API_BASE_URL=self.telegram.base_url,
            PUBLIC_BASE_URL=PUBLIC,
            DASHBOARD_SECRET=DASHBOARD_SECRET,
            OUTBOX_DRAIN_SECONDS="0.2",
            PYTHONPATH=str(ROOT),
            **self.extra_env,
        )
        return env

    async def start(self, within: float = 30.0) -> ServeProcess:
        self.port = free_port()
        command = [sys.executable, "-m", "bot", "serve", "--port", str(self.port)]
        if not self.scheduler:
            command.append("--no-scheduler")
        out = self.log.open("ab")
        # cwd is the log's folder, so no developer .env is read
        self.process = subprocess.Popen(  # noqa: ASYNC220 (starts at once; nothing to await)
            command, cwd=self.log.parent, env=self.env(), stdout=out, stderr=subprocess.STDOUT
        )
        out.close()
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"serve exited at start:\n{self.log.read_text()[-3000:]}")
                try:
                    if (await client.get(f"{self.base}/healthz")).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("serve did not start")
                await asyncio.sleep(0.1)

    @property
    def dead(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing, no goodbye."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def line_request(events: list[dict[str, Any]]) -> tuple[bytes, dict[str, str]]:
    import json

    body = json.dumps({"destination": "Ubot", "events": events}, ensure_ascii=False).encode()
    return body, {"Content-Type": "application/json", "X-Line-Signature": sign(body, LINE_SECRET)}


def telegram_request(update: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    import json

    body = json.dumps(update, ensure_ascii=False).encode()
    return body, {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }


def figures(scenario: str, **numbers: int) -> dict[str, int]:
    """Prints a scenario's figures so they show under `pytest -s` / `-rP`."""
    shown = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in numbers.items())
    print(f"\n[{scenario}] {shown}")
    return numbers
