"""Webhook load benchmark: `sammachip serve` against its own stack's ceiling, in one run.

Run from the project root:

    .venv/bin/python bench/webhook.py --db both --seconds 20 [--profile] [--floor] [--out bench/webhook_results.md]

For each database (SQLite file, and a throwaway PostgreSQL 15 from tests/support/postgres.py):

1. a fresh migrated database with a synthetic district bulk-loaded (tests/scheduler/synthetic.py:
   `--groups` occupation groups with a chair and a treasurer), then for every chair and treasurer a
   consented LINE or Telegram chat account and for every group a linked group chat — inserted
   directly, so the load is reports, not sign-ups;
2. the fake LINE and Telegram APIs (tests/support) in a child process, recording when each reply
   arrives; `python -m bot serve --no-scheduler` as a real subprocess pointed at them (start-up =
   spawn → first /healthz 200; resident memory from /proc/PID/status after the load);
3. the ceiling: the same generator against bench/bare_app.py (a bare Starlette route returning 200
   under the same uvicorn settings), closed loop, `--concurrency` requests in flight, measured
   right before the ingest phase (step 6) that it is compared with;
4. the bot **end to end**: closed loop where each of `--concurrency` workers sends an event and
   waits for its reply to reach the fake API before sending the next = the rate the bot sustains
   with no backlog (stored, handled, answered);
5. open loop at half of that end-to-end rate: p50/p99 from the scheduled send instant to the
   2xx, and to the reply's arrival at the fake API (LINE: matched by reply token; Telegram: by
   chat, first in first out);
6. the bot **ingest**: closed loop on the 2xx only (`serve` answers once an event is stored and
   handles it right after, see bot/web/intake.py) = how fast webhooks are taken when they come
   faster than they are handled (a burst); the ratio to the ceiling is the issue's target. It
   runs last because it leaves a backlog; resident memory is read after it.

Events: signed LINE text events and Telegram updates built by tests/support (`LineEvents`,
`TelegramUpdates`), Thai reports (sale, meeting, work, activity) from tests/data/parse_cases.jsonl,
70 % in private chats and 30 % in linked group chats, round-robin over all senders so that no one
meets the per-person flood gate (10 burst, then 1/s). The platform send limits of the sender are
raised for the run (the fakes do not limit; a real LINE/Telegram would).

With `--floor`, the end-to-end loop also runs, between the burst and the ceiling, against
bench/floor_app.py: `echo` (200 and a fixed reply, no database) and `durable` (the events
committed before the 2xx, one transaction per message that takes it, reads the speaker, writes
a record, an audit entry and the leased reply, then the send and the sent mark, in plain driver
calls, no parser): what the generator, the fakes and the database leave for any server that
keeps the bot's guarantees.

With `--profile [end-to-end|ingest|burst]`, py-spy samples the serve process during that phase and the
heaviest frames are printed (raw stacks kept under bench/profiles/). Loopback only; every phase is
bounded in time and the whole run stops by itself. Prints a Markdown report.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import insert, select, update  # noqa: E402

from bot.storage.database import create_engine  # noqa: E402
from bot.storage.migrate import upgrade_async  # noqa: E402
from bot.storage.models import ChatAccount, ChatRoom, Membership, Person  # noqa: E402
from tests.scheduler.synthetic import populate  # noqa: E402
from tests.support import postgres  # noqa: E402
from tests.support.fake_line import FakeLine, LineEvents, signed  # noqa: E402
from tests.support.fake_telegram import TOKEN, FakeTelegram, TelegramUpdates  # noqa: E402

LINE_SECRET = "bench-line-channel-secret"
LINE_TOKEN = "line-test-token"
TG_SECRET = "bench-telegram-secret"
TG_HEADER = "X-Telegram-Bot-Api-Secret-Token"
INTENTS = ("sale", "meeting", "work", "activity")
PROFILES = ROOT / "bench" / "profiles"


# --- fake platform APIs in their own process ---------------------------------------------------


class TimedLine(FakeLine):
    """FakeLine that accepts the bench's own reply tokens and records when each reply arrives."""

    def __init__(self) -> None:
        super().__init__(LINE_TOKEN)
        self.arrivals: list[tuple[str, float]] = []

    def _reply(self, call: Any) -> Any:
        # The generator makes the reply tokens in another process: any token not seen is fresh.
        if call.reply_token and call.reply_token not in self._tokens:
            self._tokens[call.reply_token] = ("fresh", "")
        return super()._reply(call)

    def _accept(self, call: Any) -> None:
        super()._accept(call)
        key = call.reply_token if call.endpoint == "reply" else f"line:{call.to}"
        self.arrivals.append((key, time.monotonic()))


class TimedTelegram(FakeTelegram):
    def __init__(self) -> None:
        super().__init__(TOKEN)
        self.arrivals: list[tuple[str, float]] = []

    def _method(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        result = super()._method(method, params, files)
        if method == "sendMessage":
            with self._lock:
                self.arrivals.append((f"tg:{params['chat_id']}", time.monotonic()))
        return result


def fakes_main(conn: Connection) -> None:
    line = TimedLine().start()
    telegram = TimedTelegram().start()
    conn.send((line.url, telegram.base_url))
    while True:
        command = conn.recv()
        if command == "collect":
            with line._lock, telegram._lock:
                arrivals = line.arrivals + telegram.arrivals
                line.arrivals, telegram.arrivals = [], []
                line.calls.clear()
                line.delivered.clear()
                telegram.calls.clear()
                telegram.sent.clear()
            conn.send(arrivals)
        else:
            break
    line.stop()
    telegram.stop()


@contextlib.contextmanager
def start_fakes() -> Iterator[tuple[Connection, tuple[str, str]]]:
    """The fake LINE and Telegram APIs in a child process (so that their CPU is not the
    measured process's): yields the pipe that `collect`s their arrivals and their base URLs
    (LINE, Telegram); stops them on the way out."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    fakes = context.Process(target=fakes_main, args=(child,), daemon=True)
    fakes.start()
    try:
        urls = parent.recv()
        yield parent, urls
    finally:
        parent.send("stop")
        fakes.join(timeout=10)


# --- data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    channel: str  # "line" | "telegram"
    user: str  # external id of the sender
    chat: str | None  # group chat external id, None for a private chat


async def seed(url: str, groups: int) -> list[Target]:
    """A migrated database with `groups` groups whose chairs and treasurers chat on LINE (even
    group ids) or Telegram (odd), each group linked to a group chat on the same platform."""
    await upgrade_async(url)
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        await populate(engine, groups=groups, officers=max(1, groups // 50))
        async with engine.begin() as conn:
            members = (await conn.execute(select(Membership.person_id, Membership.group_id))).all()
            accounts, rooms, targets = [], {}, []
            for person_id, group_id in members:
                line = group_id % 2 == 0
                channel = "line" if line else "telegram"
                user = f"U{person_id:032x}" if line else str(1_000_000 + person_id)
                room = f"C{group_id:032x}" if line else str(-1_001_000_000_000 - group_id)
                accounts.append(
                    {"channel": channel, "external_id": user, "person_id": person_id,
                     "blocked": False, "reminders_off": False, "consented_at": now,
                     "created_at": now}
                )  # fmt: skip
                rooms[room] = {"channel": channel, "external_id": room, "group_id": group_id,
                               "active": True, "created_at": now}  # fmt: skip
                targets.append(Target(channel, user, None))
                targets.append(Target(channel, user, room))
            await conn.execute(insert(ChatAccount), accounts)
            await conn.execute(insert(ChatRoom), list(rooms.values()))
            await conn.execute(update(Person).values(consented_at=now))
    finally:
        await engine.dispose()
    return targets


def report_texts() -> list[str]:
    texts = []
    for line in (ROOT / "tests" / "data" / "parse_cases.jsonl").read_text().splitlines():
        case = json.loads(line)
        expect = case["expect"]
        if expect.get("intent") in INTENTS and not expect.get("ambiguous"):
            texts.append(case["text"])
    return texts


@dataclass
class Event:
    path: str
    body: bytes
    headers: dict[str, str]
    key: str  # how its reply is recognised at the fake API


class Events:
    """An endless, deterministic mix: 70 % private chats, 30 % group chats, round-robin."""

    def __init__(self, targets: list[Target], texts: list[str], seed: int = 8) -> None:
        rng = random.Random(seed)
        private = [t for t in targets if t.chat is None]
        groups = [t for t in targets if t.chat is not None]
        rng.shuffle(private)
        rng.shuffle(groups)
        self._order: Iterator[Target] = self._mix(private, groups)
        self._texts = texts
        self._rng = rng
        self._line = LineEvents()
        self._telegram = TelegramUpdates()
        self._tokens = 0
        self._run = secrets.token_hex(6)

    @staticmethod
    def _mix(private: list[Target], groups: list[Target]) -> Iterator[Target]:
        i = j = 0
        n = 0
        while True:
            n += 1
            if n % 10 < 3:
                yield groups[j % len(groups)]
                j += 1
            else:
                yield private[i % len(private)]
                i += 1

    def next(self) -> Event:
        target = next(self._order)
        text = self._rng.choice(self._texts)
        if target.channel == "line":
            self._tokens += 1
            # Unique across runs: the fake LINE outlives one database's run, and a reused
            # (already answered) token would turn the reply into a push.
            token = f"{self._run}{self._tokens:020d}"
            event = self._line.text(text, user=target.user, reply_token=token, group=target.chat)
            body, signature = signed([event], LINE_SECRET)
            headers = {"X-Line-Signature": signature, "Content-Type": "application/json"}
            return Event("/webhooks/line", body, headers, token)
        chat = int(target.chat) if target.chat else int(target.user)
        update_ = self._telegram.message(text, user_id=int(target.user), chat_id=chat)
        body = json.dumps(update_, ensure_ascii=False).encode()
        headers = {TG_HEADER: TG_SECRET, "Content-Type": "application/json"}
        return Event("/webhooks/telegram", body, headers, f"tg:{chat}")


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    startup_s: float
    log: Path

    def cpu_s(self) -> float:
        """User + system CPU seconds the process has used (/proc/PID/stat fields 14 and 15)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> tuple[float, float]:
        """(VmRSS, VmHWM) in MiB."""
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            fields[name] = value.strip()
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def start_server(command: list[str], env: dict[str, str], log: Path, port: int) -> Server:
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with log.open("wb") as out:
        # Popen returns at once (it does not wait for the child): fine inside the loop.
        process = subprocess.Popen(  # noqa: ASYNC220
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = started + 90
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited: see {log}")
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return Server(process, url, time.monotonic() - started, log)
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.01)
    process.kill()
    raise RuntimeError(f"{command} did not answer /healthz in 90 s: see {log}")


def serve_env(database_url: str, line_url: str, telegram_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TELEGRAM_"))}
    env.update(
        DATABASE_URL=database_url,
        LINE_CHANNEL_SECRET=LINE_SECRET,
        LINE_CHANNEL_ACCESS_TOKEN=LINE_TOKEN,
        LINE_API_BASE_URL=line_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_SECRET=TG_SECRET,
        TELEGRAM_API_BASE_URL=telegram_url,
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        # The fakes do not limit; the sender's platform limits would cap replies at 30-100/s.
        LINE_MESSAGES_PER_SECOND="100000",
        TELEGRAM_MESSAGES_PER_SECOND="100000",
        TELEGRAM_GROUP_MESSAGES_PER_MINUTE="600",
    )
    return env


# --- the generator -----------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    sent: int = 0
    ok: int = 0
    errors: int = 0
    seconds: float = 0.0
    to_2xx: list[float] = field(default_factory=list)
    sends: dict[str, collections.deque[float]] = field(default_factory=dict)
    to_reply: list[float] = field(default_factory=list)
    replies: int = 0

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


async def _post(session: aiohttp.ClientSession, base: str, event: Event) -> int:
    async with session.post(base + event.path, data=event.body, headers=event.headers) as r:
        await r.read()
        return r.status


def _record(phase: Phase, event: Event, t0: float, status: int) -> None:
    phase.to_2xx.append(time.monotonic() - t0)
    if 200 <= status < 300:
        phase.ok += 1
        phase.sends.setdefault(event.key, collections.deque()).append(t0)
    else:
        phase.errors += 1


class Arrivals:
    """Polls the fake APIs (every few ms) for replies that arrived and wakes whoever waits for
    that key: lets a generator worker wait for its own reply before sending the next event."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._waiting: dict[str, collections.deque[asyncio.Future[float]]] = {}

    def expect(self, key: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, collections.deque()).append(future)
        return future

    def _collect(self) -> list[tuple[str, float]]:
        self._conn.send("collect")
        arrivals: list[tuple[str, float]] = self._conn.recv()
        return arrivals

    async def poll(self, until: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not until.is_set():
            for key, arrived in await loop.run_in_executor(None, self._collect):
                queue = self._waiting.get(key)
                while queue:
                    future = queue.popleft()
                    if not future.done():
                        future.set_result(arrived)
                        break
            await asyncio.sleep(0.005)


async def closed_loop(
    base: str,
    events: Events,
    seconds: float,
    concurrency: int,
    arrivals: Arrivals | None = None,
) -> Phase:
    """`concurrency` workers, each sending the next event once the previous one is done: done
    at its 2xx, or, with `arrivals`, once its reply reached the fake API (end to end)."""
    phase = Phase("closed" if arrivals is None else "end-to-end")
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.monotonic()
        end = start + seconds

        async def worker() -> None:
            while time.monotonic() < end:
                event = events.next()
                reply = arrivals.expect(event.key) if arrivals is not None else None
                t0 = time.monotonic()
                phase.sent += 1
                try:
                    status = await _post(session, base, event)
                except aiohttp.ClientError:
                    status = 599
                if reply is None:
                    _record(phase, event, t0, status)
                    continue
                phase.to_2xx.append(time.monotonic() - t0)
                if not 200 <= status < 300:
                    phase.errors += 1
                    continue
                try:
                    arrived = await asyncio.wait_for(reply, timeout=30)
                except TimeoutError:
                    phase.errors += 1
                    continue
                phase.ok += 1
                phase.replies += 1
                phase.to_reply.append(arrived - t0)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        phase.seconds = time.monotonic() - start
    return phase


async def end_to_end_loop(
    base: str, events: Events, seconds: float, concurrency: int, conn: Connection
) -> Phase:
    """Closed loop over the whole path: each worker waits for its reply to reach the fake API
    before sending the next event. Its rate is what the bot sustains end to end (stored,
    handled and answered) without a backlog building up."""
    arrivals = Arrivals(conn)
    stop = asyncio.Event()
    poller = asyncio.create_task(arrivals.poll(stop))
    try:
        return await closed_loop(base, events, seconds, concurrency, arrivals)
    finally:
        stop.set()
        await poller


async def open_loop(base: str, events: Events, seconds: float, rate: float) -> Phase:
    """Sends at a fixed rate whatever the answers do; latency counts from the scheduled instant
    (no coordinated omission)."""
    phase = Phase("open")
    count = max(1, int(rate * seconds))
    connector = aiohttp.TCPConnector(limit=512)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = []
        start = time.monotonic()

        async def one(event: Event, at: float) -> None:
            try:
                status = await _post(session, base, event)
            except aiohttp.ClientError:
                status = 599
            _record(phase, event, at, status)

        for i in range(count):
            at = start + i / rate
            delay = at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            phase.sent += 1
            tasks.append(asyncio.create_task(one(events.next(), at)))
        await asyncio.wait(tasks, timeout=60)
        phase.seconds = time.monotonic() - start
    return phase


def match_replies(phase: Phase, arrivals: list[tuple[str, float]]) -> None:
    """Pairs each reply with the earliest unanswered send of the same key."""
    for key, arrived in sorted(arrivals, key=lambda a: a[1]):
        queue = phase.sends.get(key)
        if queue:
            phase.to_reply.append(arrived - queue.popleft())
            phase.replies += 1


async def collect(conn: Connection, phase: Phase, *, wait: float = 30.0) -> None:
    """Waits (up to `wait` s) until every acknowledged event has a reply, then matches them."""
    arrivals: list[tuple[str, float]] = []
    deadline = time.monotonic() + wait
    while True:
        conn.send("collect")
        arrivals += conn.recv()
        if len(arrivals) >= phase.ok or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    match_replies(phase, arrivals)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


# --- profile ---------------------------------------------------------------------------------


def start_profile(pid: int, seconds: float, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    PROFILES.mkdir(exist_ok=True)
    out = PROFILES / f"{name}.txt"
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
    command = [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)),
               "--rate", "200", "--format", "raw", "--output", str(out), "--nonblocking"]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), out


def summarise_profile(path: Path, top: int = 25) -> str:
    """Inclusive share of samples per frame (function file:line collapsed to function file)."""
    if not path.exists():
        return f"(no profile at {path})"
    inclusive: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue  # a torn line (the process was sampled while it exited)
        count = int(count_text)
        total += count
        frames = [_frame(f) for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += count
        leaf[frames[-1]] += count
    # The project's own frames (inclusive), then where the samples end, by package.
    ours = [
        (f, c)
        for f, c in inclusive.most_common()
        if ("(bot/" in f or "(scheduler/" in f) and "bot/__main__" not in f and "cli.py" not in f
    ]
    packages: collections.Counter[str] = collections.Counter()
    for frame, count in leaf.items():
        where = frame.rpartition("(")[2].rstrip(")")
        packages[where.split("/")[0].removesuffix(".py")] += count
    rows = ["| project frame (inclusive) | share of samples |", "|---|---:|"]
    rows += [f"| `{f}` | {c / total:.0%} |" for f, c in ours[:top]]
    rows += ["", "| samples ending in (self time by package) | share |", "|---|---:|"]
    rows += [f"| `{p}` | {c / total:.0%} |" for p, c in packages.most_common(10)]
    return f"{total} samples (all threads)\n\n" + "\n".join(rows)


def _frame(raw: str) -> str:
    # py-spy raw frames: "function (path/to/file.py:123)"
    name, _, where = raw.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})"


# --- one database ----------------------------------------------------------------------------


@dataclass
class DbResult:
    database: str
    startup_s: float
    ceiling: Phase
    bare_open: Phase
    closed: Phase  # end to end: each worker waits for its reply
    open: Phase
    ingest: Phase  # webhooks taken (stored, 2xx) faster than they are handled
    rss_mb: float
    hwm_mb: float
    stats: Stats | None = None
    burst: Burst | None = None
    profile: str | None = None
    # `--floor`: the end-to-end loop against bench/floor_app.py (path -> phase, CPU ms/message)
    floors: dict[str, tuple[Phase, float]] = field(default_factory=dict)


@dataclass
class Stats:
    """Per answered message in the end-to-end phase: SQL statements (round trips), commits and
    CPU seconds of the serve process (bench/counted_serve.py)."""

    statements: float
    transactions: float
    cpu_ms: float


@dataclass
class Burst:
    """`--burst-members` members each sending `--burst-sales` sales as fast as the generator
    can: seconds until every 2xx, and until the last reply reached the fake API."""

    events: int
    acked_s: float
    answered_s: float
    replies: int
    errors: int
    cpu_s: float = 0.0  # serve's CPU time (user + system) from the first send to the last reply


def read_stats(process: subprocess.Popen[bytes], path: Path) -> dict[str, float]:
    """Asks bench/counted_serve.py for its counters (SIGUSR1) and reads them."""
    path.unlink(missing_ok=True)
    process.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            return dict(json.loads(path.read_text()))
        except (FileNotFoundError, json.JSONDecodeError):
            time.sleep(0.01)
    raise RuntimeError("serve did not write its statement counters")


def per_message(before: dict[str, float], after: dict[str, float], answered: int) -> Stats:
    n = max(1, answered)
    return Stats(
        (after["statements"] - before["statements"]) / n,
        (after["transactions"] - before["transactions"]) / n,
        (after["cpu_s"] - before["cpu_s"]) * 1000 / n,
    )


BURST_IDS = 990_000_001  # Telegram ids of the burst, above any the generator reaches


async def burst(
    base: str,
    targets: list[Target],
    texts: list[str],
    args: argparse.Namespace,
    conn: Connection,
) -> Burst:
    """A market day at 6 pm: members (private chats) each send their sales, all at once (32
    in flight), each member's in order; done when every one of them has its reply."""
    members = [t for t in targets if t.chat is None][: args.burst_members]
    sales = [t for t in texts if "ขาย" in t] or texts
    line, telegram = LineEvents(), TelegramUpdates()
    run = secrets.token_hex(6)
    queue: list[Event] = []
    for round_ in range(args.burst_sales):
        for n, target in enumerate(members):
            text = sales[(round_ * len(members) + n) % len(sales)]
            if target.channel == "line":
                token = f"{run}b{round_:03d}{n:016d}"
                event = line.text(text, user=target.user, reply_token=token)
                body, signature = signed([event], LINE_SECRET)
                headers = {"X-Line-Signature": signature, "Content-Type": "application/json"}
                queue.append(Event("/webhooks/line", body, headers, token))
            else:
                # Update and message ids of their own: a TelegramUpdates starts counting at the
                # same numbers as the generator's, and a repeat of (update, chat, message) is,
                # rightly, dropped by the bot as a redelivery.
                number = BURST_IDS + round_ * len(members) + n
                update_ = telegram.message(
                    text,
                    user_id=int(target.user),
                    chat_id=int(target.user),
                    update_id=number,
                    message_id=number,
                )
                body = json.dumps(update_, ensure_ascii=False).encode()
                headers = {TG_HEADER: TG_SECRET, "Content-Type": "application/json"}
                queue.append(Event("/webhooks/telegram", body, headers, f"tg:{target.user}"))
    phase = Phase("burst")
    pending = iter(queue)
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    start = time.monotonic()
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            for event in pending:
                t0 = time.monotonic()
                phase.sent += 1
                try:
                    status = await _post(session, base, event)
                except aiohttp.ClientError:
                    status = 599
                _record(phase, event, t0, status)

        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    acked = time.monotonic() - start
    arrivals: list[tuple[str, float]] = []
    deadline = time.monotonic() + 300
    while len(arrivals) < phase.ok and time.monotonic() < deadline:
        conn.send("collect")
        arrivals += conn.recv()
        await asyncio.sleep(0.05)
    last = max((at for _, at in arrivals), default=start)
    return Burst(len(queue), acked, last - start, len(arrivals), phase.errors)


async def bare_ceiling(
    tmp: Path, targets: list[Target], texts: list[str], args: argparse.Namespace
) -> Phase:
    port = free_port()
    bare = await start_server(
        [sys.executable, str(ROOT / "bench" / "bare_app.py"), "--port", str(port)],
        dict(os.environ),
        tmp / "bare.log",
        port,
    )
    try:
        await closed_loop(bare.url, Events(targets, texts, 1), 3, args.concurrency)  # warm-up
        return await closed_loop(
            bare.url, Events(targets, texts, 2), args.seconds, args.concurrency
        )
    finally:
        bare.stop()


async def floor_end_to_end(
    path: str, tmp: Path, env: dict[str, str], targets: list[Target], texts: list[str],
    args: argparse.Namespace, fakes: Connection,
) -> tuple[Phase, float]:  # fmt: skip
    """The end-to-end loop against bench/floor_app.py: what the rest of the loop (generator,
    fakes, database) leaves for any server doing the least the bot must do. Returns the phase
    and the floor server's CPU per answered message (ms)."""
    port = free_port()
    env = {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    floor = await start_server(
        [sys.executable, str(ROOT / "bench" / "floor_app.py"), "--port", str(port),
         "--path", path],
        env, tmp / f"floor-{path}.log", port,
    )  # fmt: skip
    try:
        events = Events(targets, texts, 5 if path == "echo" else 6)
        await end_to_end_loop(floor.url, events, 3, args.concurrency, fakes)  # warm-up
        await collect(fakes, Phase("drop"), wait=0)
        cpu = floor.cpu_s()
        phase = await end_to_end_loop(floor.url, events, args.seconds, args.concurrency, fakes)
        cpu_ms = (floor.cpu_s() - cpu) * 1000 / max(1, phase.ok)
        await collect(fakes, Phase("drop"), wait=0)
        return phase, cpu_ms
    finally:
        floor.stop()


async def run_database(
    database: str, url: str, args: argparse.Namespace, fakes: Connection, urls: tuple[str, str]
) -> DbResult:
    print(f"[{database}] seeding {args.groups} groups …", file=sys.stderr)
    targets = await seed(url, args.groups)
    texts = report_texts()
    tmp = Path(tempfile.mkdtemp(prefix="sammachip-bench-"))
    python = sys.executable

    port = free_port()
    env = serve_env(url, urls[0], urls[1], port)
    stats_file = tmp / "stats.json"
    env["SAMMACHIP_BENCH_STATS"] = str(stats_file)
    serve = await start_server(
        [python, str(ROOT / "bench" / "counted_serve.py"), "serve", "--host", "127.0.0.1",
         "--port", str(port), "--no-scheduler"],
        env, tmp / "serve.log", port,
    )  # fmt: skip
    try:
        events = Events(targets, texts, 3)
        print(f"[{database}] serve up in {serve.startup_s:.2f} s; warm-up …", file=sys.stderr)
        # Warm-up end to end: an ingest-speed warm-up would leave a backlog behind it.
        await end_to_end_loop(serve.url, events, 3, args.concurrency, fakes)
        await collect(fakes, Phase("drop"), wait=0)
        print(f"[{database}] bot: end-to-end closed loop …", file=sys.stderr)
        spy = None
        if args.profile == "end-to-end":
            spy = start_profile(serve.process.pid, args.seconds, f"serve-{database}-e2e")
        before = read_stats(serve.process, stats_file)
        closed = await end_to_end_loop(serve.url, events, args.seconds, args.concurrency, fakes)
        stats = per_message(before, read_stats(serve.process, stats_file), closed.ok)
        profile = None
        if spy is not None:
            spy[0].wait(timeout=args.seconds + 30)
            profile = summarise_profile(spy[1])
        await collect(fakes, Phase("drop"), wait=0)  # replies that came after their wait
        half = max(1.0, closed.rate / 2)
        print(f"[{database}] bot: open loop at {half:.0f}/s …", file=sys.stderr)
        opened = await open_loop(serve.url, events, args.seconds, half)
        await collect(fakes, opened)
        bursted = None
        if args.burst_members:
            print(f"[{database}] bot: burst of {args.burst_members} × {args.burst_sales} …",
                  file=sys.stderr)  # fmt: skip
            if args.profile == "burst":  # the burst lasts ~15-25 s; sample its first 15
                spy = start_profile(serve.process.pid, 15, f"serve-{database}-burst")
            cpu_before = serve.cpu_s()
            bursted = await burst(serve.url, targets, texts, args, fakes)
            bursted.cpu_s = serve.cpu_s() - cpu_before
            if spy is not None and args.profile == "burst":
                spy[0].wait(timeout=60)
                profile = summarise_profile(spy[1])
        floors = {}
        if args.floor:
            for path in ("echo", "durable"):
                print(f"[{database}] floor: {path}, end-to-end closed loop …", file=sys.stderr)
                floors[path] = await floor_end_to_end(path, tmp, env, targets, texts, args, fakes)
        # The ceiling right before the ingest phase (the machine's load drifts over a run):
        # the same generator against a bare Starlette route under the same uvicorn settings.
        print(f"[{database}] ceiling: bare Starlette, closed loop …", file=sys.stderr)
        ceiling = await bare_ceiling(tmp, targets, texts, args)
        # Last, as it leaves a backlog behind: how fast webhooks are taken (stored + 2xx) when
        # they come faster than they can be handled, and how many replies go out meanwhile.
        print(f"[{database}] bot: ingest closed loop …", file=sys.stderr)
        if args.profile == "ingest":
            spy = start_profile(serve.process.pid, args.seconds, f"serve-{database}-ingest")
        ingest = await closed_loop(serve.url, events, args.seconds, args.concurrency)
        if spy is not None and args.profile == "ingest":
            spy[0].wait(timeout=args.seconds + 30)
            profile = summarise_profile(spy[1])
        fakes.send("collect")
        ingest.replies = len(fakes.recv())  # replies that went out during the ingest phase
        rss, hwm = serve.rss_mb()
    finally:
        serve.stop()

    # The bare endpoint at the same fixed rate: the latency floor of the stack.
    port = free_port()
    bare = await start_server(
        [python, str(ROOT / "bench" / "bare_app.py"), "--port", str(port)],
        dict(os.environ),
        tmp / "bare.log",
        port,
    )
    try:
        bare_open = await open_loop(bare.url, Events(targets, texts, 4), args.seconds, half)
    finally:
        bare.stop()
    print(f"[{database}] server logs kept in {tmp}", file=sys.stderr)
    return DbResult(database, serve.startup_s, ceiling, bare_open, closed, opened, ingest, rss,
                    hwm, stats, bursted, profile, floors)  # fmt: skip


# --- report ----------------------------------------------------------------------------------


def markdown(results: list[DbResult], args: argparse.Namespace, command: str) -> str:
    load = os.getloadavg()
    lines = [
        "# Webhook benchmark (`sammachip serve`)",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}`",
        f"- load: {args.groups} groups, {args.groups * 2} senders (chair + treasurer, half LINE,"
        " half Telegram) and as many linked group chats; 70 % private, 30 % group messages; "
        f"closed loop with {args.concurrency} requests in flight, {args.seconds:g} s per phase",
        f"- 1-minute load average at the end: {load[0]:.1f}",
        "",
        "| database | ceiling: bare Starlette (ev/s) | ingest: stored + 2xx (ev/s) | ratio | "
        "end to end: answered (ev/s) | ratio | replies sent during ingest (ev/s) | "
        "errors | serve start-up (s) | RSS after load / peak (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        i, c = r.ingest, r.closed
        lines.append(
            f"| {r.database} | {r.ceiling.rate:,.0f} | {i.rate:,.0f} | "
            f"{i.rate / r.ceiling.rate:.0%} | {c.rate:,.0f} | {c.rate / r.ceiling.rate:.1%} | "
            f"{i.replies / i.seconds:,.0f} | {c.errors + r.open.errors + i.errors} | "
            f"{r.startup_s:.2f} | {r.rss_mb:.0f} / {r.hwm_mb:.0f} |"
        )
    lines += [
        "",
        "Open loop at half the end-to-end rate (latency from the scheduled send instant), and "
        "the bare endpoint at that same rate:",
        "",
        "| database | rate (ev/s) | send→2xx p50 / p99 (ms) | send→reply p50 / p99 (ms) | "
        "replies / 2xx | bare p50 / p99 (ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        o = r.open
        lines.append(
            f"| {r.database} | {o.sent / o.seconds:,.0f} | "
            f"{pct(o.to_2xx, 0.5):.0f} / {pct(o.to_2xx, 0.99):.0f} | "
            f"{pct(o.to_reply, 0.5):.0f} / {pct(o.to_reply, 0.99):.0f} | "
            f"{o.replies:,} / {o.ok:,} | "
            f"{pct(r.bare_open.to_2xx, 0.5):.1f} / {pct(r.bare_open.to_2xx, 0.99):.1f} |"
        )
    lines += [
        "",
        "Per answered message in the end-to-end phase (bench/counted_serve.py), and the burst:",
        "",
        "| database | SQL statements | commits | serve CPU (ms) | burst events | all 2xx (s) | "
        "last reply (s) | serve CPU in the burst (s) | replies | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        st, b = r.stats, r.burst
        cells = f"{st.statements:.1f} | {st.transactions:.1f} | {st.cpu_ms:.1f}" if st else "| |"
        bcells = (
            f"{b.events:,} | {b.acked_s:.1f} | {b.answered_s:.1f} | {b.cpu_s:.1f} | "
            f"{b.replies:,} | {b.errors}"
            if b
            else "| | | | |"
        )
        lines.append(f"| {r.database} | {cells} | {bcells} |")
    if any(r.floors for r in results):
        lines += [
            "",
            "The floor (`--floor`, bench/floor_app.py): the same end-to-end loop against a server "
            "that does the least — `echo`: 200 and a fixed reply, no database; `durable`: the "
            "events committed before the 2xx, one transaction per message (take, who is speaking, "
            "record, audit, reply leased), the reply sent and marked, in plain driver calls, no "
            "parser. Ratios to the same run's bare ceiling:",
            "",
            "| database | bot end to end (ev/s) | floor `durable` (ev/s) | floor `echo` (ev/s) | "
            "bot / durable | durable / bare | echo / bare | CPU per message: bot / durable / "
            "echo (ms) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results:
            if not r.floors:
                continue
            (echo, echo_ms), (durable, durable_ms) = r.floors["echo"], r.floors["durable"]
            bare = r.ceiling.rate
            bot_ms = f"{r.stats.cpu_ms:.1f}" if r.stats else "?"
            lines.append(
                f"| {r.database} | {r.closed.rate:,.0f} | {durable.rate:,.0f} | "
                f"{echo.rate:,.0f} | {r.closed.rate / durable.rate:.0%} | "
                f"{durable.rate / bare:.1%} | {echo.rate / bare:.1%} | "
                f"{bot_ms} / {durable_ms:.1f} / {echo_ms:.1f} |"
            )
    lines += ["", "Closed loops, for reference (queueing included):", ""]
    lines += ["| database | phase | send→2xx p50 / p99 (ms) | send→reply p50 / p99 (ms) |",
              "|---|---|---:|---:|"]  # fmt: skip
    for r in results:
        for name, phase in (("end to end", r.closed), ("ingest", r.ingest)):
            lines.append(
                f"| {r.database} | {name} | {pct(phase.to_2xx, 0.5):.0f} / "
                f"{pct(phase.to_2xx, 0.99):.0f} | "
                f"{pct(phase.to_reply, 0.5):.0f} / {pct(phase.to_reply, 0.99):.0f} |"
            )
    for r in results:
        if r.profile:
            lines += [
                "",
                f"## py-spy profile of serve, {r.database}, {args.profile} phase",
                "",
                r.profile,
            ]
    return "\n".join(lines) + "\n"


async def run(args: argparse.Namespace) -> list[DbResult]:
    results = []
    with start_fakes() as (parent, urls):
        if args.db in ("sqlite", "both"):
            tmp = Path(tempfile.mkdtemp(prefix="sammachip-bench-db-"))
            try:
                url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
                results.append(await run_database("SQLite", url, args, parent, urls))
                print(markdown(results, args, "(partial)"), file=sys.stderr)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        if args.db in ("postgres", "both"):
            server = postgres.start()
            try:
                await server.create_database("bench")
                results.append(
                    await run_database("PostgreSQL", server.url("bench"), args, parent, urls)
                )
            finally:
                server.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument(
        "--concurrency", type=int, default=32, help="closed-loop requests in flight"
    )
    parser.add_argument(
        "--groups", type=int, default=2000, help="synthetic groups (2 senders each)"
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const="end-to-end",
        choices=("end-to-end", "ingest", "burst"),
        help="py-spy the serve process during that phase (default: end-to-end)",
    )
    parser.add_argument(
        "--burst-members", type=int, default=300, help="burst phase: members (0 = no burst)"
    )
    parser.add_argument("--burst-sales", type=int, default=8, help="burst phase: sales each")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also run the end-to-end loop against bench/floor_app.py (echo and durable)",
    )
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    command = ".venv/bin/python bench/webhook.py " + " ".join(argv or sys.argv[1:])
    results = asyncio.run(run(args))
    report = markdown(results, args, command)
    print(report)
    if args.out:
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
