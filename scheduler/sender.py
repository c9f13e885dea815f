"""The one send path for replies and reminders: drain the outbox.

A row is *leased* in a short transaction (its next attempt pushed past the lease, its attempt
counted), sent with no transaction open, then marked sent or rescheduled in another short
transaction, right after its own send (never in a batch). If the process dies between send and
mark, the lease runs out and the row is sent again. What keeps that from doubling a message:
- a LINE push carries the row's retry key (`X-Line-Retry-Key`): LINE answers 409 to a key it
  already accepted, and that counts as delivered;
- a LINE reply token is single-use, and a young row's token is offered again on every
  attempt (its lease is short, so a crash leaves it retried while the token lives). The lease
  commits the attempt before the send, so `attempts > 1` with the token still on the row means
  an earlier attempt offered it and never learned the outcome: if LINE now refuses the token,
  that earlier reply got through and the row is marked sent, not pushed. A token refused on
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
Flood limits are token buckets per channel, per chat and per group chat, in this process.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.calendar import BANGKOK
from bot.channels.base import (
    Blocked,
    Delivery,
    Outgoing,
    Permanent,
    QuotaExhausted,
    Rate,
    RateLimits,
    ReplyTokenRejected,
    SendError,
    Throttled,
    Transport,
)
from bot.clock import Clock
from bot.messages import Reply
from bot.storage.models import ChatAccount, DeliveryStatus, Outbox, PushUsage
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
# A send that offers a reply token: short, so that after a crash the row is tried again while
# its token still lives (see above). Longer than one API call (SEND_TIMEOUT_SECONDS, 10 s).
REPLY_LEASE = timedelta(seconds=15)
MAX_ATTEMPTS = 8
BASE_BACKOFF_S = 2.0
MAX_BACKOFF_S = 15 * 60.0
REPLY_TOKEN_TTL_S = 50.0  # LINE reply tokens live about a minute; leave room for the call
MARK_ATTEMPTS = 5  # a delivered row's "sent" mark, tried this many times
MAX_INLINE_WAIT_S = 3.0  # a flood-limit wait longer than this reschedules the row instead


def backoff(attempts: int, rng: random.Random) -> float:
    """Exponential backoff with full jitter, capped at 15 minutes."""
    return rng.uniform(0, min(MAX_BACKOFF_S, BASE_BACKOFF_S * 2 ** max(attempts - 1, 0)))


# --- flood limits --------------------------------------------------------------------------


class TokenBucket:
    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self.tokens = rate.burst
        self.updated = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.rate.burst, self.tokens + elapsed * self.rate.per_second)
        self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 = now)."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        if self.rate.per_second <= 0:
            return float("inf")
        return (1.0 - self.tokens) / self.rate.per_second

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0


class RateLimiter:
    """Token buckets keyed by (channel, scope, chat). `monotonic` is injectable for tests."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}

    def _scoped(
        self, channel: str, recipient: str, limits: RateLimits, is_group: bool
    ) -> list[tuple[tuple[str, str, str], Rate]]:
        found: list[tuple[tuple[str, str, str], Rate]] = []
        if limits.overall is not None:
            found.append(((channel, "all", ""), limits.overall))
        if limits.per_chat is not None:
            found.append(((channel, "chat", recipient), limits.per_chat))
        if is_group and limits.per_group is not None:
            found.append(((channel, "group", recipient), limits.per_group))
        return found

    def _bucket(self, key: tuple[str, str, str], rate: Rate, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, now)
        return bucket

    def wait(self, channel: str, recipient: str, limits: RateLimits, is_group: bool) -> float:
        now = self._monotonic()
        return max(
            (
                self._bucket(key, rate, now).wait(now)
                for key, rate in self._scoped(channel, recipient, limits, is_group)
            ),
            default=0.0,
        )

    def take(self, channel: str, recipient: str, limits: RateLimits, is_group: bool) -> None:
        now = self._monotonic()
        for key, rate in self._scoped(channel, recipient, limits, is_group):
            self._bucket(key, rate, now).take(now)


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
    ) -> None:
        self._uow_factory = uow_factory
        self._transports = dict(transports)
        self._clock = clock
        self._rng = rng or random.Random()
        self._tz = tz
        self._reply_token_ttl = reply_token_ttl
        self._limiter = limiter or RateLimiter()
        self._sleep = sleep
        self._max_inline_wait = max_inline_wait
        self._hold_chat: dict[tuple[str, str], datetime] = {}  # retry_after, per chat

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self._transports)

    def register(self, transport: Transport) -> None:
        """Adds (or replaces) the transport of a channel; the web server does this once the
        platform clients exist inside the running event loop."""
        self._transports[transport.channel] = transport

    def unregister(self, channel: str) -> None:
        self._transports.pop(channel, None)

    def _month(self) -> str:
        return self._clock.now().astimezone(self._tz).strftime("%Y-%m")

    async def _lease(self, limit: int, only: int | None) -> list[Outgoing]:
        now = self._clock.now()
        leased: list[Outgoing] = []
        async with self._uow_factory() as uow:
            rows: list[Outbox] = []
            if only is not None:
                query = select(Outbox).where(Outbox.id == only)
                if uow.session.bind is not None and uow.session.bind.dialect.name == "postgresql":
                    # Another drain may be leasing this row right now: take it or leave it.
                    query = query.with_for_update(skip_locked=True)
                row = await uow.session.scalar(query)
                if (
                    row is not None
                    and row.status == DeliveryStatus.PENDING
                    and row.channel in self._transports
                    and row.next_attempt_at <= now
                ):
                    rows = [row]
            else:
                for channel in self._transports:
                    rows.extend(await uow.outbox.due(now, limit, channel))
                rows.sort(key=lambda r: r.id)
                rows = rows[:limit]
            exhausted = await self._exhausted(uow, {r.channel for r in rows})
            for row in rows:
                if await self._recipient_blocked(uow, row):
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
        if not row.reply_token:
            return None
        age = (now - row.created_at).total_seconds() if row.created_at else 0.0
        return row.reply_token if age < self._reply_token_ttl else None

    async def _exhausted(self, uow: UnitOfWork, channels: set[str]) -> set[str]:
        if not channels:
            return set()
        found = await uow.session.scalars(
            select(PushUsage.channel).where(
                PushUsage.channel.in_(channels),
                PushUsage.month == self._month(),
                PushUsage.exhausted.is_(True),
            )
        )
        return set(found)

    async def _recipient_blocked(self, uow: UnitOfWork, row: Outbox) -> bool:
        """A private chat's id is the person's account id on both platforms; a group chat has
        no account, and one member having blocked the bot does not silence the group."""
        blocked = await uow.session.scalar(
            select(ChatAccount.id).where(
                ChatAccount.channel == row.channel,
                ChatAccount.external_id == row.recipient,
                ChatAccount.blocked.is_(True),
            )
        )
        return blocked is not None

    async def drain(self, limit: int = 100, only: int | None = None) -> DrainResult:
        result = DrainResult()
        for message in await self._lease(limit, only):
            transport = self._transports.get(message.channel)
            if transport is None:  # unregistered while we were leasing; the lease runs out
                continue
            if not await self._await_turn(transport, message, result):
                continue
            await self._send(transport, message, result)
        return result

    async def _send(self, transport: Transport, message: Outgoing, result: DrainResult) -> None:
        """One row: send, then mark it sent (or failed, or due again) at once."""
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
                    if not await self._forget_token(message, error):
                        return  # no longer ours: another sender took the row meanwhile
                    message = replace(message, reply_token=None)
                    continue  # push it now
            except SendError as error:
                await self._failed(message, error, result)
                return
            except Exception as error:  # a bug or an unexpected client error: retry later
                log.exception("outbox %s: unexpected send error", message.outbox_id)
                await self._failed(message, _Unexpected(f"{type(error).__name__}: {error}"), result)
                return
            pushed = delivery.pushed if isinstance(delivery, Delivery) else 0
            await self._sent(message, pushed)
            result.sent += 1
            result.pushed += pushed
            return

    async def _forget_token(self, message: Outgoing, error: SendError) -> bool:
        """Takes a dead reply token off the row before pushing (so that no later attempt
        offers it and reads the refusal as an earlier delivery) and renews the lease for the
        push. False if the row is no longer this attempt's (another sender leased it)."""
        async with self._uow_factory() as uow:
            changed = await uow.session.execute(
                update(Outbox)
                .where(
                    Outbox.id == message.outbox_id,
                    Outbox.status == DeliveryStatus.PENDING,
                    Outbox.attempts == message.attempts,
                    Outbox.reply_token.is_not(None),
                )
                .values(
                    reply_token=None,
                    last_error=error.detail[:2000],
                    next_attempt_at=self._clock.now() + LEASE,
                )
            )
            await uow.commit()
        return bool(getattr(changed, "rowcount", 0))

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

    async def _sent(self, message: Outgoing, pushed: int) -> None:
        """Marks a delivered row sent. The platform already has the message, so a failed mark
        (a dropped connection, a busy SQLite file) is retried here: a row left leased would be
        sent again once its lease runs out."""
        for attempt in range(MARK_ATTEMPTS):
            try:
                async with self._uow_factory() as uow:
                    await uow.outbox.mark_sent(message.outbox_id, self._clock.now())
                    if pushed:
                        await self._count_pushes(uow, message.channel, pushed)
                    await uow.commit()
                return
            except DBAPIError:
                if attempt + 1 == MARK_ATTEMPTS:
                    raise
                log.warning("outbox %s: marking sent failed; trying again", message.outbox_id)
                await asyncio.sleep(0.05 * 2**attempt)

    async def _count_pushes(self, uow: UnitOfWork, channel: str, pushed: int) -> None:
        month = self._month()
        changed = await uow.session.execute(
            update(PushUsage)
            .where(PushUsage.channel == channel, PushUsage.month == month)
            .values(count=PushUsage.count + pushed)
        )
        if getattr(changed, "rowcount", 0):
            return
        try:
            async with uow.session.begin_nested():
                uow.session.add(
                    PushUsage(channel=channel, month=month, count=pushed, exhausted=False)
                )
        except IntegrityError:  # another sender created the month's row first
            await uow.session.execute(
                update(PushUsage)
                .where(PushUsage.channel == channel, PushUsage.month == month)
                .values(count=PushUsage.count + pushed)
            )

    async def _mark_exhausted(self, uow: UnitOfWork, channel: str) -> None:
        month = self._month()
        usage = await uow.session.scalar(
            select(PushUsage).where(PushUsage.channel == channel, PushUsage.month == month)
        )
        if usage is None:
            uow.session.add(PushUsage(channel=channel, month=month, count=0, exhausted=True))
        else:
            usage.exhausted = True

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
                await self._mark_exhausted(uow, row.channel)
                result.held += 1
                log.warning("outbox %s held: %s", row.id, error.detail)
            elif isinstance(error, Permanent) or (
                not isinstance(error, Throttled) and row.attempts >= MAX_ATTEMPTS
            ):
                row.status = DeliveryStatus.FAILED
                result.failed += 1
                if isinstance(error, Blocked):
                    await uow.session.execute(
                        update(ChatAccount)
                        .where(
                            ChatAccount.channel == row.channel,
                            ChatAccount.external_id == row.recipient,
                        )
                        .values(blocked=True)
                    )
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


class _Unexpected(SendError):
    """Anything a transport raised that is not a typed send error: treated as retryable."""
