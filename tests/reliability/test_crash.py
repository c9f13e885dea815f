"""`serve` as a real process, killed with SIGKILL in the middle of a load run; and two serve
workers on one PostgreSQL. Every event that got a 2xx is in the database; after the restart
(and the platform's redelivery of what was never acknowledged) every event is stored once and
every reply is delivered: on LINE exactly once, on Telegram at least once, doubled at most for
the rows whose send was in flight at the kill (the Bot API has no idempotency key)."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from bot.config import Settings
from bot.storage.database import create_engine, session_factory
from bot.storage.models import ChatAccount, Outbox
from scheduler.sweep import sweep
from tests.reliability.harness import (
    ServeProcess,
    count,
    echoes,
    event_ids,
    expire_leases,
    figures,
    line_request,
    link_many,
    sale_refs,
    sale_text,
    shows,
    telegram_request,
    unmarked,
    wait_pending_zero,
    waiting_refs,
)
from tests.scheduler.synthetic import populate
from tests.support.channel_stack import seed_database
from tests.support.fake_line import Call, FakeLine, LineEvents, user_id
from tests.support.fake_telegram import FakeTelegram, TelegramUpdates
from tests.support.live_server import until

EVENTS = 160
USERS = 40  # four sales each: well inside the flood gate's burst
TELEGRAM_EVENTS = 60  # one sale each: the Bot API allows about one message a second per chat
CONCURRENCY = 8


def build_events(line: FakeLine, users: list[str]) -> list[dict[str, Any]]:
    maker = LineEvents()
    events = []
    for n in range(EVENTS):
        user = users[n % len(users)]
        events.append(maker.text(sale_text(n), user=user, reply_token=line.issue_token(user)))
    return events


@dataclass(frozen=True)
class Posted:
    """One webhook delivery of the load run: LINE event n, or Telegram update n."""

    channel: str
    n: int  # the sale's number (its quantity is n + 1)
    chat: str
    body: dict[str, Any]

    @property
    def ref(self) -> str:
        if self.channel == "line":
            return ref(self.body)
        return f"telegram:{self.chat}:{self.body['message']['message_id']}"

    def request(self) -> tuple[str, bytes, dict[str, str]]:
        if self.channel == "line":
            return ("/webhooks/line", *line_request([self.body]))
        return ("/webhooks/telegram", *telegram_request(self.body))

    def redelivered(self) -> Posted:
        """What the platform sends again when it got no 2xx: the same delivery id."""
        if self.channel == "line":
            return Posted(
                "line", self.n, self.chat, dict(self.body, deliveryContext={"isRedelivery": True})
            )
        return self


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


def telegram_replies(telegram: FakeTelegram, posted: list[Posted]) -> list[int]:
    """How many answers echoing its sale each Telegram update's chat received."""
    return [sum(1 for t in telegram.texts(p.chat) if echoes(t, p.n)) for p in posted]


async def post_all(
    base: str, posted: list[Posted], kill_after: int | None, server: ServeProcess
) -> tuple[set[int], set[int]]:
    """Posts every delivery (CONCURRENCY at a time); SIGKILLs the server once `kill_after` were
    acknowledged. Returns the indexes (acknowledged, not acknowledged)."""
    acked: set[int] = set()
    lost: set[int] = set()
    queue = list(range(len(posted)))
    killed = asyncio.Event()

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            i = queue.pop(0)
            path, body, headers = posted[i].request()
            try:
                response = await client.post(f"{base}{path}", content=body, headers=headers)
            except httpx.TransportError:
                lost.add(i)
                continue
            (acked if response.status_code == 200 else lost).add(i)
            if kill_after is not None and len(acked) >= kill_after and not killed.is_set():
                killed.set()
                server.kill()

    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return acked, lost


def accepted(unmarked_rows: list[tuple[str, str]], texts: Callable[[str], list[str]]) -> int:
    """Of the rows left unmarked, those the platform had already accepted: the window."""
    return sum(1 for chat, text in unmarked_rows if any(shows(t, text) for t in texts(chat)))


async def test_sigkill_mid_load_loses_nothing_and_doubles_nothing_on_line(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    users = [user_id() for _ in range(USERS)]
    chats = [str(8_300_000 + n) for n in range(TELEGRAM_EVENTS)]
    await link_many(db_url, "line", users)
    await link_many(db_url, "telegram", chats)
    line_events = build_events(fake_line, users)
    updates = TelegramUpdates()
    posted = [Posted("line", n, e["source"]["userId"], e) for n, e in enumerate(line_events)]
    for k, chat in enumerate(chats):  # a Telegram update after every few LINE events
        n = EVENTS + k
        update = updates.message(sale_text(n), user_id=int(chat))
        posted.insert(k * len(posted) // len(chats), Posted("telegram", n, chat, update))
    log = tmp_path / "serve.log"

    first = await ServeProcess(db_url, fake_line, fake_telegram, log).start()
    try:
        acked, lost = await post_all(first.base, posted, len(posted) // 3, first)
    finally:
        first.kill()
    # Every acknowledged event is in the database, once: handled (a sale) or stored and
    # waiting in the inbox to be handled after the restart.
    stored_at_kill = await sale_refs(db_url) + await waiting_refs(db_url)
    assert all(stored_at_kill[posted[i].ref] == 1 for i in acked)
    await asyncio.sleep(0.2)  # a request the fakes were still answering at the kill lands
    delivered_at_kill = len(fake_line.delivered) + len(fake_telegram.sent)
    line_unmarked = await unmarked(db_url, "line")
    telegram_unmarked = await unmarked(db_url, "telegram")
    line_accepted = accepted(line_unmarked, fake_line.texts)
    telegram_accepted = accepted(telegram_unmarked, fake_telegram.texts)

    leases = await expire_leases(db_url)
    second = await ServeProcess(db_url, fake_line, fake_telegram, log).start()
    try:
        # The platforms redeliver what they never got a 2xx for (same delivery id), until
        # they get one (a 500 for a busy SQLite write lock is redelivered too).
        waiting = [posted[i].redelivered() for i in sorted(lost)]
        redeliveries = 0
        for _ in range(5):
            redeliveries += len(waiting)
            _, still_lost = await post_all(second.base, waiting, None, second)
            waiting = [waiting[i] for i in sorted(still_lost)]
            if not waiting:
                break
        assert not waiting
        await wait_pending_zero(db_url)
    finally:
        second.stop()

    stored = await sale_refs(db_url)
    seen = await event_ids(db_url, "line") + await event_ids(db_url, "telegram")
    on_line = replies_per_event(fake_line, line_events)
    on_telegram = telegram_replies(fake_telegram, [p for p in posted if p.channel == "telegram"])
    numbers = figures(
        "SIGKILL mid-load (SQLite)",
        events_sent=len(posted),
        line_events=EVENTS,
        telegram_updates=TELEGRAM_EVENTS,
        acknowledged_before_kill=len(acked),
        not_acknowledged=len(lost),
        stored_at_kill=sum(1 for p in posted if stored_at_kill[p.ref]),
        replies_delivered_before_kill=delivered_at_kill,
        line_sends_in_flight_at_kill=len(line_unmarked),
        line_accepted_not_marked_at_kill=line_accepted,
        telegram_sends_in_flight_at_kill=len(telegram_unmarked),
        telegram_accepted_not_marked_at_kill=telegram_accepted,
        leases_expired_after_restart=leases,
        redeliveries=redeliveries,
        stored=sum(1 for p in posted if stored[p.ref]),
        duplicate_records=sum(c - 1 for c in stored.values() if c > 1)
        + sum(c - 1 for c in seen.values() if c > 1),
        replies_delivered=sum(1 for r in on_line + on_telegram if r),
        line_duplicates=sum(r - 1 for r in on_line if r > 1),
        telegram_duplicates=sum(r - 1 for r in on_telegram if r > 1),
    )
    assert 0 < numbers["acknowledged_before_kill"] < len(posted)
    assert numbers["stored"] == len(posted)
    assert numbers["duplicate_records"] == 0
    assert numbers["replies_delivered"] == len(posted)
    # LINE: exactly once. A reply LINE accepted just before the kill, never marked sent, is
    # retried with its (single-use) token, refused, and so counted as delivered; a push is
    # retried with its retry key and answered 409.
    assert numbers["line_duplicates"] == 0
    # Telegram: at least once (see SECURITY.md, "Known limits"): only a message whose send was
    # in flight at the kill can arrive twice.
    assert numbers["telegram_duplicates"] <= numbers["telegram_sends_in_flight_at_kill"]


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
            # The unique key decides which worker stores an event (the other answers 2xx as a
            # duplicate; a deadlock between their batches is retried). Should one still answer
            # 500, LINE would redeliver: do that for every event, as LINE might.
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


REMINDER_GROUPS = 120
REMINDER_OFFICERS = 6
MONDAY_0900 = datetime(2025, 10, 20, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok, outside quiet hours


async def reminders_for_many(url: str) -> list[tuple[str, str, str]]:
    """A synthetic district whose people hold LINE and Telegram accounts (every other one),
    and the sweep of Monday 09:00: (channel, chat, text) of every reminder it queued."""
    engine = create_engine(url)
    try:
        await populate(engine, groups=REMINDER_GROUPS, officers=REMINDER_OFFICERS)
        async with engine.begin() as conn:
            accounts = (await conn.execute(select(ChatAccount.id).order_by(ChatAccount.id))).all()
            for n, (account_id,) in enumerate(accounts):
                channel, chat = ("line", user_id()) if n % 2 else ("telegram", str(8_400_000 + n))
                await conn.execute(
                    update(ChatAccount)
                    .where(ChatAccount.id == account_id)
                    .values(channel=channel, external_id=chat)
                )
        settings = Settings(_env_file=None, database_url=url)
        async with session_factory(engine)() as session:
            await sweep(session, settings, MONDAY_0900)
            await session.commit()
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Outbox.channel, Outbox.recipient, Outbox.payload).where(
                    Outbox.kind == "reminder", Outbox.status == "pending"
                )
            )
            return [(str(c), str(r), str(p["text"])) for c, r, p in rows]
    finally:
        await engine.dispose()


@dataclass
class Crash:
    """What one SIGKILL left behind: rows leased and not marked, and of those, the ones the
    platform had accepted (their send was in flight when the process died)."""

    line_unmarked: int = 0
    line_accepted: int = 0
    telegram_unmarked: int = 0
    telegram_accepted: int = 0
    leases_expired: int = 0

    async def measure(self, url: str, line: FakeLine, telegram: FakeTelegram) -> Crash:
        await asyncio.sleep(0.2)  # a request the fakes were still answering at the kill lands
        line_rows, telegram_rows = await unmarked(url, "line"), await unmarked(url, "telegram")
        self.line_unmarked += len(line_rows)
        self.line_accepted += accepted(line_rows, line.texts)
        self.telegram_unmarked += len(telegram_rows)
        self.telegram_accepted += accepted(telegram_rows, telegram.texts)
        self.leases_expired += await expire_leases(url)  # the 60 s lease, fast-forwarded
        return self


def kill_on_accept(fake: FakeLine | FakeTelegram, server: ServeProcess, after: int) -> None:
    """SIGKILLs `server` the instant `fake` accepted its `after`-th message from now on, before
    the answer goes back: the platform has it, the database will never know."""
    sent = fake.delivered if isinstance(fake, FakeLine) else fake.sent
    at = len(sent) + after

    def hook(_: object) -> None:
        if len(sent) >= at:
            fake.on_accept = None
            server.kill()

    fake.on_accept = hook


async def test_sigkill_while_reminders_are_sent_delivers_each_once_on_line(
    sqlite_template: Path, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """The sweep queued reminders for many people; `serve` drains them and is SIGKILLed twice:
    the instant LINE accepted a push, and the instant the Bot API accepted a message (each
    before the answer reached the bot, the worst moment). A third start finishes the job."""
    path = tmp_path / "reminders.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    queued = await reminders_for_many(url)
    line_total = sum(1 for r in queued if r[0] == "line")
    telegram_total = len(queued) - line_total
    log = tmp_path / "serve.log"
    crash = Crash()

    for platform, after in (("line", line_total // 3), ("telegram", telegram_total // 2)):
        server = ServeProcess(url, fake_line, fake_telegram, log)
        fake: FakeLine | FakeTelegram = fake_line if platform == "line" else fake_telegram
        kill_on_accept(fake, server, after)
        await server.start()
        try:

            def killed(s: ServeProcess = server) -> bool:
                return s.dead

            await until(killed, within=30, what=f"the kill during {platform}")
        finally:
            server.kill()
            fake.on_accept = None
        await crash.measure(url, fake_line, fake_telegram)

    delivered_before_restart = len(fake_line.delivered) + len(fake_telegram.sent)
    last = await ServeProcess(url, fake_line, fake_telegram, log).start()
    try:
        await wait_pending_zero(url, within=30)
    finally:
        last.stop()

    def received(channel: str, chat: str, text: str) -> int:
        fake = fake_line if channel == "line" else fake_telegram
        return sum(1 for t in fake.texts(chat) if shows(t, text))

    line = [received(*r) for r in queued if r[0] == "line"]
    telegram = [received(*r) for r in queued if r[0] == "telegram"]
    numbers = figures(
        "SIGKILL while reminders are sent (SQLite)",
        reminders_queued=len(queued),
        line_reminders=line_total,
        telegram_reminders=telegram_total,
        kills=2,
        delivered_before_last_restart=delivered_before_restart,
        line_sends_in_flight_at_kills=crash.line_unmarked,
        line_accepted_not_marked_at_kills=crash.line_accepted,
        telegram_sends_in_flight_at_kills=crash.telegram_unmarked,
        telegram_accepted_not_marked_at_kills=crash.telegram_accepted,
        leases_expired_after_restarts=crash.leases_expired,
        line_retry_keys_answered_409=sum(1 for c in fake_line.calls if c.status == 409),
        reminders_delivered=sum(1 for c in line + telegram if c),
        line_duplicates=sum(c - 1 for c in line if c > 1),
        telegram_duplicates=sum(c - 1 for c in telegram if c > 1),
        failed=await count(url, Outbox, Outbox.status == "failed"),
    )
    assert numbers["line_reminders"] > 30 and numbers["telegram_reminders"] > 30
    assert numbers["line_accepted_not_marked_at_kills"] >= 1  # the push LINE took at the kill
    assert numbers["reminders_delivered"] == len(queued) and numbers["failed"] == 0
    # Its retry carried the same X-Line-Retry-Key: LINE answered 409, counted as delivered.
    assert numbers["line_retry_keys_answered_409"] >= 1
    assert numbers["line_duplicates"] == 0
    assert numbers["telegram_duplicates"] <= numbers["telegram_sends_in_flight_at_kills"]
