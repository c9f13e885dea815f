"""The audit log: who did what to whose data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select

from bot.storage.driver import prebuilt
from bot.storage.models import (
    AuditLog,
)
from bot.storage.repositories.base import _Repository

_ADD = prebuilt(insert(AuditLog))


class AuditRepository(_Repository):
    async def add(
        self,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        # Core, not a flushed ORM object: one entry per record on the message path. Nothing
        # reads the entry back from the statement, so on PostgreSQL it rides with the next one.
        await self._write_later(
            _ADD,
            {
                "actor_id": actor_id,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "before": before,
                "after": after,
            },
        )

    async def for_entity(self, entity: str, entity_id: int) -> Sequence[AuditLog]:
        return (
            await self.session.scalars(
                select(AuditLog)
                .where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
                .order_by(AuditLog.id)
            )
        ).all()
