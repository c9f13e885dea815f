"""The district office's registry: officers, occupation groups, trainers, target households."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select

from bot.storage.models import (
    Administrator,
    Base,
    Household,
    Membership,
    OccupationGroup,
    Officer,
    Trainer,
)
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

    async def officers_named(self, district_id: int, name: str) -> Sequence[Officer]:
        """The district's officers of this name (more than one is an ambiguity to report)."""
        return (
            await self.session.scalars(
                select(Officer)
                .where(Officer.district_id == district_id, Officer.name == name)
                .order_by(Officer.id)
            )
        ).all()

    async def group_in_village(self, village_id: int, name: str) -> OccupationGroup | None:
        return await self.session.scalar(
            select(OccupationGroup).where(
                OccupationGroup.village_id == village_id, OccupationGroup.name == name
            )
        )

    async def household_in_village(self, village_id: int, head_name: str) -> Household | None:
        return await self.session.scalar(
            select(Household).where(
                Household.village_id == village_id, Household.head_name == head_name
            )
        )

    async def officers_looking_after(self, person_id: int) -> set[int]:
        """The officers of this person's groups, household and trainer role."""
        found: set[int] = set()
        found.update(
            await self.session.scalars(
                select(OccupationGroup.officer_id)
                .join(Membership, Membership.group_id == OccupationGroup.id)
                .where(Membership.person_id == person_id, Membership.until.is_(None))
            )
        )
        found.update(
            await self.session.scalars(
                select(Household.officer_id).where(Household.person_id == person_id)
            )
        )
        found.update(
            await self.session.scalars(
                select(Trainer.officer_id).where(Trainer.person_id == person_id)
            )
        )
        return found

    async def linked_officers(self) -> Sequence[int]:
        """Every officer who has a chat account linked."""
        return (
            await self.session.scalars(select(Officer.id).where(Officer.person_id.is_not(None)))
        ).all()
