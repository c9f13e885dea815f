"""The database failing under the bot: SQLite busy (another writer holds the lock) and
PostgreSQL connections killed mid-run. The webhook either commits everything (2xx) or
nothing (5xx, the platform redelivers): never a half-written record."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.storage.models import InboundEvent, Outbox, Sale
from tests.reliability.harness import echoes, figures, link_many, sale_text
from tests.support.channel_stack import Stack
from tests.support.fake_line import user_id

KILL_SECONDS = 4.0  # how long connections keep being killed


def hold_write_lock(
    path: str, seconds: float, locked: threading.Event, release: threading.Event | None = None
) -> threading.Thread:
    """Another writer holding SQLite's write lock for `seconds` (or until `release`)."""

    def run() -> None:
        connection = sqlite3.connect(path, isolation_level=None, timeout=10)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            locked.set()
            (release or threading.Event()).wait(seconds)
            connection.execute("COMMIT")
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="sqlite-locker", daemon=True)
    thread.start()
    return thread


async def drain_all(stack: Stack) -> None:
    """What the drain loop does over the next minutes: retries until nothing is pending (a
    send whose database work failed stays pending and is retried after its backoff)."""
    await stack.handled()
    intake = stack.web.state.web.intake
    for _ in range(40):
        # Events whose handling lost its connection wait in the inbox for their retry time.
        await intake.recover()
        await stack.handled()
        await stack.app.sender.drain(limit=500)
        waiting = await stack.count(InboundEvent, InboundEvent.status == "pending")
        if not waiting and not await stack.count(
            Outbox, Outbox.status == "pending", Outbox.channel == "line"
        ):
            return
        stack.clock.instant += timedelta(minutes=16)
    raise AssertionError("events or outbox rows still pending")


async def stored(stack: Stack, event: dict[str, Any]) -> tuple[int, int]:
    """(dedupe rows, sales) for one LINE event."""
    user = event["source"]["userId"]
    ref = f"line:{user}:{event['message']['id']}"
    return (
        await stack.count(InboundEvent, InboundEvent.external_id == event["webhookEventId"]),
        await stack.count(Sale, Sale.source_ref == ref),
    )


async def test_sqlite_busy_waits_or_refuses_cleanly(stack: Stack) -> None:
    url = str(stack.app.settings.database_url)
    path = url.removeprefix("sqlite+aiosqlite:///")
    [short, long] = [user_id(), user_id()]
    await link_many(url, "line", [short, long])
    outbox_before = await stack.count(Outbox)

    # A lock shorter than the busy timeout (5 s): the webhook waits its turn and commits.
    locked = threading.Event()
    thread = hold_write_lock(path, 1.0, locked)
    assert await asyncio.to_thread(locked.wait, 5)
    first = stack.events.text(sale_text(1), user=short, reply_token=stack.line.issue_token(short))
    waited = await stack.post_line(first)
    await asyncio.to_thread(thread.join)
    assert waited.status_code == 200 and await stored(stack, first) == (1, 1)

    # A lock longer than the busy timeout: 500, and nothing of the message is written.
    locked, release = threading.Event(), threading.Event()
    thread = hold_write_lock(path, 20.0, locked, release)
    assert await asyncio.to_thread(locked.wait, 5)
    second = stack.events.text(sale_text(2), user=long, reply_token=stack.line.issue_token(long))
    posting = asyncio.create_task(stack.post_line(second))
    try:
        # Held from before the request until well past the 5 s busy timeout of the request.
        await asyncio.wait({posting}, timeout=6.5)
    finally:
        release.set()
    refused = await posting
    assert refused.status_code == 500
    assert await stored(stack, second) == (0, 0)
    outbox_after_refusal = await stack.count(Outbox)
    await asyncio.to_thread(thread.join)
    redelivered = await stack.post_line(dict(second, deliveryContext={"isRedelivery": True}))
    assert redelivered.status_code == 200 and await stored(stack, second) == (1, 1)
    await drain_all(stack)
    numbers = figures(
        "SQLite busy",
        events_sent=2,
        acknowledged_after_waiting=1,
        refused_with_500=1,
        half_written_after_refusal=outbox_after_refusal - outbox_before - 1,
        redelivered_and_stored=1,
        stored=sum(s for _, s in [await stored(stack, first), await stored(stack, second)]),
        replies_delivered=len(stack.line.delivered),
        duplicates=len(stack.line.delivered) - 2,
    )
    assert numbers["half_written_after_refusal"] == 0
    assert numbers["stored"] == 2 and numbers["duplicates"] == 0


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_postgres_connections_killed_mid_run(stack: Stack, db_url: str) -> None:
    import asyncpg

    users = [user_id() for _ in range(20)]
    await link_many(db_url, "line", users)
    events = [
        stack.events.text(sale_text(n), user=u, reply_token=stack.line.issue_token(u))
        for n, u in enumerate(users * 2)
    ]
    database = db_url.rsplit("/", 1)[1]
    port = int(db_url.split(":")[-1].split("/")[0])
    stop = asyncio.Event()
    killed = 0

    async def killer() -> None:
        nonlocal killed
        admin = await asyncpg.connect(host="127.0.0.1", port=port, user="postgres")
        try:
            deadline = asyncio.get_running_loop().time() + KILL_SECONDS
            while not stop.is_set() and asyncio.get_running_loop().time() < deadline:
                killed += int(
                    await admin.fetchval(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = $1 AND pid <> pg_backend_pid()",
                        database,
                    )
                    or 0
                )
                await asyncio.sleep(random.uniform(0.05, 0.25))
        finally:
            await admin.close()

    statuses: dict[int, int] = {}
    attempts = 0

    async def deliver(event: dict[str, Any]) -> None:
        nonlocal attempts
        for _ in range(100):  # LINE keeps redelivering a non-2xx
            attempts += 1
            try:
                response = await stack.post_line(event)
            except httpx.TransportError:
                continue
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code in (200, 500), response.text
            if response.status_code == 200:
                return
            event = dict(event, deliveryContext={"isRedelivery": True})
            await asyncio.sleep(0.1)
        raise AssertionError("never acknowledged")

    task = asyncio.create_task(killer())
    try:
        semaphore = asyncio.Semaphore(4)

        async def one(event: dict[str, Any]) -> None:
            async with semaphore:
                await deliver(event)

        await asyncio.gather(*(one(e) for e in events))
    finally:
        stop.set()
        await task
    # Replies whose immediate send lost its connection are retried by the drain.
    await drain_all(stack)
    per_event = [await stored(stack, e) for e in events]
    async with stack.app.uow() as uow:
        replies = list(
            await uow.session.scalars(
                select(Outbox).where(Outbox.channel == "line", Outbox.recipient.in_(users))
            )
        )
    delivered = [
        sum(1 for t in stack.line.texts(e["source"]["userId"]) if echoes(t, n))
        for n, e in enumerate(events)
    ]
    numbers = figures(
        "PostgreSQL connections killed",
        events_sent=len(events),
        posts_including_redeliveries=attempts,
        answered_500=statuses.get(500, 0),
        acknowledged=statuses.get(200, 0),
        connections_killed=killed,
        stored=sum(1 for d, s in per_event if d == 1 and s == 1),
        half_written=sum(1 for d, s in per_event if d != s),
        reply_rows=len(replies),
        replies_delivered=sum(1 for d in delivered if d),
        duplicates=sum(max(d - 1, 0) + max(s - 1, 0) for d, s in per_event)
        + sum(d - 1 for d in delivered if d > 1),
    )
    assert numbers["acknowledged"] == len(events)
    assert numbers["stored"] == len(events) and numbers["half_written"] == 0
    assert numbers["reply_rows"] == len(events)
    assert numbers["replies_delivered"] == len(events) and numbers["duplicates"] == 0
    assert numbers["connections_killed"] > 0
