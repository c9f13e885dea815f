"""Fixtures for tests that drive the whole HTTP stack (tests/e2e, tests/reliability): the fake
platforms in their own threads, a seeded database per test, and the running server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support.channel_stack import Stack, database_for, running_stack
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
