"""Handovers: a held role asked for by someone else, waiting for the holder or officer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update

from bot.storage.models import Handover, HandoverStatus
from bot.storage.repositories.base import _Repository


class HandoverRepository(_Repository):
    async def add(self, handover: Handover) -> Handover:
        self.session.add(handover)
        await self.session.flush()
        return handover

    async def get(self, handover_id: int) -> Handover | None:
        return await self.session.get(Handover, handover_id)

    async def pending_for_role(self, kind: str, target_id: int) -> Sequence[Handover]:
        return (
            await self.session.scalars(
                select(Handover).where(
                    Handover.kind == kind,
                    Handover.target_id == target_id,
                    Handover.status == HandoverStatus.PENDING,
                )
            )
        ).all()

    async def waiting(self, now: datetime) -> Sequence[Handover]:
        """Every pending handover not expired yet, oldest first."""
        return (
            await self.session.scalars(
                select(Handover)
                .where(Handover.status == HandoverStatus.PENDING, Handover.expires_at > now)
                .order_by(Handover.id)
            )
        ).all()

    async def expire_involving(self, person_id: int) -> None:
        """Pending handovers to or from this person lapse (erasure)."""
        await self.session.execute(
            update(Handover)
            .where(
                Handover.status == HandoverStatus.PENDING,
                or_(Handover.to_person_id == person_id, Handover.from_person_id == person_id),
            )
            .values(status=HandoverStatus.EXPIRED)
        )
