"""Shared fixtures, and the one rule that chooses a test's database.

SQLite by default. The `database_url` fixture (and so `app` and `chat`) and the stack's `db_url`
give every test a fresh, migrated SQLite file. A test, class or module runs on PostgreSQL too
only when it says so with `@pytest.mark.both_databases` (`pytestmark = pytest.mark.both_databases`
for a whole module): it is then collected twice, `[sqlite]` and `[postgres]`, the second marked
`postgres`. PostgreSQL is started by the test run itself (tests/support/postgres.py);
`SAMMACHIP_TEST_PG=off` skips every `postgres` item.

Both databases only where the database decides the outcome: the repository contract suite
(tests/storage/test_repository_contract.py) and the rest of tests/storage (migrations both ways,
backup, unit of work); exactly-once and concurrency (intake dedupe, outbox lease, the sweep's
race and bulk writes, rate limits); security guarantees kept by the database (single-use codes
and nonces, first-writer-wins keys, erasure, purge); the dashboard backends test; the import.
Conversations, handlers, reports and reply wording run on SQLite only (scenarios in
tests/conversations/ choose with `both=True`). Tests that need PostgreSQL alone (several
processes, killed connections) take `postgres_url`/`pg_server` and carry `@pytest.mark.postgres`."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.clock import FixedClock
from bot.config import Settings
from bot.storage.migrate import upgrade
from tests.support import postgres
from tests.support.chat import Chat, RecordingTransport

# 2025-10-20 is a Monday; 09:00 in Bangkok. Every test's "now" unless it moves the clock.
NOW = datetime(2025, 10, 20, 2, 0, tzinfo=UTC)
_databases = itertools.count()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[postgres.PostgresServer]:
    if os.environ.get("SAMMACHIP_TEST_PG") == "off":
        pytest.skip("SAMMACHIP_TEST_PG=off: PostgreSQL tests disabled on this machine")
    server = postgres.start()
    try:
        asyncio.run(server.create_database("template_sammachip"))
        upgrade(server.url("template_sammachip"))
        yield server
    finally:
        server.stop()


BOTH_DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# The fixtures a `both_databases` test may take its database from (the first one it uses).
DATABASE_FIXTURES = ("database_url", "db_url")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`@pytest.mark.both_databases` runs a test on SQLite and on PostgreSQL; nothing else does."""
    if metafunc.definition.get_closest_marker("both_databases") is None:
        return
    for name in DATABASE_FIXTURES:
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, BOTH_DATABASES, indirect=True)
            return
    raise pytest.UsageError(
        f"{metafunc.definition.nodeid} is marked both_databases but takes no database fixture "
        f"({', '.join(DATABASE_FIXTURES)})"
    )


def backend(request: pytest.FixtureRequest) -> str:
    """ "postgres" for the PostgreSQL run of a `both_databases` test, else "sqlite"."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database for one test: SQLite, or PostgreSQL too for `both_databases`."""
    if backend(request) == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        return f"sqlite+aiosqlite:///{path}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def postgres_url(pg_server: postgres.PostgresServer) -> str:
    """A fresh, migrated PostgreSQL database for one test (from the run's template)."""
    name = f"test_{os.getpid()}_{next(_databases)}"
    asyncio.run(pg_server.create_database(name, "template_sammachip"))
    return pg_server.url(name)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only, for tests about the embedded default itself."""
    path = tmp_path / "test.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


def test_settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def console() -> RecordingTransport:
    return RecordingTransport("console")


@pytest.fixture
async def app(
    database_url: str, clock: FixedClock, console: RecordingTransport
) -> AsyncIterator[App]:
    built = build_app(test_settings(database_url), clock=clock, transports={"console": console})
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
async def chat(app: App, console: RecordingTransport) -> Chat:
    """The demo district seeded as of NOW, and a way to talk to the bot as any of its people."""
    world = Chat(app, console)
    await world.seed()
    return world
