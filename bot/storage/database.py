"""Engine and session factory. SQLite gets WAL, a busy timeout and foreign keys on every
connection, because SQLite's defaults are none of those."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 5000


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # One pooled connection for a file database. Every transaction takes SQLite's write
        # lock at BEGIN (see _sqlite_begin_immediate), so only one runs at a time anyway; with
        # several pooled connections the others wait for the lock in SQLite's busy handler,
        # which sleeps up to 100 ms between tries and gives up after the busy timeout: with 32
        # messages at once many failed with "database is locked" (bench/webhook.py, see
        # BENCHMARKS.md). Waiting in the pool's queue hands the connection over at once, in
        # arrival order. Other processes (`sammachip remind`) still meet busy_timeout.
        pool: dict[str, Any] = {}
        if url.database and url.database != ":memory:":
            pool = {"pool_size": 1, "max_overflow": 0}
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when a transaction begins (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after commit without lazy loads (async-safe).
    return async_sessionmaker(engine, expire_on_commit=False)


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock at BEGIN: a deferred transaction that later upgrades to a writer can
    # fail with "database is locked" at once, ignoring busy_timeout. IMMEDIATE waits its turn.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
