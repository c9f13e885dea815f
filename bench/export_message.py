"""What moving the chat's workbook off the message transaction gained (issue 15): how long the
transaction of one `ส่งออก` message holds the database, before and after, measured in the same
run on the same synthetic district (bench/officer_views.py's seed, SQLite by default):

- baseline (what the handler did before): read the whole month (records, programme sheets),
  render the workbook with openpyxl, store the bytes — all inside the message's transaction;
- now: read the summary only and store a file *request* in the transaction; the workbook is
  rendered on the link's first fetch (`bot.reports.files.load`), after the commit, also timed.

    .venv/bin/python bench/export_message.py [--groups 40] [--households 40] [--repeat 7]

Loopback only; nothing is downloaded. Figures go in BENCHMARKS.md ("The chat's export").
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.officer_views import MONTH, seed, timed
from bot.app import build_app
from bot.config import Settings
from bot.reports.export_rows import XLSX_TYPE
from bot.reports.files import load
from bot.services import exports
from bot.storage.migrate import upgrade

NOW = datetime(2025, 10, 20, 5, 0, tzinfo=UTC)
TTL = timedelta(minutes=15)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--households", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    await asyncio.to_thread(upgrade, url)
    app = build_app(Settings(_env_file=None, database_url=url))
    try:
        (district,) = await seed(app, 1, args.groups, args.households)
        options = exports.Options()
        keys: list[str] = []

        async def before() -> None:  # the old handler: everything inside the transaction
            async with app.uow() as uow:
                found = await exports.district(uow, district.id, MONTH, options)
                await uow.files.put(
                    found.workbook(), XLSX_TYPE, now=NOW, ttl=TTL, filename=found.filename,
                    single_use=True,
                )  # fmt: skip
                await uow.commit()

        async def now() -> None:  # the handler now: the summary and a request
            async with app.uow() as uow:
                found = await exports.district(uow, district.id, MONTH, options, records=False)
                stored = await exports.request(
                    uow, exports.DISTRICT, district.id, MONTH, options, filename=found.filename,
                    now=NOW, ttl=TTL, owner_person_id=1,
                )  # fmt: skip
                keys.append(stored.key)
                await uow.commit()

        async def fetch() -> None:  # the first fetch of the link, after the commit
            assert await load(app.uow, keys.pop(), NOW) is not None

        await before()  # warm up (imports, caches, the first connection)
        await now()
        await fetch()
        befores, nows, fetches = [], [], []
        for _ in range(args.repeat):  # interleaved, so load on the machine hits both alike
            befores.append(await timed(before, 1))
            nows.append(await timed(now, 1))
            fetches.append(await timed(fetch, 1))
    finally:
        await app.close()
    b, n, f = (sorted(x)[len(x) // 2] for x in (befores, nows, fetches))
    print(f"SQLite, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, one district of {args.groups} groups "
          f"and {args.households} households, median of {args.repeat}")  # fmt: skip
    print(f"ส่งออก transaction, workbook inside (baseline): {b:8.1f} ms")
    print(f"ส่งออก transaction, now (summary + request):    {n:8.1f} ms  ({b / n:.1f}× shorter)")
    print(f"first fetch of the link (renders, after commit): {f:8.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
