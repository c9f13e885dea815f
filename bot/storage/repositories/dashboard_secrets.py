"""Dashboard signing keys, nonces and revocations."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import (
    DashboardSecret,
    DashboardSecretKind,
    utcnow,
)
from bot.storage.repositories.base import _Repository


class DashboardSecretRepository(_Repository):
    """The dashboard's signing keys, used sign-in nonces and ended sessions."""

    async def keys(self) -> list[str]:
        return list(
            await self.session.scalars(
                select(DashboardSecret.value)
                .where(DashboardSecret.kind == DashboardSecretKind.KEY)
                .order_by(DashboardSecret.id)
            )
        )

    async def add_key(self, secret: str) -> None:
        self.session.add(DashboardSecret(kind=DashboardSecretKind.KEY, value=secret))
        await self.session.flush()

    async def recorded(self, kind: DashboardSecretKind, value: str) -> bool:
        found = await self.session.scalar(
            select(DashboardSecret.id).where(
                DashboardSecret.kind == kind, DashboardSecret.value == value
            )
        )
        return found is not None

    async def record(self, kind: DashboardSecretKind, value: str) -> bool:
        """Records `value` once; False the first time, True if it was already there. One
        statement, INSERT … ON CONFLICT DO NOTHING: the unique key decides a race."""
        statement = (
            self._insert()(DashboardSecret)
            .values(kind=kind, value=value, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["kind", "value"])
            .returning(DashboardSecret.id)
        )
        return await self.session.scalar(statement) is None
