"""Who sent a message, read in one statement (bot/services/actors.py `load_sender`): the same
person, roles and groups as `load_actor`, the account made on its first message, and every
change to a role, a membership or a link seen on the very next message."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.app import build_app
from bot.demo import PERSONAS
from bot.services import privacy
from bot.services.actors import Sender, load_actor, load_sender
from bot.storage.models import ChatAccount, ChatRoom, Membership, Role
from tests.support.chat import Chat

pytestmark = pytest.mark.both_databases  # one statement: it must read alike on both


async def sender_of(chat: Chat, who: str, chat_id: str | None = None) -> Sender:
    external_id = who if who.startswith("demo:") else await chat.account_id(who)
    async with chat.app.uow() as uow:
        found = await load_sender(
            uow, "console", external_id, chat_id or external_id, in_room=chat_id is not None
        )
    assert found is not None
    return found


async def test_every_persona_is_the_actor_load_actor_gives(chat: Chat) -> None:
    await chat.seed()
    for who in PERSONAS:
        sender = await sender_of(chat, who)
        assert sender.actor is not None
        async with chat.app.uow() as uow:
            assert sender.actor == await load_actor(uow, sender.actor.person_id), who
    officer = (await sender_of(chat, "officer")).actor
    assert officer is not None and officer.is_officer and officer.district_id is not None
    treasurer = (await sender_of(chat, "treasurer")).actor
    assert treasurer is not None and treasurer.role_in(chat.ids.egg_group_id) == Role.TREASURER


async def test_a_role_change_an_unlink_and_a_new_group_are_seen_on_the_next_message(
    chat: Chat,
) -> None:
    await chat.seed()
    account = await chat.account_id("member")
    member = (await sender_of(chat, account)).actor
    assert member is not None and member.roles == {"member"}
    async with chat.app.uow() as uow:
        await uow.session.execute(
            update(Membership)
            .where(Membership.person_id == member.person_id)
            .values(role=Role.TREASURER)
        )
        uow.session.add(
            Membership(person_id=member.person_id, group_id=chat.ids.frog_group_id, role="chair")
        )
        await uow.commit()
    now = (await sender_of(chat, account)).actor
    assert now is not None and now.roles == {"treasurer", "chair"}
    assert [g.group_id for g in now.groups][-1] == chat.ids.frog_group_id  # newest last

    async with chat.app.uow() as uow:
        await uow.session.execute(
            update(ChatAccount)
            .where(ChatAccount.person_id == member.person_id)
            .values(person_id=None)
        )
        await uow.commit()
    assert (await sender_of(chat, account)).actor is None


async def test_a_group_chat_knows_its_group_while_it_is_linked(chat: Chat) -> None:
    await chat.seed()
    async with chat.app.uow() as uow:
        uow.session.add(
            ChatRoom(channel="console", external_id="room-1", group_id=chat.ids.egg_group_id)
        )
        await uow.commit()
    assert (await sender_of(chat, "member", "room-1")).room_group_id == chat.ids.egg_group_id
    async with chat.app.uow() as uow:
        await uow.session.execute(update(ChatRoom).values(active=False))
        await uow.commit()
    assert (await sender_of(chat, "member", "room-1")).room_group_id is None


async def test_a_first_message_makes_the_account_and_the_name_is_kept_current(
    chat: Chat,
) -> None:
    async with chat.app.uow() as uow:
        assert await load_sender(uow, "line", "U-new", "U-new", in_room=False, create=False) is None
        first = await load_sender(uow, "line", "U-new", "C-new", in_room=True, display_name="แดง")
        await uow.commit()
    assert first is not None and (first.actor, first.state, first.room_group_id) == (
        None, None, None
    )  # fmt: skip
    for name, kept in (("แดง ดี", "แดง ดี"), (None, "แดง ดี")):
        async with chat.app.uow() as uow:
            again = await load_sender(
                uow, "line", "U-new", "U-new", in_room=False, display_name=name
            )
            await uow.commit()
        assert again is not None and again.account.id == first.account.id
        async with chat.app.uow() as uow:
            stored = await uow.session.scalar(
                select(ChatAccount.display_name).where(ChatAccount.id == first.account.id)
            )
        assert stored == kept  # a missing name keeps the one known


async def test_another_worker_sees_a_role_change_and_an_erasure_on_its_next_message(
    chat: Chat,
) -> None:
    """Two workers (two apps, two engines, one database): what one changes, the other's very
    next message reads. Nothing about a person is kept in a worker's memory."""
    await chat.seed()
    account = await chat.account_id("chair")
    other = build_app(chat.app.settings, clock=chat.app.clock, transports={})
    try:

        async def next_message_on_other() -> Sender:
            async with other.uow() as uow:
                found = await load_sender(uow, "console", account, account, in_room=False)
                await uow.commit()
            assert found is not None
            return found

        chair = (await next_message_on_other()).actor
        assert chair is not None and chair.roles == {"chair"}
        async with chat.app.uow() as uow:
            await uow.session.execute(
                update(Membership)
                .where(Membership.person_id == chair.person_id)
                .values(role=Role.MEMBER)
            )
            await uow.commit()
        now = (await next_message_on_other()).actor
        assert now is not None and now.roles == {"member"}

        async with chat.app.uow() as uow:
            await privacy.erase(uow, chair.person_id, chat.clock.now())
            await uow.commit()
        after = await next_message_on_other()
        assert after.actor is None  # a stranger now, on a new account
    finally:
        await other.close()
