"""Linking chat accounts and group chats by code. The code alone decides the role: an
officer's link code, a trainer's, a household's, or a group's join / treasurer / chair code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from bot.services.menus import roles_changed
from bot.storage.models import ChatAccount, ChatRoom, Membership, Role, Trainer, utcnow
from bot.storage.unit_of_work import UnitOfWork

CODE_PATTERN = re.compile(r"^[A-Za-z0-9]{4,16}$")
# The name of a member who joined without one known (LINE gives no name): they can say "ชื่อ …".
PLACEHOLDER_NAME = "สมาชิก"


@dataclass(frozen=True, slots=True)
class Linked:
    kind: str  # officer | trainer | household | group | room | unknown | already
    role: str | None = None
    name: str = ""
    previous_holder: str | None = None


def clean_code(raw: str) -> str | None:
    code = raw.strip().upper()
    return code if CODE_PATTERN.match(code) else None


async def _person_for(uow: UnitOfWork, account: ChatAccount, fallback_name: str) -> int:
    if account.person_id is None:
        person = await uow.people.add_person(account.display_name or fallback_name)
        account.person_id = person.id
        await uow.session.flush()
    return account.person_id


async def link_by_code(uow: UnitOfWork, account: ChatAccount, raw_code: str) -> Linked:
    code = clean_code(raw_code)
    if code is None:
        return Linked("unknown")

    officer = await uow.people.officer_by_code(code)
    if officer is not None:
        if officer.person_id is None:
            person_id = await _person_for(uow, account, officer.name)
            person = await uow.people.person(person_id)
            if person is not None:
                person.name = officer.name
            officer.person_id = person_id
        elif account.person_id is None:
            # The same officer on a second channel: both accounts are one person.
            account.person_id = officer.person_id
        elif account.person_id != officer.person_id:
            return Linked("unknown")
        await uow.audit.add(account.person_id, "link", "officer", officer.id)
        await roles_changed(uow, account.person_id)
        return Linked("officer", "officer", officer.name)

    trainer = await uow.session.scalar(select(Trainer).where(Trainer.link_code == code))
    if trainer is not None:
        if trainer.person_id is None:
            trainer.person_id = await _person_for(uow, account, trainer.name)
        elif account.person_id is None:
            account.person_id = trainer.person_id
        elif account.person_id != trainer.person_id:
            return Linked("unknown")
        await uow.audit.add(account.person_id, "link", "trainer", trainer.id)
        await roles_changed(uow, account.person_id)
        return Linked("trainer", "trainer", trainer.name)

    household = await uow.groups.household_by_code(code)
    if household is not None:
        if household.person_id is None:
            household.person_id = await _person_for(uow, account, household.head_name)
        elif account.person_id is None:
            account.person_id = household.person_id
        elif account.person_id != household.person_id:
            return Linked("unknown")
        await uow.audit.add(account.person_id, "link", "household", household.id)
        await roles_changed(uow, account.person_id)
        return Linked("household", "household", household.head_name)

    found = await uow.groups.by_code(code)
    if found is None:
        return Linked("unknown")
    group, role = found.group, found.role
    person_id = await _person_for(uow, account, PLACEHOLDER_NAME)
    membership = await uow.groups.membership(person_id, group.id)
    if membership is not None and (membership.role == role or role == Role.MEMBER):
        return Linked("already", membership.role, group.name)

    previous: str | None = None
    handed_over: list[int] = []
    if role in (Role.TREASURER, Role.CHAIR):
        # A new treasurer (or chair) code hands the role over: the holder becomes a member.
        for holder in await uow.groups.holders(group.id, role):
            if holder.person_id == person_id:
                continue
            before = {"role": holder.role}
            holder.role = Role.MEMBER
            handed_over.append(holder.person_id)
            holder_person = await uow.people.person(holder.person_id)
            previous = holder_person.name if holder_person else None
            await uow.audit.add(
                person_id, "handover", "membership", holder.id, before, {"role": Role.MEMBER}
            )
    if membership is None:
        membership = Membership(person_id=person_id, group_id=group.id, role=role, since=utcnow())
        uow.session.add(membership)
        await uow.session.flush()
        await uow.audit.add(person_id, "join", "membership", membership.id, after={"role": role})
    else:
        before = {"role": membership.role}
        membership.role = role
        await uow.audit.add(person_id, "role", "membership", membership.id, before, {"role": role})
    await roles_changed(uow, person_id, *handed_over)  # the new holder's menu, and the old one's
    return Linked("group", role, group.name, previous)


async def link_room(
    uow: UnitOfWork, channel: str, room_id: str, raw_code: str, actor_id: int | None
) -> Linked:
    """Links a LINE/Telegram group chat to the occupation group whose code is sent in it."""
    code = clean_code(raw_code)
    found = await uow.groups.by_code(code) if code else None
    if found is None:
        return Linked("unknown")
    room = await uow.groups.room(channel, room_id)
    if room is None:
        room = ChatRoom(channel=channel, external_id=room_id)
        uow.session.add(room)
    before = {"group_id": room.group_id}
    room.group_id = found.group.id
    room.active = True
    await uow.session.flush()
    await uow.audit.add(
        actor_id, "link", "chat_room", room.id, before, {"group_id": found.group.id}
    )
    return Linked("room", None, found.group.name)
