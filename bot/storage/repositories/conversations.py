"""The open question of each chat (conversation state) and delivery dedupe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from bot.storage.models import (
    ConversationState,
    InboundEvent,
    utcnow,
)
from bot.storage.repositories.base import _Repository


class ConversationRepository(_Repository):
    async def get(self, account_id: int, chat_id: str) -> ConversationState | None:
        return await self.session.scalar(
            select(ConversationState).where(
                ConversationState.chat_account_id == account_id,
                ConversationState.chat_id == chat_id,
            )
        )

    async def save(
        self,
        account_id: int,
        chat_id: str,
        flow: str,
        data: dict[str, Any],
        expires_at: datetime,
    ) -> None:
        state = await self.get(account_id, chat_id)
        if state is None:
            state = ConversationState(chat_account_id=account_id, chat_id=chat_id)
            self.session.add(state)
        state.flow = flow
        state.data = dict(data)  # a new object, so the JSON column is seen as changed
        state.expires_at = expires_at
        state.updated_at = utcnow()
        await self.session.flush()

    async def clear(self, account_id: int, chat_id: str) -> None:
        state = await self.get(account_id, chat_id)
        if state is not None:
            await self.session.delete(state)
            await self.session.flush()

    async def forget_accounts(self, account_ids: list[int]) -> None:
        """Every open question of these chat accounts (unlinked or erased)."""
        if account_ids:
            await self.session.execute(
                delete(ConversationState).where(ConversationState.chat_account_id.in_(account_ids))
            )

    async def seen(self, channel: str, external_id: str) -> bool:
        """Records a platform delivery id; False the first time, True for a redelivery.

        One statement, INSERT … ON CONFLICT DO NOTHING: the unique key decides, so two workers
        racing on one delivery cannot both store it (on PostgreSQL the second waits for the
        first to commit, then finds the row)."""
        statement = (
            self._insert()(InboundEvent)
            .values(channel=channel, external_id=external_id, received_at=utcnow())
            .on_conflict_do_nothing(index_elements=["channel", "external_id"])
            .returning(InboundEvent.id)
        )
        return await self.session.scalar(statement) is None
