"""SQLite statements of the message path run on the event loop, not in aiosqlite's thread.

aiosqlite runs every call (execute, fetch, commit, each cursor step) in one thread per
connection and hands the result back through a queue and `call_soon_threadsafe`. A message
costs ~170 such calls, and the hand-offs (two thread switches, an event-loop wake-up and a
future each) were a third of a message's CPU, while the SQLite work they carry is a few
microseconds: the rows are in the page cache and a commit in WAL mode with
`synchronous=NORMAL` does not wait for the disk (bench/trace_message.py: 18.7 → 11.6 ms of CPU
per message).

So the connections are aiosqlite connections whose calls run inline when the calling task
asked for it (`on_the_loop()`): the intake's store, handle and send tasks (bot/web/intake.py).
Everything else — dashboard pages, workbooks, the sweep — keeps the thread, where sqlite3
releases the GIL while a longer query runs and the loop goes on taking webhooks.

Blocking the loop on a lock is what must not happen: another process (a CLI command, a backup)
can hold SQLite's write lock for seconds. The busy timeout is therefore short (INLINE_BUSY_MS:
SQLite's own wait, on the loop, is at most that), and BEGIN IMMEDIATE — the only statement that
waits for another writer in WAL mode — is retried here with `asyncio.sleep` between tries, up to
the same 5 s budget as before (bot/storage/database.py `_sqlite_begin_immediate`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import sqlite3
import time
from collections.abc import Awaitable, Callable, Generator, Iterator
from functools import partial
from typing import Any, TypeVar, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

T = TypeVar("T")

# SQLite's own busy wait (blocking whichever thread runs the statement), kept short: the wait
# for another writer happens in `begin_immediate`'s asynchronous retries instead.
INLINE_BUSY_MS = 20
# Inline statements never wait, so other tasks (webhooks being stored, the timer that shows
# LINE's loading animation) run only when this task gives the loop a turn: at every commit and
# rollback, as the thread hand-off did, and at least this often in a long run of statements.
TURN_EVERY_S = 0.02
_ENDS = frozenset({"commit", "rollback"})

_inline: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_inline", default=False)


def on_the_loop() -> None:
    """From now on, this task's SQLite calls run inline (call at the top of a task: a task
    has its own copy of the context, so nothing else is affected)."""
    _inline.set(True)


@contextlib.contextmanager
def off_the_loop() -> Iterator[None]:
    """Within: this task's SQLite calls go to aiosqlite's thread again (a checkpoint that may
    wait for readers, a long read)."""
    token = _inline.set(False)
    try:
        yield
    finally:
        _inline.reset(token)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs a call inline in a task that asked for it, and in
    aiosqlite's thread otherwise. One connection is used by one task at a time (the pool
    checks it out), and sqlite3 in serialized mode allows the calls to come from either
    thread (check_same_thread=False)."""

    _turn = 0.0  # when this connection's inline calls last gave the loop a turn

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not _inline.get():
            result: T = await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
            return result
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if getattr(fn, "__name__", "") in _ENDS or time.monotonic() - self._turn > TURN_EVERY_S:
            await asyncio.sleep(0)
            self._turn = time.monotonic()
        return fn(*args, **kwargs)


def creator(path: str, timeout: float) -> Callable[[], Awaitable[InlineConnection]]:
    """For `create_async_engine(async_creator=…)`: opens one connection to the file."""

    async def connect() -> InlineConnection:
        connection = InlineConnection(
            partial(sqlite3.connect, path, timeout=timeout, check_same_thread=False),
            iter_chunk_size=64,
        )
        await connection  # opens the sqlite3 connection (in aiosqlite's thread)
        return connection

    return connect


# --- SQLAlchemy's side: a statement on the loop without a coroutine per driver call ----------
#
# SQLAlchemy's asyncio adapter turns each driver call of a statement (open a cursor, execute,
# fetch, close) into a coroutine that its greenlet hands to the loop and waits for: four
# greenlet switches and four aiosqlite coroutines per statement, ~100 a message, even when the
# call then runs inline and never waits. On the loop, a statement is instead run straight on
# the sqlite3 cursor, in SQLAlchemy's greenlet; only COMMIT and ROLLBACK (which give the loop
# its turn) and the rare statement due to give a turn (TURN_EVERY_S) still take the coroutine
# path. Off the loop nothing changes. The errors are sqlite3's own either way (aiosqlite
# re-exports them), so SQLAlchemy wraps them the same.


class _Now:
    """An awaitable that is done at once. SQLAlchemy's AsyncConnection.execute insists that its
    greenlet awaited something (AwaitRequired: its guard against a synchronous driver), so a
    plain statement still makes this one cheap switch instead of the four of the coroutine
    path."""

    def __await__(self) -> Generator[Any, Any, None]:
        return
        yield  # a generator that ends at once: the await completes without suspending


_NOW: Awaitable[None] = _Now()


class InlineCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor adapter, over a plain sqlite3 cursor when the calling task
    runs its statements on the loop and the loop had its turn within TURN_EVERY_S (otherwise
    the coroutine path, which gives it one)."""

    __slots__ = ("_plain",)

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        connection = adapt_connection._connection
        raw: sqlite3.Connection | None = getattr(connection, "_connection", None)
        self._plain = (
            _inline.get()
            and raw is not None
            and isinstance(connection, InlineConnection)
            and connection._running
            and time.monotonic() - connection._turn <= TURN_EVERY_S
        )
        if not self._plain or raw is None:
            super().__init__(adapt_connection)
            return
        self._adapt_connection = adapt_connection
        self._connection = connection
        # sqlite3's cursor has what SQLAlchemy reads of aiosqlite's (description, rowcount,
        # lastrowid, arraysize), synchronously.
        self._cursor = cast(Any, raw.cursor())
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    @property
    def _sqlite3(self) -> sqlite3.Cursor:
        return cast(sqlite3.Cursor, self._cursor)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        if not self._plain:
            return super().execute(operation, parameters)
        await_(_NOW)
        try:
            cursor = self._sqlite3
            result = cursor.execute(operation, () if parameters is None else parameters)
            if cursor.description:
                self._rows = collections.deque(cursor.fetchall())
            return result
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        if not self._plain:
            return super().executemany(operation, seq_of_parameters)
        await_(_NOW)
        try:
            return self._sqlite3.executemany(operation, seq_of_parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _async_soft_close(self) -> None:
        if not self._plain:
            await super()._async_soft_close()
            return
        self._soft_closed_memoized = self._soft_closed_memoized.union(
            {"description": self._sqlite3.description}
        )
        self._sqlite3.close()

    def close(self) -> None:
        if not self._plain:
            super().close()
            return
        self._rows.clear()
        if not self._soft_closed_memoized:
            self._sqlite3.close()


class InlineAdaptedConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = InlineCursor  # type: ignore[assignment]  # a subclass of the declared type


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module SQLAlchemy's aiosqlite dialect is given (`create_async_engine(module=…)`,
    its documented hook for an alternate DBAPI module), so that its connections use InlineCursor."""

    def connect(self, *arg: Any, **kw: Any) -> InlineAdaptedConnection:
        # The dialect's own connect (the async creator, aiosqlite's thread set up as it likes),
        # re-wrapped: the adapter holds nothing but the connection and a lock.
        adapted = super().connect(*arg, **kw)
        return InlineAdaptedConnection(self, adapted._connection)


def dbapi() -> InlineDBAPI:
    return InlineDBAPI(aiosqlite, sqlite3)


def inline_now() -> bool:
    """Whether the calling task asked for its statements to run on the loop."""
    return _inline.get()


def runs_inline(adapter: Any) -> bool:
    """Whether a statement on this SQLAlchemy adapter connection may run on the loop now: the
    calling task asked for it and the connection is an open InlineConnection
    (bot/storage/driver.py sends the message path's statements straight to sqlite3 then)."""
    connection = getattr(adapter, "_connection", None)
    return (
        _inline.get()
        and isinstance(connection, InlineConnection)
        and connection._running
        and getattr(connection, "_connection", None) is not None
    )
