"""The open question of each chat (conversation state) and delivery dedupe."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from bot.storage.driver import prebuilt
from bot.storage.models import (
    ConversationState,
    InboundEvent,
    utcnow,
)
from bot.storage.repositories.base import _Repository

_STATES = cast(Table, ConversationState.__table__)
_CHANGED = ("flow", "data", "expires_at", "updated_at")


def _upsert(insert: Any) -> Any:
    # The open question of this account in this chat, written whether or not one is open:
    # the unique (chat_account_id, chat_id) key decides, as the ORM's read-then-write did.
    statement = insert(_STATES).values(
        chat_account_id=bindparam("account_id"),
        chat_id=bindparam("chat_id"),
        **{name: bindparam(f"s_{name}", type_=_STATES.c[name].type) for name in _CHANGED},
    )
    return prebuilt(
        statement.on_conflict_do_update(
            index_elements=["chat_account_id", "chat_id"],
            set_={name: statement.excluded[name] for name in _CHANGED},
        ).returning(_STATES.c.id)
    )


_SAVE = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}
_CLEAR = prebuilt(
    delete(_STATES)
    .where(
        _STATES.c.chat_account_id == bindparam("account_id"),
        _STATES.c.chat_id == bindparam("chat_id"),
    )
    .returning(_STATES.c.id)
)


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
        """Opens (or moves on) the question of this account in this chat: one prebuilt
        upsert, past the ORM. A question is asked or answered on many messages (a sale to
        confirm, an amount missing), and the ORM's read, object and flush cost it three to
        four times the statement. The unit of work's own object of that question (the
        speaker read loads it) is given the values as written, so a later read in this
        transaction sees them and no flush writes them again."""
        values = {
            "flow": flow,
            "data": dict(data),
            "expires_at": expires_at,
            "updated_at": utcnow(),
        }
        dialect = "postgresql" if self._on_postgres else "sqlite"
        state_id = (
            await self._core(
                _SAVE[dialect],
                {"account_id": account_id, "chat_id": chat_id}
                | {f"s_{name}": value for name, value in values.items()},
            )
        ).scalar_one()
        held = self._held(state_id)
        if held is not None:
            for name, value in values.items():
                set_committed_value(held, name, value)

    async def clear(self, account_id: int, chat_id: str) -> None:
        """Closes the question of this account in this chat, if one is open: one prebuilt
        DELETE. The unit of work's own object of it, if loaded, is let go (its values stay
        readable), so no later flush can write to the row that is gone."""
        deleted = await self._core(_CLEAR, {"account_id": account_id, "chat_id": chat_id})
        for (state_id,) in deleted.all():
            held = self._held(state_id)
            if held is not None:
                self.session.expunge(held)

    def _held(self, state_id: int) -> ConversationState | None:
        """The unit of work's own object of this question, when it holds one."""
        key = inspect(ConversationState).identity_key_from_primary_key((state_id,))
        found = self.session.sync_session.identity_map.get(key)
        return cast(ConversationState | None, found)

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
