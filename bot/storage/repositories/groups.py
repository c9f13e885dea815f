"""Occupation groups, their members, officers and areas."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.storage.models import (
    Area,
    AreaKind,
    ChatRoom,
    Household,
    Membership,
    OccupationGroup,
    Person,
)
from bot.storage.repositories.base import _Repository


class GroupRepository(_Repository):
    async def get(self, group_id: int) -> OccupationGroup | None:
        return await self.session.get(OccupationGroup, group_id)

    async def memberships_of(self, person_id: int) -> Sequence[tuple[Membership, OccupationGroup]]:
        rows = await self.session.execute(
            select(Membership, OccupationGroup)
            .join(OccupationGroup, OccupationGroup.id == Membership.group_id)
            .where(Membership.person_id == person_id, Membership.until.is_(None))
            .order_by(Membership.since)
        )
        return [(m, g) for m, g in rows]

    async def every_membership_of(self, person_id: int) -> Sequence[Membership]:
        """Current and past memberships (what a person's data export shows)."""
        return (
            await self.session.scalars(select(Membership).where(Membership.person_id == person_id))
        ).all()

    async def ever_member(self, person_id: int) -> bool:
        """Whether the person was in a group once (left it, or handed their role over)."""
        found = await self.session.scalar(
            select(Membership.id).where(Membership.person_id == person_id).limit(1)
        )
        return found is not None

    async def membership(self, person_id: int, group_id: int) -> Membership | None:
        return await self.session.scalar(
            select(Membership).where(
                Membership.person_id == person_id,
                Membership.group_id == group_id,
                Membership.until.is_(None),
            )
        )

    async def add_membership(self, membership: Membership) -> Membership:
        self.session.add(membership)
        await self.session.flush()
        return membership

    async def holders(self, group_id: int, role: str) -> Sequence[Membership]:
        return (
            await self.session.scalars(
                select(Membership).where(
                    Membership.group_id == group_id,
                    Membership.role == role,
                    Membership.until.is_(None),
                )
            )
        ).all()

    async def members(self, group_id: int) -> Sequence[tuple[Membership, Person]]:
        rows = await self.session.execute(
            select(Membership, Person)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.group_id == group_id, Membership.until.is_(None))
            .order_by(Person.name)
        )
        return [(m, p) for m, p in rows]

    async def of_officer(self, officer_id: int) -> Sequence[OccupationGroup]:
        return (
            await self.session.scalars(
                select(OccupationGroup)
                .where(OccupationGroup.officer_id == officer_id)
                .order_by(OccupationGroup.id)
            )
        ).all()

    async def households_of_officer(self, officer_id: int) -> Sequence[Household]:
        return (
            await self.session.scalars(
                select(Household).where(Household.officer_id == officer_id).order_by(Household.id)
            )
        ).all()

    async def household(self, household_id: int) -> Household | None:
        return await self.session.get(Household, household_id)

    async def households_of_trainer(self, trainer_id: int) -> Sequence[Household]:
        return (
            await self.session.scalars(
                select(Household).where(Household.trainer_id == trainer_id).order_by(Household.id)
            )
        ).all()

    async def room(self, channel: str, external_id: str) -> ChatRoom | None:
        return await self.session.scalar(
            select(ChatRoom).where(ChatRoom.channel == channel, ChatRoom.external_id == external_id)
        )

    async def add_room(self, room: ChatRoom) -> ChatRoom:
        self.session.add(room)
        return room

    async def area(self, kind: str, name: str, parent_id: int | None) -> Area:
        """The area with this name under `parent_id`, created if new."""
        found = await self.find_area(kind, name, parent_id)
        if found is None:
            found = Area(
                kind=kind,
                name=name,
                parent_id=parent_id,
                district_id=await self._district_of(parent_id),
            )
            self.session.add(found)
            await self.session.flush()
        return found

    async def find_area(self, kind: str, name: str, parent_id: int | None) -> Area | None:
        """The area with this name under `parent_id`, if there is one."""
        return await self.session.scalar(
            select(Area).where(
                Area.kind == kind,
                Area.name == name,
                Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id,
            )
        )

    async def _district_of(self, parent_id: int | None) -> int | None:
        """The district an area under `parent_id` lies in: the parent itself when it is a
        district, else the parent's district (a village under its sub-district)."""
        if parent_id is None:
            return None
        parent = await self.session.get(Area, parent_id)
        if parent is None:
            return None
        return parent.id if parent.kind == AreaKind.DISTRICT else parent.district_id

    async def villages_named(self, name: str, district_id: int) -> Sequence[Area]:
        """The villages of this name in the district (under it or under its sub-districts)."""
        return (
            await self.session.scalars(
                select(Area)
                .where(Area.kind == AreaKind.VILLAGE, Area.name == name)
                .where(Area.district_id == district_id)
                .order_by(Area.id)
            )
        ).all()

    async def move_area(self, area: Area, parent_id: int) -> None:
        """Files `area` under another parent in the same district (a village under its
        sub-district once the import names it)."""
        area.parent_id = parent_id
        area.district_id = await self._district_of(parent_id)
        await self.session.flush()

    async def area_by_id(self, area_id: int) -> Area | None:
        return await self.session.get(Area, area_id)

    async def areas_named(self, kind: str, name: str) -> Sequence[Area]:
        return (
            await self.session.scalars(select(Area).where(Area.kind == kind, Area.name == name))
        ).all()

    async def areas_within(self, parent_id: int, kind: str) -> Sequence[Area]:
        """The areas of `kind` directly under `parent_id` (a province's districts)."""
        return (
            await self.session.scalars(
                select(Area).where(Area.kind == kind, Area.parent_id == parent_id)
            )
        ).all()

    async def of_district(self, district_id: int) -> Sequence[OccupationGroup]:
        """The groups whose village is in this district."""
        return (
            await self.session.scalars(
                select(OccupationGroup)
                .join(Area, Area.id == OccupationGroup.village_id)
                .where(Area.district_id == district_id)
                .order_by(OccupationGroup.id)
            )
        ).all()
