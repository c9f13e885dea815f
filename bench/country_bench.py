"""Country-scale benchmarks on PostgreSQL (issue 17): the daily sweep for the whole country, a
district officer's dashboard overview, a province roll-up and a district workbook, on the
synthetic country of bench/country.py, with the query plans of their reads checked.

    nice -n 10 .venv/bin/python bench/country_bench.py --scales 0.1,1 --out bench/country_results.md

Per scale: a throwaway PostgreSQL 15 server (tests/support/postgres.py, `fsync=off`), a fresh
database migrated with the real migrations, the country loaded by COPY, then

- the sweep as of Monday 20 October 2025 08:00 Bangkok (the week's digests, the month's
  meeting reminders, figures reminders and escalations, household reminders all due) and the
  same sweep again (a normal day after it: nothing new), each + commit, wall clock;
- the dashboard overview of `--districts` districts (a random sample), `--repeat` times each:
  p50 / p95 (the target is on p95);
- the province roll-up (`province.rollup`, what the province page and `สรุปจังหวัด` read) of
  `--provinces` provinces, and the district workbook (`exports.district_workbook`: collect and
  render) of `--workbooks` districts: median and worst;
- the plans: every SELECT those made (captured at the driver) is run again under EXPLAIN and
  any sequential scan of a big table is listed. The sweep reads every group and household by
  design (its plan may scan those tables); its record reads must not scan.

Ratios against the smallest scale of the same run say whether each grows with the country
(the sweep should be linear, the district views flat).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from bench.country import dsn, generate  # noqa: E402
from bot.app import App, build_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.dashboard.queries import overview  # noqa: E402
from bot.reports import province  # noqa: E402
from bot.services import exports  # noqa: E402
from bot.services.actors import Actor  # noqa: E402
from bot.storage.migrate import upgrade_async  # noqa: E402
from bot.storage.models import Area, AreaKind, Officer  # noqa: E402
from scheduler.sweep import sweep  # noqa: E402
from tests.support import postgres  # noqa: E402

AT = datetime(2025, 10, 20, 1, 0, tzinfo=UTC)  # Monday 08:00 in Bangkok
MONTH = date(2025, 9, 1)  # the workbooks and roll-ups of last month (its figures are due)

BIG = frozenset({
    "area", "person", "chat_account", "occupation_group", "household", "membership", "sale",
    "work_log", "meeting", "visit", "monthly_figures", "annual_summary", "account_entry",
    "activity", "training_attendance", "reminder", "outbox",
})  # fmt: skip
# The sweep decides for every group and household of the country: reading those (and who
# holds which role, and the officers' and trainers' people) whole is its job. The annual
# summaries of the last three reporting years are every summary of a programme this young.
SWEEP_WHOLE = frozenset(
    {"occupation_group", "household", "membership", "officer", "trainer", "annual_summary"}
)


@dataclass
class Scale:
    scale: float
    rows: int = 0
    load_s: float = 0.0
    groups: int = 0
    households: int = 0
    sweep_s: float = 0.0
    again_s: float = 0.0
    written: int = 0
    messages: int = 0
    phases: dict[str, float] = field(default_factory=dict)
    overview_ms: list[float] = field(default_factory=list)
    rollup_ms: list[float] = field(default_factory=list)
    workbook_ms: list[float] = field(default_factory=list)
    district_groups: float = 0.0  # groups in the sampled districts, on average
    scans: dict[str, list[str]] = field(default_factory=dict)  # view -> seq scans found
    plans: dict[str, int] = field(default_factory=dict)  # view -> SELECTs explained
    load_avg: list[float] = field(default_factory=list)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Captured:
    """The SELECT statements the app's engine sends while `on`, for EXPLAIN afterwards."""

    def __init__(self, app: App) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(app.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        if self.on and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters))

    async def take(self, run: Callable[[], Awaitable[object]]) -> list[tuple[str, Any]]:
        self.statements, self.on = [], True
        try:
            await run()
        finally:
            self.on = False
        return self.statements


def _seq_scans(plan: dict[str, Any]) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG:
        found.append(str(plan["Relation Name"]))
    for child in plan.get("Plans", ()):
        found.extend(_seq_scans(child))
    return found


async def explain(
    app: App, statements: list[tuple[str, Any]], allowed: frozenset[str]
) -> list[str]:
    """The big tables read by a sequential scan in these statements' plans (outside `allowed`)."""
    scans: list[str] = []
    async with app.engine.connect() as connection:
        for statement, parameters in statements:
            result = await connection.exec_driver_sql(
                "EXPLAIN (FORMAT JSON) " + statement, parameters
            )
            found: Any = result.scalar()
            plan = json.loads(found) if isinstance(found, str) else found
            for table in _seq_scans(plan[0]["Plan"]):
                if table not in allowed:
                    scans.append(f"{table}: {' '.join(statement.split())[:160]}")
    return scans


async def timed(run: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await run()
    return (time.perf_counter() - started) * 1000


async def _places(app: App) -> tuple[list[Area], list[Area], dict[int, tuple[int, int | None]]]:
    """The districts, the provinces, and one officer (id, person) per district."""
    async with app.uow() as uow:
        areas = list((await uow.session.scalars(select(Area).order_by(Area.id))).all())
        officers = {
            district_id: (officer_id, person_id)
            for officer_id, person_id, district_id in await uow.session.execute(
                select(Officer.id, Officer.person_id, Officer.district_id).order_by(
                    Officer.id.desc()
                )
            )
        }
    districts = [a for a in areas if a.kind == AreaKind.DISTRICT]
    return districts, [a for a in areas if a.kind == AreaKind.PROVINCE], officers


async def _sweeps(app: App, settings: Settings, captured: Captured, result: Scale) -> None:
    """The sweep: the first of the day, then the same again (nothing new), and the plans of
    the second one's reads (the same statements as the first's)."""
    reads: list[tuple[str, Any]] = []
    for attempt in range(2):
        async with app.uow() as uow:
            captured.on = attempt == 1
            started = time.perf_counter()
            summary = await sweep(uow.session, settings, AT)
            await uow.session.commit()
            elapsed = time.perf_counter() - started
            captured.on = False
        if attempt == 0:
            result.sweep_s, result.phases = elapsed, summary.seconds
            result.written, result.messages = summary.written, summary.messages
            result.groups, result.households = summary.groups, summary.households
            captured.statements = []
        else:
            if summary.written:
                raise AssertionError("the repeated sweep wrote reminders again")
            result.again_s = elapsed
            reads = captured.statements
        result.load_avg.append(os.getloadavg()[0])
    result.scans["sweep"] = await explain(app, reads, SWEEP_WHOLE)
    result.plans["sweep"] = len(reads)


async def _timed_view(
    app: App,
    captured: Captured,
    result: Scale,
    view: str,
    runs: list[Callable[[], Awaitable[object]]],
    into: list[float],
) -> None:
    """Times each run, then EXPLAINs the reads of the first one again."""
    for run in runs:
        into.append(await timed(run))
    reads = await captured.take(runs[0])
    result.scans[view] = await explain(app, reads, frozenset())
    result.plans[view] = len(reads)


async def measure(url: str, result: Scale, args: argparse.Namespace) -> None:
    settings = Settings(_env_file=None, database_url=url)
    app = build_app(settings)
    captured = Captured(app)
    rng = random.Random(3)
    try:
        districts, provinces, officers = await _places(app)
        await _sweeps(app, settings, captured, result)
        sample = rng.sample(districts, min(args.districts, len(districts)))
        shown: list[int] = []  # groups on each overview page

        def overview_of(district: Area) -> Callable[[], Awaitable[object]]:
            officer_id, person_id = officers[district.id]
            actor = Actor(person_id=person_id or 0, name="พัฒนากร", officer_id=officer_id,
                          district_id=district.id)  # fmt: skip

            async def run() -> None:
                async with app.uow() as uow:
                    shown.append(len((await overview(uow, actor, settings, AT)).rows))

            return run

        def rollup_of(area: Area) -> Callable[[], Awaitable[object]]:
            async def run() -> None:
                async with app.uow() as uow:
                    within = [d for d in districts if d.parent_id == area.id]
                    await province.rollup(uow, within, area.name, MONTH)

            return run

        def workbook_of(district: Area) -> Callable[[], Awaitable[object]]:
            async def run() -> None:
                async with app.uow() as uow:
                    await exports.district_workbook(uow, district.id, MONTH)

            return run

        await overview_of(sample[0])()  # warm up: imports, the first connections
        shown.clear()
        overviews = [overview_of(d) for _ in range(args.repeat) for d in sample]
        await _timed_view(app, captured, result, "overview", overviews, result.overview_ms)
        result.district_groups = statistics.mean(shown[: len(overviews)])
        rollups = [rollup_of(a) for a in rng.sample(provinces, min(args.provinces, len(provinces)))]
        await _timed_view(app, captured, result, "rollup", rollups, result.rollup_ms)
        workbooks = [workbook_of(d) for d in sample[: args.workbooks]]
        await _timed_view(app, captured, result, "workbook", workbooks, result.workbook_ms)
        result.load_avg.append(os.getloadavg()[0])
    finally:
        await app.close()


async def run_scale(
    server: postgres.PostgresServer, scale: float, args: argparse.Namespace
) -> Scale:
    name = f"country_{round(scale * 1000)}"
    admin = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = server.url(name)
    await upgrade_async(url)
    result = Scale(scale)
    print(f"scale {scale:g}: loading", flush=True)
    counts = await generate(url, scale, quiet=not args.verbose)
    result.rows, result.load_s = counts.total, counts.seconds
    print(f"  {counts.total:,} rows in {counts.seconds:.0f} s", flush=True)
    await measure(url, result, args)
    if not args.keep:
        admin = await asyncpg.connect(dsn(server.url("postgres")))
        try:
            await admin.execute(f'DROP DATABASE "{name}"')
        finally:
            await admin.close()
    return result


# A server for a whole country's data (~3.5 GB at scale 1) on a small VM, rather than
# PostgreSQL's defaults for a laptop (shared_buffers 128 MB, max_wal_size 1 GB, 4 MB sorts):
# what docs/deploy.md recommends at that size. `--tuned` applies them to the bench's server.
TUNED = {
    "shared_buffers": "2GB",
    "effective_cache_size": "8GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "random_page_cost": "1.1",  # SSD: an index probe costs about a sequential read
}


async def tune(server: postgres.PostgresServer) -> None:
    connection = await asyncpg.connect(dsn(server.url("postgres")))
    try:
        for name, value in TUNED.items():
            await connection.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    finally:
        await connection.close()
    data, log = str(server.root / "data"), str(server.root / "log")
    server._run("pg_ctl", "-D", data, "-l", log, "-w", "restart")


def report(results: list[Scale], command: str, machine: str) -> str:
    base = results[0]
    lines = [
        "# Country-scale benchmark (PostgreSQL)",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; command: `{command}`",
        f"- machine: {machine}; 1-minute load average during the runs: "
        + ", ".join(f"{r.scale:g}: {min(r.load_avg):.1f}–{max(r.load_avg):.1f}" for r in results),
        "",
        "| scale | rows loaded | load (s) | groups | households | sweep (s) | × smallest | per 1,000 groups (s) "
        "| again (s) | reminders | messages | facts / dedupe / compose / write (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        phases = " / ".join(
            f"{r.phases.get(k, 0):.2f}" for k in ("facts", "dedupe", "compose", "write")
        )
        lines.append(
            f"| {r.scale:g} | {r.rows:,} | {r.load_s:.0f} | {r.groups:,} | {r.households:,} | **{r.sweep_s:.1f}** "
            f"| {r.sweep_s / base.sweep_s:.2f} (size ×{r.groups / base.groups:.1f}) "
            f"| {r.sweep_s / r.groups * 1000:.3f} | {r.again_s:.1f} | {r.written:,} | {r.messages:,} | {phases} |"
        )
    lines += [
        "",
        "| scale | overview p50 / p95 (ms) | groups per district | province roll-up median / worst (ms) "
        "| district workbook median / worst (ms) | p95 × smallest |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.scale:g} | {statistics.median(r.overview_ms):.0f} / **{p95(r.overview_ms):.0f}** "
            f"| {r.district_groups:.0f} "
            f"| {statistics.median(r.rollup_ms):.0f} / **{max(r.rollup_ms):.0f}** "
            f"| {statistics.median(r.workbook_ms):.0f} / **{max(r.workbook_ms):.0f}** "
            f"| {p95(r.overview_ms) / p95(base.overview_ms):.2f} |"
        )
    lines += ["", "Plans (EXPLAIN of every SELECT made; sequential scans of big tables):", ""]
    for r in results:
        for view, scans in r.scans.items():
            verdict = "none" if not scans else "; ".join(scans)
            lines.append(f"- {r.scale:g}, {view} ({r.plans[view]} SELECTs): {verdict}")
    return "\n".join(lines) + "\n"


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{model}, nproc {os.cpu_count()}, Python {sys.version.split()[0]}, PostgreSQL 15 (throwaway, fsync=off)"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales", default="0.1,1", help="fractions of the country, comma-separated"
    )
    parser.add_argument(
        "--districts", type=int, default=20, help="districts sampled for the overview"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--provinces", type=int, default=5)
    parser.add_argument("--workbooks", type=int, default=5)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep each database (disk: ~3 GB at 1)")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--tuned", action="store_true", help="the server settings of TUNED")
    args = parser.parse_args()
    server = postgres.start()
    try:
        if args.tuned:
            await tune(server)
        results = [await run_scale(server, float(s), args) for s in args.scales.split(",")]
    finally:
        server.stop()
    settings = ", ".join(f"{k}={v}" for k, v in TUNED.items()) if args.tuned else "defaults"
    text = report(
        results, " ".join(["bench/country_bench.py", *sys.argv[1:]]), f"{machine()}; {settings}"
    )
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    asyncio.run(main())
