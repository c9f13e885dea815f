"""The whole path over HTTP: signed webhook → uvicorn + Starlette → conversation core →
database → outbox → sender → real line-bot-sdk / python-telegram-bot clients → local fake
LINE and Bot API servers (each in its own thread). The clock starts at the real present
(reply-token age is measured against the outbox rows' creation time); tests move it by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support.channel_stack import Stack, database_for, running_stack

# A session fixture shared by tests/channels and tests/e2e (re-exported on purpose).
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
