"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import asyncio
import itertools
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, select, text

from bot.app import App
from bot.storage.database import create_engine
from bot.storage.models import Base, ChatAccount


@pytest.mark.both_databases
async def test_migrated_schema_matches_the_models(app: App) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with app.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    # SQLite's own busy wait is short (it blocks the thread running the statement, which on
    # the message path is the event loop); the wait for another writer is the asynchronous
    # retry of BEGIN IMMEDIATE (tests/storage/test_sqlite_inline.py).
    from bot.storage.database import create_engine
    from bot.storage.sqlite_inline import INLINE_BUSY_MS

    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as connection:
            mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
            keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    finally:
        await engine.dispose()
    assert (mode, timeout, keys) == ("wal", INLINE_BUSY_MS, 1)


# --- 0007: codes move to access_code (digests), on both databases ----------------------------

LEGACY = {"officer": "AFFCR2", "join": "JNABC2", "treasurer": "TRESA3", "chair": "CHARA4",
          "trainer": "TRNRA5", "household": "HSEHA6"}  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no schema at all, on each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"

    server = request.getfixturevalue("pg_server")
    name = f"old_{os.getpid()}_{next(_names)}"
    asyncio.run(server.create_database(name))
    return str(server.url(name))


_names = itertools.count()


async def _legacy_district(url: str) -> None:
    """What 0005 databases hold: codes in plain columns, some already used."""
    engine = create_engine(url)
    now = datetime(2025, 10, 1, tzinfo=UTC)
    try:
        async with engine.begin() as conn:
            run = conn.execute
            await run(text("INSERT INTO area (id, kind, name) VALUES (1, 'province', 'ศรีสะเกษ')"))
            await run(
                text(
                    "INSERT INTO area (id, kind, name, parent_id) VALUES (2, 'district', 'วังหิน', 1)"
                )
            )
            await run(
                text(
                    "INSERT INTO area (id, kind, name, parent_id) VALUES (3, 'village', 'บ้านดวนใหญ่', 2)"
                )
            )
            for pid, name in ((1, "รัตนา"), (2, "มาลี")):
                await run(text("INSERT INTO person (id, name, created_at) VALUES (:i, :n, :t)"),
                          {"i": pid, "n": name, "t": now})  # fmt: skip
            await run(text("INSERT INTO officer (id, name, person_id, district_id, link_code, created_at) "
                           "VALUES (1, 'รัตนา', 1, 2, :c, :t)"), {"c": LEGACY["officer"], "t": now})  # fmt: skip
            await run(text(
                "INSERT INTO occupation_group (id, name, occupation, village_id, officer_id, founded_on, "
                "join_code, treasurer_code, chair_code, settings, created_at) VALUES (1, 'กลุ่มไข่เค็ม', "
                "'ไข่เค็ม', 3, 1, '2025-01-01', :j, :tr, :ch, '{}', :t)"),
                {"j": LEGACY["join"], "tr": LEGACY["treasurer"], "ch": LEGACY["chair"], "t": now},
            )  # fmt: skip
            await run(text("INSERT INTO membership (person_id, group_id, role, since) "
                           "VALUES (2, 1, 'treasurer', :t)"), {"t": now})  # fmt: skip
            await run(text("INSERT INTO chat_account (channel, external_id, person_id, blocked, "
                           "reminders_off, created_at) VALUES ('line', 'U1', 2, false, false, :t)"),
                      {"t": now})  # fmt: skip
            await run(text("INSERT INTO trainer (id, name, officer_id, link_code, created_at) "
                           "VALUES (1, 'บุญเรือง', 1, :c, :t)"), {"c": LEGACY["trainer"], "t": now})  # fmt: skip
            await run(text(
                "INSERT INTO household (id, village_id, head_name, occupation, trainer_name, trainer_id, "
                "officer_id, join_code, created_at) VALUES (1, 3, 'คำปุ่น', 'ผัก', 'บุญเรือง', 1, 1, :c, :t)"),
                {"c": LEGACY["household"], "t": now},
            )  # fmt: skip
    finally:
        await engine.dispose()


async def test_0007_carries_issued_codes_over_and_back(empty_url: str) -> None:
    from bot.app import build_app
    from bot.config import Settings
    from bot.services import enrolment_codes as codes
    from bot.storage.migrate import alembic_config, upgrade_async

    await upgrade_async(empty_url, "0005")
    await _legacy_district(empty_url)
    await upgrade_async(empty_url)
    app = build_app(Settings(_env_file=None, database_url=empty_url))
    try:
        now = app.clock.now()
        async with app.uow() as uow:
            status = {k: (await codes.find(uow, c.lower(), now)).status for k, c in LEGACY.items()}
            kinds = {k: (await codes.find(uow, c, now)).kind for k, c in LEGACY.items()}
            linked_at = await uow.session.scalar(select(ChatAccount.linked_at))
            plain = await uow.session.scalar(
                text("SELECT count(*) FROM access_code WHERE digest LIKE '%A2%'")
            )
        # Taken roles count as used; the rest work for the grace period; the join code stays.
        assert status == {"officer": "used", "join": "ok", "treasurer": "used", "chair": "ok",
                          "trainer": "ok", "household": "ok"}  # fmt: skip
        assert kinds["chair"] == "chair" and kinds["household"] == "household"
        assert linked_at is not None and plain == 0
        async with app.uow() as uow:
            later = now + timedelta(days=15)
            assert (await codes.find(uow, LEGACY["chair"], later)).status == "expired"
    finally:
        await app.close()

    def downgrade() -> None:
        command.downgrade(alembic_config(empty_url), "0005")

    await asyncio.to_thread(downgrade)
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as conn:
            fresh = (
                await conn.execute(text("SELECT treasurer_code, chair_code FROM occupation_group"))
            ).one()
            join = await conn.scalar(text("SELECT join_code FROM occupation_group"))
    finally:
        await engine.dispose()
    assert all(len(c) == 12 for c in fresh) and join == LEGACY["join"]
    await upgrade_async(empty_url)  # and up again


async def test_0011_moves_dashboard_secrets_out_of_the_inbox_and_back(empty_url: str) -> None:
    """Signing keys, used sign-in nonces and ended sessions were inbox rows under magic
    channel names; they move to their own table, the oldest key first, so it still signs."""
    from bot.storage.migrate import alembic_config, upgrade_async

    rows = [("dashboard-key", "old-key"), ("dashboard-key", "new-key"),
            ("dashboard", "nonce-1"), ("dashboard-out", "session-1"), ("line", "delivery-1")]  # fmt: skip
    await upgrade_async(empty_url, "0010")
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as conn:
            for channel, value in rows:
                await conn.execute(
                    text(
                        "INSERT INTO inbound_event (channel, external_id, received_at, status, "
                        "attempts) VALUES (:c, :v, :at, 'done', 0)"
                    ),
                    {"c": channel, "v": value, "at": datetime(2026, 12, 1, tzinfo=UTC)},
                )
        await upgrade_async(empty_url)
        async with engine.connect() as conn:
            moved = (
                await conn.execute(text("SELECT kind, value FROM dashboard_secret ORDER BY id"))
            ).all()
            inbox = (await conn.execute(text("SELECT channel FROM inbound_event"))).scalars().all()
        assert [tuple(r) for r in moved] == [
            ("key", "old-key"), ("key", "new-key"), ("nonce", "nonce-1"), ("revoked", "session-1"),
        ]  # fmt: skip
        assert inbox == ["line"]

        def downgrade() -> None:
            command.downgrade(alembic_config(empty_url), "0010")

        await asyncio.to_thread(downgrade)
        async with engine.connect() as conn:
            back = (
                await conn.execute(
                    text("SELECT channel, external_id FROM inbound_event ORDER BY id")
                )
            ).all()
        assert sorted(tuple(r) for r in back) == sorted(rows)
    finally:
        await engine.dispose()


async def test_0013_gives_villages_their_district_and_back(empty_url: str) -> None:
    """Villages were filed under their district; 0013 records that district on every village
    and sub-district (what the district-scoped reads use once villages sit under their
    sub-district), and going back files every village under its district again."""
    from bot.storage.migrate import alembic_config, upgrade_async

    await upgrade_async(empty_url, "0012")
    engine = create_engine(empty_url)
    areas = [(1, "province", "ราชบุรี", None), (2, "district", "โพธาราม", 1),
             (3, "subdistrict", "หนองโพ", 2), (4, "village", "บ้านหนองโพ", 2),
             (5, "district", "บ้านโป่ง", 1), (6, "village", "บ้านกล้วย", 5)]  # fmt: skip
    try:
        async with engine.begin() as conn:
            for row in areas:
                await conn.execute(
                    text("INSERT INTO area (id, kind, name, parent_id) VALUES (:i, :k, :n, :p)"),
                    dict(zip("iknp", row, strict=True)),
                )
        await upgrade_async(empty_url)
        async with engine.begin() as conn:
            found = (await conn.execute(text("SELECT id, district_id FROM area ORDER BY id"))).all()
            assert [tuple(r) for r in found] == [(1, None), (2, None), (3, 2), (4, 2), (5, None),
                                                 (6, 5)]  # fmt: skip
            # The import then files the village under its sub-district.
            await conn.execute(text("UPDATE area SET parent_id = 3 WHERE id = 4"))

        def downgrade() -> None:
            command.downgrade(alembic_config(empty_url), "0012")

        await asyncio.to_thread(downgrade)
        async with engine.connect() as conn:
            back = (await conn.execute(text("SELECT id, parent_id FROM area ORDER BY id"))).all()
        assert [tuple(r) for r in back] == [(1, None), (2, 1), (3, 2), (4, 2), (5, 1), (6, 5)]
    finally:
        await engine.dispose()
