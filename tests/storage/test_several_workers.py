"""What several workers share on PostgreSQL (issue 17), seen through the repositories, each
unit of work standing for one worker: a chat's events are taken oldest first, under a per-chat
lock; a chat's outbox rows are leased one after the other (on SQLite too); the flood buckets
are one row per sender. Otherwise, on SQLite (one process) the same calls behave as they always
did."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.app import App
from bot.flood import FloodGate
from bot.storage.models import ChatAccount, Membership, Outbox, Role
from tests.conftest import NOW
from tests.storage.test_driver_path import sent
from tests.support import builders

pytestmark = pytest.mark.both_databases

LEASE = timedelta(seconds=30)


def _on_postgres(app: App) -> bool:
    return app.engine.dialect.name == "postgresql"


def _message(chat: str, n: int) -> dict[str, object]:
    return {"channel": "line", "chat_id": chat, "sender_id": chat, "text": f"ข้อความ {n}"}


async def _store(app: App, *events: tuple[str, int]) -> list[int]:
    async with app.uow() as uow:
        ids = await uow.inbox.accept(
            [("line", f"e{chat}{n}", _message(chat, n)) for chat, n in events], NOW, LEASE
        )
        await uow.commit()
    return [ids[("line", f"e{chat}{n}")] for chat, n in events]


async def test_a_chats_newer_event_waits_for_its_older_one(app: App) -> None:
    first, second, elsewhere = await _store(app, ("U1", 1), ("U1", 2), ("U2", 1))
    async with app.uow() as worker_b:  # has the newer message of U1 first
        taken = await worker_b.inbox.take(second, ("line", "U1"))
        earlier = await worker_b.inbox.earlier(second, ("line", "U1"))
    if not _on_postgres(app):  # one process: its lane already keeps the order
        assert taken and earlier is None
        return
    assert not taken
    assert earlier is not None and earlier.id == first and earlier.message["text"] == "ข้อความ 1"
    async with app.uow() as worker_c:  # another chat is not held back
        assert await worker_c.inbox.take(elsewhere, ("line", "U2"))
        await worker_c.commit()
    async with app.uow() as worker_b:
        assert await worker_b.inbox.take(first, ("line", "U1"))
        await worker_b.commit()
    async with app.uow() as worker_b:
        assert await worker_b.inbox.take(second, ("line", "U1"))
        await worker_b.commit()


async def test_a_round_of_several_chats_is_taken_once_and_only_on_sqlite(app: App) -> None:
    """A backlog's round (`take_many`, one statement for several chats) takes each event once;
    a second round finds them taken. On PostgreSQL (several workers) it refuses to run: a
    round there would take a chat's event past an older one another worker still holds."""
    first, other, third = await _store(app, ("U5", 1), ("U6", 1), ("U7", 1))
    chats = {first: ("line", "U5"), other: ("line", "U6"), third: ("line", "U7")}
    async with app.uow() as uow:
        if _on_postgres(app):
            with pytest.raises(NotImplementedError):
                await uow.inbox.take_many(list(chats.items()))
            return
        assert await uow.inbox.take_many(list(chats.items())) == {first, other, third}
        await uow.commit()
    async with app.uow() as uow:
        assert await uow.inbox.take_many(list(chats.items())) == set()


async def test_a_chat_is_handled_by_one_worker_at_a_time(app: App) -> None:
    if not _on_postgres(app):
        return  # SQLite has one writer at a time anyway
    first, second = await _store(app, ("U3", 1), ("U3", 2))
    async with app.uow() as worker_a:
        assert await worker_a.inbox.take(first, ("line", "U3"))  # locks the chat

        async def worker_b() -> bool:
            async with app.uow() as uow:
                taken = await uow.inbox.take(second, ("line", "U3"))
                await uow.commit()
                return taken

        waiting = asyncio.create_task(worker_b())
        await asyncio.sleep(0.3)
        assert not waiting.done()  # waits for the chat's lock, not for a retry
        await worker_a.commit()
    assert await asyncio.wait_for(waiting, 10)


async def _reply(app: App, chat: str, text: str, *, at: timedelta = timedelta(0)) -> int:
    async with app.uow() as uow:
        row = await uow.outbox.add(
            "line", chat, {"text": text}, available_at=NOW + at, kind="reminder" if at else "reply"
        )
        await uow.commit()
    return row.id


async def _lease(app: App, *, only: int | None = None) -> list[int]:
    """One worker's lease: the rows it may send now, marked as in flight."""
    async with app.uow() as uow:
        rows = await uow.outbox.due(NOW, 100, only=only)
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = NOW + timedelta(seconds=15)
        await uow.commit()
    return [row.id for row in rows]


async def test_a_chats_replies_are_leased_one_after_the_other(app: App) -> None:
    tomorrow = await _reply(app, "U4", "เตือนพรุ่งนี้", at=timedelta(hours=20))  # quiet hours
    first = await _reply(app, "U4", "ตอบ 1")
    second = await _reply(app, "U4", "ตอบ 2")
    other = await _reply(app, "U5", "ตอบอีกคน")
    leased = await _lease(app)
    # A reminder written for later does not hold the replies back; the chat's second reply
    # waits while its first is in flight or waits for a retry; another chat goes on. The same
    # on SQLite: one process has one lane per chat, but a row waiting for a retry is in none.
    assert leased == [first, other] and tomorrow not in leased
    assert await _lease(app, only=second) == []  # another worker, right after handling it
    async with app.uow() as uow:
        await uow.outbox.mark_sent(first, NOW)
        await uow.commit()
    assert await _lease(app, only=second) == [second]
    async with app.uow() as uow:  # retried later: still before anything newer of the chat
        row = await uow.outbox.get(second)
        assert row is not None and row.attempts == 1
        row.next_attempt_at = NOW + timedelta(minutes=5)
        await uow.commit()
    third = await _reply(app, "U4", "ตอบ 3")
    assert await _lease(app) == []
    assert third not in await _lease(app, only=third)
    async with app.uow() as uow:
        assert (await uow.outbox.get(third)) is not None
        assert await uow.session.get(Outbox, tomorrow) is not None


async def test_flood_buckets_are_shared_and_count_like_the_in_memory_gate(app: App) -> None:
    if not _on_postgres(app):
        return  # SQLite: bot/flood.py in memory (tests/unit/test_flood.py)
    gate = FloodGate(burst=3, per_second=1.0)
    moments = [NOW] * 6 + [NOW + timedelta(seconds=1), NOW + timedelta(seconds=0.5)]
    shared = []
    for moment in moments:  # each message in its own transaction, as on any worker
        async with app.uow() as uow:
            shared.append(await uow.flood.admit(("line", "U6"), moment, 3, 1.0))
            await uow.commit()
    assert shared == [gate.admit(("line", "U6"), moment) for moment in moments]
    assert shared[3] == (False, True)  # told once
    async with app.uow() as uow:  # a message whose handling failed: its token comes back
        assert await uow.flood.admit(("line", "U7"), NOW, 1, 0.0) == (True, False)
    async with app.uow() as uow:
        assert await uow.flood.admit(("line", "U7"), NOW, 1, 0.0) == (True, False)
        await uow.commit()
    async with app.uow() as uow:
        assert await uow.flood.admit(("line", "U7"), NOW, 1, 0.0) == (False, True)


async def test_an_event_taken_with_its_senders_admission(app: App) -> None:
    """PostgreSQL counts the sender's flood token with the chat's lock, then takes the event
    (`take_admitting`); an event not taken spends no token."""
    if not _on_postgres(app):
        return  # SQLite: the in-memory gate (tests/unit/test_flood.py)
    first, second, third = await _store(app, ("U8", 1), ("U8", 2), ("U8", 3))
    chat = sender = ("line", "U8")
    ahead = ("line", "U8", "U8", False)  # who is speaking, read with the take
    flood = (NOW, 2, 0.0)  # two messages, then no refill
    async with app.uow() as uow:  # the newer one first: not taken; the transaction ends
        assert await uow.inbox.take_admitting(second, chat, sender, flood, ahead) == (False, None)
    outcomes = []
    for event in (first, second, third):
        async with app.uow() as uow:
            with sent(app) as seen:
                outcomes.append(await uow.inbox.take_admitting(event, chat, sender, flood, ahead))
            await uow.commit()
        assert len(seen) == 2  # the admission with the chat's lock, then the take
    assert outcomes == [(True, (True, False)), (True, (True, False)), (True, (False, True))]
    async with app.uow() as uow:  # all three are done
        assert not await uow.inbox.take(first, chat)


async def test_who_is_speaking_is_read_with_the_take(app: App) -> None:
    """PostgreSQL reads who is speaking in the statement that takes the event
    (`take_admitting` with a speaker): the unit of work's next `speaker` is the same as a
    read of its own, without a statement; only the next one, and nothing when the event was
    not taken or for another chat."""
    if not _on_postgres(app):
        return  # SQLite: the take is its own statement (`take_many`, `take`)
    place = await builders.district(app)
    person = await builders.member(app, place.group, "นางมาลี")
    async with app.uow() as uow:
        second = await builders.add_group(uow, place.officer, place.village, "กลุ่มทอผ้า")
        uow.session.add(Membership(person_id=person, group_id=second, role=Role.TREASURER))
        account = await uow.people.ensure_account("line", "U9", "มาลี")
        account.person_id = person
        await uow.commit()
    first, later = await _store(app, ("U9", 1), ("U9", 2))
    chat = sender = ("line", "U9")
    flood = (NOW, 10, 1.0)
    async with app.uow() as uow:  # read on its own, as SQLite reads it
        alone = await uow.speakers.speaker("line", "U9", "U9", in_room=False)
    assert alone is not None and [g.group_id for g in alone.groups] == [place.group, second]
    async with app.uow() as uow:  # a newer event is not taken: nothing is read ahead
        speaker = ("line", "U9", "U9", False)
        assert await uow.inbox.take_admitting(later, chat, sender, flood, speaker) == (False, None)
        with sent(app) as seen:
            await uow.speakers.speaker("line", "U9", "U9", in_room=False)
        assert len(seen) == 1
    async with app.uow() as uow:
        with sent(app) as seen:
            taken = await uow.inbox.take_admitting(first, chat, sender, flood, speaker)
        assert taken == (True, (True, False)) and len(seen) == 2  # the lock, then the take
        with sent(app) as seen:
            assert await uow.speakers.speaker("line", "U9", "U9", in_room=True) is not None
            assert len(seen) == 1  # another key (in a group chat): read
            ahead = await uow.speakers.speaker("line", "U9", "U9", in_room=False)
            assert len(seen) == 1  # read ahead: no statement
            again = await uow.speakers.speaker("line", "U9", "U9", in_room=False)
            assert len(seen) == 2  # used once
        assert ahead is not None and again is not None
        assert ahead.account is again.account  # the unit of work's own object
        assert (ahead.roles, ahead.groups, ahead.state) == (alone.roles, alone.groups, None)
        await uow.commit()
    async with app.uow() as uow:  # somebody not known yet: None, then read again once made
        stranger = ("line", "U10", "U9", False)
        assert (await uow.inbox.take_admitting(later, chat, ("line", "U10"), flood, stranger))[0]
        assert await uow.speakers.speaker("line", "U10", "U9", in_room=False) is None
        await uow.people.ensure_account("line", "U10", None)
        made = await uow.speakers.speaker("line", "U10", "U9", in_room=False)
        assert made is not None and made.roles is None


async def test_who_is_speaking_includes_what_their_message_elsewhere_committed(
    app: App,
) -> None:
    """The sender's message in another chat holds their flood bucket until it commits; a
    message of theirs taken meanwhile waits for it, and who is speaking, read with its take,
    includes what that message committed (a new membership, `ยกเลิก`'s memory). The wait
    must come before the take's snapshot (`_LOCK_ADMITTING`): a review found the first
    version read the speaker in the statement that waited, so from before the wait."""
    if not _on_postgres(app):
        return  # SQLite: one process, the speaker is read by a statement of its own
    place = await builders.district(app)
    person = await builders.member(app, place.group, "นางมาลี")
    async with app.uow() as uow:
        second = await builders.add_group(uow, place.officer, place.village, "กลุ่มทอผ้า")
        account = await uow.people.ensure_account("line", "U20", "มาลี")
        account.person_id = person
        await uow.commit()
    in_group, private = await _store_from(app, ("G20", "U20", "g1"), ("U20", "U20", "p1"))
    flood, sender = (NOW, 10, 1.0), ("line", "U20")
    key = ("line", "U20", "U20", False)
    async with app.uow() as elsewhere:  # the group message: holds the sender's bucket row
        in_the_group = ("line", "U20", "G20", True)
        assert (
            await elsewhere.inbox.take_admitting(
                in_group, ("line", "G20"), sender, flood, in_the_group
            )
        )[0]

        async def meanwhile() -> Any:  # the private message, on another worker
            async with app.uow() as uow:
                taken = await uow.inbox.take_admitting(private, ("line", "U20"), sender, flood, key)
                assert taken[0]
                return await uow.speakers.speaker(*key[:3], in_room=False)

        waiting = asyncio.create_task(meanwhile())
        await asyncio.sleep(0.3)
        assert not waiting.done()  # waits for the sender's bucket row
        elsewhere.session.add(Membership(person_id=person, group_id=second, role=Role.TREASURER))
        await elsewhere.session.flush()
        mine = await elsewhere.session.get(ChatAccount, account.id)
        assert mine is not None
        await elsewhere.speakers.remember_records(mine, [["sale", 99]], NOW)
        await elsewhere.commit()
    speaking = await asyncio.wait_for(waiting, 10)
    assert [g.group_id for g in speaking.groups] == [place.group, second]
    assert speaking.account.last_records == [["sale", 99]]


async def _store_from(app: App, *events: tuple[str, str, str]) -> list[int]:
    """(chat, sender, delivery id) events stored pending; their ids."""
    async with app.uow() as uow:
        ids = await uow.inbox.accept(
            [
                (
                    "line",
                    key,
                    {"channel": "line", "chat_id": chat, "sender_id": sender, "text": "x"},
                )
                for chat, sender, key in events
            ],
            NOW,
            LEASE,
        )
        await uow.commit()
    return [ids[("line", key)] for _chat, _sender, key in events]
