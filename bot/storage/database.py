"""Engine and session factory. SQLite gets WAL, a busy timeout and foreign keys on every
connection, because SQLite's defaults are none of those."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidatePoolError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util.concurrency import await_

from bot.storage import driver, sqlite_inline
from bot.storage.sqlite_inline import INLINE_BUSY_MS
from bot.storage.statements import CountingSession

SQLITE_BUSY_TIMEOUT_MS = 5000  # how long a transaction waits for another writer in all


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            # The message path's calls run on the event loop (bot/storage/sqlite_inline.py).
            engine = create_async_engine(
                url,
                echo=echo,
                async_creator=sqlite_inline.creator(url.database, INLINE_BUSY_MS / 1000),
                module=sqlite_inline.dbapi(),
            )
        else:
            engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    if url.get_driver_name() != "asyncpg":
        return create_async_engine(
            url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10
        )
    engine = create_async_engine(url, echo=echo, pool_size=10, max_overflow=10)
    driver.watch(engine.sync_engine)  # held writes sent before anything else, dropped on rollback
    pool = engine.sync_engine.pool
    event.listen(pool, "connect", _fresh)
    event.listen(pool, "checkout", _asyncpg_ping(engine.dialect))
    # The BEGIN sent at checkout was sent read-write and not deferrable: a connection asked
    # to be read-only or deferrable after checkout (`postgresql_readonly` and
    # `postgresql_deferrable` are applied then) first ends it, as an isolation level change
    # does in the adapter itself, so that its transaction is begun as asked.
    dialect: Any = engine.dialect  # PGDialect_asyncpg: the two setters are its own
    dialect.set_readonly = _ending_the_checkout_begin(dialect.set_readonly)
    dialect.set_deferrable = _ending_the_checkout_begin(dialect.set_deferrable)
    return engine


def _ending_the_checkout_begin(setter: Any) -> Any:
    def set_characteristic(dbapi_connection: Any, value: Any) -> None:
        if dbapi_connection._transaction is not None:
            dbapi_connection.rollback()
        setter(dbapi_connection, value)

    return set_characteristic


_FRESH = "sammachip.fresh"  # in a pool record's info: connected, not yet checked out


def _fresh(_dbapi_connection: Any, record: Any) -> None:
    record.info[_FRESH] = True


def _asyncpg_ping(dialect: Any) -> Any:
    """`pool_pre_ping` that costs no round trip of its own. A connection taken from the pool
    is checked first, so one that PostgreSQL dropped (a restart, an idle timeout) is replaced
    before a message uses it. The check is the transaction's own BEGIN, sent at checkout
    instead of lazily before the first statement: the transaction would send it a moment
    later anyway, and BEGIN takes no snapshot (READ COMMITTED's is taken per statement), so
    nothing the transaction sees changes. SQLAlchemy's own asyncpg ping is three round trips
    on every transaction (BEGIN, a prepared `;`, ROLLBACK: for pgbouncer's transaction mode);
    the last version of this one was `SELECT 1`, one round trip on every transaction. A
    connection in autocommit has no BEGIN to send, and is checked with `SELECT 1` in the simple
    protocol. Otherwise as pre-ping: a connection just opened is not checked; an error is
    translated by the dialect's adapter; a disconnect invalidates the pool (the pool then
    connects afresh), and any other error is raised, so that it is reported as the database's
    (`database_unavailable`).

    So a connection taken from this pool is already inside a transaction. SQLAlchemy's own
    use of it is unchanged (its first statement finds the transaction begun; giving it back
    rolls back). Raw driver work that must run outside one (VACUUM, CREATE DATABASE, LISTEN,
    asyncpg's own `transaction()`) takes a connection of its own (`asyncpg.connect`), as the
    migrations, the benches and the tests do."""

    def ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.pop(_FRESH, False):
            return
        try:
            if dbapi_connection.isolation_level == "autocommit":
                try:
                    await_(record.driver_connection.execute("SELECT 1"))
                except Exception as error:
                    dbapi_connection._handle_exception(error)  # raises the DBAPI error
            elif dbapi_connection._transaction is None:
                # the adapter's own start: translated errors, and its first statement then
                # finds the transaction begun
                await_(dbapi_connection._start_transaction())
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise InvalidatePoolError() from error
            raise

    return ping


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when a transaction begins (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # Short: waiting for another writer is done by `_sqlite_begin_immediate`, off the loop.
    cursor.execute(f"PRAGMA busy_timeout={INLINE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted and overwritten content is zeroed, so an erased name does not linger in free
    # space of the database file (PDPA erasure; SECURITY.md).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after commit without lazy loads (async-safe).
    # CountingSession: a refusal before any write is answered without a rollback (statements.py).
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=CountingSession)


def _sqlite_begin_immediate(connection: Any) -> None:
    """Takes the write lock at BEGIN: a deferred transaction that later upgrades to a writer
    can fail with "database is locked" at once, ignoring the busy timeout; IMMEDIATE waits its
    turn. While another process holds the lock, the tries are spaced with `asyncio.sleep`
    (this runs in SQLAlchemy's greenlet, so `await_` yields to the loop), up to the busy
    budget; then the same "database is locked" error as SQLite's own busy handler, wrapped as
    SQLAlchemy wraps a driver's error.

    Sent on the driver's cursor, not through `exec_driver_sql`: every transaction begins so,
    and SQLAlchemy's execution context cost more than the BEGIN (bot/storage/driver.py). The
    statement listeners are still told (the benchmarks count statements so)."""
    if connection.get_execution_options().get(READ_ONLY):
        return  # a read (`read_only`): SQLite's own snapshot, no write lock to wait for
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.002
    for listener in connection.dispatch.before_cursor_execute:
        listener(connection, None, _BEGIN, (), None, False)
    while True:
        cursor = None
        try:
            cursor = connection.connection.cursor()
            cursor.execute(_BEGIN)
            return
        except sqlite3.Error as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                # Wrapped as SQLAlchemy wraps it, and a lost connection invalidated so that
                # the pool does not hand it out again.
                connection._handle_dbapi_exception(error, _BEGIN, (), cursor, None)
                raise
        finally:
            if cursor is not None:
                cursor.close()
        await_(asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic()))))
        pause = min(pause * 2, 0.05)


_BEGIN = "BEGIN IMMEDIATE"
READ_ONLY = "sammachip_read_only"


@contextlib.asynccontextmanager
async def read_only(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads that must not queue behind the writers (the health check):
    outside the unit of work and its writer gate, and on SQLite without BEGIN IMMEDIATE (in
    WAL mode a read sees the last commit while a write goes on). Nothing is written on it."""
    async with engine.connect() as connection:
        await connection.execution_options(**{READ_ONLY: True})
        yield connection


class WriterGate:
    """SQLite has one writer at a time, and every transaction here is a writer (BEGIN
    IMMEDIATE). Left to SQLite, a process's own transactions queue in its busy handler, which
    sleeps 1–100 ms between tries, so under load most of the time is spent asleep with the lock
    free. This gate queues them in the process instead (first come, first served) and lets the
    next one in the moment the previous one ends. The wait counts against the same budget as the
    busy timeout and fails the same way ("database is locked"), so callers see no difference;
    other processes still meet the busy handler."""

    def __init__(self, timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000) -> None:
        self._timeout = timeout
        # One lock per event loop: an App is sometimes used from a thread's own loop (tests).
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def enter(self) -> None:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout):
                await self._lock().acquire()
        except TimeoutError:
            waited = time.monotonic() - started
            raise OperationalError(
                "BEGIN IMMEDIATE",
                None,
                sqlite3.OperationalError(f"database is locked (queued {waited:.1f} s in process)"),
            ) from None

    def leave(self) -> None:
        self._lock().release()


def writer_gate(engine: AsyncEngine) -> WriterGate | None:
    """The gate for an engine that needs one (SQLite), else None."""
    return WriterGate() if engine.dialect.name == "sqlite" else None


async def truncate_wal(engine: Any, attempts: int = 5) -> bool:
    """SQLite: copies the write-ahead log into the database file and empties it, so page
    images written before an erasure are gone from the -wal file too. Retries briefly while a
    reader holds an old snapshot; True when the log is empty. Other databases: nothing to do."""
    if engine is None or engine.dialect.name != "sqlite":
        return True
    for attempt in range(attempts):
        try:
            # In aiosqlite's thread, with the full busy timeout: the checkpoint waits there
            # for readers (a dashboard page, an export) to let go of older pages, and the
            # event loop goes on meanwhile.
            with sqlite_inline.off_the_loop():
                async with engine.connect() as connection:
                    raw = await connection.get_raw_connection()
                    driver = raw.driver_connection
                    await driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
                    try:
                        async with driver.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                            row = await cursor.fetchone()
                    finally:
                        await driver.execute(f"PRAGMA busy_timeout={INLINE_BUSY_MS}")
            if row is not None and row[0] == 0:
                return True
        except sqlite3.OperationalError:
            pass
        await asyncio.sleep(0.05 * (attempt + 1))
    return False
