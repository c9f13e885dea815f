"""Talking to the bot in tests, through the real path: InboundMessage -> conversation core
-> outbox -> sender -> a transport that records what would have been shown."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select

from bot.app import App
from bot.channels.base import Outgoing
from bot.clock import FixedClock, local_today
from bot.demo import DemoIds, persona_account, seed
from bot.messages import InboundMessage, Reply
from bot.storage.models import Base, DeliveryStatus, Outbox

_ids = itertools.count(1)
PACE = timedelta(seconds=2)


@dataclass
class RecordingTransport:
    channel: str
    sent: list[Outgoing] = field(default_factory=list)

    async def send(self, message: Outgoing) -> None:
        self.sent.append(message)


class Chat:
    def __init__(self, app: App, transport: RecordingTransport) -> None:
        self.app = app
        self.transport = transport
        self._ids: DemoIds | None = None

    @property
    def ids(self) -> DemoIds:
        """The demo district's ids (the `chat` fixture seeds it)."""
        assert self._ids is not None, "seed() the demo district first"
        return self._ids

    @property
    def clock(self) -> FixedClock:
        """The app's clock, which tests move (the test apps run on a FixedClock)."""
        assert isinstance(self.app.clock, FixedClock), "the test app runs on a FixedClock"
        return self.app.clock

    async def seed(self) -> DemoIds:
        async with self.app.uow() as uow:
            self._ids = await seed(uow, local_today(self.app.clock, self.app.settings.tz))
            await uow.commit()
        return self._ids

    async def account_id(self, who: str) -> str:
        async with self.app.uow() as uow:
            account = await persona_account(uow, who)
            await uow.commit()
        return account.external_id

    async def say(
        self, text: str, who: str = "member", *, chat_id: str | None = None
    ) -> Reply | None:
        """Sends `text` as a demo persona (role name or person name); returns the reply shown."""
        sender = await self.account_id(who)
        clock = self.app.clock
        if isinstance(clock, FixedClock):
            clock.instant += PACE  # people type at human speed; the flood gate expects that
        handled = await self.app.conversation.handle(
            InboundMessage(
                channel="console",
                sender_id=sender,
                chat_id=chat_id or sender,
                text=text,
                event_id=f"e{next(_ids)}",
                message_id=f"m{next(_ids)}",
            )
        )
        if handled.outbox_id is None:
            return None
        before = len(self.transport.sent)
        await self.app.sender.drain(only=handled.outbox_id)
        for _ in range(10):
            if len(self.transport.sent) > before:
                break
            # Held behind an older row of its chat (a push this harness never drained): sent
            # after it, as the sender does (`OutboxRepository.due`).
            older = await self._oldest_unsent(chat_id or sender, handled.outbox_id)
            if older is None:
                break
            await self.app.sender.drain(only=older)
            await self.app.sender.drain(only=handled.outbox_id)
        sent = [m for m in self.transport.sent[before:] if m.outbox_id == handled.outbox_id]
        assert len(sent) == 1, "the reply was not delivered"
        return sent[0].reply

    async def _oldest_unsent(self, recipient: str, before_id: int) -> int | None:
        async with self.app.uow() as uow:
            return await uow.session.scalar(
                select(Outbox.id)
                .where(
                    Outbox.recipient == recipient,
                    Outbox.status == DeliveryStatus.PENDING,
                    Outbox.id < before_id,
                )
                .order_by(Outbox.id)
                .limit(1)
            )

    async def text(self, text: str, who: str = "member") -> str:
        answer = await self.say(text, who)
        assert answer is not None, f"no reply to {text!r}"
        return answer.text

    async def count(self, model: type[Base], *where: ColumnElement[bool]) -> int:
        async with self.app.uow() as uow:
            return int(
                await uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
            )
