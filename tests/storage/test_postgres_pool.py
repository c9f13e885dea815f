"""PostgreSQL's connection pool: a connection the server dropped while it sat in the pool (a
restart, an idle timeout, an administrator's pg_terminate_backend) is found by the check at
checkout (bot/storage/database.py `_asyncpg_ping`) and replaced, so the next message does not
fail on it; and the check is the transaction's own BEGIN, no round trip of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.database import create_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    made = create_engine(postgres_url)
    try:
        yield made
    finally:
        await made.dispose()


async def _as_admin(url: str, sql: str, *args: Any) -> Any:
    """One value read by a connection of its own (not the pool's)."""
    port = int(url.split(":")[-1].split("/")[0])
    admin = await asyncpg.connect(host="127.0.0.1", port=port, user="postgres")
    try:
        return await admin.fetchval(sql, *args)
    finally:
        await admin.close()


async def test_a_connection_dropped_in_the_pool_is_replaced_before_use(
    engine: AsyncEngine, postgres_url: str
) -> None:
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
    terminated = await _as_admin(
        postgres_url,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = $1 AND pid <> pg_backend_pid()",
        postgres_url.rsplit("/", 1)[1],
    )
    assert terminated >= 1  # the pooled connection is gone
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT 2"))).scalar_one() == 2


async def test_the_check_at_checkout_is_the_transactions_own_begin(engine: AsyncEngine) -> None:
    seen: list[str] = []
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    driver.add_query_logger(lambda record: seen.append(record.query))
    async with engine.begin() as connection:  # the same pooled connection, checked
        await connection.execute(text("SELECT 2"))
    # asyncpg logs the simple-protocol queries (not SELECT 2, a prepared statement): one
    # BEGIN, and no SELECT 1, no prepared `;`, no ROLLBACK of a check of its own
    assert seen == ["BEGIN;", "COMMIT;"]


async def test_what_a_transaction_begun_at_checkout_wrote_is_rolled_back(
    engine: AsyncEngine,
) -> None:
    # The statements run inside the BEGIN sent at checkout, not in autocommit: a unit of
    # work that fails half-way still leaves nothing written.
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE pool_probe (n int)"))
    async with engine.connect() as connection:  # pooled: checked with its BEGIN
        await connection.execute(text("INSERT INTO pool_probe VALUES (1)"))
        await connection.rollback()
    async with engine.connect() as connection:
        count = await connection.execute(text("SELECT count(*) FROM pool_probe"))
        assert count.scalar_one() == 0
        await connection.execute(text("DROP TABLE pool_probe"))
        await connection.commit()


async def test_a_connection_checked_out_and_returned_unused_leaves_no_open_transaction(
    engine: AsyncEngine, postgres_url: str
) -> None:
    async with engine.connect() as connection:
        pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    async with engine.connect():
        pass  # checked (BEGIN) and given back without a statement
    state = await _as_admin(postgres_url, "SELECT state FROM pg_stat_activity WHERE pid = $1", pid)
    assert state == "idle"  # not "idle in transaction": the pool rolled its BEGIN back


async def test_a_connection_just_opened_is_not_checked(engine: AsyncEngine) -> None:
    # As pre-ping: a connection made for this checkout has just answered the login.
    seen: list[str] = []

    def log_queries(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(
            lambda record: seen.append(record.query)
        )

    event.listen(engine.sync_engine.pool, "connect", log_queries)
    async with engine.connect():
        pass
    assert seen == []  # nothing sent: no check, and no statement to begin a transaction for
    async with engine.connect():  # now pooled: checked by its BEGIN
        pass
    assert seen == ["BEGIN;", "ROLLBACK;"]


async def test_a_read_only_connection_is_read_only_though_its_check_began_a_transaction(
    engine: AsyncEngine,
) -> None:
    # `postgresql_readonly` is applied after checkout, when the check's BEGIN was already sent
    # read-write: that BEGIN is ended first, so the transaction is begun read-only as asked.
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE pool_ro (n int)"))
    for option, setting in (
        ("postgresql_readonly", "transaction_read_only"),
        ("postgresql_deferrable", "transaction_deferrable"),
    ):
        async with engine.connect() as connection:  # pooled: checked with its BEGIN
            configured = await connection.execution_options(**{option: True})
            assert (await configured.execute(text(f"SHOW {setting}"))).scalar_one() == "on"
    async with engine.connect() as connection:
        readonly = await connection.execution_options(postgresql_readonly=True)
        with pytest.raises(DBAPIError, match="read-only transaction"):
            await readonly.execute(text("INSERT INTO pool_ro VALUES (1)"))
    async with engine.begin() as connection:  # back to read-write when given back
        await connection.execute(text("INSERT INTO pool_ro VALUES (2)"))
        await connection.execute(text("DROP TABLE pool_ro"))
