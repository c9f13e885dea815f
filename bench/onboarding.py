"""Bulk onboarding (`sammachip import`) and `sammachip backup`, with in-run baselines.

Run from the project root:  .venv/bin/python bench/onboarding.py [--runs 3] [--districts 10]

For SQLite and PostgreSQL (a throwaway server from tests/support/postgres.py), per size (one
district of 21 villages, and `--districts` of them):

- **import**: the filled template read and imported in one unit of work (what `sammachip import
  FILE.xlsx` does after start-up: read, validate every row, create, issue codes, commit);
- **baseline**: the same officers, trainers, groups and households created by calling the admin
  service directly, one call per row, with their codes, in one unit of work: the work the
  one-at-a-time commands (`officer add`, `group add`…) do, without their process start-ups or
  any validation. import ÷ baseline is the cost of reading and checking the file;
- **re-import**: the same file again (every row found, nothing written);
- **backup**: `sammachip backup` of the resulting database, next to a plain file copy (SQLite).

Prints a Markdown table. Medians of `--runs` fresh databases.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.services import admin, backup  # noqa: E402
from bot.services.enrolment_codes import CodeKind  # noqa: E402
from bot.services.onboarding import import_sheets  # noqa: E402
from bot.services.onboarding_file import read, write_template  # noqa: E402
from bot.storage.migrate import upgrade  # noqa: E402
from tests.support import postgres  # noqa: E402

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def district_rows(districts: int) -> dict[str, list[list[object]]]:
    rows: dict[str, list[list[object]]] = {k: [] for k in (
        "จังหวัด", "อำเภอ", "ตำบล", "หมู่บ้าน", "พัฒนากร", "วิทยากร", "กลุ่มอาชีพ", "ครัวเรือนเป้าหมาย")}  # fmt: skip
    rows["จังหวัด"].append(["ราชบุรี"])
    for d in range(districts):
        district = f"อำเภอที่{d + 1}"
        rows["อำเภอ"].append(["ราชบุรี", district])
        officers = [f"พัฒนากร {d}-{n}" for n in range(2)]
        trainers = [(f"วิทยากร {d}-{n}", officers[n % 2]) for n in range(3)]
        for s in range(3):
            rows["ตำบล"].append(["ราชบุรี", district, f"ตำบล{s}"])
        for officer in officers:
            rows["พัฒนากร"].append([officer, "ราชบุรี", district])
        for name, officer in trainers:
            rows["วิทยากร"].append([name, "ราชบุรี", district, officer])
        for v in range(21):
            village = f"บ้าน{v} หมู่ที่ {v % 7 + 1}"
            trainer, officer = trainers[v % 3]
            rows["หมู่บ้าน"].append(["ราชบุรี", district, f"ตำบล{v // 7}", village])
            rows["กลุ่มอาชีพ"].append(
                [f"กลุ่ม {v}", "ทอผ้า", "ราชบุรี", district, village, officer, "3/6/2568"]
            )
            rows["ครัวเรือนเป้าหมาย"].append(
                [f"ครัวเรือน {v}", "ปลูกผัก", "ราชบุรี", district, village, officer, trainer]
            )
    return rows


def workbook(path: Path, districts: int) -> dict[str, list[list[object]]]:
    from openpyxl import load_workbook

    write_template(path)
    book = load_workbook(path)
    rows = district_rows(districts)
    for sheet, lines in rows.items():
        for line in lines:
            book[sheet].append(line)
    book.save(path)
    return rows


async def run_import(url: str, path: Path) -> float:
    app = build_app(Settings(_env_file=None, database_url=url))
    try:
        started = time.perf_counter()
        sheets = read(path)
        async with app.uow() as uow:
            outcome = await import_sheets(uow, sheets, NOW, app.settings)
            assert outcome.ok, outcome.problems[:3]
            await uow.commit()
        return time.perf_counter() - started
    finally:
        await app.close()


async def run_baseline(url: str, rows: dict[str, list[list[object]]]) -> float:
    """The admin service, one call per row, as the one-at-a-time commands use it."""
    app = build_app(Settings(_env_file=None, database_url=url))
    settings = app.settings
    try:
        started = time.perf_counter()
        async with app.uow() as uow:
            officers: dict[tuple[object, object], int] = {}
            for name, province, district in rows["พัฒนากร"]:
                officer = await admin.add_officer(
                    uow, name=str(name), district=str(district), province=str(province)
                )
                await admin.issue_code(uow, CodeKind.OFFICER, officer.id, NOW, settings)
                officers[(district, name)] = officer.id
            for name, _, district, officer_name in rows["วิทยากร"]:
                trainer = await admin.add_trainer(
                    uow, name=str(name), officer_id=officers[(district, officer_name)]
                )
                await admin.issue_code(uow, CodeKind.TRAINER, trainer.id, NOW, settings)
            for name, occupation, _, district, village, officer_name, _ in rows["กลุ่มอาชีพ"]:
                group = await admin.create_group(
                    uow, name=str(name), occupation=str(occupation), village=str(village),
                    officer_id=officers[(district, officer_name)], founded=date(2025, 6, 3),
                )  # fmt: skip
                for kind in (CodeKind.TREASURER, CodeKind.CHAIR):
                    await admin.issue_code(uow, kind, group.id, NOW, settings)
            for head, occupation, _, district, village, officer_name, trainer_name in rows[
                "ครัวเรือนเป้าหมาย"
            ]:
                household = await admin.add_household(
                    uow, village=str(village), head=str(head), occupation=str(occupation),
                    trainer=str(trainer_name), officer_id=officers[(district, officer_name)],
                )  # fmt: skip
                await admin.issue_code(uow, CodeKind.HOUSEHOLD, household.id, NOW, settings)
            await uow.commit()
        return time.perf_counter() - started
    finally:
        await app.close()


async def _create(server: postgres.PostgresServer, name: str, template: str | None) -> None:
    import asyncpg

    connection = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres")
    try:
        suffix = f" TEMPLATE {template}" if template else ""
        await connection.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="sammachip-bench-"))
    server = postgres.start() if "postgres" in args.databases else None
    counter = iter(range(10**6))
    try:
        template = scratch / "template.db"
        upgrade(f"sqlite+aiosqlite:///{template}")
        if server is not None:
            asyncio.run(_create(server, "bench_template", None))
            upgrade(server.url("bench_template"))

        def fresh(kind: str) -> str:
            n = next(counter)
            if kind == "sqlite":
                path = scratch / f"db{n}.db"
                shutil.copyfile(template, path)
                return f"sqlite+aiosqlite:///{path}"
            assert server is not None
            asyncio.run(_create(server, f"bench_{n}", "bench_template"))
            return server.url(f"bench_{n}")

        print("| database | villages (rows) | import | baseline: admin service per row | "
              "import ÷ baseline | re-import | backup | plain copy |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|")
        for kind in args.databases.split(","):
            for districts in (1, args.districts):
                path = scratch / f"d{districts}.xlsx"
                rows = workbook(path, districts)
                total = sum(len(v) for v in rows.values())
                imports, baselines, again, backups, copies = [], [], [], [], []
                for _ in range(args.runs):
                    url = fresh(kind)
                    imports.append(asyncio.run(run_import(url, path)))
                    again.append(asyncio.run(run_import(url, path)))
                    baselines.append(asyncio.run(run_baseline(fresh(kind), rows)))
                    target = scratch / f"b{next(counter)}.backup"
                    started = time.perf_counter()
                    backup.backup(url, target)
                    backups.append(time.perf_counter() - started)
                    if kind == "sqlite":
                        started = time.perf_counter()
                        shutil.copyfile(url.split("///", 1)[1], scratch / "copy.db")
                        copies.append(time.perf_counter() - started)
                    size = os.path.getsize(target)
                med = statistics.median
                copy = f"{med(copies) * 1000:.0f} ms" if copies else "–"
                print(
                    f"| {kind} | {21 * districts} ({total:,}) | {med(imports):.2f} s | "
                    f"{med(baselines):.2f} s | {med(imports) / med(baselines):.2f} | "
                    f"{med(again):.2f} s | {med(backups) * 1000:.0f} ms ({size / 1024:,.0f} KiB) "
                    f"| {copy} |"
                )
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
