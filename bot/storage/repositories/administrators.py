"""District and province administrators: read-only offices above the officers."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import Administrator
from bot.storage.repositories.base import _Repository


class AdministratorRepository(_Repository):
    async def add(self, admin: Administrator) -> Administrator:
        self.session.add(admin)
        await self.session.flush()
        return admin

    async def get(self, admin_id: int) -> Administrator | None:
        return await self.session.get(Administrator, admin_id)

    async def of_person(self, person_id: int) -> Administrator | None:
        return await self.session.scalar(
            select(Administrator).where(Administrator.person_id == person_id)
        )
