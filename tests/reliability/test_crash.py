"""`serve` as a real process, killed with SIGKILL in the middle of a load run; and two serve
workers on one PostgreSQL. Every event that got a 2xx is in the database; after the restart
(and the platform's redelivery of what was never acknowledged) every event is stored once and
every reply is delivered once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.harness import (
    ServeProcess,
    echoes,
    event_ids,
    expire_leases,
    figures,
    line_request,
    link_many,
    sale_refs,
    sale_text,
    wait_pending_zero,
    waiting_refs,
)
from tests.support.channel_stack import seed_database
from tests.support.fake_line import Call, FakeLine, LineEvents, user_id
from tests.support.fake_telegram import FakeTelegram

EVENTS = 160
USERS = 40  # four sales each: well inside the flood gate's burst
CONCURRENCY = 8


def build_events(line: FakeLine, users: list[str]) -> list[dict[str, Any]]:
    maker = LineEvents()
    events = []
    for n in range(EVENTS):
        user = users[n % len(users)]
        events.append(maker.text(sale_text(n), user=user, reply_token=line.issue_token(user)))
    return events


def ref(event: dict[str, Any]) -> str:
    user = event["source"]["userId"]
    return f"line:{user}:{event['message']['id']}"


def replies_per_event(line: FakeLine, events: list[dict[str, Any]]) -> list[int]:
    """How many answers each event's sender received: a reply with the event's token, or a
    push to the sender echoing that sale's amount."""
    delivered: list[Call] = list(line.delivered)
    counts = []
    for n, event in enumerate(events):
        user, token = event["source"]["userId"], event["replyToken"]
        counts.append(
            sum(
                1
                for call in delivered
                if call.reply_token == token
                or (
                    call.endpoint == "push"
                    and call.to == user
                    and echoes(call.messages[0].get("text", ""), n)
                )
            )
        )
    return counts


async def post_all(
    base: str, events: list[dict[str, Any]], kill_after: int | None, server: ServeProcess
) -> tuple[set[int], set[int]]:
    """Posts every event (CONCURRENCY at a time); SIGKILLs the server once `kill_after` were
    acknowledged. Returns (acknowledged, not acknowledged)."""
    acked: set[int] = set()
    lost: set[int] = set()
    queue = list(range(len(events)))
    killed = asyncio.Event()

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            n = queue.pop(0)
            body, headers = line_request([events[n]])
            try:
                response = await client.post(f"{base}/webhooks/line", content=body, headers=headers)
            except httpx.TransportError:
                lost.add(n)
                continue
            (acked if response.status_code == 200 else lost).add(n)
            if kill_after is not None and len(acked) >= kill_after and not killed.is_set():
                killed.set()
                server.kill()

    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return acked, lost


async def test_sigkill_mid_load_loses_nothing_and_doubles_nothing(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    users = [user_id() for _ in range(USERS)]
    await link_many(db_url, "line", users)
    events = build_events(fake_line, users)
    log = tmp_path / "serve.log"

    first = await ServeProcess(db_url, fake_line, fake_telegram, log).start()
    try:
        acked, lost = await post_all(first.base, events, EVENTS // 3, first)
    finally:
        first.kill()
    # Every acknowledged event is in the database, once: handled (a sale) or stored and
    # waiting in the inbox to be handled after the restart.
    stored_at_kill = await sale_refs(db_url) + await waiting_refs(db_url)
    assert all(stored_at_kill[ref(events[n])] == 1 for n in acked)
    delivered_at_kill = len(fake_line.delivered)

    leases = await expire_leases(db_url)
    second = await ServeProcess(db_url, fake_line, fake_telegram, log).start()
    try:
        # LINE redelivers what it never got a 2xx for (same webhookEventId).
        redelivered = [dict(events[n], deliveryContext={"isRedelivery": True}) for n in lost]
        again, still_lost = await post_all(second.base, redelivered, None, second)
        assert not still_lost and len(again) == len(lost)
        await wait_pending_zero(db_url)
    finally:
        second.stop()

    stored = await sale_refs(db_url)
    seen = await event_ids(db_url, "line")
    replies = replies_per_event(fake_line, events)
    numbers = figures(
        "SIGKILL mid-load (SQLite)",
        events_sent=EVENTS,
        acknowledged_before_kill=len(acked),
        not_acknowledged=len(lost),
        stored_at_kill=sum(1 for e in events if stored_at_kill[ref(e)]),
        replies_delivered_before_kill=delivered_at_kill,
        leases_expired_after_restart=leases,
        redelivered=len(lost),
        stored=sum(1 for e in events if stored[ref(e)]),
        replies_delivered=sum(1 for r in replies if r),
        duplicates=sum(c - 1 for c in stored.values() if c > 1)
        + sum(c - 1 for c in seen.values() if c > 1),
        resent_after_crash=sum(r - 1 for r in replies if r > 1),
    )
    assert 0 < numbers["acknowledged_before_kill"] < EVENTS
    assert numbers["stored"] == EVENTS
    assert numbers["replies_delivered"] == EVENTS
    assert numbers["duplicates"] == 0
    # The one window left (see SECURITY.md, "Known limits"): a reply the platform accepted just
    # before the kill, whose "sent" mark never committed, is sent again (as a push) once its
    # lease runs out. Those are only rows that were in flight at the kill, never more.
    assert numbers["resent_after_crash"] <= leases


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_serve_workers_on_one_postgres_store_and_answer_once(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """Each event is posted to both workers at the same moment (a redelivery landing on the
    other worker while the first is still working on it)."""
    await seed_database(db_url)
    users = [user_id() for _ in range(USERS)]
    await link_many(db_url, "line", users)
    events = build_events(fake_line, users)[:100]
    workers = [
        ServeProcess(db_url, fake_line, fake_telegram, tmp_path / f"serve-{i}.log")
        for i in range(2)
    ]
    await asyncio.gather(*(w.start() for w in workers))
    statuses: Counter[int] = Counter()
    duplicates_answered = 0
    try:
        async with httpx.AsyncClient(timeout=20) as client:
            semaphore = asyncio.Semaphore(CONCURRENCY)

            async def both(event: dict[str, Any]) -> None:
                nonlocal duplicates_answered
                body, headers = line_request([event])
                async with semaphore:
                    answers = await asyncio.gather(
                        *(
                            client.post(f"{w.base}/webhooks/line", content=body, headers=headers)
                            for w in workers
                        )
                    )
                for answer in answers:
                    statuses[answer.status_code] += 1
                    if answer.status_code == 200:
                        duplicates_answered += json.loads(answer.text)["duplicates"]

            await asyncio.gather(*(both(e) for e in events))
            # A request that lost the race on the dedupe row answers 500 (LINE redelivers):
            # redeliver those, like LINE would.
            for event in events:
                for w in workers:
                    body, headers = line_request([event])
                    response = await client.post(
                        f"{w.base}/webhooks/line", content=body, headers=headers
                    )
                    assert response.status_code == 200
        await wait_pending_zero(db_url)
    finally:
        for w in workers:
            w.stop()
    stored = await sale_refs(db_url)
    seen = await event_ids(db_url, "line")
    replies = replies_per_event(fake_line, events)
    numbers = figures(
        "two serve workers, one PostgreSQL",
        events_sent=len(events),
        requests=2 * len(events),
        acknowledged=statuses[200],
        answered_5xx_then_redelivered=sum(v for k, v in statuses.items() if k >= 500),
        recognised_as_duplicates=duplicates_answered,
        stored=sum(1 for e in events if stored[ref(e)]),
        replies_delivered=sum(1 for r in replies if r),
        duplicates=sum(c - 1 for c in stored.values() if c > 1)
        + sum(r - 1 for r in replies if r > 1)
        + sum(c - 1 for c in seen.values() if c > 1),
    )
    assert set(statuses) <= {200, 500}
    assert numbers["stored"] == len(events)
    assert numbers["replies_delivered"] == len(events)
    assert numbers["duplicates"] == 0
