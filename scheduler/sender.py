"""The one send path for replies and reminders: drain the outbox.

A row is *leased* in a short transaction (its next attempt pushed past the lease, its attempt
counted), sent with no transaction open, then marked sent or rescheduled in another short
transaction right after its send. A reply from the webhook intake is written already leased in
the message's own transaction (`Conversation.handle(lease=…)`, `send_ready`): no lease
transaction. "Sent" marks are group-committed: rows delivered at about the same moment (any
lane, any drain) are marked in one UPDATE and one COMMIT by one marker task, and each sender
waits for its row's mark, so a row is never marked before its send. If the process dies between
send and mark, the lease runs out and the row is sent again. What keeps that from doubling a
message:
- a LINE push carries the row's retry key (`X-Line-Retry-Key`): LINE answers 409 to a key it
  already accepted, and that counts as delivered;
- a LINE reply token is single-use, and a young row's token is offered again on every
  attempt (its lease is short, so a crash leaves it retried while the token lives). The lease
  commits the attempt before the send, so `attempts > 1` with the token still on the row means
  an earlier attempt offered it and never learned the outcome: if LINE now refuses the token,
  that earlier reply got through and the row is marked sent, not pushed. (A row written leased
  may have died before its first offer: its token, judged by its age since the webhook came,
  is then still alive at the retry and delivers, or is past the TTL and the row is pushed;
  see `bot.conversation._enqueue_leased`.) A token refused on
  its first use was dead already; it is taken off the row (committed) before the push, so no
  later attempt mistakes the refusal for a delivery;
- Telegram has no idempotency key: a message the Bot API accepted just before the process
  died, not yet marked, is sent again (at least once). The window is one API call: each row
  is marked right after its send, and each part of a multi-part message is counted
  (`sent_parts`) as soon as it is delivered.

What the sender decides, from the typed errors of `bot.channels.base` alone:
- `Retryable` (5xx, timeouts): again later, exponential backoff with full jitter;
- `Throttled` (429 with retry_after): again after exactly that wait, not counted as an attempt;
- `Blocked`: failed for good, and the person's account is marked blocked (no more pushes);
- `QuotaExhausted` (LINE monthly limit): the row is *held* and the month's `PushUsage` marked
  exhausted, so later pushes are held without calling LINE; replies with a token still go;
- `Permanent`: failed for good.
Flood limits are token buckets per channel, per chat and per group chat, in this process
(scheduler/rate_limits.py).

A chat's row is not leased while an older row of that chat is due, in flight or waiting for a
retry (`OutboxRepository.due`), on SQLite as on PostgreSQL: a row waiting for a retry is in no
lane of the intake, so the lanes alone do not keep a chat's order. A sender that delivered a
row leases the chat's next one at once, so the order holds without waiting for the next drain.
Several workers on PostgreSQL drain one outbox: each row goes to one sender (`SKIP LOCKED`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from bot.calendar import BANGKOK
from bot.channels.base import (
    Blocked,
    Delivery,
    Outgoing,
    Permanent,
    QuotaExhausted,
    RateLimits,
    ReplyTokenRejected,
    SendError,
    Throttled,
    Transport,
)
from bot.clock import Clock
from bot.messages import LeaseTerms, ReadyReply, Reply, live_reply_token
from bot.storage.models import DeliveryStatus, Outbox
from bot.storage.unit_of_work import UnitOfWork
from scheduler.rate_limits import RateLimiter, TokenBucket

__all__ = ["DrainResult", "RateLimiter", "Sender", "TokenBucket", "backoff"]

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
# A send that offers a reply token: short, so that after a crash the row is tried again while
# its token still lives (see above). Longer than one API call (SEND_TIMEOUT_SECONDS, 10 s).
REPLY_LEASE = timedelta(seconds=15)
SETTLE_MARKS_S = 5.0  # at shutdown, how long the sent marks still being written may take
MAX_ATTEMPTS = 8
BASE_BACKOFF_S = 2.0
MAX_BACKOFF_S = 15 * 60.0
REPLY_TOKEN_TTL_S = 50.0  # LINE reply tokens live about a minute; leave room for the call
MARK_ATTEMPTS = 5  # a delivered row's "sent" mark, tried this many times
# While replies go out steadily (the last marks were written less than MARK_BUSY_S ago), the
# marker gathers the marks of replies sent right after their message (`send_ready`, each by a
# task of its own) for up to MARK_WINDOW_S, or until MARK_BATCH are waiting, before it writes
# them in one transaction. Nobody waits for such a mark but the same chat's next reply: the
# platform has the message already. A quiet moment's mark, and a drain's (which sends its next
# row only after this one's mark), are written at once, with any others waiting. On SQLite
# `build_app` gives no window (`mark_window=0`): marks are written at once there.
MARK_BUSY_S = 0.1
MARK_WINDOW_S = 0.02
MARK_BATCH = 32
MAX_INLINE_WAIT_S = 3.0  # a flood-limit wait longer than this reschedules the row instead
# A reply written leased is sent at once only with this much of its lease left (one API call,
# SEND_TIMEOUT_SECONDS, and a margin); with less, the lease is renewed first.
SEND_SPAN = timedelta(seconds=12)


def backoff(attempts: int, rng: random.Random) -> float:
    """Exponential backoff with full jitter, capped at 15 minutes."""
    return rng.uniform(0, min(MAX_BACKOFF_S, BASE_BACKOFF_S * 2 ** max(attempts - 1, 0)))


# --- the sender ----------------------------------------------------------------------------


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0  # quota exhausted: kept, not retried
    deferred: int = 0  # a flood limit asked for a wait; rescheduled, no attempt used
    pushed: int = 0  # pushes that count against a monthly quota
    errors: list[str] = field(default_factory=list)


class Sender:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        transports: Mapping[str, Transport],
        clock: Clock,
        rng: random.Random | None = None,
        *,
        tz: ZoneInfo = BANGKOK,
        reply_token_ttl: float = REPLY_TOKEN_TTL_S,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_inline_wait: float = MAX_INLINE_WAIT_S,
        mark_window: float = MARK_WINDOW_S,
        mark_batch: int = MARK_BATCH,
    ) -> None:
        self._uow_factory = uow_factory
        self._transports = dict(transports)
        self._clock = clock
        self._rng = rng or random.Random()
        self._tz = tz
        self._token_ttl = timedelta(seconds=reply_token_ttl)
        self._limiter = limiter or RateLimiter()
        self._sleep = sleep
        self._max_inline_wait = max_inline_wait
        self._hold_chat: dict[tuple[str, str], datetime] = {}  # retry_after, per chat
        self._terms: LeaseTerms | None = None
        self._marks: list[_Mark] = []  # delivered rows waiting for their "sent" mark
        self._marker: asyncio.Task[None] | None = None
        self._gathering: asyncio.Future[None] | None = None  # the marker, gathering marks
        self._mark_window = mark_window
        self._marks_at_most = mark_batch
        self._marked_at = float("-inf")  # loop time of the last marks written

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self._transports)

    def register(self, transport: Transport) -> None:
        """Adds (or replaces) the transport of a channel; the web server does this once the
        platform clients exist inside the running event loop."""
        self._transports[transport.channel] = transport
        self._terms = None

    def unregister(self, channel: str) -> None:
        self._transports.pop(channel, None)
        self._terms = None

    def lease_terms(self) -> LeaseTerms:
        """How a reply written in the message's transaction is leased to this sender (the
        intake passes these to `Conversation.handle`). A transport says whether its pushes
        count against a monthly quota (`push_quota`, LINE); one that does not say, does not."""
        if self._terms is None:
            self._terms = LeaseTerms(
                reply_lease=REPLY_LEASE,
                push_lease=LEASE,
                token_ttl=self._token_ttl,
                quota_channels=frozenset(
                    channel
                    for channel, transport in self._transports.items()
                    if getattr(transport, "push_quota", False)
                ),
            )
        return self._terms

    def _month(self) -> str:
        return self._clock.now().astimezone(self._tz).strftime("%Y-%m")

    async def _lease(
        self, limit: int, only: int | None = None, chat: tuple[str, str] | None = None
    ) -> list[Outgoing]:
        now = self._clock.now()
        leased: list[Outgoing] = []
        async with self._uow_factory() as uow:
            rows: list[Outbox] = []
            if only is not None or chat is not None:
                # Another drain may be leasing this row right now: take it or leave it.
                found = await uow.outbox.due(now, 1, only=only, chat=chat)
                rows = [row for row in found if row.channel in self._transports]
            else:
                for channel in self._transports:
                    rows.extend(await uow.outbox.due(now, limit, channel))
                rows.sort(key=lambda r: r.id)
                rows = rows[:limit]
            exhausted = await uow.outbox.exhausted({r.channel for r in rows}, self._month())
            for row in rows:
                if await uow.outbox.recipient_blocked(row):
                    row.status = DeliveryStatus.FAILED
                    row.last_error = "recipient blocked the bot or left the chat"
                    continue
                token = self._usable_token(row, now)
                row.next_attempt_at = now + (REPLY_LEASE if token else LEASE)
                row.attempts += 1
                if row.retry_key is None:
                    row.retry_key = str(uuid.uuid4())
                leased.append(
                    Outgoing(
                        outbox_id=row.id,
                        channel=row.channel,
                        recipient=row.recipient,
                        reply=Reply.from_payload(row.payload),
                        reply_token=token,
                        retry_key=row.retry_key,
                        attempts=row.attempts,
                        push_allowed=row.channel not in exhausted,
                        skip_parts=int(row.payload.get("sent_parts", 0) or 0),
                        created_at=row.created_at,
                        on_part=self._part_sent(row.id),
                    )
                )
            await uow.commit()
        return leased

    def _usable_token(self, row: Outbox, now: datetime) -> str | None:
        """A reply token is offered while the row is young, on every attempt: single-use, it
        cannot deliver twice. A token known to be spent was taken off the row."""
        return live_reply_token(row.reply_token, row.created_at, now, self._token_ttl)

    async def drain(self, limit: int = 100, only: int | None = None) -> DrainResult:
        result = DrainResult()
        await self._work(deque(await self._lease(limit, only)), result)
        return result

    async def send_ready(self, ready: ReadyReply, *, gather: bool = True) -> DrainResult:
        """Sends a reply the conversation wrote already leased (`Handled.ready`), right after
        its commit: no lease transaction. The lease was committed with the row, so this is
        its first attempt (`attempts` 1); a reply token is offered only while young, as in a
        lease. If the reply waited in this process's queue for most of its lease, the lease
        is renewed first (or, if another sender took the row meanwhile, left to it).

        A reply is written leased on a channel with a push quota only while its token is
        young, so the write did not ask the quota. If the token aged out while the reply
        waited its turn, it is pushed, and the quota is asked here, as a lease asks it: used
        up, the push is held without calling the platform. A token refused by the platform
        asks it in `_forget_token`.

        `gather`: its sent mark may wait a moment for the marks of other chats' replies
        (`_gather`); False when a later reply of the same chat waits for this one."""
        result = DrainResult()
        if ready.channel not in self._transports:
            return result  # no transport now: the lease runs out and a drain sends it
        now = self._clock.now()
        renew = now + SEND_SPAN > ready.leased_until
        if renew and now >= ready.leased_until:  # anyone's now: lease it the ordinary way
            return await self.drain(only=ready.outbox_id)
        token = live_reply_token(ready.reply_token, ready.created_at, now, self._token_ttl)
        ask_quota = token is None and ready.channel in self.lease_terms().quota_channels
        push_allowed = True
        if renew or ask_quota:
            async with self._uow_factory() as uow:
                if renew and not await uow.outbox.renew(ready.outbox_id, 1, now + LEASE):
                    return result  # another sender took the row meanwhile
                if ask_quota:
                    exhausted = await uow.outbox.exhausted({ready.channel}, self._month())
                    push_allowed = not exhausted
                await uow.commit()
        message = Outgoing(
            outbox_id=ready.outbox_id,
            channel=ready.channel,
            recipient=ready.recipient,
            reply=ready.reply,
            reply_token=token,
            retry_key=ready.retry_key,
            attempts=1,
            push_allowed=push_allowed,
            created_at=ready.created_at,
            on_part=self._part_sent(ready.outbox_id),
        )
        # Sent by a task of its own, like the other chats' replies: its mark may wait for
        # theirs (a drain's may not: it sends the next row only after this one's mark).
        await self._work(deque([message]), result, quota_unknown=not ask_quota, gather=gather)
        return result

    async def _work(
        self,
        queue: deque[Outgoing],
        result: DrainResult,
        *,
        quota_unknown: bool = False,
        gather: bool = False,
    ) -> None:
        while queue:
            message = queue.popleft()
            transport = self._transports.get(message.channel)
            if transport is None:  # unregistered while we were leasing; the lease runs out
                continue
            if not await self._await_turn(transport, message, result):
                continue
            if await self._send(
                transport, message, result, quota_unknown=quota_unknown, gather=gather
            ):
                # The chat's next row waited for this one (possibly written by another
                # worker): send it now rather than at the next drain.
                queue.extend(await self._lease(1, chat=(message.channel, message.recipient)))
            quota_unknown = False

    async def _send(
        self,
        transport: Transport,
        message: Outgoing,
        result: DrainResult,
        *,
        quota_unknown: bool = False,
        gather: bool = False,
    ) -> bool:
        """One row: send, then mark it sent (or failed, or due again) at once. True if it was
        sent and its chat has a newer row waiting for it (lease that one now)."""
        while True:
            try:
                delivery = await transport.send(message)
            except ReplyTokenRejected as error:
                if message.attempts > 1:
                    # An earlier attempt offered this token and died (or timed out) before it
                    # learned the answer; the token is spent, so that reply got through.
                    log.info(
                        "outbox %s: reply token already used by an earlier attempt: delivered",
                        message.outbox_id,
                    )
                    delivery = Delivery(pushed=0)
                else:
                    # Dead before we used it (expired, or a redelivered event's old token).
                    allowed = await self._forget_token(message, error, quota_unknown)
                    if allowed is None:
                        return False  # no longer ours: another sender took the row meanwhile
                    message = replace(message, reply_token=None, push_allowed=allowed)
                    continue  # push it now
            except SendError as error:
                await self._failed(message, error, result)
                return False
            except Exception as error:  # a bug or an unexpected client error: retry later
                log.exception("outbox %s: unexpected send error", message.outbox_id)
                await self._failed(message, _Unexpected(f"{type(error).__name__}: {error}"), result)
                return False
            pushed = delivery.pushed if isinstance(delivery, Delivery) else 0
            more = await self._sent(message, pushed, gather=gather)
            result.sent += 1
            result.pushed += pushed
            return more

    async def _forget_token(
        self, message: Outgoing, error: SendError, quota_unknown: bool = False
    ) -> bool | None:
        """Takes a dead reply token off the row before pushing (so that no later attempt
        offers it and reads the refusal as an earlier delivery) and renews the lease for the
        push. Returns whether the push is allowed (the quota, asked here for a row written
        leased, whose write did not ask it), or None if the row is no longer this attempt's
        (another sender leased it)."""
        async with self._uow_factory() as uow:
            ours = await uow.outbox.forget_token(
                message.outbox_id, message.attempts, error.detail[:2000], self._clock.now() + LEASE
            )
            allowed = message.push_allowed
            if ours and quota_unknown:
                allowed = not await uow.outbox.exhausted({message.channel}, self._month())
            await uow.commit()
        return allowed if ours else None

    def _part_sent(self, outbox_id: int) -> Callable[[int], Awaitable[None]]:
        """What a transport awaits after each part of a multi-part message: the count is
        committed at once, so a retry after a crash does not repeat the parts delivered."""

        async def record(parts: int) -> None:
            try:
                async with self._uow_factory() as uow:
                    row = await uow.outbox.get(outbox_id)
                    if row is not None and parts > int(row.payload.get("sent_parts", 0) or 0):
                        row.payload = {**row.payload, "sent_parts": parts}
                    await uow.commit()
            except Exception:  # at worst those parts are sent again after a crash
                log.warning("outbox %s: could not record %s parts sent", outbox_id, parts)

        return record

    async def _await_turn(
        self, transport: Transport, message: Outgoing, result: DrainResult
    ) -> bool:
        """Waits for the flood limits (briefly) or gives the row back for later."""
        held = self._hold_chat.get((message.channel, message.recipient))
        if held is not None:
            wait = (held - self._clock.now()).total_seconds()
            if wait > 0:
                await self._defer(message, wait)
                result.deferred += 1
                return False
            del self._hold_chat[(message.channel, message.recipient)]
        limits: RateLimits | None = getattr(transport, "limits", None)
        if limits is None:
            return True
        is_group = bool(getattr(transport, "is_group", lambda _: False)(message.recipient))
        while True:
            wait = self._limiter.wait(message.channel, message.recipient, limits, is_group)
            if wait <= 0:
                self._limiter.take(message.channel, message.recipient, limits, is_group)
                return True
            if wait > self._max_inline_wait:
                await self._defer(message, wait)
                result.deferred += 1
                return False
            await self._sleep(wait)

    async def _defer(self, message: Outgoing, wait: float) -> None:
        async with self._uow_factory() as uow:
            row = await uow.outbox.get(message.outbox_id)
            if row is not None:
                row.attempts = max(0, row.attempts - 1)  # not tried: the attempt is not used up
                row.next_attempt_at = self._clock.now() + timedelta(seconds=wait)
            await uow.commit()

    async def _sent(self, message: Outgoing, pushed: int, *, gather: bool = False) -> bool:
        """Marks a delivered row sent; returns whether its chat has a newer row waiting for
        it. Rows delivered at about the same moment, by any lane or drain, are
        marked in one UPDATE and one COMMIT (group commit) by one marker task; each sender
        waits for its row's mark, so a row is marked only after its send and a drain ends
        with its rows marked. The marker runs on if a waiting sender is cancelled."""
        loop = asyncio.get_running_loop()
        mark = _Mark(
            message.outbox_id,
            message.channel,
            message.recipient,
            pushed,
            gather,
            loop.create_future(),
        )
        self._marks.append(mark)
        gathering = self._gathering
        if (
            gathering is not None
            and (not gather or len(self._marks) >= self._marks_at_most)
            and gathering.get_loop() is loop  # not a marker left behind by a closed loop
            and not gathering.done()
        ):
            gathering.set_result(None)  # enough, or a drain's mark: the marker writes them now
        marker = self._marker
        if marker is None or marker.done() or marker.get_loop() is not loop:
            self._marker = loop.create_task(self._mark_waiting())
        return await asyncio.shield(mark.done)

    def hurry(self, channel: str, recipient: str) -> None:
        """A new message of this chat has come: a mark of its chat that is waiting to be
        written with others is written now, so the reply to the new message is not written
        behind a row still unmarked (it would then need a lease transaction of its own)."""
        gathering = self._gathering
        if gathering is None or gathering.done():
            return
        if gathering.get_loop() is asyncio.get_running_loop() and any(
            m.channel == channel and m.recipient == recipient for m in self._marks
        ):
            gathering.set_result(None)

    async def settle_marks(self) -> None:
        """At shutdown, before the database closes: the marks of rows already delivered are
        written (a row left leased would be sent again after a restart)."""
        marker = self._marker
        if marker is not None and not marker.done():
            await asyncio.wait({marker}, timeout=SETTLE_MARKS_S)

    async def _mark_waiting(self) -> None:
        """The marker: marks what is waiting, again and again while more arrives."""
        try:
            await self._mark_all()
        except BaseException:
            # Cancelled (shutdown) or worse: nobody may wait for a mark that will not come.
            for mark in self._marks:
                mark.done.cancel()
            self._marks = []
            raise

    async def _mark_all(self) -> None:
        while self._marks:
            await self._gather()
            batch, self._marks = self._marks, []
            try:
                more = await self._mark_batch(batch)
            except Exception as error:  # each waiting sender raises it, as `_sent` did
                for mark in batch:
                    if not mark.done.done():
                        mark.done.set_exception(error)
                continue
            except BaseException:
                for mark in batch:
                    mark.done.cancel()
                raise
            for mark in batch:
                if not mark.done.done():
                    mark.done.set_result(mark.outbox_id in more)

    async def _gather(self) -> None:
        """Lets more marks join the next transaction (group commit). Always one pass of the
        event loop: lanes finishing their sends now join in. While replies go out steadily,
        up to MARK_WINDOW_S more, unless a drain's mark is among them: at a market day's rate
        each mark otherwise took a transaction of its own, as costly as the message's
        (bench/webhook.py)."""
        await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        if (
            self._mark_window <= 0
            or len(self._marks) >= self._marks_at_most
            or loop.time() - self._marked_at > MARK_BUSY_S
            or not all(mark.gather for mark in self._marks)
        ):
            return
        gathering = self._gathering = loop.create_future()
        timer = loop.call_later(self._mark_window, _settle, gathering)
        try:
            await gathering
        finally:
            timer.cancel()
            self._gathering = None

    async def _mark_batch(self, batch: list[_Mark]) -> set[int]:
        """The platform already has these messages, so a failed mark (a dropped connection,
        a busy SQLite file) is retried here: a row left leased would be sent again once its
        lease runs out."""
        pushes: dict[str, int] = {}
        for mark in batch:
            if mark.pushed:
                pushes[mark.channel] = pushes.get(mark.channel, 0) + mark.pushed
        ids = [mark.outbox_id for mark in batch]
        for attempt in range(MARK_ATTEMPTS):
            try:
                async with self._uow_factory() as uow:
                    more = await uow.outbox.mark_all_sent(ids, self._clock.now())
                    for channel, pushed in pushes.items():
                        await uow.outbox.count_pushes(channel, self._month(), pushed)
                    await uow.commit()
                self._marked_at = asyncio.get_running_loop().time()
                return more
            except DBAPIError:
                if attempt + 1 == MARK_ATTEMPTS:
                    raise
                log.warning("outbox %s: marking sent failed; trying again", ids)
                await asyncio.sleep(0.05 * 2**attempt)
        return set()  # not reached

    async def _failed(self, message: Outgoing, error: SendError, result: DrainResult) -> None:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            row = await uow.outbox.get(message.outbox_id)
            if row is None:
                return
            row.last_error = error.detail[:2000]
            if error.sent_parts > int(row.payload.get("sent_parts", 0) or 0):
                row.payload = {**row.payload, "sent_parts": error.sent_parts}
            if isinstance(error, QuotaExhausted):
                row.status = DeliveryStatus.HELD
                await uow.outbox.mark_exhausted(row.channel, self._month())
                result.held += 1
                log.warning("outbox %s held: %s", row.id, error.detail)
            elif isinstance(error, Permanent) or (
                not isinstance(error, Throttled) and row.attempts >= MAX_ATTEMPTS
            ):
                row.status = DeliveryStatus.FAILED
                result.failed += 1
                if isinstance(error, Blocked):
                    await uow.outbox.block_recipient(row)
                log.warning("outbox %s failed for good: %s", row.id, error.detail)
            elif isinstance(error, Throttled):
                # The platform said how long to wait: do exactly that, and it was no attempt.
                row.attempts = max(0, row.attempts - 1)
                row.next_attempt_at = now + timedelta(seconds=error.retry_after)
                # Nothing else goes to that chat until then either (Telegram counts per chat).
                self._hold_chat[(row.channel, row.recipient)] = row.next_attempt_at
                result.retried += 1
            else:
                row.next_attempt_at = now + timedelta(seconds=backoff(row.attempts, self._rng))
                result.retried += 1
            result.errors.append(error.detail)
            await uow.commit()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


@dataclass(slots=True)
class _Mark:
    """A delivered row waiting for the marker; `done` gets whether its chat has more."""

    outbox_id: int
    channel: str
    recipient: str
    pushed: int
    gather: bool  # may wait for others (a reply sent by a task of its own; not a drain's row)
    done: asyncio.Future[bool]


class _Unexpected(SendError):
    """Anything a transport raised that is not a typed send error: treated as retryable."""
