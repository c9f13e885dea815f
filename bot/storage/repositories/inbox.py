"""The webhook inbox: stored events waiting to be handled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, func, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.storage.driver import prebuilt
from bot.storage.locks import chat_lock, lock_chat
from bot.storage.models import (
    InboundEvent,
    InboxStatus,
)
from bot.storage.repositories.base import _Repository
from bot.storage.repositories.flood import admission, admit_statement, verdict
from bot.storage.repositories.speakers import SpeakerKey, read_ahead, speaking


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """A stored webhook event waiting to be handled (see `InboxRepository`)."""

    id: int
    received_at: datetime
    message: dict[str, Any]


_events = cast(Table, InboundEvent.__table__)
_older = _events.alias("older")


def _accept(insert: Any) -> Any:
    """Storing webhook events: a redelivery (the same channel and delivery id) is left out."""
    return (
        insert(_events)
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(_events.c.id, _events.c.channel, _events.c.external_id)
    )


_ACCEPT_PG = prebuilt(_accept(pg_insert))
_ACCEPT_SQLITE = prebuilt(_accept(sqlite_insert))
# Taking an event: prebuilt (bench/trace_message.py: the ORM's bulk UPDATE cost ~1 ms a message).
_TAKE = prebuilt(
    update(_events)
    .where(_events.c.id == bindparam("event_id"), _events.c.status == InboxStatus.PENDING)
    .values(status=InboxStatus.DONE, message=None, next_attempt_at=None, chat_id=None)
)
_TAKE_IN_ORDER = prebuilt(
    _TAKE.where(
        ~exists().where(
            _older.c.status == InboxStatus.PENDING,
            _older.c.channel == bindparam("chat_channel"),
            _older.c.chat_id == bindparam("chat_key"),
            _older.c.id < bindparam("event_id"),
        )
    )
)

# Several events of different chats at once (`take_many`, SQLite): which were taken comes back.
_TAKE_MANY = prebuilt(
    update(_events)
    .where(
        _events.c.id.in_(bindparam("event_ids", expanding=True)),
        _events.c.status == InboxStatus.PENDING,
    )
    .values(status=InboxStatus.DONE, message=None, next_attempt_at=None, chat_id=None)
    .returning(_events.c.id)
)


# The sender's flood admission and the chat's lock in one statement (PostgreSQL, several
# workers' shared buckets): one round trip fewer on every message. The upsert runs first (the
# lock is computed for its row) and may wait for the sender's bucket row, held by the sender's
# message in another chat until that one commits; the lock then waits for this chat's
# previous message. Both waits are over before the take's statement takes its snapshot, so the
# take and who is speaking, read with it, see what those messages committed (a wait inside a
# statement would come after its snapshot). Every message takes the bucket before the chat,
# so two of them never wait for each other in a circle. The admission is spent whether or not
# the event is then taken; when it is not, the caller ends the transaction without
# committing, which gives the token back.
_ADMITTED = admit_statement().cte("admitted")
_LOCK_ADMITTING = prebuilt(
    select(
        func.pg_advisory_xact_lock(bindparam("namespace"), bindparam("key")),
        _ADMITTED.c.refused,
    ).select_from(_ADMITTED)
)


def _take_speaking(in_room: bool) -> Any:
    """`_TAKE_IN_ORDER` with who is speaking (`speaking`) read in the same statement, one
    round trip fewer on every message: one row per row of `speaking` (one row of NULLs when
    the account does not exist yet), none when the event was not taken. The take's UPDATE
    changes nothing `speaking` reads. What orders this message with the sender's others and
    its chat's (the bucket, the chat's lock) was waited for by the statement before
    (`_LOCK_ADMITTING`); the take may still wait for the event's row (another worker's
    recovery leasing it), and what commits meanwhile is in no order with this message."""
    taken = _TAKE_IN_ORDER.returning(_events.c.id).cte("taken")
    speaker = speaking(in_room).subquery("speaker")
    columns = list(speaker.c)
    return prebuilt(
        select(*columns[:-2])
        .select_from(taken.outerjoin(speaker, true()))
        .order_by(*columns[-2:])  # the memberships' order, as `speaking` has it
    )


_TAKE_SPEAKING = {in_room: _take_speaking(in_room) for in_room in (False, True)}


class InboxRepository(_Repository):
    """The webhook inbox: `inbound_event` rows with status `pending` and the message."""

    async def accept(
        self, events: Sequence[tuple[str, str, dict[str, Any]]], now: datetime, lease: timedelta
    ) -> dict[tuple[str, str], int]:
        """Stores (channel, delivery id, message) rows as pending in one statement; returns the
        new rows' ids by key. A key already stored (a redelivery) is left out: the unique key
        decides, also against another worker inserting the same delivery at the same time."""
        if not events:
            return {}
        # Core on the table (no ORM bookkeeping) and one parameter set per row: the statement
        # is built once; a batch is sent as multi-row VALUES ("insertmanyvalues"), RETURNING
        # only the rows it inserted, and one event goes straight to the driver.
        statement = _ACCEPT_PG if self._on_postgres else _ACCEPT_SQLITE
        lease_until = now + lease
        rows = (
            await self._core(
                statement,
                [
                    {
                        "channel": channel,
                        "external_id": external_id,
                        "received_at": now,
                        "status": "pending",
                        "message": message,
                        "next_attempt_at": lease_until,
                        "attempts": 0,
                        "chat_id": message.get("chat_id"),
                    }
                    for channel, external_id, message in events
                ],
            )
        ).all()
        return {(row.channel, row.external_id): row.id for row in rows}

    async def take(self, event_id: int, chat: tuple[str, str] | None = None) -> bool:
        """Marks a pending event done inside the transaction that handles it; False if it is
        not pending any more (another worker handled it first: skip it). On PostgreSQL a
        second worker's UPDATE waits for the first to commit and then matches nothing.

        With `chat` (channel, chat id) on PostgreSQL, several workers share the inbox: the
        chat is locked first (until this transaction ends) and the event is taken only if no
        older event of the chat is still pending (`earlier` says which one to handle first)."""
        if chat is not None and self._on_postgres:
            await lock_chat(self.session, *chat)
            result = await self._core(
                _TAKE_IN_ORDER, {"event_id": event_id, "chat_channel": chat[0], "chat_key": chat[1]}
            )
        else:
            result = await self._core(_TAKE, {"event_id": event_id})
        return bool(getattr(result, "rowcount", 0))

    async def take_admitting(
        self,
        event_id: int,
        chat: tuple[str, str],
        sender: tuple[str, str],
        flood: tuple[datetime, int, float],
        speaker: SpeakerKey,
    ) -> tuple[bool, tuple[bool, bool] | None]:
        """`take` with the chat (PostgreSQL), the sender's flood admission (`flood`: when the
        message arrived, the bucket's size and refill rate) and who is speaking (`speaker`:
        channel, account id, chat id, in a group chat), in two statements: the admission with
        the chat's lock (`_LOCK_ADMITTING`), then the take with who is speaking. Returns
        whether the event was taken and, if so, `FloodRepository.admit`'s (accepted, tell);
        who is speaking is kept for this unit of work's `speakers` (`read_ahead`), whose next
        step asks for it. Not taken: end the transaction without committing, which gives the
        token back."""
        if not self._on_postgres:
            raise NotImplementedError("take_admitting: the shared flood buckets are PostgreSQL's")
        locking = chat_lock(*chat) | admission(sender, *flood)
        refused = (await self._core(_LOCK_ADMITTING, locking)).one()[1]
        channel, external_id, chat_id, in_room = speaker
        taking = {
            "event_id": event_id, "chat_channel": chat[0], "chat_key": chat[1],
            "s_channel": channel, "s_external_id": external_id, "s_chat_id": chat_id,
        }  # fmt: skip
        rows = (await self._core(_TAKE_SPEAKING[in_room], taking)).all()
        if not rows:
            return False, None
        read_ahead(self.session, speaker, rows)
        return True, verdict(int(refused))

    async def take_many(self, events: Sequence[tuple[int, tuple[str, str]]]) -> set[int]:
        """`take` for several events of different chats (event id, (channel, chat id)) in
        one statement; returns the ids taken. SQLite only, where one process's lane keeps
        each chat's order: with several workers on PostgreSQL a round would need the chats'
        locks and an order check, and the intake keeps one transaction per message there
        (docs/architecture.md, "Several chats per transaction")."""
        if self._on_postgres:
            raise NotImplementedError("take_many: one event per transaction on PostgreSQL")
        if not events:
            return set()
        rows = await self._core(_TAKE_MANY, {"event_ids": [event_id for event_id, _ in events]})
        return {int(row[0]) for row in rows}

    async def earlier(self, event_id: int, chat: tuple[str, str]) -> PendingEvent | None:
        """The chat's oldest event still pending before `event_id`, when `take` refused it
        (PostgreSQL with several workers; None on SQLite, where one lane keeps the order)."""
        if not self._on_postgres:
            return None
        row = await self.session.scalar(
            select(InboundEvent)
            .where(
                InboundEvent.status == InboxStatus.PENDING,
                InboundEvent.channel == chat[0],
                InboundEvent.chat_id == chat[1],
                InboundEvent.id < event_id,
            )
            .order_by(InboundEvent.id)
            .limit(1)
        )
        if row is None:
            return None
        return PendingEvent(row.id, row.received_at, dict(row.message or {}))

    async def due(
        self, before: datetime, limit: int, lease_until: datetime, skip: set[int]
    ) -> list[PendingEvent]:
        """Pending events whose retry time is before `before` (a crash, a worker gone, an
        outage), oldest first, except those in `skip` (already queued by the caller); each is
        given the new retry time `lease_until`, so other workers leave it alone meanwhile."""
        query = (
            select(InboundEvent)
            .where(
                InboundEvent.status == InboxStatus.PENDING, InboundEvent.next_attempt_at <= before
            )
            .order_by(InboundEvent.id)
            .limit(limit)
        )
        if skip:
            query = query.where(InboundEvent.id.not_in(skip))
        if self._on_postgres:
            query = query.with_for_update(skip_locked=True)
        rows = list(await self.session.scalars(query))
        for row in rows:
            row.next_attempt_at = lease_until
        await self.session.flush()
        return [PendingEvent(row.id, row.received_at, dict(row.message or {})) for row in rows]

    async def failed_attempt(self, event_id: int, retry_at: datetime, limit: int) -> bool:
        """Counts a failed handling; at `limit` failures the event is set aside as `failed`
        (kept with its message for the operator). True if it was set aside."""
        row = await self.session.get(InboundEvent, event_id)
        if row is None or row.status != InboxStatus.PENDING:
            return False
        row.attempts += 1
        row.next_attempt_at = retry_at
        if row.attempts >= limit:
            row.status = InboxStatus.FAILED
            row.next_attempt_at = None
            row.chat_id = None  # set aside: no longer holds the chat's later events back
            return True
        return False
