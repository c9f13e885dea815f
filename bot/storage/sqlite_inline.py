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
import contextlib
import contextvars
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import aiosqlite

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
