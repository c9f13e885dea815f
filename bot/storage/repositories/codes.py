"""Link codes: digests of single-use codes that grant a role, and groups' member join codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from bot.storage.models import AccessCode, OccupationGroup
from bot.storage.repositories.base import _Repository


class AccessCodeRepository(_Repository):
    async def group_joined_by(self, join_code: str) -> int | None:
        """The group whose member join code this is."""
        return await self.session.scalar(
            select(OccupationGroup.id).where(OccupationGroup.join_code == join_code)
        )

    async def by_digest(self, code_digest: str) -> AccessCode | None:
        return await self.session.scalar(select(AccessCode).where(AccessCode.digest == code_digest))

    async def get(self, code_id: int) -> AccessCode | None:
        return await self.session.get(AccessCode, code_id)

    async def add(self, code: AccessCode) -> None:
        self.session.add(code)
        await self.session.flush()

    async def use(self, code_id: int, now: datetime) -> bool:
        """Marks a single-use code used; False if it was not usable any more. One UPDATE: two
        workers cannot both use it."""
        result = await self.session.execute(
            update(AccessCode)
            .where(
                AccessCode.id == code_id,
                AccessCode.used_at.is_(None),
                AccessCode.revoked_at.is_(None),
                AccessCode.expires_at > now,
            )
            .values(used_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def used_by(self, code_id: int, person_id: int) -> None:
        await self.session.execute(
            update(AccessCode).where(AccessCode.id == code_id).values(used_by=person_id)
        )

    async def revoke_one(self, code_id: int, now: datetime) -> None:
        await self.session.execute(
            update(AccessCode)
            .where(AccessCode.id == code_id, AccessCode.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_outstanding(self, kind: str, target_id: int, now: datetime) -> int:
        """Revokes the target's codes of `kind` still usable; how many there were."""
        result = await self.session.execute(
            update(AccessCode)
            .where(
                AccessCode.kind == kind,
                AccessCode.target_id == target_id,
                AccessCode.used_at.is_(None),
                AccessCode.revoked_at.is_(None),
                AccessCode.expires_at > now,
            )
            .values(revoked_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def revoke_every(self, kind: str, target_id: int, now: datetime) -> None:
        """Revokes every code of `kind` for the target not revoked yet, used or not (erasure)."""
        await self.session.execute(
            update(AccessCode)
            .where(
                AccessCode.kind == kind,
                AccessCode.target_id == target_id,
                AccessCode.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
