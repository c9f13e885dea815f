"""What erasure (`ลบข้อมูลของฉัน`, `sammachip account erase`) changes beyond the person's row:
copies of their name and chat ids wherever the bot kept one, and the roles they held. The
service decides what is redacted and to what; this module finds and writes the rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, or_, select, update

from bot.storage.models import (
    RECORD_MODELS,
    Administrator,
    AuditLog,
    ChatAccount,
    DeliveryStatus,
    Household,
    InboundEvent,
    InboxStatus,
    Membership,
    Officer,
    Outbox,
    StoredFile,
    Trainer,
)
from bot.storage.repositories.base import _Repository


def _like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern (escape character "!")."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _mentions(column: Any, needles: list[str]) -> Any:
    return or_(*(cast(column, Text).like(f"%{_like(n)}%", escape="!") for n in needles))


class ErasureRepository(_Repository):
    async def withdraw_queued(self, account_ids: list[int], payload: dict[str, Any]) -> None:
        """What was queued for these accounts loses its address, and its text for `payload`."""
        await self.session.execute(
            update(Outbox)
            .where(Outbox.chat_account_id.in_(account_ids))
            .values(
                chat_account_id=None,
                recipient="erased",
                status=DeliveryStatus.FAILED,
                reply_token=None,
                payload=payload,
                last_error="recipient erased their data",
            )
        )

    async def unaddress_sent(self, external_id: str) -> None:
        """Messages already sent (or failed) to this chat id forget the address."""
        await self.session.execute(
            update(Outbox)
            .where(Outbox.recipient == external_id, Outbox.status != DeliveryStatus.PENDING)
            .values(recipient="erased", reply_token=None)
        )

    async def outbox_mentioning(self, needles: list[str]) -> Sequence[Outbox]:
        return (
            await self.session.scalars(select(Outbox).where(_mentions(Outbox.payload, needles)))
        ).all()

    async def audit_mentioning(self, needles: list[str]) -> Sequence[AuditLog]:
        return (
            await self.session.scalars(
                select(AuditLog).where(
                    _mentions(AuditLog.before, needles) | _mentions(AuditLog.after, needles)
                )
            )
        ).all()

    async def inbound_waiting(self) -> Sequence[InboundEvent]:
        """Inbound messages not handled yet that still hold their message."""
        return (
            await self.session.scalars(
                select(InboundEvent).where(
                    InboundEvent.status != InboxStatus.DONE, InboundEvent.message.is_not(None)
                )
            )
        ).all()

    async def inbound_carrying(self, channel: str, external_id: str) -> Sequence[InboundEvent]:
        """Delivery ids that carry this chat id (Telegram's "update:chat:message")."""
        return (
            await self.session.scalars(
                select(InboundEvent).where(
                    InboundEvent.channel == channel,
                    InboundEvent.external_id.like(f"%:{_like(external_id)}:%", escape="!"),
                )
            )
        ).all()

    async def forget_record_sources(self, person_id: int, chats: list[tuple[str, str]]) -> None:
        """Records keep their numbers, not the chat message they came from: those the person
        made, and those made from their chats (channel, chat id)."""
        for model in RECORD_MODELS.values():
            conditions = [model.recorded_by == person_id]
            conditions += [
                model.source_ref.like(f"{_like(channel)}:{_like(external)}:%", escape="!")
                for channel, external in chats
            ]
            await self.session.execute(
                update(model)
                .where(model.source_ref.is_not(None), or_(*conditions))
                .values(source_ref=None)
            )

    async def delete_accounts(self, account_ids: list[int]) -> None:
        await self.session.execute(delete(ChatAccount).where(ChatAccount.id.in_(account_ids)))

    async def delete_files_of(self, person_id: int) -> None:
        await self.session.execute(
            delete(StoredFile).where(StoredFile.owner_person_id == person_id)
        )

    async def end_roles(self, person_id: int, now: datetime) -> None:
        """Memberships end; officer, administrator, trainer and household rows stay in the
        district office's registry without the person (an officer's and administrator's
        dashboard sessions end)."""
        await self.session.execute(
            update(Membership)
            .where(Membership.person_id == person_id, Membership.until.is_(None))
            .values(until=now)
        )
        await self.session.execute(
            update(Officer)
            .where(Officer.person_id == person_id)
            .values(person_id=None, session_epoch=Officer.session_epoch + 1)
        )
        await self.session.execute(
            update(Administrator)
            .where(Administrator.person_id == person_id)
            .values(person_id=None, session_epoch=Administrator.session_epoch + 1)
        )
        await self.session.execute(
            update(Trainer).where(Trainer.person_id == person_id).values(person_id=None)
        )
        await self.session.execute(
            update(Household).where(Household.person_id == person_id).values(person_id=None)
        )
