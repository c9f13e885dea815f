"""One message through the whole path, in process: every SQL statement it costs, and a profile.

    .venv/bin/python bench/trace_message.py [--db sqlite|postgres] [--profile cprofile]
        [--runs 200]

A migrated database with a small synthetic district (the seeding of bench/webhook.py), the
intake of `serve` with a recording transport (no network: a transport that accepts every
send), then: one warm-up message per sender, the statements of one private sale and of one
group sale listed (SQL text, first line), and `--runs` sales handled one after another with
cProfile on (`--profile cprofile`) to show where the time goes, and how many Python function
calls a message costs (a count: comparable between commits on a noisy machine;
TRACE_DUMP=file.prof keeps the profile); then a backlog (16 chats' sales stored at once,
handled together, `--runs`/16 times); last, the market day of bench/webhook.py's burst in
process (every member's 8 sales stored at once, replies in each chat's order). It answers
"which statements, and what costs" for bench/webhook.py's per-message figures.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import event  # noqa: E402

from bench.webhook import Target, seed  # noqa: E402
from bot.app import build_app  # noqa: E402
from bot.channels.base import Delivery, Outgoing, RateLimits  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.messages import InboundMessage  # noqa: E402
from bot.web.intake import Intake  # noqa: E402
from tests.support import postgres  # noqa: E402


class Accepting:
    """A transport that takes every message at once (the network is not what is measured)."""

    limits = RateLimits()

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent = 0
        self.first_lines: collections.Counter[str] = collections.Counter()

    async def send(self, message: Outgoing) -> Delivery:
        self.sent += 1
        self.first_lines[message.reply.text.split("\n", 1)[0]] += 1
        return Delivery(pushed=0)


def message(target: Target, text: str, n: int) -> InboundMessage:
    return InboundMessage(
        channel=target.channel,
        event_id=f"trace-{n}",
        sender_id=target.user,
        chat_id=target.chat or target.user,
        is_group=target.chat is not None,
        kind="text",
        text=text,
        reply_token=f"token-{n}" if target.channel == "line" else None,
        message_id=f"m{n}",
    )


async def run(url: str, args: argparse.Namespace) -> None:
    targets = await seed(url, 100)
    settings = Settings(database_url=url, _env_file=None)
    transports = {c: Accepting(c) for c in ("line", "telegram")}
    app = build_app(settings, transports=transports)
    intake = Intake(app)
    intake.start()
    statements: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(
            statement.strip().splitlines()[0][: int(os.environ.get("TRACE_WIDTH", "110"))]
        )

    event.listen(app.engine.sync_engine, "before_cursor_execute", record)
    sale = "ขายผ้าไหม 3 ผืน ผืนละ 1,200 บาท"
    n = 0

    async def one(target: Target, text: str = sale) -> None:
        nonlocal n
        n += 1
        await intake.accept([message(target, text, n)])
        await intake.idle()

    private = [t for t in targets if t.chat is None]
    groups = [t for t in targets if t.chat is not None]
    for target in private[:10] + groups[:10]:
        await one(target)
    for name, target in (("private", private[11]), ("group", groups[11])):
        statements.clear()
        await one(target)
        print(f"\n## {name} sale: {len(statements)} statements (store, handle, send)\n")
        for s in statements:
            print(f"- `{s}`")
    profile = cProfile.Profile() if args.profile == "cprofile" else None
    instrument = None
    if args.profile == "pyinstrument":
        from pyinstrument import Profiler

        instrument = Profiler(interval=0.0005, async_mode="disabled")
        instrument.start()
    started, cpu = time.perf_counter(), time.process_time()
    statements.clear()
    if profile:
        profile.enable()
    for i in range(args.runs):
        await one(private[i % len(private)] if i % 10 >= 3 else groups[i % len(groups)])
    if profile:
        profile.disable()
        # A count, not a time: it does not swing with the machine's neighbours, so two commits
        # can be compared by it on a noisy VM where a 5 % change in CPU time is invisible.
        calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
        print(f"\nPython function calls per message, one at a time: {calls / args.runs:,.0f}")
    if instrument:
        instrument.stop()
        print(instrument.output_text(unicode=True, show_all=False, short_mode=False))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"\n{args.runs} messages one at a time: {wall / args.runs * 1000:.2f} ms wall, "
        f"{cpu / args.runs * 1000:.2f} ms CPU, {len(statements) / args.runs:.1f} statements each"
    )
    rounds = max(1, args.runs // 16)
    with counted_calls(args.profile == "cprofile", "a backlog of 16 chats", rounds * 16):
        await backlog(intake, targets, statements, rounds=rounds, n=n + 1)
    members = sum(1 for t in targets if t.chat is None)
    with counted_calls(args.profile == "cprofile", "the burst", members * 8):
        await burst(intake, app.sender, transports, targets, statements, sales=8, n=n + 100_000)
    if profile:
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
        stats.print_stats(45)
        if os.environ.get("TRACE_CALLERS"):
            stats.print_callers(os.environ["TRACE_CALLERS"])
        print(out.getvalue())
        if os.environ.get("TRACE_DUMP"):
            profile.dump_stats(os.environ["TRACE_DUMP"])  # for pstats or snakeviz afterwards
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    await intake.stop()
    await app.close()


@contextlib.contextmanager
def counted_calls(on: bool, what: str, messages: int) -> Iterator[None]:
    """With `--profile cprofile`: Python function calls per message of a phase, a count that
    does not swing with the machine's neighbours (the phase's timings above are then cProfile's,
    not comparable with a run without it)."""
    if not on:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
        print(f"Python function calls per message, {what}: {calls / messages:,.0f}")


async def backlog(
    intake: Intake, targets: list[Target], statements: list[str], rounds: int, n: int
) -> None:
    """A market-day backlog: 16 sales of 16 different chats stored at once, `rounds` times,
    each batch handled before the next (so the lane handles them together, one transaction
    per round). Senders rotate through the district so the flood gate never refuses one."""
    # One message per chat and per sender (a sender's private and group chats are two chats
    # but one flood bucket): the district's senders in turn, each a few times at most.
    chats: set[tuple[str, str]] = set()
    senders: set[tuple[str, str]] = set()
    distinct: list[Target] = []
    for target in targets:
        chat, sender = (target.channel, target.chat or target.user), (target.channel, target.user)
        if chat not in chats and sender not in senders:
            chats.add(chat)
            senders.add(sender)
            distinct.append(target)
    statements.clear()
    started, cpu = time.perf_counter(), time.process_time()
    for r in range(rounds):
        batch = [distinct[(r * 16 + k) % len(distinct)] for k in range(16)]
        messages = []
        for target in batch:
            messages.append(message(target, "ขายไข่เค็ม 30 ฟอง 150 บาท", n))
            n += 1
        await intake.accept(messages)
        await intake.idle()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    count = rounds * 16
    sales = sum(1 for s in statements if s.startswith("INSERT INTO sale "))
    print(
        f"a backlog of 16 chats at once, {rounds} times: {wall / count * 1000:.2f} ms wall, "
        f"{cpu / count * 1000:.2f} ms CPU, {len(statements) / count:.1f} statements each "
        f"({sales} of {count} sales saved)"
    )


async def burst(
    intake: Intake,
    sender: Any,
    transports: dict[str, Accepting],
    targets: list[Target],
    statements: list[str],
    sales: int,
    n: int,
) -> None:
    """bench/webhook.py's market day in process: every member of a private chat sends `sales`
    sales, one webhook each, in the generator's order (everyone's first, then everyone's
    second…), all stored before the first is handled. A member's replies go out one after the
    other (a chat's order), so most of them wait behind the previous one and are leased when
    it is marked sent: the sender's lease transactions are counted apart."""
    members = [t for t in targets if t.chat is None]
    leases = 0
    original = sender._lease
    for transport in transports.values():
        transport.first_lines.clear()

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal leases
        leases += 1
        return await original(*args, **kwargs)

    sender._lease = counted
    statements.clear()
    started, cpu = time.perf_counter(), time.process_time()
    webhooks = []
    for round_ in range(sales):
        for target in members:
            text = f"ขายไข่เค็ม {round_ + 1} ฟอง {5 * round_ + 5} บาท"
            webhooks.append(intake.accept([message(target, text, n)]))
            n += 1
    await asyncio.gather(*webhooks)  # arriving together: the lane finds a backlog
    await intake.idle()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    sender._lease = original
    count = sales * len(members)
    saved = sum(1 for s in statements if s.startswith("INSERT INTO sale "))
    print(
        f"a burst of {len(members)} members x {sales} sales: {wall:.2f} s wall, "
        f"{cpu / count * 1000:.2f} ms CPU and {len(statements) / count:.1f} statements per "
        f"message, {leases} lease transactions ({saved} of {count} sales saved)"
    )
    answers: collections.Counter[str] = collections.Counter()
    for transport in transports.values():
        answers.update(transport.first_lines)
    for line, times in answers.most_common(4):
        print(f"  answered {times} times: {line}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--profile", choices=("cprofile", "pyinstrument"))
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args()
    runner: Any = asyncio.run
    if args.loop == "uvloop":
        import uvloop

        runner = uvloop.run
    if args.db == "sqlite":
        tmp = Path(tempfile.mkdtemp(prefix="sammachip-trace-"))
        try:
            runner(run(f"sqlite+aiosqlite:///{tmp / 'trace.db'}", args))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        server = postgres.start()
        try:
            runner(run(server.url("postgres"), args))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
