"""Fixtures of the reliability suite: the fake platforms, a seeded database per test, and the
in-process stack of tests/support/channel_stack.py (the same one the e2e tests drive)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support.channel_stack import Stack, database_for, running_stack

# The seeded SQLite template is a session fixture shared with tests/e2e (re-exported on purpose).
from tests.support.channel_stack import seeded_sqlite as seeded_sqlite
from tests.support.fake_line import FakeLine
from tests.support.fake_telegram import FakeTelegram


@pytest.fixture
def fake_line() -> Iterator[FakeLine]:
    fake = FakeLine().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> str:
    return database_for(request)


@pytest.fixture
async def stack(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram
) -> AsyncIterator[Stack]:
    async with running_stack(db_url, fake_line, fake_telegram) as running:
        yield running
