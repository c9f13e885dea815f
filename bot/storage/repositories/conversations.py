"""The open question of each chat (conversation state) and delivery dedupe."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, inspect, select, update
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
# The question the unit of work already holds, moved on by its id: an upsert would take a
# number from PostgreSQL's sequence on every conflict, and a question moves on often.
_MOVE_ON = prebuilt(
    update(_STATES)
    .where(_STATES.c.id == bindparam("state_id"))
    .values(**{name: bindparam(f"s_{name}", type_=_STATES.c[name].type) for name in _CHANGED})
)
_CLEAR = prebuilt(
    delete(_STATES).where(
        _STATES.c.chat_account_id == bindparam("account_id"),
        _STATES.c.chat_id == bindparam("chat_id"),
    )
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
        """Opens (or moves on) the question of this account in this chat, past the ORM: one
        prebuilt UPDATE of the question the unit of work holds (the speaker read loads it),
        else one upsert on the (account, chat) key. A question is asked or answered on many
        messages (a sale to confirm, an amount missing), and the ORM's read, object and flush
        cost it three to four times the statement. The unit of work's own object is given
        the values as written, so a later read in this transaction sees them and no flush
        writes them again. Inside a savepoint the ORM's way is kept: a savepoint rolled back
        expires what the ORM changed, and would not undo values set as already written."""
        values = {
            "flow": flow,
            "data": dict(data),  # a new object: the ORM's way sees the JSON column changed
            "expires_at": expires_at,
            "updated_at": utcnow(),
        }
        if self.session.in_nested_transaction():
            await self._save_as_object(account_id, chat_id, values)
            return
        bound = {f"s_{name}": value for name, value in values.items()}
        held = self._held(account_id, chat_id)
        if held is not None:
            state_id = inspect(held).identity[0]  # type: ignore[index]
            moved = await self._core(_MOVE_ON, {"state_id": state_id, **bound})
            if moved.rowcount != 1:
                held = None  # gone meanwhile (never under the chat's lock): open it anew
        if held is None:
            dialect = "postgresql" if self._on_postgres else "sqlite"
            keys = {"account_id": account_id, "chat_id": chat_id}
            state_id = (await self._core(_SAVE[dialect], keys | bound)).scalar_one()
            held = self._held(account_id, chat_id, state_id)
        if held is not None:
            for name, value in values.items():
                set_committed_value(held, name, value)

    async def clear(self, account_id: int, chat_id: str) -> None:
        """Closes the question of this account in this chat, if one is open: one prebuilt
        DELETE. The unit of work's own object of it, if loaded, is let go (its values stay
        readable), so no later flush can write to the row that is gone. Inside a savepoint
        the ORM's way is kept (see `save`)."""
        if self.session.in_nested_transaction():
            state = await self.get(account_id, chat_id)
            if state is not None:
                await self.session.delete(state)
                await self.session.flush()
            return
        held = self._held(account_id, chat_id)
        await self._core(_CLEAR, {"account_id": account_id, "chat_id": chat_id})
        if held is not None:
            self.session.expunge(held)

    async def _save_as_object(self, account_id: int, chat_id: str, values: dict[str, Any]) -> None:
        state = await self.get(account_id, chat_id)
        if state is None:
            state = ConversationState(chat_account_id=account_id, chat_id=chat_id)
            self.session.add(state)
        for name, value in values.items():
            setattr(state, name, value)
        await self.session.flush()

    def _held(
        self, account_id: int, chat_id: str, state_id: int | None = None
    ) -> ConversationState | None:
        """The unit of work's own object of this question, when it holds one (by its id
        when known; else among the few objects a message's unit of work holds)."""
        identity_map = self.session.sync_session.identity_map
        if state_id is not None:
            key = inspect(ConversationState).identity_key_from_primary_key((state_id,))
            return cast(ConversationState | None, identity_map.get(key))
        for held in identity_map.values():
            if isinstance(held, ConversationState):
                loaded = inspect(held).dict  # read without loading: never a lazy load here
                if loaded.get("chat_account_id") == account_id and loaded.get("chat_id") == chat_id:
                    return held
        return None

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
