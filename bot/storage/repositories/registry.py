"""The district office's registry: officers, occupation groups, trainers, target households."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select

from bot.storage.models import Administrator, Base, Officer, Trainer
from bot.storage.repositories.base import _Repository

Row = TypeVar("Row", bound=Base)


class RegistryRepository(_Repository):
    async def add(self, row: Row) -> Row:
        """A new officer, group, trainer or household (its id assigned)."""
        self.session.add(row)
        await self.session.flush()
        return row

    async def entry(self, model: type[Row], entry_id: int) -> Row | None:
        """A registry entry by kind and id (what a code is issued for)."""
        return await self.session.get(model, entry_id)

    async def held_by(
        self, model: type[Officer] | type[Trainer] | type[Administrator], person_id: int
    ) -> bool:
        """Whether the person already holds an entry of this kind (one officer, trainer or
        administrator row per person)."""
        column = model.person_id
        return await self.session.scalar(select(column).where(column == person_id)) is not None

    async def trainer_named(self, officer_id: int, name: str) -> Trainer | None:
        return await self.session.scalar(
            select(Trainer).where(Trainer.officer_id == officer_id, Trainer.name == name)
        )

    async def trainers_of(self, officer_id: int) -> Sequence[Trainer]:
        return (
            await self.session.scalars(
                select(Trainer).where(Trainer.officer_id == officer_id).order_by(Trainer.name)
            )
        ).all()

