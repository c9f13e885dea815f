"""What one statement of the message path costs, straight on the driver (bot/storage/driver.py)
and through SQLAlchemy's execution, in the same run and the same transaction: CPU microseconds
per statement, and their ratio (issue 18).

    .venv/bin/python bench/statement_cost.py --db sqlite|postgres [--runs 2000]

Each statement runs `--runs` times in one unit of work that is rolled back, alternating the two
ways five times; the figure is the median of the five. SQLite runs on the loop, as the intake's
tasks run it. PostgreSQL is a throwaway server (tests/support/postgres.py); there the same SQL and
values also run on a bare asyncpg connection (the driver's own cost), and an empty unit of work
(BEGIN, COMMIT) through the session is set against the same two on that connection."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Table  # noqa: E402

from bot.app import App, build_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.storage import driver, sqlite_inline  # noqa: E402
from bot.storage.migrate import upgrade  # noqa: E402
from bot.storage.models import Sale  # noqa: E402
from bot.storage.repositories.inbox import _TAKE  # noqa: E402
from bot.storage.repositories.records import _GROUP_PRICES, _insert_returning  # noqa: E402
from bot.storage.repositories.speakers import _ONE_TO_ONE  # noqa: E402
from bot.storage.statements import _flush_and_execute  # noqa: E402
from bot.storage.unit_of_work import UnitOfWork  # noqa: E402
from tests.support import postgres  # noqa: E402

NOW = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)


async def cost(app: App, runs: int, work: Callable[[UnitOfWork], Awaitable[Any]]) -> float:
    async with app.uow() as uow:
        await uow.session.connection()
        await work(uow)  # compiled and cached before the clock starts
        started = time.process_time()
        for _ in range(runs):
            await work(uow)
        spent = time.process_time() - started
        await uow.rollback()
    return spent / runs * 1e6


async def measure(url: str, runs: int) -> None:
    app = build_app(Settings(database_url=url, _env_file=None))
    sqlite_inline.on_the_loop()
    async with app.uow() as uow:
        account = await uow.people.ensure_account("line", "U1", "สมชาย")
        person = await uow.people.add_person("สมชาย")
        await uow.commit()
    sale = {
        "item": "ไข่เค็ม", "quantity": Decimal(50), "unit": "ฟอง", "amount": Decimal(250),
        "on_date": date(2026, 12, 4), "recorded_by": person.id, "source": "chat",
    }  # fmt: skip
    table = cast(Table, Sale.__table__)
    cases: list[tuple[str, Any, dict[str, Any]]] = [
        ("UPDATE: take an inbox event", _TAKE, {"event_id": 0}),
        ("SELECT: the speaker (7 joins, 2 subqueries)", _ONE_TO_ONE,
         {"s_channel": "line", "s_external_id": "U1", "s_chat_id": "U1"}),
        ("SELECT: recent prices of an item", _GROUP_PRICES,
         {"owner": 1, "item": "ไข่เค็ม", "unit": "ฟอง", "limit": 20}),
        ("INSERT … RETURNING: a sale", _insert_returning(table), sale),
    ]  # fmt: skip
    dialect = app.engine.dialect
    bare = await _bare_asyncpg(url) if dialect.name == "postgresql" else None
    print(f"\n{dialect.name}, {runs} runs each, median of 5 alternations (µs CPU):\n")
    if bare is None:
        print("| statement | SQLAlchemy's execution | straight to the driver | ratio |")
        print("|---|---:|---:|---:|")
    else:  # and the same SQL and values on a bare asyncpg connection: the driver's own cost
        print(
            "| statement | SQLAlchemy's execution | straight to the driver | ratio | "
            "bare asyncpg `fetch` |"
        )
        print("|---|---:|---:|---:|---:|")
    for name, statement, parameters in cases:
        slow, fast, raw = [], [], []

        async def through_sqlalchemy(
            uow: UnitOfWork, s: Any = statement, p: Any = parameters
        ) -> Any:
            return await uow.session.run_sync(_flush_and_execute, s, p)

        async def direct(uow: UnitOfWork, s: Any = statement, p: Any = parameters) -> Any:
            fetched = await driver.execute(uow.session, s, p)
            assert fetched is not None, "the driver path did not take it"
            return fetched

        for _ in range(5):
            slow.append(await cost(app, runs, through_sqlalchemy))
            fast.append(await cost(app, runs, direct))
            if bare is not None:
                prepared = driver._prepared(statement, dialect, parameters)
                assert prepared is not None
                sql, values = driver._values(prepared, dialect, parameters)
                raw.append(await _bare_cost(bare, runs, sql, values))
        s, f = statistics.median(slow), statistics.median(fast)
        extra = f" {statistics.median(raw):.0f} |" if raw else ""
        print(f"| {name} | {s:.0f} | {f:.0f} | {f / s:.2f} |{extra}")
    object_made: list[float] = []
    for _ in range(5):

        async def speaker(uow: UnitOfWork) -> Any:
            return await uow.speakers.speaker("line", "U1", "U1", in_room=False)

        object_made.append(await cost(app, runs, speaker))
    print(
        f"\n`SpeakerRepository.speaker` whole (statement, rows folded, account object): "
        f"{statistics.median(object_made):.0f} µs (account {account.id})"
    )
    if bare is not None:
        # A unit of work's own cost: BEGIN and COMMIT through the session, against the same
        # two on a bare asyncpg connection.
        session_way: list[float] = []
        bare_way: list[float] = []

        async def through_session() -> None:
            async with app.uow() as uow:
                await uow.session.connection()
                await uow.commit()

        async def on_bare() -> None:
            transaction = bare.transaction()
            await transaction.start()
            await transaction.commit()

        for _ in range(5):
            for way, spent in ((through_session, session_way), (on_bare, bare_way)):
                started = time.process_time()
                for _ in range(runs):
                    await way()
                spent.append((time.process_time() - started) / runs * 1e6)
        print(
            f"\nA unit of work (BEGIN, COMMIT): {statistics.median(session_way):.0f} µs through "
            f"the session, {statistics.median(bare_way):.0f} µs on a bare asyncpg connection"
        )
        await bare.close()
    await app.close()


async def _bare_asyncpg(url: str) -> Any:
    import asyncpg

    return await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))


async def _bare_cost(connection: Any, runs: int, sql: str, values: Any) -> float:
    """The statement on a bare asyncpg connection, in one transaction that is rolled back."""
    transaction = connection.transaction()
    await transaction.start()
    try:
        await connection.fetch(sql, *values)  # prepared and cached before the clock starts
        started = time.process_time()
        for _ in range(runs):
            await connection.fetch(sql, *values)
        return (time.process_time() - started) / runs * 1e6
    finally:
        await transaction.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    if args.db == "sqlite":
        folder = tempfile.mkdtemp()
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        try:
            upgrade(url)
            asyncio.run(measure(url, args.runs))
        finally:
            shutil.rmtree(folder)
        return
    server = postgres.start()
    try:
        asyncio.run(server.create_database("bench"))
        url = server.url("bench")
        upgrade(url)
        asyncio.run(measure(url, args.runs))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
