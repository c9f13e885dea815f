"""The menu sync: brings people's menus up to date after the transaction that queued them
(`bot.services.menus`), like the sender does for messages.

A due row is leased in a short transaction (its next attempt pushed past the lease), the
person's menu worked out from their roles at that moment, the platform called with no
transaction open, then the row marked done — unless it was queued again meanwhile (its
version moved), in which case it stays due and the newer state is applied next. People who
need the same menu on the same platform go in one call (LINE's bulk link takes 500).
A row already showing what it should (its `applied` marker matches) costs no call.

Failures use the typed errors of `bot.channels.base`: `Retryable` (5xx, timeouts, rich menus
not set up yet) again later with backoff; `Permanent` given up, with the reason kept.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from sqlalchemy import delete, select, update

from bot.channels.base import Permanent, SendError
from bot.clock import Clock
from bot.menus import STRANGER, role_of
from bot.services.actors import load_actor
from bot.storage.models import ChatAccount, MenuSync
from bot.storage.unit_of_work import UnitOfWork
from scheduler.sender import backoff

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
BATCH = 500


class Applier(Protocol):
    """A platform's way of showing a role's menu to people, `batch` people per call."""

    batch: int

    async def target(self, role: str) -> str:
        """What applying `role` means now (a rich menu id, a command-list fingerprint)."""
        ...

    async def apply(self, role: str, users: Sequence[str]) -> str: ...


@dataclass
class SyncResult:
    applied: int = 0
    unchanged: int = 0
    retried: int = 0
    failed: int = 0
    calls: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Leased:
    row_id: int
    version: int
    channel: str
    external_id: str
    role: str
    applied: str | None
    attempts: int
    gone: bool  # no chat account any more (erased): the row goes once the menu is reset


class MenuSyncer:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rng = rng or random.Random()
        self._appliers: dict[str, Applier] = {}
        self._wake = asyncio.Event()

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self._appliers)

    def register(self, channel: str, applier: Applier) -> None:
        self._appliers[channel] = applier

    def unregister(self, channel: str) -> None:
        self._appliers.pop(channel, None)

    def kick(self) -> None:
        """Something was queued: the loop runs now rather than at its next tick."""
        self._wake.set()

    async def forever(self, interval: float) -> None:
        """Drains whenever kicked, and every `interval` seconds for retries (0: only kicks)."""
        while True:
            try:
                if interval > 0:
                    await asyncio.wait_for(self._wake.wait(), interval)
                else:
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await settle(self)
            except Exception:
                log.exception("menu sync failed; trying again later")

    async def drain(self, limit: int = BATCH) -> SyncResult:
        result = SyncResult()
        if not self._appliers:
            return result
        leased = await self._lease(limit)
        groups: dict[tuple[str, str], list[_Leased]] = defaultdict(list)
        for row in leased:
            groups[(row.channel, row.role)].append(row)
        for (channel, role), rows in groups.items():
            applier = self._appliers.get(channel)
            if applier is None:
                continue
            await self._apply(applier, role, rows, result)
        return result

    async def _apply(
        self, applier: Applier, role: str, rows: list[_Leased], result: SyncResult
    ) -> None:
        try:
            target = await applier.target(role)
        except SendError as error:
            await self._failed(rows, error, result)
            return
        marker = f"{role}@{target}"
        done = [r for r in rows if r.applied == marker]
        todo = [r for r in rows if r.applied != marker]
        if done:
            await self._done(done, marker)
            result.unchanged += len(done)
        if not todo:
            return
        size = max(1, applier.batch)
        for start in range(0, len(todo), size):
            chunk = todo[start : start + size]
            try:
                result.calls += 1
                target = await applier.apply(role, [r.external_id for r in chunk])
            except SendError as error:
                await self._failed(chunk, error, result)
                continue
            except Exception as error:  # a bug or an unexpected client error: retry later
                log.exception("menu sync: unexpected error")
                await self._failed(chunk, _Unexpected(f"{type(error).__name__}: {error}"), result)
                continue
            await self._done(chunk, f"{role}@{target}")
            result.applied += len(chunk)

    async def _lease(self, limit: int) -> list[_Leased]:
        now = self._clock.now()
        leased: list[_Leased] = []
        async with self._uow_factory() as uow:
            rows = await uow.menus.due(now, limit, self.channels)
            for row in rows:
                row.next_attempt_at = now + LEASE
                row.attempts += 1
                account = await uow.session.scalar(
                    select(ChatAccount).where(
                        ChatAccount.channel == row.channel,
                        ChatAccount.external_id == row.external_id,
                    )
                )
                person = account.person_id if account is not None else None
                actor = await load_actor(uow, person) if person is not None else None
                leased.append(
                    _Leased(
                        row.id, row.version, row.channel, row.external_id, role_of(actor),
                        row.applied, row.attempts, account is None,
                    )
                )  # fmt: skip
            await uow.commit()
        return leased

    async def _done(self, rows: Sequence[_Leased], marker: str) -> None:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            for row in rows:
                if row.gone and row.role == STRANGER:
                    # Erased: the menu is back to the stranger's; nothing of them is kept.
                    await uow.session.execute(
                        delete(MenuSync).where(
                            MenuSync.id == row.row_id, MenuSync.version == row.version
                        )
                    )
                    continue
                await uow.session.execute(
                    update(MenuSync)
                    .where(MenuSync.id == row.row_id, MenuSync.version == row.version)
                    .values(pending=False, applied=marker, attempts=0, last_error=None,
                            next_attempt_at=None, updated_at=now)
                )  # fmt: skip
            await uow.commit()

    async def _failed(self, rows: Sequence[_Leased], error: SendError, result: SyncResult) -> None:
        now = self._clock.now()
        result.errors.append(error.detail)
        async with self._uow_factory() as uow:
            for row in rows:
                give_up = isinstance(error, Permanent) or row.attempts >= MAX_ATTEMPTS
                values: dict[str, object] = {"last_error": error.detail[:2000], "updated_at": now}
                if give_up:
                    values.update(pending=False, next_attempt_at=None)
                    result.failed += 1
                else:
                    wait = backoff(row.attempts, self._rng)
                    values["next_attempt_at"] = now + timedelta(seconds=wait)
                    result.retried += 1
                await uow.session.execute(
                    update(MenuSync)
                    .where(MenuSync.id == row.row_id, MenuSync.version == row.version)
                    .values(**values)
                )
            await uow.commit()
        log.warning("menu sync: %s for %s people", error.detail, len(rows))


class _Unexpected(SendError):
    """Anything an applier raised that is not a typed error: retried."""


async def settle(syncer: MenuSyncer, rounds: int = 20) -> SyncResult:
    """Drains until nothing more is due now (tests, `sammachip setup`)."""
    total = SyncResult()
    for _ in range(rounds):
        result = await syncer.drain()
        for name in ("applied", "unchanged", "retried", "failed", "calls"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
        total.errors.extend(result.errors)
        if result.applied + result.unchanged + result.failed == 0:
            break
    return total
