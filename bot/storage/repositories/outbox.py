"""The outbox: replies and reminders waiting to be sent, leased by senders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, select, update

from bot.storage.models import (
    DeliveryStatus,
    Outbox,
    Reminder,
)
from bot.storage.repositories.base import _Repository


class OutboxRepository(_Repository):
    async def add(
        self,
        channel: str,
        recipient: str,
        payload: dict[str, Any],
        reply_token: str | None = None,
        *,
        available_at: datetime,
        status: str = "pending",
        retry_key: str | None = None,
        kind: str = "reply",
        chat_account_id: int | None = None,
    ) -> Outbox:
        row = Outbox(
            channel=channel,
            recipient=recipient,
            payload=payload,
            reply_token=reply_token,
            status=status,
            retry_key=retry_key,
            kind=kind,
            chat_account_id=chat_account_id,
            # The caller's clock, not the system's: tests and `remind --at` move time.
            next_attempt_at=available_at,
            created_at=available_at,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def due(self, now: datetime, limit: int, channel: str | None = None) -> Sequence[Outbox]:
        query = (
            select(Outbox)
            .where(Outbox.status == DeliveryStatus.PENDING, Outbox.next_attempt_at <= now)
            .order_by(Outbox.id)
            .limit(limit)
        )
        if channel is not None:
            query = query.where(Outbox.channel == channel)
        if self._on_postgres:
            # Any number of senders can drain the outbox; each row goes to exactly one of them.
            query = query.with_for_update(skip_locked=True)
        return (await self.session.scalars(query)).all()

    async def get(self, outbox_id: int) -> Outbox | None:
        return await self.session.get(Outbox, outbox_id)

    async def held_reminders(self, chat_account_id: int) -> Sequence[Outbox]:
        """Reminders waiting because the LINE push quota ran out (status "held")."""
        return (
            await self.session.scalars(
                select(Outbox)
                .where(
                    Outbox.chat_account_id == chat_account_id,
                    Outbox.kind == "reminder",
                    Outbox.status == DeliveryStatus.HELD,
                )
                .order_by(Outbox.id)
                .limit(5)
            )
        ).all()

    async def mark_sent(self, outbox_id: int, at: datetime) -> None:
        await self.session.execute(
            update(Outbox)
            .where(Outbox.id == outbox_id)
            .values(status=DeliveryStatus.SENT, sent_at=at, reply_token=None)
        )

    def _waiting_reminders(self, chat_account_id: int) -> ColumnElement[bool]:
        return and_(
            Outbox.chat_account_id == chat_account_id,
            Outbox.kind == "reminder",
            Outbox.status == DeliveryStatus.PENDING,
        )

    async def cancel_reminders(self, chat_account_id: int, reason: str) -> None:
        """Reminders written for this account but not sent yet (quiet hours) are not sent."""
        await self.session.execute(
            update(Outbox)
            .where(self._waiting_reminders(chat_account_id))
            .values(status=DeliveryStatus.CANCELLED, last_error=reason)
        )

    async def postpone_reminders(self, chat_account_id: int, until: datetime) -> None:
        """Reminders waiting for this account go out at `until` instead of earlier."""
        await self.session.execute(
            update(Outbox)
            .where(self._waiting_reminders(chat_account_id), Outbox.next_attempt_at < until)
            .values(next_attempt_at=until)
        )

    async def reopen_reminders(self, chat_account_id: int, person_id: int, since: datetime) -> None:
        """Forgets the reminders sent to this account since `since`, so the next sweep asks
        again about whatever is still due (what was done meanwhile is not reminded)."""
        sent = select(Outbox.id).where(
            Outbox.chat_account_id == chat_account_id,
            Outbox.kind == "reminder",
            Outbox.status == DeliveryStatus.SENT,
        )
        await self.session.execute(
            delete(Reminder).where(
                Reminder.recipient == f"person:{person_id}",
                Reminder.created_at >= since,
                Reminder.outbox_id.in_(sent),
            )
        )
