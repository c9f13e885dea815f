"""The one send path for replies and reminders: drain the outbox.

A row is *leased* in a short transaction (its next attempt pushed past the lease), sent with
no transaction open, then marked sent or rescheduled in another short transaction. If the
process dies between send and mark, the lease runs out and the row is sent again: delivery
is at-least-once, and pushes carry a retry key so the platform drops the repeat."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bot.channels.base import Outgoing, Permanent, SendError, Throttled, Transport
from bot.clock import Clock
from bot.messages import Reply
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
BASE_BACKOFF_S = 2.0
MAX_BACKOFF_S = 15 * 60.0


def backoff(attempts: int, rng: random.Random) -> float:
    """Exponential backoff with full jitter, capped at 15 minutes."""
    return rng.uniform(0, min(MAX_BACKOFF_S, BASE_BACKOFF_S * 2 ** max(attempts - 1, 0)))


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class Sender:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        transports: Mapping[str, Transport],
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._transports = dict(transports)
        self._clock = clock
        self._rng = rng or random.Random()

    async def _lease(self, limit: int, only: int | None) -> list[Outgoing]:
        now = self._clock.now()
        leased: list[Outgoing] = []
        async with self._uow_factory() as uow:
            if only is not None:
                row = await uow.outbox.get(only)
                rows = [row] if row and row.status == "pending" and row.next_attempt_at <= now else []
            else:
                rows = list(await uow.outbox.due(now, limit))
            for row in rows:
                if row.channel not in self._transports:
                    continue
                row.next_attempt_at = now + LEASE
                row.attempts += 1
                if row.retry_key is None:
                    row.retry_key = str(uuid.uuid4())
                leased.append(
                    Outgoing(
                        outbox_id=row.id,
                        channel=row.channel,
                        recipient=row.recipient,
                        reply=Reply.from_payload(row.payload),
                        reply_token=row.reply_token,
                        retry_key=row.retry_key,
                        attempts=row.attempts,
                    )
                )
            await uow.commit()
        return leased

    async def drain(self, limit: int = 100, only: int | None = None) -> DrainResult:
        result = DrainResult()
        for message in await self._lease(limit, only):
            transport = self._transports[message.channel]
            try:
                await transport.send(message)
            except SendError as error:
                await self._failed(message, error, result)
            else:
                await self._sent(message)
                result.sent += 1
        return result

    async def _sent(self, message: Outgoing) -> None:
        async with self._uow_factory() as uow:
            await uow.outbox.mark_sent(message.outbox_id, self._clock.now())
            await uow.commit()

    async def _failed(self, message: Outgoing, error: SendError, result: DrainResult) -> None:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            row = await uow.outbox.get(message.outbox_id)
            if row is None:
                return
            row.last_error = error.detail[:2000]
            if isinstance(error, Permanent) or row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                result.failed += 1
                log.warning("outbox %s failed for good: %s", row.id, error.detail)
            else:
                wait = (
                    error.retry_after
                    if isinstance(error, Throttled)
                    else backoff(row.attempts, self._rng)
                )
                row.next_attempt_at = now + timedelta(seconds=wait)
                result.retried += 1
            result.errors.append(error.detail)
            await uow.commit()
