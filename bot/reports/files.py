"""Reading a generated file for the platforms and the web: a chart (or an export asked for in
chat, bot/services/exports.py) stored as a spec is drawn here, on first fetch, outside any
transaction (so drawing never holds the database, nor SQLite's one writer, while other people's
messages wait); the picture is then kept for the next fetch. A requested export is built once
per link however many fetches arrive together, also on different workers (PostgreSQL: the build
holds the link's advisory lock, and one connection, while it renders);
one that fails is NotReady (a Thai "not ready, tap again" page, a retried Telegram send) and is
not tried again for RETRY_AFTER, so a broken build is not repeated on every cheap GET.

Drawing runs in a separate worker process (one, started on the first chart): a chart takes a
tenth of a second of CPU, and in a thread of the serving process it would hold the GIL that
every other person's message needs. If the worker cannot be used, a thread draws instead."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.services import exports
from bot.storage.locks import lock_file
from bot.storage.models import StoredFile
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# After a failed build of a requested export, fetches within this pause are told "not ready"
# without building again: a broken build is not retried on every cheap GET of its link.
RETRY_AFTER = timedelta(seconds=30)


class NotReady(Exception):
    """A requested export could not be built on this fetch; the request stays and a later
    fetch builds it (the web says so in Thai with a 503, the Telegram send is retried)."""


# One build per key in this process: concurrent first fetches of one link (a preview, a double
# tap, a replayed GET) wait for it; failures remembered by when they happened (their key).
_building: dict[str, asyncio.Future[bytes]] = {}
_failed: dict[str, datetime] = {}


@dataclass(frozen=True, slots=True)
class Loaded:
    data: bytes
    content_type: str
    filename: str | None
    single_use: bool
    used: bool


async def load(uow_factory: Callable[[], UnitOfWork], key: str, now: datetime) -> Loaded | None:
    """The file under `key` if it has not expired, drawn first if it is a chart spec, built
    first if it is an export asked for in chat (NotReady if that build fails)."""
    async with uow_factory() as uow:
        stored = await uow.files.get(key, now)
        if stored is None:
            return None
        found = Loaded(
            stored.data, stored.content_type, stored.filename, stored.single_use,
            stored.used_at is not None,
        )  # fmt: skip
        spec = dict(stored.spec) if stored.spec and not stored.data else None
        bind = uow.session.bind
        postgres = bind is not None and bind.dialect.name == "postgresql"
    if spec is None:
        return found
    if exports.is_request(spec):
        body = await _build_once(uow_factory, key, spec, now, postgres)
    else:
        body = await _keep(uow_factory, key, await draw(spec))
    return Loaded(body, found.content_type, found.filename, found.single_use, found.used)


async def _keep(uow_factory: Callable[[], UnitOfWork], key: str, body: bytes) -> bytes:
    """Stores what was drawn or built under `key`, for the next fetch."""
    async with uow_factory() as uow:
        await _store(uow, key, body)
        await uow.commit()
    return body


async def _store(uow: UnitOfWork, key: str, body: bytes) -> None:
    await uow.session.execute(
        update(StoredFile)
        .where(StoredFile.key == key, StoredFile.spec.is_not(None))
        .values(data=body, spec=None)
    )


async def _build_once(
    uow_factory: Callable[[], UnitOfWork],
    key: str,
    spec: dict[str, Any],
    now: datetime,
    postgres: bool,
) -> bytes:
    """The export a chat request names, built once however many fetches arrive together;
    NotReady if it fails (and for RETRY_AFTER after a failure, without building again)."""
    failed = _failed.get(key)
    if failed is not None and now - failed < RETRY_AFTER:
        raise NotReady("the requested export failed a moment ago")
    running = _building.get(key)
    if running is None:
        running = asyncio.ensure_future(_build(uow_factory, key, spec, postgres))
        _building[key] = running
        running.add_done_callback(lambda _: _building.pop(key, None))
    try:
        body = await asyncio.shield(running)
    except Exception as error:
        # Logged without the key: it is the download's credential.
        log.warning("a requested export could not be built", exc_info=error)
        _failed[key] = now
        for old in [k for k, at in _failed.items() if now - at >= RETRY_AFTER]:
            del _failed[old]
        raise NotReady("the requested export could not be built") from error
    _failed.pop(key, None)
    return body


async def _build(
    uow_factory: Callable[[], UnitOfWork], key: str, spec: dict[str, Any], postgres: bool
) -> bytes:
    """Built and stored inside the one shared build: a fetch after it finds the file.

    With several workers (PostgreSQL) the first fetches of one link may reach different
    workers: the build then holds the link's advisory lock until its result is committed, and
    a build that waited for it finds the workbook there instead of building it again. The
    request is read in that same unit of work (lent to `render_request`): a build that took a
    second connection while holding the first would deadlock once as many builds ran as the
    pool has connections. SQLite (one process, whose fetches already share one build in
    `_build_once`) opens no unit of work for a lock, so a fetch never queues at the writer
    gate for nothing."""
    if postgres:
        async with uow_factory() as guard:
            await lock_file(guard.session, key)
            # A request is stored empty (bot/services/exports.py `request`): bytes mean built.
            built = await guard.session.scalar(select(StoredFile.data).where(StoredFile.key == key))
            if built:
                return built
            body = await exports.render_request(lambda: _lent(guard), spec)
            await _store(guard, key, body)
            await guard.commit()
            return body
    return await _keep(uow_factory, key, await exports.render_request(uow_factory, spec))


@asynccontextmanager
async def _lent(uow: UnitOfWork) -> AsyncIterator[UnitOfWork]:
    """A unit of work lent to a reader: leaving does not end it (its owner commits)."""
    yield uow


_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _drawing_process() -> None:
    """Set up the drawing process: lower priority than the one answering people (drawing is
    background work, replies are not), and ended when the serving process ends, however that
    happens (Linux; elsewhere the pool's own shutdown does it)."""
    import contextlib
    import os
    import signal

    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _drawing_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # spawn: a fresh interpreter, never a fork of a process with threads and a loop.
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_drawing_process,
            )
        return _pool


def stop_drawing() -> None:
    """Ends the drawing process (the app closes); the next chart starts a new one."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


async def draw(spec: dict[str, Any]) -> bytes:
    """A chart spec drawn to PNG in the drawing process (a thread if that fails)."""
    from bot.reports.charts import render_spec

    try:
        return await asyncio.get_running_loop().run_in_executor(_drawing_pool(), render_spec, spec)
    except Exception:  # a broken pool, no processes allowed here: draw in a thread
        log.warning("chart drawing process unavailable; drawing in a thread", exc_info=True)
        global _pool
        with _pool_lock:
            _pool = None
        return await asyncio.to_thread(render_spec, spec)
