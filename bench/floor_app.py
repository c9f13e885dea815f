"""The floor for bench/webhook.py's end-to-end phase: how fast *any* server answers webhooks
end to end on this machine, with this generator, these fake platforms and this database, when
it does far less than the bot. Issue 18 asks `serve` for 10 % of the bare endpoint's rate end to
end; this says how much of that the rest of the loop leaves.

Two paths, on the same Starlette, uvicorn settings, event loop and HTTP parser as `serve` and
bench/bare_app.py (bot/web/stack.py):

- `echo`: check the request (LINE's signature, Telegram's secret header), read the JSON, answer
  200, then send a fixed reply to the fake platform (LINE's reply API with the reply token,
  Telegram's sendMessage to the chat) over one keep-alive aiohttp session. No database. The
  ceiling of the end-to-end loop itself: the generator, the fakes and the two HTTP hops.
- `durable`: the smallest path that keeps the bot's guarantees, in plain driver calls
  (asyncpg, or sqlite3 on the loop as `serve` runs it): the events stored and committed before
  the 2xx (every request waiting shares one statement: group commit); then per message one
  transaction that takes the event (PostgreSQL: under the chat's advisory lock), reads who is
  speaking (their account and group), writes a record, its audit entry and the reply already
  leased in the outbox; the reply sent; its sent mark group-committed. No parser, no routing,
  no flood gate, no unusual-price check, no `ยกเลิก` memory: a lower bound, not a design.

Run:  .venv/bin/python bench/floor_app.py --port 8099 --path echo|durable   (bench/webhook.py
starts it itself; the database, secrets and fake platforms come from the same environment
variables as `serve`.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import json
import logging
import os
import sqlite3
import sys
import zlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings
from bot.web import stack
from tests.support.fake_line import sign

REPLY = "บันทึกแล้วค่ะ ✅"
HANDLERS = 8  # messages handled at once (PostgreSQL; SQLite has one writer)

# A message as the floor keeps it: (channel, delivery id, chat key, sender, reply address)
Message = tuple[str, str, str, str, str]

_TABLES = (
    "CREATE TABLE IF NOT EXISTS floor_inbox (id {serial}, channel varchar(16) NOT NULL, "
    "external_id varchar(128) NOT NULL, chat varchar(160) NOT NULL, message text NOT NULL, "
    "status varchar(16) NOT NULL, received_at {ts} NOT NULL, UNIQUE (channel, external_id))",
    "CREATE TABLE IF NOT EXISTS floor_record (id {serial}, group_id integer, person_id integer, "
    "text text NOT NULL, created_at {ts} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_audit (id {serial}, at {ts} NOT NULL, actor integer, "
    "entity_id integer NOT NULL, after text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_outbox (id {serial}, channel varchar(16) NOT NULL, "
    "recipient varchar(160) NOT NULL, payload text NOT NULL, status varchar(16) NOT NULL, "
    "sent_at {ts})",
)
_SPEAKER = (
    "SELECT a.id, a.person_id, m.group_id FROM chat_account a "
    "LEFT JOIN membership m ON m.person_id = a.person_id "
    "WHERE a.channel = {0} AND a.external_id = {1} LIMIT 1"
)


def _now() -> datetime:
    return datetime.now(UTC)


def _line(body: bytes, headers: Any, secret: str) -> list[Message] | None:
    if not hmac.compare_digest(sign(body, secret), headers.get("x-line-signature", "")):
        return None
    messages = []
    for event in json.loads(body).get("events", []):
        if event.get("type") != "message":
            continue
        source = event.get("source", {})
        chat = source.get("groupId") or source.get("userId", "")
        messages.append(
            ("line", event["webhookEventId"], f"line:{chat}", source.get("userId", ""),
             event.get("replyToken", ""))
        )  # fmt: skip
    return messages


def _telegram(body: bytes, headers: Any, secret: str) -> list[Message] | None:
    if not hmac.compare_digest(headers.get("x-telegram-bot-api-secret-token", ""), secret):
        return None
    update = json.loads(body)
    message = update.get("message")
    if not message:
        return []
    chat = str(message["chat"]["id"])
    return [("telegram", str(update["update_id"]), f"tg:{chat}", str(message["from"]["id"]), chat)]


class Replies:
    """The reply to each message, to the fake platform, over one keep-alive session."""

    def __init__(self, settings: Settings) -> None:
        self._line = settings.line_api_base_url.rstrip("/") + "/v2/bot/message/reply"
        self._line_auth = {"Authorization": f"Bearer {settings.line_channel_access_token}"}
        self._telegram = (
            f"{settings.telegram_api_base_url}{settings.telegram_bot_token}/sendMessage"
        )
        self._session: aiohttp.ClientSession | None = None

    async def send(self, message: Message) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
        channel, _, _, _, address = message
        if channel == "line":
            body = {"replyToken": address, "messages": [{"type": "text", "text": REPLY}]}
            post = self._session.post(self._line, json=body, headers=self._line_auth)
        else:
            post = self._session.post(self._telegram, json={"chat_id": address, "text": REPLY})
        async with post as answer:
            await answer.read()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class Echo:
    """No database: 200, then the reply."""

    def __init__(self, replies: Replies) -> None:
        self._replies = replies
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        pass

    async def accept(self, messages: list[Message]) -> None:
        for message in messages:
            task = asyncio.create_task(self._replies.send(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)


class Durable(ABC):
    """Stored before the 2xx (group commit), handled one transaction per message, sent, marked.
    The database's part is each subclass's: PostgreSQL (asyncpg) or SQLite (sqlite3)."""

    def __init__(self, replies: Replies, database_url: str) -> None:
        self._replies = replies
        self._url = database_url
        self._waiting: list[tuple[list[Message], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._jobs: asyncio.Queue[tuple[int, Message]] = asyncio.Queue()
        self._sent: list[int] = []  # outbox ids sent, to mark
        self._marker: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @abstractmethod
    async def start(self) -> None: ...

    async def accept(self, messages: list[Message]) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((messages, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await done

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            rows = [m for messages, _ in batch for m in messages]
            try:
                stored = await self._store(rows)
            except Exception as error:
                for _, done in batch:
                    done.set_exception(error)
                continue
            for _, done in batch:
                done.set_result(None)
            for event_id, message in stored:
                self._jobs.put_nowait((event_id, message))

    async def _work(self) -> None:
        while True:
            event_id, message = await self._jobs.get()
            reply = await self._handle(event_id, message)
            if reply is not None:
                await self._replies.send(message)
                self._sent.append(reply)
                if self._marker is None or self._marker.done():
                    self._marker = asyncio.create_task(self._mark())

    async def _mark(self) -> None:
        while self._sent:
            ids, self._sent = self._sent, []
            await self._mark_sent(ids)

    @abstractmethod
    async def _store(self, rows: list[Message]) -> list[tuple[int, Message]]:
        """Commits the rows as pending events; returns the new ones with their ids."""

    @abstractmethod
    async def _handle(self, event_id: int, message: Message) -> int | None:
        """One transaction: takes the event, reads the speaker, writes the record, its audit
        entry and the leased reply. Returns the reply's outbox id; None when the event was
        already taken."""

    @abstractmethod
    async def _mark_sent(self, outbox_ids: list[int]) -> None: ...


class OnPostgres(Durable):
    async def start(self) -> None:
        import asyncpg

        dsn = self._url.replace("postgresql+asyncpg://", "postgresql://")
        self._pool = await asyncpg.create_pool(dsn, min_size=HANDLERS, max_size=HANDLERS + 2)
        async with self._pool.acquire() as connection:
            for table in _TABLES:
                await connection.execute(
                    table.format(serial="bigserial PRIMARY KEY", ts="timestamptz")
                )
        self._tasks = [asyncio.create_task(self._work()) for _ in range(HANDLERS)]

    async def _store(self, rows: list[Message]) -> list[tuple[int, Message]]:
        async with self._pool.acquire() as connection:
            # one statement in autocommit: durable when it returns
            stored = await connection.fetch(
                "INSERT INTO floor_inbox (channel, external_id, chat, message, status, received_at) "
                "SELECT c, e, k, m, 'pending', now() FROM unnest($1::text[], $2::text[], "
                "$3::text[], $4::text[]) AS t(c, e, k, m) "
                "ON CONFLICT (channel, external_id) DO NOTHING RETURNING id, channel, external_id",
                [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                [json.dumps(r) for r in rows],
            )  # fmt: skip
        by_key = {(r[0], r[1]): r for r in rows}
        return [(row["id"], by_key[(row["channel"], row["external_id"])]) for row in stored]

    async def _handle(self, event_id: int, message: Message) -> int | None:
        channel, _, chat, sender, address = message
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "SELECT pg_advisory_xact_lock($1, $2)", 18, zlib.crc32(chat.encode()) - 2**31
            )
            taken = await connection.fetchval(
                "UPDATE floor_inbox SET status = 'done' WHERE id = $1 AND status = 'pending' "
                "RETURNING id",
                event_id,
            )
            if taken is None:
                return None
            speaker = await connection.fetchrow(_SPEAKER.format("$1", "$2"), channel, sender)
            person = speaker["person_id"] if speaker else None
            group = speaker["group_id"] if speaker else None
            now = _now()
            record = await connection.fetchval(
                "INSERT INTO floor_record (group_id, person_id, text, created_at) "
                "VALUES ($1, $2, $3, $4) RETURNING id",
                group, person, REPLY, now,
            )  # fmt: skip
            await connection.execute(
                "INSERT INTO floor_audit (at, actor, entity_id, after) VALUES ($1, $2, $3, $4)",
                now, person, record, json.dumps({"id": record, "group": group}),
            )  # fmt: skip
            reply: int = await connection.fetchval(
                "INSERT INTO floor_outbox (channel, recipient, payload, status) "
                "VALUES ($1, $2, $3, 'leased') RETURNING id",
                channel, address, json.dumps({"text": REPLY}, ensure_ascii=False),
            )  # fmt: skip
        return reply

    async def _mark_sent(self, outbox_ids: list[int]) -> None:
        async with self._pool.acquire() as connection:
            await connection.execute(
                "UPDATE floor_outbox SET status = 'sent', sent_at = now() WHERE id = ANY($1)",
                outbox_ids,
            )


class OnSqlite(Durable):
    """sqlite3 on the event loop, as `serve` runs the message path on SQLite
    (bot/storage/sqlite_inline.py): one connection, one writer, WAL, synchronous=NORMAL."""

    async def start(self) -> None:
        path = self._url.split("///", 1)[1]
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"):
            self._db.execute(f"PRAGMA {pragma}")
        for table in _TABLES:
            self._db.execute(table.format(serial="INTEGER PRIMARY KEY", ts="TEXT"))
        self._tasks = [asyncio.create_task(self._work())]

    async def _store(self, rows: list[Message]) -> list[tuple[int, Message]]:
        db = self._db
        stored = []
        db.execute("BEGIN IMMEDIATE")
        try:
            now = _now().isoformat()
            for row in rows:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO floor_inbox "
                    "(channel, external_id, chat, message, status, received_at) "
                    "VALUES (?, ?, ?, ?, 'pending', ?)",
                    (row[0], row[1], row[2], json.dumps(row), now),
                )
                if cursor.rowcount:
                    stored.append((int(cursor.lastrowid or 0), row))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return stored

    async def _handle(self, event_id: int, message: Message) -> int | None:
        channel, _, _, sender, address = message
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            taken = db.execute(
                "UPDATE floor_inbox SET status = 'done' WHERE id = ? AND status = 'pending'",
                (event_id,),
            ).rowcount
            if not taken:
                db.execute("ROLLBACK")
                return None
            speaker = db.execute(_SPEAKER.format("?", "?"), (channel, sender)).fetchone()
            person, group = (speaker[1], speaker[2]) if speaker else (None, None)
            now = _now().isoformat()
            record = db.execute(
                "INSERT INTO floor_record (group_id, person_id, text, created_at) "
                "VALUES (?, ?, ?, ?) RETURNING id",
                (group, person, REPLY, now),
            ).fetchone()[0]
            db.execute(
                "INSERT INTO floor_audit (at, actor, entity_id, after) VALUES (?, ?, ?, ?)",
                (now, person, record, json.dumps({"id": record, "group": group})),
            )
            reply = int(
                db.execute(
                    "INSERT INTO floor_outbox (channel, recipient, payload, status) "
                    "VALUES (?, ?, ?, 'leased') RETURNING id",
                    (channel, address, json.dumps({"text": REPLY}, ensure_ascii=False)),
                ).fetchone()[0]
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        await asyncio.sleep(0)  # the loop's turn, as an inline transaction gives it
        return reply

    async def _mark_sent(self, outbox_ids: list[int]) -> None:
        marks = ",".join("?" * len(outbox_ids))
        self._db.execute(
            f"UPDATE floor_outbox SET status = 'sent', sent_at = ? WHERE id IN ({marks})",
            (_now().isoformat(), *outbox_ids),
        )


def build(path: str, settings: Settings) -> Starlette:
    replies = Replies(settings)
    floor: Echo | Durable
    if path == "echo":
        floor = Echo(replies)
    elif settings.database_url.startswith("sqlite"):
        floor = OnSqlite(replies, settings.database_url)
    else:
        floor = OnPostgres(replies, settings.database_url)
    line_secret = settings.line_channel_secret or ""
    telegram_secret = settings.telegram_webhook_secret or ""

    def route(read: Callable[[bytes, Any, str], list[Message] | None], secret: str) -> Any:
        async def webhook(request: Request) -> Response:
            messages = read(await request.body(), request.headers, secret)
            if messages is None:
                return JSONResponse({"ok": False}, status_code=401)
            await floor.accept(messages)
            return JSONResponse({"ok": True})

        return webhook

    async def healthz(_: Request) -> Response:
        return JSONResponse({"ok": True})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await floor.start()
        try:
            yield
        finally:
            await replies.close()

    return Starlette(
        routes=[
            Route("/webhooks/line", route(_line, line_secret), methods=["POST"]),
            Route("/webhooks/telegram", route(_telegram, telegram_secret), methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", choices=("echo", "durable"), required=True)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()
    if not os.environ.get("DATABASE_URL") and args.path == "durable":
        parser.error("DATABASE_URL is needed for --path durable")
    loop = stack.event_loop(settings.event_loop)
    http = stack.http_parser(settings.http_parser)
    config = stack.uvicorn_config(build(args.path, settings), args.host, args.port, http)
    stack.run(uvicorn.Server(config).serve(), loop)


if __name__ == "__main__":
    main()
