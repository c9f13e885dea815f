"""Who is acting: a person and every role they hold. Loaded once per message and passed to
every use case, which decides from it what the person may do."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class GroupRole:
    group_id: int
    group_name: str
    role: str  # member | treasurer | chair


@dataclass(frozen=True, slots=True)
class Actor:
    person_id: int
    name: str
    groups: tuple[GroupRole, ...] = ()
    officer_id: int | None = None
    district_id: int | None = None
    household_id: int | None = None
    trainer_id: int | None = None
    # A district or province administrator (bot/services/administrators.py decides the scope).
    admin_id: int | None = None

    @property
    def is_officer(self) -> bool:
        return self.officer_id is not None

    def role_in(self, group_id: int) -> str | None:
        for g in self.groups:
            if g.group_id == group_id:
                return g.role
        return None

    def groups_with(self, *roles: str) -> tuple[GroupRole, ...]:
        return tuple(g for g in self.groups if g.role in roles)

    @property
    def roles(self) -> frozenset[str]:
        found = {g.role for g in self.groups}
        if self.officer_id is not None:
            found.add("officer")
        if self.household_id is not None:
            found.add("household")
        if self.trainer_id is not None:
            found.add("trainer")
        if self.admin_id is not None:
            found.add("admin")
        return frozenset(found)


async def load_actor(uow: UnitOfWork, person_id: int) -> Actor:
    """Two queries on every message: the person with their programme roles, and their groups."""
    row = await uow.people.roles_of(person_id)
    if row is None:
        raise LookupError(f"person {person_id} does not exist")
    name, officer_id, district_id, household_id, trainer_id, admin_id = row
    memberships = await uow.groups.memberships_of(person_id)
    return Actor(
        person_id=person_id,
        name=name,
        groups=tuple(GroupRole(g.id, g.name, m.role) for m, g in memberships),
        officer_id=officer_id,
        district_id=district_id,
        household_id=household_id,
        trainer_id=trainer_id,
        admin_id=admin_id,
    )
