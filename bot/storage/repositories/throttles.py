"""Throttle counters shared by every worker (wrong link codes, expensive commands, voice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.storage.models import Throttle
from bot.storage.repositories.base import _Repository


class ThrottleRepository(_Repository):
    async def locked_counter(self, scope: str, subject: str, now: datetime) -> Throttle:
        """The counter row, created if new, locked until the transaction ends (PostgreSQL
        `SELECT … FOR UPDATE`; SQLite has one writer anyway)."""
        await self.session.execute(
            self._insert()(Throttle)
            .values(
                scope=scope, subject=subject, count=0, level=0, window_start=now, updated_at=now
            )
            .on_conflict_do_nothing(index_elements=["scope", "subject"])
        )
        query = (
            select(Throttle)
            .where(Throttle.scope == scope, Throttle.subject == subject)
            .execution_options(populate_existing=True)
        )
        if self._on_postgres:
            query = query.with_for_update()
        row = await self.session.scalar(query)
        assert row is not None
        return row

    async def counter(self, scope: str, subject: str) -> Throttle | None:
        return await self.session.scalar(
            select(Throttle).where(Throttle.scope == scope, Throttle.subject == subject)
        )

    async def forget_idle(self, before: datetime) -> int:
        """Drops counters not touched since `before` and not holding a lock."""
        result = await self.session.execute(
            delete(Throttle).where(
                Throttle.updated_at < before,
                (Throttle.locked_until.is_(None)) | (Throttle.locked_until < before),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_subjects(self, scope: str, subjects: list[str]) -> None:
        await self.session.execute(
            delete(Throttle).where(Throttle.scope == scope, Throttle.subject.in_(subjects))
        )
