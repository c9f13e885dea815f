"""Start-up time of `sammachip serve` and `sammachip parse`, with in-run baselines.

Run from the project root:  .venv/bin/python bench/startup.py [--runs 5]

Wall-clock medians of `--runs` fresh processes:

- `python -c pass` (the interpreter alone) and bench/bare_app.py (uvicorn + Starlette, spawn →
  first /healthz 200): the floors;
- `python -m bot serve --no-scheduler` on an empty SQLite file (includes creating the schema with
  the Alembic migrations) and on an already migrated one, spawn → first /healthz 200, and its
  resident memory when idle (VmRSS);
- `python -m bot parse TEXT --json` (import, newmm dictionary, one parse, exit).

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webhook import free_port, start_server  # noqa: E402

TEXT = "ขายไข่เค็ม 50 ฟอง ฟองละ 5 บาท"


def timed(command: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.monotonic() - started


async def server_start(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """(seconds to the first /healthz 200, VmRSS in MiB once up)."""
    port = free_port()
    server = await start_server([*command, "--port", str(port)], env, log, port)
    try:
        await asyncio.sleep(0.5)
        return server.startup_s, server.rss_mb()[0]
    finally:
        server.stop()


async def run(runs: int) -> list[tuple[str, float, float | None]]:
    python = sys.executable
    tmp = Path(tempfile.mkdtemp(prefix="sammachip-startup-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TELEGRAM_"))}
    rows: list[tuple[str, float, float | None]] = []
    try:
        interp = [timed([python, "-c", "pass"]) for _ in range(runs)]
        rows.append(("`python -c pass` (floor)", statistics.median(interp), None))
        bare = [
            await server_start([python, "bench/bare_app.py"], env, tmp / "bare.log")
            for _ in range(runs)
        ]
        rows.append(("bare uvicorn + Starlette → /healthz (floor)",
                     statistics.median(b[0] for b in bare),
                     statistics.median(b[1] for b in bare)))  # fmt: skip
        serve = [python, "-m", "bot", "serve", "--host", "127.0.0.1", "--no-scheduler"]
        fresh, warm = [], []
        for i in range(runs):
            db = tmp / f"fresh{i}.db"
            fresh.append(
                await server_start(
                    serve, {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{db}"}, tmp / "s.log"
                )
            )
            warm.append(
                await server_start(
                    serve, {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{db}"}, tmp / "s.log"
                )
            )
        rows.append(("`sammachip serve`, empty database (migrates) → /healthz",
                     statistics.median(f[0] for f in fresh),
                     statistics.median(f[1] for f in fresh)))  # fmt: skip
        rows.append(("`sammachip serve`, migrated database → /healthz",
                     statistics.median(w[0] for w in warm),
                     statistics.median(w[1] for w in warm)))  # fmt: skip
        parse = [timed([python, "-m", "bot", "parse", TEXT, "--json"]) for _ in range(runs)]
        rows.append(("`sammachip parse TEXT --json` (whole process)",
                     statistics.median(parse), None))  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    rows = asyncio.run(run(args.runs))
    print(f"Start-up, median of {args.runs} fresh processes (load average "
          f"{os.getloadavg()[0]:.1f})\n")  # fmt: skip
    print("| what | wall time (s) | idle RSS (MiB) |\n|---|---:|---:|")
    for name, seconds, rss in rows:
        print(f"| {name} | {seconds:.2f} | {'' if rss is None else f'{rss:.0f}'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
