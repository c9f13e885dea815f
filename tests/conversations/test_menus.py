"""The menus of every role (bot/menus.py): each button means something for the person who
sees it, typing its caption does what tapping it does (the tap arrives as a postback with the
same words), and its Telegram command does the same again."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest

from bot.app import App, build_app
from bot.clock import FixedClock
from bot.menus import ALL_ROLES, MENUS, STRANGER, commands, role_of
from bot.messages import EventKind as Kind
from bot.messages import InboundMessage
from bot.services.actors import load_actor
from bot.vocabulary import BUTTONS, MENU_BUTTONS
from tests.conftest import test_settings as settings_for
from tests.support.chat import PACE, Chat, RecordingTransport

_ids = itertools.count(1)
# What a tap must never land on: words the bot did not understand as a request.
NOT_UNDERSTOOD = {"fallback", "social", "help_or_summary", "open_question", "report", "correction"}
PERSONAS = {STRANGER: "สมหญิง ผ่านมา", "member": "member", "chair": "chair",
            "treasurer": "treasurer", "household": "household", "trainer": "trainer",
            "officer": "officer", "admin": "ประภา ศรีจังหวัด"}  # fmt: skip


@pytest.fixture
async def world(sqlite_url: str, clock: FixedClock) -> AsyncIterator[Chat]:
    transport = RecordingTransport("console")
    app = build_app(settings_for(sqlite_url), clock=clock, transports={"console": transport})
    chat = Chat(app, transport)
    await chat.seed()
    yield chat
    await app.close()


async def _rule(app: App, sender: str, text: str, kind: Kind = "text") -> str:
    """Which rule of the router handles `text` from `sender`, in a chat of its own (so no
    earlier question is waiting), at a person's pace."""
    assert isinstance(app.clock, FixedClock)
    app.clock.instant += PACE
    handled = await app.conversation.handle(
        InboundMessage(channel="console", sender_id=sender, chat_id=f"menu-{next(_ids)}",
                       text=text, kind=kind, event_id=f"menu-e{next(_ids)}")
    )  # fmt: skip
    return handled.rule


def test_every_menu_caption_is_in_the_vocabulary() -> None:
    listed = {(b.label, b.message) for b in BUTTONS}
    for role in ALL_ROLES:
        for menu in MENUS[role]:
            assert len(menu.chat_bar) <= 14 and 1 <= len(menu.items) <= 8
            for item in menu.items:
                assert (item.button.label, item.button.message) in listed, item
                assert len(item.caption) <= 20
    assert set(MENU_BUTTONS) <= set(BUTTONS)


@pytest.mark.parametrize("role", ALL_ROLES)
async def test_tapping_typing_and_the_command_do_the_same(world: Chat, role: str) -> None:
    app = world.app
    if role == "admin":  # a province administrator, linked with their code
        from tests.conversations.test_administrators import link, register

        await link(world, PERSONAS[role], await register(world, PERSONAS[role], "ศรีสะเกษ"))
    sender = await world.account_id(PERSONAS[role])
    async with app.uow() as uow:
        account = await uow.people.account("console", sender)
        assert account is not None
        actor = await load_actor(uow, account.person_id) if account.person_id else None
    assert role_of(actor) == role
    for menu in MENUS[role]:
        for item in menu.items:
            typed = await _rule(app, sender, item.caption)
            tapped = await _rule(app, sender, item.button.message, "postback")
            slash = await _rule(app, sender, f"/{item.command}")
            assert typed == tapped == slash, (role, item.caption, typed, tapped, slash)
            if role != STRANGER:  # a stranger is told how to link, whatever they tap
                assert typed not in NOT_UNDERSTOOD, (role, item.caption, typed)
    names = [name for name, _ in commands(role)]
    assert len(names) == len(set(names)) and len(names) <= 100
