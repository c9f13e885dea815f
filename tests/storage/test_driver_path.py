"""The message path's prebuilt statements straight on the driver (bot/storage/driver.py) against
SQLAlchemy's own execution of the same statements, on SQLite and PostgreSQL: the same SQL, the
same values sent (Python-side defaults, JSON, datetimes, Decimals, IN lists), the same rows
back with the same types, the same row counts and the same errors. SQLAlchemy's path is the
oracle: the driver path only skips its machinery, so any difference here is a bug in it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from sqlalchemy import Executable, Table, event, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.app import App
from bot.services.actors import load_sender
from bot.storage import driver, sqlite_inline
from bot.storage.locks import _LOCK, lock_chat
from bot.storage.models import ChatAccount, Person, Sale
from bot.storage.repositories.audit import _ADD
from bot.storage.repositories.conversations import _CLEAR, _MOVE_ON, _SAVE
from bot.storage.repositories.flood import _ADMIT, admission
from bot.storage.repositories.inbox import (
    _ACCEPT_PG,
    _ACCEPT_SQLITE,
    _LOCK_ADMITTING,
    _TAKE,
    _TAKE_IN_ORDER,
    _TAKE_MANY,
    _TAKE_SPEAKING,
)
from bot.storage.repositories.outbox import (
    _DELIVER_HELD,
    _HELD,
    _INSERT_LEASED,
    _MARK_SENT,
    _MARK_SENT_RETURNING_NEWER,
    _WITH_NEWER,
)
from bot.storage.repositories.records import _GROUP_PRICES, _insert_returning
from bot.storage.repositories.speakers import _IN_ROOM, _ONE_TO_ONE, _REMEMBER, _RENAME
from bot.storage.statements import _flush_and_execute, writes
from tests.conftest import NOW
from tests.support import builders
from tests.support.builders import District, sale, save

pytestmark = pytest.mark.both_databases  # the rule is in tests/conftest.py

LEASE = timedelta(minutes=5)


@pytest.fixture(autouse=True)
def on_the_loop() -> Iterator[None]:
    """The intake's tasks run SQLite statements on the loop, which is when the driver path
    drives sqlite3; so does this module's tests' task. Set for the test only: a value left in
    the worker's context would move every later test's SQLite onto the loop."""
    token = sqlite_inline._inline.set(True)
    yield
    sqlite_inline._inline.reset(token)


@contextmanager
def sent(app: App) -> Iterator[list[tuple[str, Any]]]:
    """The (SQL, values) handed to the driver, as `before_cursor_execute` sees them."""
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = app.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def run(
    app: App, statement: Executable, parameters: Any, *, direct: bool
) -> tuple[list[tuple[str, Any]], list[tuple[Any, ...]], int]:
    """The statement in a unit of work that is rolled back, one way or the other: what was
    sent, the rows (as plain tuples) and the row count."""
    async with app.uow() as uow:
        await uow.session.connection()  # both ways start from an open transaction
        with sent(app) as seen:
            if direct:
                fetched = await driver.execute(uow.session, statement, parameters)
                assert fetched is not None, "the driver path did not take the statement"
            else:
                fetched = await uow.session.run_sync(_flush_and_execute, statement, parameters)
        await uow.rollback()
    return seen, [tuple(row) for row in fetched], fetched.rowcount


def typed(rows: list[tuple[Any, ...]]) -> list[tuple[tuple[type, Any], ...]]:
    return [tuple((type(v), v) for v in row) for row in rows]


async def assert_same(
    app: App, statement: Executable, parameters: Any, *, now_at: int = -1, new_id: bool = False
) -> list[tuple[Any, ...]]:
    """Both ways send the same and return the same. `now_at`: the position of a value a
    Python-side default fills with the time (it differs by the microseconds between the two).
    `new_id`: each row returned starts with a new row's id (PostgreSQL's sequence is not rolled
    back with the transaction, so the second way gets the next one)."""
    slow_sent, slow_rows, slow_count = await run(app, statement, parameters, direct=False)
    fast_sent, fast_rows, fast_count = await run(app, statement, parameters, direct=True)
    assert len(fast_sent) == len(slow_sent) == 1
    (slow_sql, slow_values), (fast_sql, fast_values) = slow_sent[0], fast_sent[0]
    assert fast_sql == slow_sql
    slow_values, fast_values = list(slow_values), list(fast_values)
    if now_at >= 0:
        assert type(fast_values[now_at]) is type(slow_values[now_at])
        slow_values[now_at] = fast_values[now_at] = "now"
    assert fast_values == slow_values
    assert [type(v) for v in fast_values] == [type(v) for v in slow_values]
    returned = fast_rows
    assert len(fast_rows) == len(slow_rows)
    if new_id:
        assert all(
            type(f[0]) is type(s[0]) is int for f, s in zip(fast_rows, slow_rows, strict=True)
        )
        slow_rows, fast_rows = [r[1:] for r in slow_rows], [r[1:] for r in fast_rows]
    if now_at < 0:
        assert typed(fast_rows) == typed(slow_rows)
    assert fast_count == slow_count
    return returned


def postgres(app: App) -> bool:
    return app.engine.dialect.name == "postgresql"


@pytest.fixture
async def place(app: App) -> District:
    return await builders.district(app)


async def pending_event(app: App, key: str = "e1", chat: str = "U1") -> int:
    async with app.uow() as uow:
        ids = await uow.inbox.accept(
            [("line", key, {"text": "ขายไข่ 10 ฟอง", "chat_id": chat})], NOW, LEASE
        )
        await uow.commit()
    return ids[("line", key)]


async def test_storing_a_webhook_event(app: App) -> None:
    statement = _ACCEPT_PG if postgres(app) else _ACCEPT_SQLITE
    message = {"text": "ขายไข่เค็ม50ฟอง250บ.ค่ะ", "chat_id": "C1", "nested": {"a": [1, None]}}
    parameters = [
        {
            "channel": "line", "external_id": "d-1", "received_at": NOW, "status": "pending",
            "message": message, "next_attempt_at": NOW + LEASE, "attempts": 0, "chat_id": "C1",
        }
    ]  # fmt: skip
    rows = await assert_same(app, statement, parameters, new_id=True)
    assert [row[1:] for row in rows] == [("line", "d-1")] and isinstance(rows[0][0], int)
    await pending_event(app, "d-1")  # stored already: a redelivery returns nothing both ways
    assert await assert_same(app, statement, parameters, new_id=True) == []


async def test_taking_an_event(app: App) -> None:
    event_id = await pending_event(app)
    await assert_same(app, _TAKE, {"event_id": event_id})
    await assert_same(app, _TAKE, {"event_id": event_id + 99})  # no such row: rowcount 0
    await assert_same(
        app, _TAKE_IN_ORDER, {"event_id": event_id, "chat_channel": "line", "chat_key": "U1"}
    )
    if postgres(app):  # the sender's flood admission and the chat's lock: the refusals counted
        rows = await assert_same(
            app,
            _LOCK_ADMITTING,
            {"namespace": 1, "key": 2, **admission(("line", "U1"), NOW, 3, 1.0)},
        )
        assert rows == [(None, 0)]
    second = await pending_event(app, "e2")
    rows = await assert_same(app, _TAKE_MANY, {"event_ids": [event_id, second]})  # an IN list
    assert sorted(row[0] for row in rows) == [event_id, second]


async def test_a_record_with_defaults_and_money(app: App, place: District) -> None:
    values = {
        "group_id": place.group, "item": "ไข่เค็ม", "quantity": Decimal("50.000"), "unit": "ฟอง",
        "amount": Decimal("250.00"), "on_date": date(2025, 10, 20), "recorded_by": place.officer_person,
        "source": "chat",
    }  # fmt: skip
    table = cast(Table, Sale.__table__)
    # created_at is left to its Python default (utcnow), as RecordRepository.add leaves it.
    now_at = [c.key for c in table.c if c.key in values or c.key == "created_at"].index(
        "created_at"
    )
    rows = await assert_same(app, _insert_returning(table), values, now_at=now_at, new_id=True)
    (row,) = rows
    by_name = dict(zip([c.key for c in table.c], row, strict=True))
    assert by_name["amount"] == Decimal("250.00") and type(by_name["amount"]) is Decimal
    assert by_name["on_date"] == date(2025, 10, 20)
    assert isinstance(by_name["created_at"], datetime) and by_name["created_at"].tzinfo is not None
    assert by_name["unit_price"] is None


async def test_recent_prices_with_and_without_a_unit(app: App, place: District) -> None:
    await save(
        app,
        sale(place.group, place.officer_person, date(2025, 10, 1), "150", quantity=Decimal(30), unit="ฟอง"),
        sale(place.group, place.officer_person, date(2025, 10, 2), "90", quantity=Decimal(3)),
    )  # fmt: skip
    for unit in ("ฟอง", None):
        rows = await assert_same(
            app, _GROUP_PRICES, {"owner": place.group, "item": "ไข่ไก่", "unit": unit, "limit": 20}
        )
        assert len(rows) == 1


async def test_audit_entries_and_remembered_records(app: App) -> None:
    async with app.uow() as uow:
        account = await uow.people.ensure_account("line", "U1", "สมชาย")
        await uow.commit()
    entry = {
        "actor_id": None, "action": "create", "entity": "sale", "entity_id": 1,
        "before": None, "after": {"amount": "250.00", "item": "ไข่เค็ม"},
    }  # fmt: skip
    await assert_same(app, _ADD, entry, now_at=0)  # `at` is AuditLog's Python default
    # A list, and None (JSON null, as the ORM writes it: ยกเลิก has nothing to take back).
    for records in ([["sale", 1], ["work", 2]], None):
        await assert_same(app, _REMEMBER, {"a_id": account.id, "a_records": records, "a_at": NOW})
    await assert_same(app, _RENAME, {"a_id": account.id, "a_name": "สมชาย ใจดี"})


async def test_an_open_question_saved_moved_on_and_closed(app: App) -> None:
    async with app.uow() as uow:
        account = await uow.people.ensure_account("line", "U1", "สมชาย")
        await uow.commit()
    keys = {"account_id": account.id, "chat_id": "U1"}
    save = _SAVE[app.engine.dialect.name]
    question = {
        "s_flow": "sale", "s_data": {"asking": "amount", "item": "ไข่เค็ม"},
        "s_expires_at": NOW, "s_updated_at": NOW, **keys,
    }  # fmt: skip
    await assert_same(app, save, question, new_id=True)  # opened: a new row
    async with app.uow() as uow:
        await uow.conversations.save(account.id, "U1", "meeting", {}, NOW)
        await uow.commit()
    await assert_same(app, save, question)  # moved on: the same row
    await assert_same(app, _CLEAR, keys)
    async with app.uow() as uow:
        state = await uow.conversations.get(account.id, "U1")
        assert state is not None
        stored = (state.flow, state.data, state.expires_at)
    assert stored == ("meeting", {}, NOW)  # the committed question, as the ORM reads it back
    held = {"state_id": state.id, **{k: v for k, v in question.items() if k.startswith("s_")}}
    await assert_same(app, _MOVE_ON, held)


async def _asked(app: App, user: str, name: str) -> ChatAccount:
    """An account whose private chat has a question open (a sale's amount)."""
    async with app.uow() as uow:
        account = await uow.people.ensure_account("line", user, name)
        await uow.conversations.save(account.id, user, "sale", {"asking": "amount"}, NOW)
        await uow.commit()
    return account


async def test_a_question_opened_and_closed_is_the_unit_of_works_own_object(app: App) -> None:
    account = await _asked(app, "U2", "สมศรี")
    async with app.uow() as uow:
        sender = await load_sender(uow, "line", "U2", "U2", in_room=False)
        assert sender is not None and sender.state is not None
        assert sender.state.data == {"asking": "amount"}
        later = NOW + timedelta(minutes=30)
        await uow.conversations.save(account.id, "U2", "sale", {"asking": "unit"}, later)
        # the object the message holds says what was written, and nothing is left to flush
        assert (sender.state.data, sender.state.expires_at) == ({"asking": "unit"}, later)
        assert not uow.session.dirty
        again = await uow.conversations.get(account.id, "U2")
        assert again is sender.state
        await uow.conversations.clear(account.id, "U2")
        assert await uow.conversations.get(account.id, "U2") is None
        assert sender.state.flow == "sale"  # still readable, let go of
        await uow.commit()
    async with app.uow() as uow:
        assert await uow.conversations.get(account.id, "U2") is None


async def test_a_question_moved_on_in_a_savepoint_rolled_back_is_as_before(app: App) -> None:
    account = await _asked(app, "U9", "สมใจ")
    async with app.uow() as uow:
        sender = await load_sender(uow, "line", "U9", "U9", in_room=False)
        assert sender is not None
        with pytest.raises(ZeroDivisionError):
            async with uow.savepoint():
                await uow.conversations.save(account.id, "U9", "meeting", {}, NOW)
                await uow.speakers.rename(sender.account, "ชื่อใหม่")
                1 / 0  # noqa: B018
        again = await uow.conversations.get(account.id, "U9")
        assert again is not None and (again.flow, again.data) == ("sale", {"asking": "amount"})
        await uow.session.refresh(sender.account)  # expired by the rollback, as the ORM does
        assert sender.account.display_name == "สมใจ"
        with pytest.raises(ZeroDivisionError):
            async with uow.savepoint():
                await uow.conversations.clear(account.id, "U9")
                1 / 0  # noqa: B018
        kept = await uow.conversations.get(account.id, "U9")
        assert kept is not None and kept.flow == "sale"
        await uow.commit()


async def test_a_new_display_name_is_written_once_and_leaves_nothing_to_flush(app: App) -> None:
    async with app.uow() as uow:
        account = await uow.people.ensure_account("telegram", "42", None)
        await uow.commit()
    async with app.uow() as uow:
        sender = await load_sender(uow, "telegram", "42", "42", in_room=False, display_name="แดง ดี")
        assert sender is not None and sender.account.display_name == "แดง ดี"
        assert not uow.session.dirty  # written already: the next statement needs no flush
        await uow.commit()
    async with app.uow() as uow:
        stored = await uow.session.get(ChatAccount, account.id)
        assert stored is not None and stored.display_name == "แดง ดี"


async def test_replies_leased_marked_and_held(app: App) -> None:
    async with app.uow() as uow:
        account = await uow.people.ensure_account("line", "U1", "สมชาย")
        first = await uow.outbox.add("line", "U1", {"text": "ก่อน"}, available_at=NOW)
        held = await uow.outbox.add(
            "line", "U1", {"text": "เตือน"}, available_at=NOW + timedelta(days=1),
            kind="reminder", chat_account_id=account.id,
        )  # fmt: skip
        await uow.commit()
    leased = {
        "o_channel": "line", "o_recipient": "U1", "o_payload": {"text": "บันทึกแล้วค่ะ"},
        "o_token": "token-1", "o_now": NOW, "o_until": NOW + LEASE, "o_key": "k1",
        "o_created": NOW, "o_account": account.id,
    }  # fmt: skip
    await assert_same(app, _INSERT_LEASED, leased, new_id=True)
    marked = {"o_ids": [first.id, held.id], "o_at": NOW}
    await assert_same(app, _MARK_SENT, marked)
    if postgres(app):
        await assert_same(app, _MARK_SENT_RETURNING_NEWER, marked)
    await assert_same(app, _WITH_NEWER, {"o_ids": [first.id]})
    await assert_same(app, _HELD, {"o_account": account.id})
    await assert_same(app, _DELIVER_HELD, {"o_ids": [held.id], "o_at": NOW})


async def test_the_shared_flood_bucket_and_the_chat_lock(app: App) -> None:
    if postgres(app):
        bucket = {
            "b_channel": "line", "b_sender": "U1", "b_full": 7.0, "b_arrived": NOW,
            "b_burst": 8.0, "b_rate": 0.5,
        }  # fmt: skip
        await assert_same(app, _ADMIT, bucket)
        await assert_same(app, _LOCK, {"namespace": 1, "key": 42})
    else:  # one process, one writer: no lock statement at all
        async with app.uow() as uow:
            with sent(app) as seen:
                await lock_chat(uow.session, "line", "U1")
        assert seen == []


async def raised_both_ways(app: App, statement: Executable, parameters: Any) -> list[Exception]:
    """The error the statement raises through SQLAlchemy's path, then through the driver's."""
    raised = []
    for direct in (False, True):
        async with app.uow() as uow:
            await uow.session.connection()
            with pytest.raises(Exception) as error:
                if direct:
                    await driver.execute(uow.session, statement, parameters)
                else:
                    await uow.session.run_sync(_flush_and_execute, statement, parameters)
            raised.append(error.value)
    return raised


async def test_an_error_is_the_one_sqlalchemy_raises(app: App) -> None:
    # A NOT NULL column left empty: the driver's error wrapped as SQLAlchemy wraps it.
    parameters = {
        "actor_id": None, "action": None, "entity": "sale", "entity_id": 1,
        "before": None, "after": None,
    }  # fmt: skip
    slow, fast = await raised_both_ways(app, _ADD, parameters)
    assert isinstance(slow, IntegrityError) and isinstance(fast, IntegrityError)
    assert type(fast.orig) is type(slow.orig) and fast.statement == slow.statement


async def test_the_driver_path_steps_aside_where_it_must(app: App) -> None:
    async with app.uow() as uow:
        # Not prebuilt, or several parameter sets (an executemany): SQLAlchemy's path.
        assert await driver.execute(uow.session, text("SELECT 1"), None) is None
        assert await driver.execute(uow.session, _TAKE, [{"event_id": 1}, {"event_id": 2}]) is None
        # An ORM change waiting to be flushed: SQLAlchemy's path flushes it first.
        uow.session.add(Person(name="รอบันทึก"))
        assert await driver.execute(uow.session, _TAKE, {"event_id": 1}) is None
        await uow.flush()
        assert await driver.execute(uow.session, _TAKE, {"event_id": 1}) is not None
    if not postgres(app):
        # A task that keeps SQLite off the loop (dashboard pages, workbooks): SQLAlchemy's.
        with sqlite_inline.off_the_loop():
            async with app.uow() as uow:
                assert await driver.execute(uow.session, _TAKE, {"event_id": 1}) is None


async def test_a_write_in_a_savepoint_rolled_back_is_gone(app: App) -> None:
    # The savepoint sends its SAVEPOINT when it first asks for the connection: a statement must
    # not slip past it on the outer transaction's connection.
    async with app.uow() as uow:
        await uow.session.execute(text("SELECT 1"))
        with pytest.raises(RuntimeError):
            async with uow.savepoint():
                await uow.audit.add(None, "create", "sale", 1, after={"amount": "5"})
                raise RuntimeError("the step failed")
        await uow.audit.add(None, "create", "sale", 2, after={"amount": "7"})
        await uow.commit()
    async with app.uow() as uow:
        kept = (await uow.session.execute(text("SELECT entity_id FROM audit_log"))).all()
    assert [row[0] for row in kept] == [2]


async def test_a_write_that_fails_still_counts_as_a_write(app: App) -> None:
    # A refusal after a failed write must not be answered as one that wrote nothing
    # (Conversation._route's `clean`).
    async with app.uow() as uow:
        await uow.session.connection()
        before = writes(uow.session)
        with pytest.raises(IntegrityError):
            await uow.audit.add(None, None, "sale", 1)  # type: ignore[arg-type]
            # on PostgreSQL the entry is held for the next statement: here, before the COMMIT
            await uow.commit()
        assert writes(uow.session) == before + 1


async def test_a_value_the_driver_refuses_raises_the_same_error_both_ways(app: App) -> None:
    slow, fast = await raised_both_ways(app, _TAKE, {"event_id": 2**70})
    assert type(fast) is type(slow)


async def test_the_speaker_read(app: App, place: District) -> None:
    async with app.uow() as uow:
        account = await uow.people.ensure_account("line", "U1", "สมชาย")
        await uow.commit()
    for statement in (_IN_ROOM, _ONE_TO_ONE):
        parameters = {"s_channel": "line", "s_external_id": "U1", "s_chat_id": "U1"}
        rows = await assert_same(app, statement, parameters)
        assert rows[0][0] == account.id
    if postgres(app):  # read with the take of the message's event (`take_admitting`)
        event_id = await pending_event(app)
        for in_room in (False, True):
            taking = {"event_id": event_id, "chat_channel": "line", "chat_key": "U1", **parameters}
            rows = await assert_same(app, _TAKE_SPEAKING[in_room], taking)
            assert [row[0] for row in rows] == [account.id]
            taking["s_external_id"] = "U2"  # nobody yet: one row of NULLs
            rows = await assert_same(app, _TAKE_SPEAKING[in_room], taking)
            assert len(rows) == 1 and set(rows[0]) == {None}


async def test_the_speaker_is_the_unit_of_works_own_object(app: App) -> None:
    """Made from columns as the ORM loads it: read twice, the same object; changed, written
    at commit; a change made before the second read is kept, as the ORM keeps it."""
    async with app.uow() as uow:
        await uow.people.ensure_account("line", "U1", "สมชาย")
        await uow.commit()
    async with app.uow() as uow:
        first = await uow.speakers.speaker("line", "U1", "U1", in_room=False)
        assert first is not None and first.state is None
        assert first.account.display_name == "สมชาย" and first.account.blocked is False
        first.account.blocked = True
        again = await uow.speakers.speaker("line", "U1", "U1", in_room=False)
        assert again is not None and again.account is first.account
        assert again.account.blocked is True  # not overwritten by the row read again
        await uow.commit()
    async with app.uow() as uow:
        kept = await uow.speakers.speaker("line", "U1", "U1", in_room=False)
        assert kept is not None and kept.account.blocked is True
        assert not uow.session.dirty


async def test_a_statement_made_stale_by_a_schema_change_is_prepared_again(app: App) -> None:
    """Another worker's migration changes a column the speaker read returns. The prepared
    statement each connection keeps is then stale: the first try fails, as on SQLAlchemy's
    own path, and the next one prepares it again instead of failing the same way for as
    long as that connection lives."""
    if not postgres(app):
        return  # SQLite prepares no statement across a schema change
    async with app.uow() as uow:
        await uow.people.ensure_account("line", "U7", "สมใจ")
        await uow.commit()

    async def speaker() -> str:
        async with app.uow() as uow:
            found = await uow.speakers.speaker("line", "U7", "U7", in_room=False)
            assert found is not None
            return found.account.display_name or ""

    assert await speaker() == "สมใจ"  # prepared on this connection
    async with app.engine.connect() as other:  # not DDL to this process's SQLAlchemy
        await other.execute(text("ALTER TABLE chat_account ALTER COLUMN display_name TYPE text"))
        await other.commit()
    with pytest.raises(DBAPIError):
        await speaker()
    assert await speaker() == "สมใจ"
    assert await speaker() == "สมใจ"
