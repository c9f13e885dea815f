"""Who is acting: a person and every role they hold. Loaded once per message and passed to
every use case, which decides from it what the person may do."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.models import ChatAccount, ConversationState
from bot.storage.repositories import GroupSeat, Speaker
from bot.storage.repositories.people import RoleIds
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
    """Two queries: the person with their programme roles, and their groups (the message path
    reads these with the account in one statement instead: `load_sender`)."""
    row = await uow.people.roles_of(person_id)
    if row is None:
        raise LookupError(f"person {person_id} does not exist")
    memberships = await uow.groups.memberships_of(person_id)
    return _actor(person_id, row, tuple(GroupSeat(g.id, g.name, m.role) for m, g in memberships))


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent a message, in which room, with which question open: read once per message."""

    account: ChatAccount
    actor: Actor | None  # None: the account is linked to nobody
    state: ConversationState | None  # the open question of this account in this chat
    room_group_id: int | None  # the occupation group a group chat is linked to (if active)


async def load_sender(
    uow: UnitOfWork,
    channel: str,
    external_id: str,
    chat_id: str,
    *,
    in_room: bool,
    display_name: str | None = None,
    create: bool = True,
) -> Sender | None:
    """The account (made on its first message when `create`, its display name kept current),
    its person and roles, the open question and the room: one statement for a known account.
    None only for an unknown account when not `create`."""
    speaker = await uow.speakers.speaker(channel, external_id, chat_id, in_room=in_room)
    if speaker is None:
        if not create:
            return None
        # The first message of this account: nobody to act as, no question open yet.
        account = await uow.people.ensure_account(channel, external_id, display_name)
        room = await uow.groups.room(channel, chat_id) if in_room else None
        return Sender(account, None, None, room.group_id if room and room.active else None)
    account = speaker.account
    if display_name and account.display_name != display_name:
        await uow.speakers.rename(account, display_name)  # a missing name keeps the old
    return Sender(account, _speaker_actor(speaker), speaker.state, speaker.room_group_id)


def _speaker_actor(speaker: Speaker) -> Actor | None:
    person_id = speaker.account.person_id
    if person_id is None:
        return None
    if speaker.roles is None:
        raise LookupError(f"person {person_id} does not exist")
    return _actor(person_id, speaker.roles, speaker.groups)


def _actor(person_id: int, roles: RoleIds, groups: tuple[GroupSeat, ...]) -> Actor:
    name, officer_id, district_id, household_id, trainer_id, admin_id = roles
    return Actor(
        person_id=person_id,
        name=name,
        groups=tuple(GroupRole(g.group_id, g.group_name, g.role) for g in groups),
        officer_id=officer_id,
        district_id=district_id,
        household_id=household_id,
        trainer_id=trainer_id,
        admin_id=admin_id,
    )
