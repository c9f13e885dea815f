"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from bot.app import App
from bot.storage.models import Base


async def test_migrated_schema_matches_the_models(app: App) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with app.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    from bot.storage.database import create_engine

    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as connection:
            mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
            keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    finally:
        await engine.dispose()
    assert (mode, timeout, keys) == ("wal", 5000, 1)
