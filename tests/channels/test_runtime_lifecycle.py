"""`bot.app.running`, the one runtime lifecycle of `serve`, `poll` and `remind`: it opens the
configured channels (the real SDKs against the fake platforms) and the loops asked for, and
when the block ends — normally, by an error inside, or by a channel failing to open — nothing
is left running and nothing is left registered. The intake's handling is exercised through the
web app's lifespan (tests/e2e/test_web_server.py, tests/e2e/test_intake.py); here, that it
starts and stops with the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.app import App, build_app, running
from tests.support.channel_stack import stack_settings
from tests.support.fake_line import FakeLine
from tests.support.fake_telegram import FakeTelegram


@pytest.fixture
def line() -> Iterator[FakeLine]:
    server = FakeLine().start()
    yield server
    server.stop()


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


def app_for(db_url: str, line: FakeLine, telegram: FakeTelegram, **settings: object) -> App:
    return build_app(stack_settings(db_url, line, telegram).model_copy(update=settings))


def tasks() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


class Closed:
    """Stands in for `App.close` to see that (and when) the database pool goes."""

    def __init__(self, app: App) -> None:
        self.calls = 0
        self._close = app.close

    async def __call__(self) -> None:
        self.calls += 1
        await self._close()


async def test_everything_it_started_stops_when_the_block_ends(
    db_url: str, line: FakeLine, telegram: FakeTelegram
) -> None:
    app = app_for(db_url, line, telegram)
    before = tasks()
    closed = Closed(app)
    app.close = closed  # type: ignore[method-assign]
    async with running(app, drain_interval=1.0, close_app=True) as live:
        assert live.channels.names == ["line", "telegram"]
        assert app.addresses.telegram_username  # learnt from getMe while opening
        assert len(tasks() - before) >= 2  # the outbox drain and the menu sync at least
        assert closed.calls == 0
    assert live.channels.names == []
    assert tasks() - before == set()
    assert closed.calls == 1


async def test_an_error_inside_still_stops_everything_and_is_not_swallowed(
    db_url: str, line: FakeLine, telegram: FakeTelegram
) -> None:
    app = app_for(db_url, line, telegram)
    before = tasks()
    with pytest.raises(RuntimeError, match="the database went away"):
        async with running(app, drain_interval=1.0) as live:
            raise RuntimeError("the database went away")
    assert live.channels.names == []
    assert tasks() - before == set()
    await app.close()


async def test_a_channel_that_cannot_open_closes_the_ones_already_open(
    db_url: str, line: FakeLine, telegram: FakeTelegram
) -> None:
    """A wrong TELEGRAM_BOT_TOKEN: getMe is refused while LINE is already open. `serve` stops
    with the error instead of running half-configured, and leaves nothing behind."""
    app = app_for(db_url, line, telegram, telegram_bot_token="123:wrong")
    before = tasks()
    closed = Closed(app)
    app.close = closed  # type: ignore[method-assign]
    with pytest.raises(Exception, match=r"(?i)unauthorized|invalid|token"):
        async with running(app, drain_interval=1.0, close_app=True):
            pytest.fail("the block must not run")
    assert tasks() - before == set()
    assert closed.calls == 1


async def test_only_the_channels_asked_for_are_opened(
    db_url: str, line: FakeLine, telegram: FakeTelegram
) -> None:
    app = app_for(db_url, line, telegram)
    try:
        async with running(app, only=("telegram",), menus=False) as live:
            assert live.channels.names == ["telegram"]
            assert live.channels.line is None and live.channels.telegram is not None
            assert live.intake is None
    finally:
        await app.close()


async def test_the_intake_starts_and_stops_with_the_rest(
    db_url: str, line: FakeLine, telegram: FakeTelegram
) -> None:
    """`serve`'s shape: intake, outbox drain and menu sync, and the database pool closed last
    (without `close_app` the caller closes the app, as the tests' `app` fixture does)."""
    app = app_for(db_url, line, telegram)
    before = tasks()

    async def serve_briefly() -> None:
        async with running(app, intake=True, drain_interval=1.0, close_app=True) as live:
            assert live.intake is not None
            await asyncio.sleep(0.2)

    await asyncio.wait_for(serve_briefly(), 30)  # a shutdown that hangs fails here
    assert tasks() - before == set()
