"""The menu sync (scheduler/menu_sync.py), on SQLite (a change made while applying, and
erasure, on PostgreSQL too): queued in the transaction that changed a role, applied after commit
from the roles the person has then, in one call per menu, retried after a platform failure,
never losing a change made meanwhile, and keeping nothing of a person who erased their data."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.base import Permanent, Retryable, SendError
from bot.clock import FixedClock
from bot.services.menus import accounts_leaving, roles_changed
from bot.storage.models import ChatAccount, Membership, MenuSync, Person, Role
from scheduler.menu_sync import settle
from tests.support.chat import Chat


@dataclass
class FakeApplier:
    batch: int = 500
    calls: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    shown: dict[str, str] = field(default_factory=dict)
    fail: list[SendError] = field(default_factory=list)
    during: list[Awaitable[object]] = field(
        default_factory=list
    )  # run while applying (a change meanwhile)

    async def target(self, role: str) -> str:
        return f"menu-of-{role}"

    async def apply(self, role: str, users: Sequence[str]) -> str:
        self.calls.append((role, tuple(users)))
        if self.during:
            await self.during.pop(0)
        if self.fail:
            raise self.fail.pop(0)
        for user in users:
            self.shown[user] = role
        return await self.target(role)


async def _person_on_line(app: App, group_id: int, role: str, user: str) -> int:
    async with app.uow() as uow:
        person = Person(name=f"คน {user}")
        uow.session.add(person)
        await uow.session.flush()
        uow.session.add(ChatAccount(channel="line", external_id=user, person_id=person.id))
        uow.session.add(Membership(person_id=person.id, group_id=group_id, role=role))
        await uow.session.flush()
        await roles_changed(uow, person.id)
        await uow.commit()
        return person.id


async def _rows(app: App) -> dict[str, MenuSync]:
    async with app.uow() as uow:
        return {r.external_id: r for r in await uow.session.scalars(select(MenuSync))}


async def test_people_queued_together_get_their_menu_in_one_call_per_role(
    app: App, chat: Chat
) -> None:
    applier = FakeApplier()
    app.menus.register("line", applier)
    assert chat.ids is not None
    for n in range(3):
        await _person_on_line(app, chat.ids.egg_group_id, Role.MEMBER, f"U{n}")
    await _person_on_line(app, chat.ids.egg_group_id, Role.TREASURER, "U9")
    result = await settle(app.menus)
    assert result.applied == 4 and result.calls == 2
    assert sorted(applier.calls) == [("member", ("U0", "U1", "U2")), ("treasurer", ("U9",))]
    rows = await _rows(app)
    assert all(not r.pending and r.applied == f"{applier.shown[u]}@menu-of-{applier.shown[u]}"
               for u, r in rows.items())  # fmt: skip
    # Queued again with nothing changed: no call at all.
    async with app.uow() as uow:
        await uow.menus.queue("line", ["U0", "U9"])
        await uow.commit()
    again = await settle(app.menus)
    assert (again.unchanged, again.calls) == (2, 0)


async def test_a_failure_is_retried_and_a_permanent_one_given_up(app: App, chat: Chat) -> None:
    applier = FakeApplier(fail=[Retryable("line rich menu link: 500")])
    app.menus.register("line", applier)
    assert chat.ids is not None
    await _person_on_line(app, chat.ids.egg_group_id, Role.MEMBER, "U1")
    first = await settle(app.menus)
    assert first.retried == 1 and applier.shown == {}
    row = (await _rows(app))["U1"]
    assert row.pending and row.next_attempt_at is not None and "500" in (row.last_error or "")
    assert isinstance(app.clock, FixedClock)
    app.clock.instant = row.next_attempt_at
    second = await settle(app.menus)
    assert second.applied == 1 and applier.shown == {"U1": "member"}
    applier.fail.append(Permanent("line rich menu link: 400 no such user"))
    async with app.uow() as uow:
        await uow.menus.queue("line", ["U1"])
        row_before = await uow.session.scalar(select(MenuSync))
        assert row_before is not None
        row_before.applied = None  # as if never shown: a call is needed
        await uow.commit()
    third = await settle(app.menus)
    assert third.failed == 1
    row = (await _rows(app))["U1"]
    assert not row.pending and "no such user" in (row.last_error or "")


@pytest.mark.both_databases
async def test_a_change_made_while_applying_is_applied_next(app: App, chat: Chat) -> None:
    """A member's menu is being linked when they become treasurer: the newer role wins."""
    assert chat.ids is not None
    applier = FakeApplier()
    app.menus.register("line", applier)
    person = await _person_on_line(app, chat.ids.egg_group_id, Role.MEMBER, "U5")

    async def promote() -> None:
        async with app.uow() as uow:
            membership = await uow.groups.membership(person, chat.ids.egg_group_id)
            assert membership is not None
            membership.role = Role.TREASURER
            await roles_changed(uow, person)
            await uow.commit()

    applier.during.append(promote())
    await settle(app.menus)
    assert applier.shown["U5"] == "treasurer"
    assert [role for role, _ in applier.calls] == ["member", "treasurer"]
    assert not (await _rows(app))["U5"].pending


@pytest.mark.both_databases
async def test_an_erased_person_goes_back_to_the_stranger_menu_and_nothing_is_kept(
    app: App, chat: Chat
) -> None:
    assert chat.ids is not None
    applier = FakeApplier()
    app.menus.register("line", applier)
    await _person_on_line(app, chat.ids.egg_group_id, Role.MEMBER, "U7")
    await settle(app.menus)
    async with app.uow() as uow:
        account = await uow.people.account("line", "U7")
        assert account is not None
        await accounts_leaving(uow, [account.id])
        await uow.session.delete(account)
        await uow.commit()
    await settle(app.menus)
    assert applier.shown["U7"] == "stranger"
    assert "U7" not in await _rows(app)


async def test_console_accounts_have_no_menu_to_keep(app: App, chat: Chat) -> None:
    member = await chat.account_id("member")
    async with app.uow() as uow:
        assert await uow.menus.queue("console", ["demo:1"]) == 0
        account = await uow.people.account("console", member)
        assert account is not None
        assert await roles_changed(uow, account.person_id) == 0
        await uow.commit()
    assert await _rows(app) == {}
