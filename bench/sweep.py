"""Follow-up sweep benchmark: 10,000 and 100,000 occupation groups (5,000 officers), on SQLite
and on PostgreSQL (a temporary server started with tests/support/postgres.py).

    .venv/bin/python bench/sweep.py                    # both sizes, both databases
    .venv/bin/python bench/sweep.py --sizes 10000 --databases sqlite

For each run: a fresh migrated database, the synthetic district bulk-loaded (Core executemany),
then the sweep timed as of Monday 2025-10-20 08:00 Bangkok, a heavy day (the week's digests,
meeting reminders from the 20th, figures escalations, annual-summary escalations, household
reminders all due at once). "first" writes every reminder and outbox row; "again" is the same
sweep repeated, which must write nothing. Times are wall-clock seconds for sweep + commit.
The results table is printed and, with --out, written as Markdown.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.storage.database import create_engine, session_factory  # noqa: E402
from bot.storage.migrate import upgrade_async  # noqa: E402
from scheduler.sweep import sweep  # noqa: E402
from tests.scheduler.synthetic import populate  # noqa: E402
from tests.support import postgres  # noqa: E402

AT = datetime(2025, 10, 20, 1, 0, tzinfo=UTC)  # Monday 08:00 in Bangkok


@dataclass
class Result:
    database: str
    groups: int
    officers: int
    load_s: float
    first_s: float
    again_s: float
    reminders: int
    messages: int
    phases: dict[str, float]  # the first sweep's time per phase
    load: float  # the machine's 1-minute load average when the first sweep ended


async def _run(database: str, url: str, groups: int, officers: int) -> Result:
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        await populate(engine, groups=groups, officers=officers)
        load = time.perf_counter() - started
        settings = Settings(_env_file=None, database_url=url)
        sessions = session_factory(engine)
        times = []
        summaries = []
        for _ in range(2):
            async with sessions() as session:
                started = time.perf_counter()
                summary = await sweep(session, settings, AT)
                await session.commit()
                times.append(time.perf_counter() - started)
                summaries.append(summary)
        if summaries[1].written:
            raise AssertionError("the repeated sweep wrote reminders again")
        return Result(database, groups, officers, load, times[0], times[1],
                      summaries[0].written, summaries[0].messages, summaries[0].seconds,
                      os.getloadavg()[0])  # fmt: skip
    finally:
        await engine.dispose()


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg = "PostgreSQL ?"
    binary = postgres.find_bin()
    if binary is not None:
        pg = subprocess.run(
            [str(binary / "postgres"), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    import sqlite3

    return (
        f"{model}, {os.cpu_count()} cores (nproc), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {pg}"
    )


def markdown(results: list[Result], command: str) -> str:
    lines = [
        "# Follow-up sweep benchmark",
        "",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {machine()}",
        f"- command: `{command}`",
        "- data: bench/sweep.py → tests/scheduler/synthetic.py (groups with chair, treasurer,"
        " 0–3 visits, 0–2 meetings, 60% figures, 50% annual summaries; households = groups / 5;"
        " every role holder has a chat account)",
        "- instant: Monday 2025-10-20 08:00 Asia/Bangkok (digests, meeting, figures, annual and"
        " household reminders all due)",
        "",
        "| database | groups | officers | bulk load (s) | first sweep (s) | repeat sweep (s) | reminders written | messages |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.database} | {r.groups:,} | {r.officers:,} | {r.load_s:.1f} | {r.first_s:.2f} "
            f"| {r.again_s:.2f} | {r.reminders:,} | {r.messages:,} |"
        )
    lines += [
        "",
        "Where the first sweep's time goes (s): facts = the set-based reads and the policy over"
        " every group; dedupe = which reminders exist already; compose = recipients, one"
        " message per person, outbox ids drawn; write = reminder rows, then outbox rows with"
        " the message texts composed as they are sent (on PostgreSQL while the server inserts"
        " the rows before them). Load = 1-minute load average (the machine is shared; other"
        " work inflates the times).",
        "",
        "| database | groups | facts | dedupe | compose | write | load |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        p = r.phases
        lines.append(
            f"| {r.database} | {r.groups:,} | {p.get('facts', 0):.2f} | {p.get('dedupe', 0):.2f} "
            f"| {p.get('compose', 0):.2f} | {p.get('write', 0):.2f} | {r.load:.1f} |"
        )
    lines.append("")
    for database in sorted({r.database for r in results}):
        rows = sorted((r for r in results if r.database == database), key=lambda r: r.groups)
        if len(rows) >= 2:
            small, large = rows[0], rows[-1]
            scale = large.groups / small.groups
            lines.append(
                f"- {database}: {large.groups:,} / {small.groups:,} groups = ×{scale:g}; "
                f"first sweep ×{large.first_s / small.first_s:.1f}, "
                f"repeat sweep ×{large.again_s / small.again_s:.1f}"
            )
    return "\n".join(lines) + "\n"


async def run(argv: list[str] | None = None) -> tuple[str, str | None]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--officers", type=int, default=5000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--out", default=None, help="write the Markdown table here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="sammachip-bench-") as tmp:
        if "sqlite" in databases:
            for size in sizes:
                url = f"sqlite+aiosqlite:///{tmp}/bench_{size}.db"
                results.append(await _run("SQLite", url, size, args.officers))
                print(results[-1], flush=True)
        if "postgres" in databases:
            server = postgres.start()
            try:
                for size in sizes:
                    name = f"bench_{size}"
                    await server.create_database(name)
                    results.append(await _run("PostgreSQL", server.url(name), size, args.officers))
                    print(results[-1], flush=True)
            finally:
                server.stop()
    command = " ".join(
        [".venv/bin/python bench/sweep.py", *(argv if argv is not None else sys.argv[1:])]
    )
    return markdown(results, command.strip()), args.out


NOTES = "\n## Notes"


def main(argv: list[str] | None = None) -> int:
    report, out = asyncio.run(run(argv))
    print(report)
    if out:
        # The hand-written notes at the end of an existing file are kept: only the part the
        # benchmark writes is replaced.
        path = Path(out)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        notes = old[old.index(NOTES) :] if NOTES in old else ""
        path.write_text(report + notes, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
