"""The message path's SQLite statements run on the event loop (bot/storage/sqlite_inline.py):
what must still hold is that waiting for another writer never stops the loop, the same 5 s
budget applies, and everything else keeps aiosqlite's thread."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.database import create_engine, truncate_wal
from bot.storage.sqlite_inline import on_the_loop


def _hold_lock(path: str, seconds: float, locked: threading.Event) -> threading.Thread:
    """Another process's writer (here a thread with its own connection) holding the lock."""

    def run() -> None:
        connection = sqlite3.connect(path, isolation_level=None, timeout=10)
        try:
            connection.execute("BEGIN IMMEDIATE")
            locked.set()
            time.sleep(seconds)
            connection.execute("COMMIT")
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


async def _ticks_while(work: asyncio.Task[None]) -> int:
    """How often a 10 ms ticker got the loop while `work` ran."""
    ticks = 0
    while not work.done():
        await asyncio.sleep(0.01)
        ticks += 1
    return ticks


async def _write_inline(engine: AsyncEngine) -> None:
    on_the_loop()
    async with engine.begin() as connection:
        await connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
        await connection.exec_driver_sql("INSERT INTO t VALUES (1)")


async def test_a_writer_waits_for_another_process_without_stopping_the_loop(
    sqlite_url: str,
) -> None:
    path = sqlite_url.removeprefix("sqlite+aiosqlite:///")
    engine = create_engine(sqlite_url)
    try:
        locked = threading.Event()
        holder = _hold_lock(path, 1.0, locked)
        assert await asyncio.to_thread(locked.wait, 5)
        started = time.monotonic()
        work = asyncio.create_task(_write_inline(engine))
        ticks = await _ticks_while(work)
        await work
        waited = time.monotonic() - started
        holder.join()
        # It waited for the lock (about a second) and the loop kept ticking meanwhile.
        assert waited >= 0.5
        assert ticks >= 20
    finally:
        await engine.dispose()


async def test_a_lock_held_past_the_budget_fails_as_locked(sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite+aiosqlite:///")
    engine = create_engine(sqlite_url)
    try:
        locked = threading.Event()
        holder = _hold_lock(path, 7.0, locked)
        assert await asyncio.to_thread(locked.wait, 5)
        work = asyncio.create_task(_write_inline(engine))
        ticks = await _ticks_while(work)
        with pytest.raises(OperationalError, match="locked"):
            await work
        assert ticks >= 100  # ~5 s of waiting, the loop free all along
        holder.join()
    finally:
        await engine.dispose()


async def test_only_tasks_that_asked_run_on_the_loop(sqlite_url: str) -> None:
    """The intake's tasks run inline; a dashboard page or a workbook keeps the thread, where
    a longer query does not hold up the loop (sqlite3 releases the GIL)."""
    engine = create_engine(sqlite_url)
    threads: list[int] = []
    try:

        async def select_one(inline: bool) -> None:
            if inline:
                on_the_loop()
            async with engine.connect() as connection:
                driver = (await connection.get_raw_connection()).driver_connection
                assert driver is not None
                real = driver._connection
                driver._connection = _Recording(real, threads)
                try:
                    await connection.exec_driver_sql("SELECT 1")
                finally:
                    driver._connection = real

        await asyncio.create_task(select_one(inline=True))
        on_loop = list(threads)
        threads.clear()
        await asyncio.create_task(select_one(inline=False))
    finally:
        await engine.dispose()
    assert on_loop and set(on_loop) == {threading.get_ident()}
    assert threads and threading.get_ident() not in threads


class _Recording:
    """A sqlite3 connection whose cursors note the thread each statement runs on."""

    def __init__(self, wrapped: sqlite3.Connection, threads: list[int]) -> None:
        self._wrapped = wrapped
        self._threads = threads

    def __getattr__(self, name: str) -> object:
        return getattr(self._wrapped, name)

    def cursor(self) -> object:
        return _RecordingCursor(self._wrapped.cursor(), self._threads)


class _RecordingCursor:
    def __init__(self, wrapped: sqlite3.Cursor, threads: list[int]) -> None:
        self._wrapped = wrapped
        self._threads = threads

    def __getattr__(self, name: str) -> object:
        return getattr(self._wrapped, name)

    def execute(self, sql: str, parameters: Any = ()) -> object:
        self._threads.append(threading.get_ident())
        return self._wrapped.execute(sql, parameters)


async def test_a_long_run_of_inline_statements_still_gives_the_loop_turns(
    sqlite_url: str,
) -> None:
    """A webhook arriving while a long transaction runs inline is taken within ~20 ms, not
    after it: the inline calls give the loop a turn at least every TURN_EVERY_S."""
    engine = create_engine(sqlite_url)
    turns: list[float] = []

    async def ticker() -> None:
        while True:
            turns.append(time.monotonic())
            await asyncio.sleep(0)

    async def long_transaction() -> float:
        on_the_loop()
        started = time.monotonic()
        async with engine.begin() as connection:
            while time.monotonic() - started < 0.3:
                await connection.exec_driver_sql("SELECT 1")
        return started

    try:
        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        started = await asyncio.create_task(long_transaction())
        ended = time.monotonic()
        ticking.cancel()
    finally:
        await engine.dispose()
    during = [t for t in turns if started < t < ended]
    gaps = [b - a for a, b in zip([started, *during], [*during, ended], strict=True)]
    assert len(during) >= 5
    assert max(gaps) < 0.1


async def test_an_erasure_empties_the_wal_even_while_a_reader_holds_old_pages(
    sqlite_url: str,
) -> None:
    """The checkpoint after an erasure waits for a reader (a dashboard page, an export) with
    the full busy timeout, in aiosqlite's thread, not SQLite's short inline wait: the erased
    name must not stay in the -wal file."""
    path = sqlite_url.removeprefix("sqlite+aiosqlite:///")
    engine = create_engine(sqlite_url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE t (x TEXT)")
            await connection.exec_driver_sql("INSERT INTO t VALUES ('สมชาย ใจดี')")
        reading, done = threading.Event(), threading.Event()

        def reader() -> None:
            connection = sqlite3.connect(path)
            connection.execute("BEGIN")
            connection.execute("SELECT * FROM t").fetchall()
            reading.set()
            time.sleep(1.5)
            connection.execute("COMMIT")
            connection.close()
            done.set()

        threading.Thread(target=reader, daemon=True).start()
        assert await asyncio.to_thread(reading.wait, 5)
        on_the_loop()  # as in the intake's handle task, where an erasure runs
        async with engine.begin() as connection:
            await connection.exec_driver_sql("UPDATE t SET x = 'erased'")
        assert await truncate_wal(engine)
        assert os.path.getsize(path + "-wal") == 0  # noqa: ASYNC240 (a test's one stat)
    finally:
        await engine.dispose()


async def _the_same_work(engine: AsyncEngine, inline: bool) -> list[object]:
    """Statements of every kind the message path sends, and what SQLAlchemy makes of them."""
    if inline:
        on_the_loop()
    seen: list[object] = []
    table = Table(
        "sale_like",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("item", String, unique=True),
        Column("amount", Integer),
    )
    async with engine.begin() as connection:
        await connection.run_sync(table.metadata.create_all)
    async with engine.connect() as connection:
        added = await connection.execute(insert(table).values(item="ไข่เค็ม", amount=250))
        seen.append(added.inserted_primary_key)
        many = await connection.execute(
            insert(table).returning(table.c.id, table.c.item),
            [{"item": "ผ้าทอ", "amount": 900}, {"item": "น้ำพริก", "amount": 60}],
        )
        seen.append(sorted(many.all()))
        changed = await connection.execute(
            update(table).where(table.c.amount < 500).values(amount=table.c.amount + 1)
        )
        seen.append(changed.rowcount)
        seen.append((await connection.execute(select(table).order_by(table.c.id))).all())
        seen.append(await connection.scalar(select(table.c.amount).where(table.c.id == 99)))
        await connection.commit()
        with pytest.raises(IntegrityError):
            await connection.execute(insert(table).values(item="ไข่เค็ม", amount=1))
        await connection.rollback()
        seen.append(await connection.scalar(select(func.count()).select_from(table)))
    return seen


async def test_a_statement_on_the_loop_gives_what_it_gives_in_the_thread(
    tmp_path: Path,
) -> None:
    """On the loop, statements run straight on sqlite3's cursor (no coroutine per driver call):
    ids, RETURNING rows, row counts, results, empty results and a broken unique key come back
    exactly as through aiosqlite's thread, and the connection is usable after the error."""
    results = []
    for inline in (True, False):
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / f'{inline}.db'}")
        try:
            results.append(await asyncio.create_task(_the_same_work(engine, inline)))
        finally:
            await engine.dispose()
    on_loop, in_thread = results
    assert on_loop == in_thread
    assert on_loop[0] == (1,) and on_loop[2] == 2 and on_loop[4] is None and on_loop[5] == 3


@pytest.mark.parametrize("inline", [True, False], ids=["on the loop", "in the thread"])
async def test_a_connection_lost_at_begin_is_not_handed_out_again(
    sqlite_url: str, inline: bool
) -> None:
    """BEGIN IMMEDIATE goes to the driver's cursor: a connection that died in the pool fails
    there as SQLAlchemy reports it (wrapped, marked invalidated) and the pool replaces it."""
    engine = create_engine(sqlite_url)

    async def begin_and_read() -> int:
        if inline:
            on_the_loop()
        async with engine.begin() as connection:
            return int((await connection.exec_driver_sql("SELECT 1")).scalar_one())

    try:
        assert await asyncio.create_task(begin_and_read()) == 1
        async with engine.connect() as connection:  # the pool's one connection, closed under it
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.close()
        with pytest.raises(DBAPIError) as lost:
            await asyncio.create_task(begin_and_read())
        assert lost.value.connection_invalidated
        assert await asyncio.create_task(begin_and_read()) == 1
    finally:
        await engine.dispose()
