"""The outbox: replies and reminders waiting to be sent, leased by senders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    String,
    and_,
    bindparam,
    case,
    delete,
    exists,
    insert,
    literal_column,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from bot.storage.driver import prebuilt
from bot.storage.models import (
    ChatAccount,
    DeliveryStatus,
    Outbox,
    PushUsage,
    Reminder,
)
from bot.storage.repositories.base import _Repository

# The statements of the message path, built once: SQLAlchemy caches their compiled form, and
# run on the unit of work's connection (Core) they skip the ORM's per-statement machinery
# (measured on SQLite: an INSERT … RETURNING 0.45 ms CPU against 0.75 ms through the session
# and 1.1 ms built per call; see the commit message). Bind names are not column names.
_TABLE = Outbox.__table__
_IDS: BindParameter[int] = bindparam("o_ids", expanding=True)
# "pending" written into the SQL, not bound: a chat's rows are found through the partial index
# ix_outbox_chat_pending (WHERE status = 'pending'), which a plan can use only when it knows
# the value (SQLite re-prepares a statement for its bound values; a generic PostgreSQL plan for
# a prepared statement does not know them). Without that index a chat's check reads every
# pending row through ix_outbox_due, a night's reminders included.
_PENDING: ColumnElement[str] = literal_column(f"'{DeliveryStatus.PENDING.value}'", String)


def _leased_insert() -> Any:
    """INSERT of a reply written leased (`add_leased`), or written due instead while an older
    row of its chat is unsent."""
    now = bindparam("o_now", type_=_TABLE.c.next_attempt_at.type)
    until = bindparam("o_until", type_=_TABLE.c.next_attempt_at.type)
    key = bindparam("o_key", type_=_TABLE.c.retry_key.type)
    older = aliased(Outbox)
    behind = exists().where(
        older.channel == bindparam("o_channel", type_=_TABLE.c.channel.type),
        older.recipient == bindparam("o_recipient", type_=_TABLE.c.recipient.type),
        older.status == _PENDING,
        # Always true (every row is older than the one written); with it SQLite's planner,
        # which has no statistics, ranks the chat's index above ix_outbox_due every time
        # instead of by the order the two indexes were created in.
        older.id > 0,
        or_(older.next_attempt_at <= now, older.attempts > 0, older.kind != "reminder"),
    )
    values = {
        "attempts": case((behind, 0), else_=1),
        "next_attempt_at": case((behind, now), else_=until),
        "retry_key": case((behind, null()), else_=key),
    }
    return (
        insert(Outbox)
        .values(
            channel=bindparam("o_channel", type_=_TABLE.c.channel.type),
            recipient=bindparam("o_recipient", type_=_TABLE.c.recipient.type),
            kind="reply",
            chat_account_id=bindparam("o_account", type_=_TABLE.c.chat_account_id.type),
            payload=bindparam("o_payload", type_=_TABLE.c.payload.type),
            reply_token=bindparam("o_token", type_=_TABLE.c.reply_token.type),
            status=DeliveryStatus.PENDING,
            created_at=bindparam("o_created", type_=_TABLE.c.created_at.type),
            **values,
        )
        .returning(Outbox.id, Outbox.attempts)
    )


def _sent_now(**values: Any) -> Any:
    """UPDATE rows `o_ids` to sent at `o_at`, with `values` besides."""
    return (
        update(Outbox)
        .where(Outbox.id.in_(_IDS))
        .values(
            status=DeliveryStatus.SENT,
            sent_at=bindparam("o_at", type_=_TABLE.c.sent_at.type),
            **values,
        )
    )


def _newer_in_chat() -> ColumnElement[bool]:
    """A newer pending row of the `outbox` row's chat (it waited for that one)."""
    newer = aliased(Outbox)
    return (
        exists()
        .where(
            newer.channel == Outbox.channel,
            newer.recipient == Outbox.recipient,
            newer.status == _PENDING,
            newer.id > Outbox.id,
        )
        .correlate(Outbox)
    )


_INSERT_LEASED = prebuilt(_leased_insert())
_MARK_SENT = prebuilt(_sent_now(reply_token=None))
# PostgreSQL: the mark says, per row, whether its chat has a newer row waiting.
_MARK_SENT_RETURNING_NEWER = prebuilt(_MARK_SENT.returning(Outbox.id, _newer_in_chat()))
# SQLite asks that in a SELECT after the mark instead: in a RETURNING clause it cannot look
# the updated row's chat up in an index and would read every pending row, per row marked.
_WITH_NEWER = prebuilt(select(Outbox.id).where(Outbox.id.in_(_IDS), _newer_in_chat()))
_HELD = prebuilt(
    select(Outbox.id, Outbox.payload)
    .where(
        Outbox.chat_account_id == bindparam("o_account", type_=_TABLE.c.chat_account_id.type),
        Outbox.kind == "reminder",
        Outbox.status == DeliveryStatus.HELD,
    )
    .order_by(Outbox.id)
    .limit(5)
)
_DELIVER_HELD = prebuilt(_sent_now(last_error="delivered with a reply"))


def _still_leased_by(outbox_id: int, attempts: int) -> ColumnElement[bool]:
    """The row is still unsent and leased by the attempt that counted `attempts`."""
    return and_(
        Outbox.id == outbox_id,
        Outbox.status == DeliveryStatus.PENDING,
        Outbox.attempts == attempts,
    )


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

    async def add_leased(
        self,
        channel: str,
        recipient: str,
        payload: dict[str, Any],
        reply_token: str | None,
        *,
        now: datetime,
        created_at: datetime,
        leased_until: datetime,
        retry_key: str,
        chat_account_id: int | None,
    ) -> tuple[int, bool]:
        """A reply written already leased to the sender of this process (its first attempt
        counted, its retry key set, its next attempt pushed past the lease), so that it is
        sent right after the commit with no lease transaction. Returns (id, leased).

        The row is written due instead (not leased: the caller sends it the ordinary way, and
        `due` keeps it behind) while an older row of the same chat is still unsent, so that it
        cannot overtake that one; one INSERT decides it (CASE over EXISTS). That older row may
        be in flight or waiting for a retry: one that waits for a retry is in no lane, so the
        lanes alone would let this one overtake it, on SQLite as well. On PostgreSQL the chat's
        handling holds the chat's advisory lock, so an older reply written by another worker is
        committed, and seen, before this INSERT runs."""
        row = (
            await self._core(  # Core, cached: no ORM bulk-insert path
                _INSERT_LEASED,
                {
                    "o_channel": channel,
                    "o_recipient": recipient,
                    "o_payload": payload,
                    "o_token": reply_token,
                    "o_now": now,
                    "o_until": leased_until,
                    "o_key": retry_key,
                    "o_created": created_at,
                    "o_account": chat_account_id,
                },
            )
        ).one()
        return int(row[0]), bool(row[1])

    async def renew(self, outbox_id: int, attempts: int, lease_until: datetime) -> bool:
        """Extends the lease of a row still leased by this attempt (a reply whose send waited
        in this process's queue for most of its lease); False if it is no longer ours."""
        changed = await self.session.execute(
            update(Outbox)
            .where(_still_leased_by(outbox_id, attempts))
            .values(next_attempt_at=lease_until)
        )
        return bool(getattr(changed, "rowcount", 0))

    async def due(
        self,
        now: datetime,
        limit: int,
        channel: str | None = None,
        *,
        only: int | None = None,
        chat: tuple[str, str] | None = None,
    ) -> Sequence[Outbox]:
        """Rows due now, oldest first (`only`: that row if due; `chat`: that chat's next).
        A chat's row waits while an older row of that chat is still due, being sent or being
        retried, so a chat's messages arrive in order whichever lane, drain or worker sends
        them. On PostgreSQL any number of senders drain the outbox: each row goes to one of
        them (SKIP LOCKED)."""
        query = (
            select(Outbox)
            .where(Outbox.status == DeliveryStatus.PENDING, Outbox.next_attempt_at <= now)
            .order_by(Outbox.id)
            .limit(limit)
        )
        if channel is not None:
            query = query.where(Outbox.channel == channel)
        if only is not None:
            query = query.where(Outbox.id == only)
        if chat is not None:
            query = query.where(Outbox.channel == chat[0], Outbox.recipient == chat[1])
        query = query.where(~self._older_in_chat(now))
        if self._on_postgres:
            query = query.with_for_update(skip_locked=True, of=Outbox)
        return (await self.session.scalars(query)).all()

    @staticmethod
    def _older_in_chat(now: datetime) -> ColumnElement[bool]:
        """An older row of the same chat that must go first: pending and due, leased (being
        sent) or waiting for a retry. A reminder written for later (quiet hours) and never
        tried does not hold the chat's replies back."""
        older = aliased(Outbox)
        return exists().where(
            older.channel == Outbox.channel,
            older.recipient == Outbox.recipient,
            older.status == _PENDING,
            older.id < Outbox.id,
            or_(older.next_attempt_at <= now, older.attempts > 0, older.kind != "reminder"),
        )

    async def exhausted(self, channels: set[str], month: str) -> set[str]:
        """Channels whose monthly push quota ran out this month."""
        if not channels:
            return set()
        found = await self.session.scalars(
            select(PushUsage.channel).where(
                PushUsage.channel.in_(channels),
                PushUsage.month == month,
                PushUsage.exhausted.is_(True),
            )
        )
        return set(found)

    async def recipient_blocked(self, row: Outbox) -> bool:
        """A private chat's id is the person's account id on both platforms; a group chat has
        no account, and one member having blocked the bot does not silence the group."""
        blocked = await self.session.scalar(
            select(ChatAccount.id).where(
                ChatAccount.channel == row.channel,
                ChatAccount.external_id == row.recipient,
                ChatAccount.blocked.is_(True),
            )
        )
        return blocked is not None

    async def block_recipient(self, row: Outbox) -> None:
        """The person blocked the bot: no more pushes to their account."""
        await self.session.execute(
            update(ChatAccount)
            .where(ChatAccount.channel == row.channel, ChatAccount.external_id == row.recipient)
            .values(blocked=True)
        )

    async def forget_token(
        self, outbox_id: int, attempts: int, error: str, lease_until: datetime
    ) -> bool:
        """Takes a dead reply token off a row still leased by this attempt; False if another
        sender took the row meanwhile."""
        changed = await self.session.execute(
            update(Outbox)
            .where(_still_leased_by(outbox_id, attempts), Outbox.reply_token.is_not(None))
            .values(reply_token=None, last_error=error, next_attempt_at=lease_until)
        )
        return bool(getattr(changed, "rowcount", 0))

    async def count_pushes(self, channel: str, month: str, pushed: int) -> None:
        """Adds to the month's push count (the row is created by the first push)."""
        more = (
            update(PushUsage)
            .where(PushUsage.channel == channel, PushUsage.month == month)
            .values(count=PushUsage.count + pushed)
        )
        if getattr(await self.session.execute(more), "rowcount", 0):
            return
        try:
            async with self.session.begin_nested():
                self.session.add(
                    PushUsage(channel=channel, month=month, count=pushed, exhausted=False)
                )
        except IntegrityError:  # another sender created the month's row first
            await self.session.execute(more)

    async def mark_exhausted(self, channel: str, month: str) -> None:
        usage = await self.session.scalar(
            select(PushUsage).where(PushUsage.channel == channel, PushUsage.month == month)
        )
        if usage is None:
            self.session.add(PushUsage(channel=channel, month=month, count=0, exhausted=True))
        else:
            usage.exhausted = True

    async def get(self, outbox_id: int) -> Outbox | None:
        return await self.session.get(Outbox, outbox_id)

    async def held_reminders(self, chat_account_id: int) -> Sequence[Row[tuple[int, Any]]]:
        """Reminders waiting because the LINE push quota ran out (status "held"): (id,
        payload). Asked on every private message, so a cached Core statement (no ORM rows)."""
        found = await self._core(_HELD, {"o_account": chat_account_id})
        return found.all()

    async def deliver_held(self, outbox_ids: Sequence[int], at: datetime) -> None:
        """Held reminders that rode along with a reply: done."""
        await self._core(_DELIVER_HELD, {"o_ids": list(outbox_ids), "o_at": at})

    async def mark_sent(self, outbox_id: int, at: datetime) -> None:
        await self.mark_all_sent([outbox_id], at)

    async def mark_all_sent(self, outbox_ids: Sequence[int], at: datetime) -> set[int]:
        """Marks delivered rows sent, in one statement (the sender's group commit). Returns the
        ids of rows whose chat has a newer row pending (it waited for this one, `due`): the
        sender leases that one at once. SQLite asks that in a second statement."""
        params = {"o_ids": list(outbox_ids), "o_at": at}
        if not self._on_postgres:
            await self._core(_MARK_SENT, params)
            found = await self._core(_WITH_NEWER, {"o_ids": params["o_ids"]})
            return {int(outbox_id) for (outbox_id,) in found}
        found = await self._core(_MARK_SENT_RETURNING_NEWER, params)
        return {int(outbox_id) for outbox_id, more in found if more}

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
