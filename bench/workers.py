"""Several workers on one PostgreSQL: end-to-end rate with 1 and with 2 `serve` workers.

Run from the project root:

    .venv/bin/python bench/workers.py --seconds 15 [--workers 1 2 1 2] [--out bench/workers_results.md]

One throwaway PostgreSQL 15 (tests/support/postgres.py), the fake LINE and Telegram APIs in a
child process, and the synthetic district and event mix of bench/webhook.py (its `seed`,
`Events`, `end_to_end_loop`: each of `--concurrency` generator tasks sends a signed webhook and
waits for its reply to reach the fake API before sending the next). For each worker count, a
fresh database, that many `python -m bot serve --no-scheduler` processes, and the generator
spreading its requests over them round-robin (the job Caddy does in production; left out here so
that its CPU does not blur the figures). Reported: replies per second end to end, the ratio to
one worker measured in the same run (the mean of its runs; the counts are interleaved), and the CPU each worker spent per answered message (from
/proc/PID/stat), next to how busy the whole machine was (/proc/stat): on a 2-core machine the
generator, the fakes and PostgreSQL share the cores with the workers, so the ratio says as much
about the machine as about the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webhook import (  # noqa: E402
    Event,
    Events,
    end_to_end_loop,
    free_port,
    report_texts,
    seed,
    serve_env,
    start_fakes,
    start_server,
)
from tests.support import postgres  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


class RoundRobin:
    """Hands the generator's events to the workers in turn (as Caddy's round_robin)."""

    def __init__(self, events: Events, bases: list[str]) -> None:
        self._events = events
        self._bases = itertools.cycle(bases)

    def next(self) -> Event:
        event = self._events.next()
        base = next(self._bases)
        return Event(base + event.path, event.body, event.headers, event.key)


@dataclass
class Result:
    workers: int
    replies: int
    errors: int
    seconds: float
    cpu_ms_per_message: list[float]
    machine_busy: float  # share of all cores busy during the run, 0..1

    @property
    def rate(self) -> float:
        return self.replies / self.seconds if self.seconds else 0.0


async def measure(
    count: int,
    server: postgres.PostgresServer,
    args: argparse.Namespace,
    conn: Any,
    urls: Any,
    index: int = 0,
) -> Result:
    name = f"workers_{count}_{index}"
    await server.create_database(name)
    url = server.url(name)
    targets = await seed(url, args.groups)
    logs = Path(tempfile.mkdtemp(prefix="sammachip-bench-workers-"))
    servers = []
    try:
        for n in range(count):
            port = free_port()
            env = serve_env(url, urls[0], urls[1], port)
            command = [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--port", str(port)]
            servers.append(await start_server(command, env, logs / f"serve-{n}.log", port))
        events = RoundRobin(Events(targets, report_texts()), [s.url for s in servers])
        # Warm up (connections, caches), then measure.
        await end_to_end_loop("", events, min(5.0, args.seconds / 4), args.concurrency, conn)  # type: ignore[arg-type]
        before = [cpu_seconds(s.process.pid) for s in servers]
        busy_before, total_before = machine_busy()
        phase = await end_to_end_loop("", events, args.seconds, args.concurrency, conn)  # type: ignore[arg-type]
        busy_after, total_after = machine_busy()
        after = [cpu_seconds(s.process.pid) for s in servers]
        answered = max(1, phase.replies)
        return Result(
            workers=count,
            replies=phase.replies,
            errors=phase.errors,
            seconds=phase.seconds,
            # Each worker's CPU over the messages all of them answered, times the workers:
            # the CPU one message costs on the worker that handled it (round-robin: even).
            cpu_ms_per_message=[(a - b) * 1000 * count / answered for a, b in zip(after, before, strict=True)],
            machine_busy=(busy_after - busy_before) / max(1e-9, total_after - total_before),
        )  # fmt: skip
    finally:
        for s in servers:
            s.stop()


def markdown(results: list[Result], args: argparse.Namespace, command: str) -> str:
    # Against the mean of the one-worker runs (`--workers 1 2 1 2` interleaves them, so a
    # machine whose load changes during the run weighs on both alike).
    ones = [r.rate for r in results if r.workers == 1]
    base = sum(ones) / len(ones) if ones else 0.0
    cores = os.cpu_count()
    lines = [
        "# Several workers on one PostgreSQL: end to end",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.machine()}, {cores} cores ({platform.processor() or 'n/a'}), "
        f"Linux {platform.release()}, Python {platform.python_version()}; the generator, the "
        "fake platforms and PostgreSQL 15 run on the same cores as the workers",
        f"- Command: `{command}`",
        f"- {args.seconds:.0f} s per measurement after a warm-up, {args.concurrency} requests in "
        f"flight (each waits for its reply), {args.groups} synthetic groups",
        "",
        "| workers | replies/s end to end | vs 1 worker | errors | CPU ms per message, per worker | workers' CPU (cores) | machine busy |",
        "|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in results:
        cpu = ", ".join(f"{v:.1f}" for v in r.cpu_ms_per_message)
        ratio = r.rate / base if base else 0.0
        lines.append(
            f"| {r.workers} | {r.rate:.1f} | {ratio:.2f}× | {r.errors} | {cpu} | "
            f"{r.rate * sum(r.cpu_ms_per_message) / r.workers / 1000:.2f} | "
            f"{r.machine_busy:.0%} |"
        )
    return "\n".join(lines) + "\n"


async def run(args: argparse.Namespace) -> list[Result]:
    results = []
    with start_fakes() as (parent, urls):
        server = postgres.start()
        try:
            for index, count in enumerate(args.workers):
                results.append(await measure(count, server, args, parent, urls, index))
                print(markdown(results, args, "(partial)"), file=sys.stderr)
        finally:
            server.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2, 1, 2], help="worker counts, in turn"
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    command = ".venv/bin/python bench/workers.py " + " ".join(argv or sys.argv[1:])
    started, load = time.monotonic(), os.getloadavg()[0]
    results = asyncio.run(run(args))
    report = markdown(results, args, command)
    report += (
        f"\nLoad average (1 min) at the start {load:.1f}, at the end {os.getloadavg()[0]:.1f}.\n"
    )
    print(report)
    print(f"(ran {time.monotonic() - started:.0f} s)", file=sys.stderr)
    if args.out:
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
