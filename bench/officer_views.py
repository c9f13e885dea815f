"""What issue 17's views cost (officers' annual summaries, dividends and households; the
province roll-up): a synthetic province on SQLite (or PostgreSQL with --pg), then

- the district workbook with its new sheets, against the same workbook without them (the
  baseline, measured in the same run: `export._programme` replaced by a no-op);
- the province roll-up (the administrator's page and สรุปจังหวัด) and the province workbook, for
  a quarter of the districts and for all of them (linear in districts?).

    .venv/bin/python bench/officer_views.py [--districts 20] [--groups 10] [--households 20] [--pg]

Loopback only; nothing is downloaded. Figures go in BENCHMARKS.md ("Officer and administrator
views").
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Select

from bot.app import build_app
from bot.config import Settings
from bot.reports import export, province
from bot.reports.export_rows import ExportData
from bot.reports.xlsx import render_workbook
from bot.storage.migrate import upgrade
from bot.storage.models import (
    AccountEntry,
    Activity,
    AnnualSummary,
    Area,
    Dividend,
    DividendShare,
    Household,
    Meeting,
    Membership,
    MonthlyFigures,
    OccupationGroup,
    Officer,
    Person,
    Sale,
    TrainingAttendance,
    Visit,
)
from bot.storage.unit_of_work import UnitOfWork

MONTH = date(2025, 10, 1)
DAY = date(2025, 10, 15)


async def seed(app: Any, districts: int, groups: int, households: int) -> list[Area]:
    async with app.uow() as uow:
        s = uow.session
        prov = Area(kind="province", name="จังหวัดทดสอบ")
        s.add(prov)
        await s.flush()
        made: list[Area] = []
        for d in range(districts):
            district = Area(kind="district", name=f"อำเภอที่{d:03d}", parent_id=prov.id)
            s.add(district)
            await s.flush()
            made.append(district)
            village = Area(
                kind="village", name=f"บ้าน{d:03d}", parent_id=district.id, district_id=district.id
            )
            person = Person(name=f"พัฒนากร {d}")
            s.add_all([village, person])
            await s.flush()
            officer = Officer(name=person.name, person_id=person.id, district_id=district.id)
            s.add(officer)
            await s.flush()
            for g in range(groups):
                group = OccupationGroup(
                    name=f"กลุ่ม {d}-{g}", occupation="ทอผ้า", village_id=village.id,
                    officer_id=officer.id, founded_on=date(2023, 1, 1), settings={},
                )  # fmt: skip
                member = Person(name=f"สมาชิก {d}-{g}")
                s.add_all([group, member])
                await s.flush()
                s.add(Membership(person_id=member.id, group_id=group.id, role="treasurer"))
                for day in range(1, 21):
                    s.add(Sale(group_id=group.id, item="ผ้า", amount=Decimal(100 + day),
                               on_date=date(2025, 10, day), recorded_by=member.id))  # fmt: skip
                s.add(Meeting(group_id=group.id, on_date=DAY, attendees=10, recorded_by=member.id))
                s.add(Visit(officer_id=officer.id, group_id=group.id, on_date=DAY,
                            recorded_by=person.id))  # fmt: skip
                s.add(MonthlyFigures(group_id=group.id, month=date(2025, 9, 1), income=Decimal(5000),
                                     expenses=Decimal(2000), balance=Decimal(3000), on_date=DAY,
                                     recorded_by=member.id))  # fmt: skip
                s.add(AnnualSummary(group_id=group.id, year=2024, revenue=Decimal(60000),
                                    costs=Decimal(20000), profit=Decimal(40000), on_date=DAY,
                                    recorded_by=member.id))  # fmt: skip
                dividend = Dividend(group_id=group.id, period_start=date(2024, 10, 1),
                                    period_end=date(2025, 10, 1), total=Decimal(12000),
                                    total_units=Decimal(100), on_date=DAY, recorded_by=member.id)  # fmt: skip
                s.add(dividend)
                await s.flush()
                s.add(DividendShare(dividend_id=dividend.id, person_id=member.id,
                                    units=Decimal(100), amount=Decimal(12000)))  # fmt: skip
            training = Activity(
                kind="training", on_date=DAY, recorded_by=person.id, attendees=households
            )
            s.add(training)
            await s.flush()
            for h in range(households):
                head = Person(name=f"ครัวเรือน {d}-{h}")
                s.add(head)
                await s.flush()
                household = Household(village_id=village.id, head_name=head.name, occupation="ผัก",
                                      trainer_name="วิทยากร", officer_id=officer.id, person_id=head.id)  # fmt: skip
                s.add(household)
                await s.flush()
                s.add(TrainingAttendance(activity_id=training.id, household_id=household.id))
                s.add(Visit(officer_id=officer.id, household_id=household.id, on_date=DAY,
                            recorded_by=person.id))  # fmt: skip
                for day in range(1, 11):
                    s.add(AccountEntry(household_id=household.id, kind="income", item="ผัก",
                                       amount=Decimal(50), on_date=date(2025, 10, day),
                                       recorded_by=head.id))  # fmt: skip
        await uow.commit()
    return made


async def timed(run: Callable[[], Awaitable[object]], repeat: int) -> float:
    """The median wall time of `repeat` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--districts", type=int, default=20)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--households", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (a throwaway server)")
    args = parser.parse_args()
    server = None
    if args.pg:
        from tests.support import postgres

        server = postgres.start()
        url = await _pg_database(server)
    else:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    await asyncio.to_thread(upgrade, url)
    app = build_app(Settings(_env_file=None, database_url=url))
    try:
        districts = await seed(app, args.districts, args.groups, args.households)
        one = districts[0].id

        async def workbook() -> None:
            async with app.uow() as uow:
                render_workbook(await export.collect(uow, [one], MONTH))

        async def no_programme(
            uow: UnitOfWork,
            data: ExportData,
            district_ids: list[int],
            ids: Select[int],
            first: date,
            after: date,
            fiscal_start_month: int,
        ) -> None:
            return None  # the same signature as export._programme, doing nothing

        real = export._programme
        await workbook()  # warm up (imports, caches, the first connection)
        befores, afters = [], []
        for _ in range(args.repeat):  # interleaved, so load on the machine hits both alike
            export._programme = no_programme
            befores.append(await timed(workbook, 1))
            export._programme = real
            afters.append(await timed(workbook, 1))
        before, after = statistics.median(befores), statistics.median(afters)

        async def roll(count: int) -> Callable[[], Awaitable[object]]:
            async def run() -> None:
                async with app.uow() as uow:
                    await province.rollup(uow, districts[:count], "จังหวัดทดสอบ", MONTH)

            return run

        async def province_book() -> None:
            async with app.uow() as uow:
                province.render_workbook(await province.rollup(uow, districts, "จังหวัดทดสอบ", MONTH))

        quarter = max(1, len(districts) // 4)
        await (await roll(1))()  # warm up
        roll_quarter = await timed(await roll(quarter), args.repeat)
        roll_all = await timed(await roll(len(districts)), args.repeat)
        book_all = await timed(province_book, args.repeat)
    finally:
        await app.close()
        if server is not None:
            server.stop()
    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"{backend}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.districts} districts × "
          f"{args.groups} groups, {args.households} households per district, median of {args.repeat}")  # fmt: skip
    print(f"district workbook, without the new sheets (baseline): {before:8.1f} ms")
    print(f"district workbook, with them:                         {after:8.1f} ms  ({after / before:.2f}×)")  # fmt: skip
    print(f"province roll-up, {quarter:3d} districts:                  {roll_quarter:8.1f} ms")
    print(f"province roll-up, {len(districts):3d} districts:                  {roll_all:8.1f} ms  "
          f"({roll_all / roll_quarter:.2f}× for {len(districts) / quarter:.0f}× the districts)")  # fmt: skip
    print(f"province workbook, {len(districts):3d} districts:                 {book_all:8.1f} ms")


async def _pg_database(server: Any) -> str:
    import asyncpg

    connection = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres")
    try:
        await connection.execute("CREATE DATABASE bench_views")
    finally:
        await connection.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:{server.port}/bench_views"


if __name__ == "__main__":
    asyncio.run(main())
