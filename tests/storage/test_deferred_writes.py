"""Writes held for the next statement (bot/storage/driver.py, "Deferred writes"): the audit
entry of a record and the account's last records go with the statement after them on
PostgreSQL, one round trip fewer each, and nothing about what is stored may change. Held
writes are in the database before anything reads their tables, before a savepoint and before
the COMMIT; a rollback drops them; a failing one fails its transaction. On SQLite nothing is
held, and every test here must hold there too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bot.app import App
from bot.storage import driver
from bot.storage.database import session_factory
from bot.storage.locks import lock_file
from bot.storage.models import AuditLog, ChatAccount
from bot.storage.repositories.speakers import _ONE_TO_ONE
from bot.storage.statements import CountingSession
from bot.storage.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.storage.test_driver_path import on_the_loop, pending_event, postgres, sent

both = pytest.mark.both_databases  # the rule is in tests/conftest.py; two tests need no database

__all__ = ["on_the_loop"]  # the fixture, used by every test here


async def account_id(app: App) -> int:
    async with app.uow() as uow:
        account = await uow.people.ensure_account("line", "U1", "สมชาย")
        await uow.commit()
    return account.id


async def own_account(uow: UnitOfWork) -> ChatAccount:
    """U1's account as the message path reads it (the unit of work's own object)."""
    speaker = await uow.speakers.speaker("line", "U1", "U1", in_room=False)
    assert speaker is not None
    return speaker.account


async def entries(app: App) -> list[tuple[str, str, int | None]]:
    async with app.uow() as uow:
        rows = await uow.session.execute(
            select(AuditLog.action, AuditLog.entity, AuditLog.entity_id).order_by(AuditLog.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def last_records(app: App, account: int) -> list[list[object]] | None:
    async with app.uow() as uow:
        found = await uow.session.get(ChatAccount, account)
        assert found is not None
        return found.last_records


@both
async def test_two_held_writes_go_with_the_next_statement_as_one(app: App) -> None:
    account = await account_id(app)
    event_id = await pending_event(app)
    async with app.uow() as uow:
        mine = await own_account(uow)
        with sent(app) as seen:
            await uow.audit.add(None, "create", "sale", 7)
            await uow.speakers.remember_records(mine, [["sale", 7]], NOW)
            assert await uow.inbox.take(event_id)  # another table: it carries both
        await uow.commit()
    if postgres(app):
        (only,) = seen
        assert only[0].startswith("WITH _w0 AS (INSERT INTO audit_log")
        assert "_w1 AS (UPDATE chat_account" in only[0] and "UPDATE inbound_event" in only[0]
    else:
        assert len(seen) == 3
    assert await entries(app) == [("create", "sale", 7)]
    assert await last_records(app, account) == [["sale", 7]]


@both
async def test_a_read_of_a_held_writes_table_sees_it(app: App) -> None:
    account = await account_id(app)
    async with app.uow() as uow:
        mine = await own_account(uow)
        await uow.speakers.remember_records(mine, [["meeting", 3]], NOW)
        with sent(app) as seen:
            rows = await uow.session.execute(  # Core past the repository: straight from the row
                _ONE_TO_ONE, {"s_channel": "line", "s_external_id": "U1", "s_chat_id": "U1"}
            )
            stored = [row for row in rows if row.id == account]
        assert stored and stored[0].last_records == [["meeting", 3]]
        # not fused with a statement that reads its table: sent on its own first
        assert len(seen) == 2 if postgres(app) else len(seen) == 1
        await uow.commit()


@both
async def test_an_orm_query_after_a_held_write_sees_it(app: App) -> None:
    async with app.uow() as uow:
        await uow.session.connection()
        await uow.audit.add(None, "update", "meeting", 4)
        found = await uow.audit.for_entity("meeting", 4)  # SQLAlchemy's path, an ORM SELECT
        assert [entry.action for entry in found] == ["update"]
        await uow.commit()


@both
async def test_a_savepoint_rolled_back_does_not_take_a_held_write_with_it(app: App) -> None:
    async with app.uow() as uow:
        await uow.session.connection()
        await uow.audit.add(None, "create", "sale", 8)
        with pytest.raises(IntegrityError):
            async with uow.savepoint():
                await uow.audit.add(None, None, "sale", 9)  # type: ignore[arg-type]
                await uow.flush()
                await uow.session.execute(select(AuditLog.id))  # the failing one sent
        await uow.commit()
    assert await entries(app) == [("create", "sale", 8)]


@both
async def test_a_rollback_drops_held_writes(app: App) -> None:
    """Units of work on one connection (a session bound to it, as a script or a test binds
    one): after a rollback the same connection carries the next transaction, which must
    send its own statement and nothing held in the one rolled back."""
    event_id = await pending_event(app)
    async with app.engine.connect() as connection:
        sessions = async_sessionmaker(
            bind=connection, expire_on_commit=False, sync_session_class=CountingSession
        )
        async with UnitOfWork(sessions) as uow:
            await uow.session.connection()
            await uow.audit.add(None, "create", "sale", 10)
            await uow.rollback()
        async with UnitOfWork(sessions) as uow:
            await uow.session.connection()
            with sent(app) as seen:
                assert await uow.inbox.take(event_id)
            await uow.commit()
    assert len(seen) == 1 and "audit_log" not in seen[0][0]
    assert await entries(app) == []


@both
@pytest.mark.parametrize("how", ["unit of work", "session"])
async def test_the_commit_sends_held_writes(app: App, how: str) -> None:
    account = await account_id(app)
    async with app.uow() as uow:
        mine = await own_account(uow)
        await uow.audit.add(None, "create", "work", 11)
        await uow.speakers.remember_records(mine, [["work", 11]], NOW)
        with sent(app) as seen:
            if how == "unit of work":
                await uow.commit()
            else:  # SQLAlchemy's own commit: the hook sends them, one by one
                await uow.session.commit()
    if postgres(app):
        assert len(seen) == (1 if how == "unit of work" else 2)
    assert await entries(app) == [("create", "work", 11)]
    assert await last_records(app, account) == [["work", 11]]


@both
async def test_a_held_write_that_fails_fails_its_transaction(app: App) -> None:
    event_id = await pending_event(app)
    async with app.uow() as uow:
        await uow.session.connection()
        with pytest.raises(IntegrityError):
            await uow.audit.add(None, None, "sale", 12)  # type: ignore[arg-type]
            await uow.inbox.take(event_id)  # on PostgreSQL the entry fails with this one
        await uow.rollback()
    async with app.uow() as uow:  # the event was not taken: nothing of it was kept
        assert await uow.inbox.take(event_id)
        await uow.rollback()
    assert await entries(app) == []


def test_placeholders_in_quoted_literals_and_names_are_not_renumbered() -> None:
    assert (
        driver._shifted("UPDATE \"t$1\" SET a = $1 WHERE b = '$2' AND c = $2", 3, 2)
        == "UPDATE \"t$1\" SET a = $4 WHERE b = '$2' AND c = $5"
    )
    assert driver._shifted("WITH x AS (SELECT 1) SELECT $1", 0, 1) is None  # a WITH of its own
    assert driver._shifted("SELECT $1, $3", 0, 3) is None  # not exactly $1…$n
    assert driver._shifted("SELECT E'\\\\$1', $1", 0, 1) is None  # an escape string


def test_only_statements_on_other_tables_without_a_with_are_fused() -> None:
    parts = [
        driver._Part("INSERT INTO a (x) VALUES ($1)", (1,), frozenset({"a"})),
        driver._Part("WITH y AS (SELECT 1) SELECT $1", (2,), frozenset()),
    ]
    assert not driver._fusable(parts)
    parts[1] = driver._Part("SELECT * FROM a WHERE x = $1", (2,), frozenset({"a"}))
    assert not driver._fusable(parts)  # the same table: would not see the held row
    parts[1] = driver._Part("SELECT * FROM b WHERE x = $1", (2,), frozenset({"b"}))
    assert driver._fused(parts) == (
        "WITH _w0 AS (INSERT INTO a (x) VALUES ($1)) SELECT * FROM b WHERE x = $2",
        (1, 2),
    )


@both
async def test_an_engine_without_the_hooks_holds_nothing(app: App, database_url: str) -> None:
    """Held writes rely on `driver.watch`'s hooks to go before SQLAlchemy's own statements;
    an engine made without them (a script's, a test's) sends every write at once."""
    engine = create_async_engine(database_url)
    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            await uow.session.connection()
            with sent(app) as seen, watching(engine) as on_it:
                await uow.audit.add(None, "create", "sale", 13)
            assert len(on_it) == 1 and "audit_log" in on_it[0] and seen == []
            await uow.commit()
    finally:
        await engine.dispose()
    assert await entries(app) == [("create", "sale", 13)]


@contextmanager
def watching(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@both
async def test_a_flush_sends_held_writes_so_a_handlers_failure_shows_there(app: App) -> None:
    """`Conversation._route` flushes inside its try: a handler's failing write must fail
    there, to be answered as the handler's failure, not later with the reply's INSERT."""
    async with app.uow() as uow:
        await uow.session.connection()
        if not postgres(app):  # sent at once: it fails at once
            with pytest.raises(IntegrityError):
                await uow.audit.add(None, None, "sale", 14)  # type: ignore[arg-type]
            return
        await uow.audit.add(None, None, "sale", 14)  # type: ignore[arg-type]
        with pytest.raises(IntegrityError):
            await uow.flush()


@both
async def test_held_writes_outlive_a_value_the_driver_refused(app: App) -> None:
    """The driver refuses a value before sending anything: the transaction goes on, and the
    writes held for that statement are still in it."""
    if not postgres(app):
        return  # nothing is held on SQLite
    event_id = await pending_event(app)
    async with app.uow() as uow:
        await uow.session.connection()
        await uow.audit.add(None, "create", "sale", 15)
        with pytest.raises(DBAPIError):
            await uow.inbox.take(2**40)  # out of int4's range: refused before sending
        assert await uow.inbox.take(event_id)  # the transaction goes on
        await uow.commit()
    assert await entries(app) == [("create", "sale", 15)]


@both
async def test_a_held_write_is_not_fused_with_a_lock(app: App) -> None:
    """A `text()` statement's tables are unknown, and a lock fused in front of a held row
    update would be taken before that row's lock instead of after it."""
    if not postgres(app):
        return  # advisory locks are PostgreSQL's
    async with app.uow() as uow:
        await uow.session.connection()
        await uow.audit.add(None, "create", "sale", 16)
        with sent(app) as seen:
            await lock_file(uow.session, "k")
        await uow.commit()
    assert [sql.split(" ")[0] for sql, _ in seen] == ["INSERT", "SELECT"]
    assert await entries(app) == [("create", "sale", 16)]


@both
@pytest.mark.parametrize("path", ["driver", "sqlalchemy"])
async def test_the_failure_of_a_statement_carrying_held_writes_is_told_as_it_was(
    app: App, path: str
) -> None:
    """The error of a statement held writes went with comes up as it was raised, marked
    (`UnitOfWork.held_writes_failed`), even a built-in one that cannot be weakly referenced
    (a lost connection's OSError); a later failure of another statement is not marked."""
    if not postgres(app):
        return  # nothing is held on SQLite
    event_id = await pending_event(app)

    def lost(_c: object, _cur: object, statement: str, *_: object) -> None:
        if "audit_log" in statement:
            raise ConnectionResetError("lost")

    event.listen(app.engine.sync_engine, "before_cursor_execute", lost)
    try:
        async with app.uow() as uow:
            await uow.session.connection()
            await uow.audit.add(None, "create", "sale", 17)
            with pytest.raises(ConnectionResetError) as raised:
                if path == "driver":
                    await uow.inbox.take(event_id)  # the held write rides with it
                else:
                    await uow.session.execute(select(AuditLog))  # sent first, by the hook
            assert uow.held_writes_failed(raised.value)
        assert not uow.held_writes_failed(ConnectionResetError("another"))
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", lost)
