"""PostgreSQL's connection pool: a connection the server dropped while it sat in the pool (a
restart, an idle timeout, an administrator's pg_terminate_backend) is found by the check at
checkout (bot/storage/database.py `_asyncpg_ping`) and replaced, so the next message does not
fail on it; and the check is one round trip."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text

from bot.storage.database import create_engine

pytestmark = pytest.mark.postgres


async def _terminate_others(url: str) -> int:
    database = url.rsplit("/", 1)[1]
    port = int(url.split(":")[-1].split("/")[0])
    admin = await asyncpg.connect(host="127.0.0.1", port=port, user="postgres")
    try:
        return int(
            await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
            or 0
        )
    finally:
        await admin.close()


async def test_a_connection_dropped_in_the_pool_is_replaced_before_use(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
        assert await _terminate_others(postgres_url) >= 1  # the pooled connection is gone
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 2"))).scalar_one() == 2
    finally:
        await engine.dispose()


async def test_the_check_at_checkout_is_one_statement(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    seen: list[str] = []
    try:
        async with engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        driver.add_query_logger(lambda record: seen.append(record.query))
        async with engine.connect() as connection:  # the same pooled connection, checked
            assert connection is not None
        assert seen == ["SELECT 1"]  # no BEGIN, no prepared statement, no ROLLBACK
    finally:
        await engine.dispose()


async def test_a_connection_just_opened_is_not_checked(postgres_url: str) -> None:
    # As pre-ping: a connection made for this checkout has just answered the login.
    engine = create_engine(postgres_url)
    seen: list[str] = []

    def log_queries(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(
            lambda record: seen.append(record.query)
        )

    event.listen(engine.sync_engine.pool, "connect", log_queries)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 2"))
        assert "SELECT 1" not in seen
        async with engine.connect():
            pass
        assert seen.count("SELECT 1") == 1
    finally:
        await engine.dispose()
