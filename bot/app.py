"""The composition root: the one place that builds the engine, the unit-of-work factory, the
conversation core and the sender from settings (`build_app`), and the one place that runs them
(`running`: the platform clients, the intake, the outbox drain, the menu sync and the scheduler,
started in order and stopped in reverse). Nothing is built at import time; tests build the same
`App` with their own clock and transports."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Collection, Coroutine, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.addresses import BotAddresses
from bot.channels.base import Transport
from bot.channels.speech import OpenAITranscriber, SpeechSettings, Transcriber
from bot.channels.voice import Listener, VoiceLimits
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.conversation import Conversation
from bot.storage.database import WriterGate, create_engine, session_factory, writer_gate
from bot.storage.unit_of_work import UnitOfWork
from scheduler.menu_sync import MenuSyncer
from scheduler.sender import MARK_WINDOW_S, Sender

if TYPE_CHECKING:  # the runtime's parts load with `running`, not with the app
    from bot.web.intake import Intake
    from bot.web.runtime import Channels


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    conversation: Conversation
    sender: Sender
    menus: MenuSyncer  # people's LINE rich menus and Telegram command lists
    addresses: BotAddresses  # the bot on each platform (join posters)
    gate: WriterGate | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.gate)

    def running(
        self,
        *,
        intake: bool = False,
        drain_interval: float = 0.0,
        menus: bool = True,
        scheduler: bool = False,
        only: Collection[str] | None = None,
        close_app: bool = False,
    ) -> contextlib.AbstractAsyncContextManager[Running]:
        """`running(self, …)`, so the web layer runs the app without importing the
        composition root."""
        return running(
            self,
            intake=intake,
            drain_interval=drain_interval,
            menus=menus,
            scheduler=scheduler,
            only=only,
            close_app=close_app,
        )

    async def close(self) -> None:
        from bot.reports.files import stop_drawing

        await asyncio.to_thread(stop_drawing)  # the chart drawing process, if one was started
        await self.engine.dispose()


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transports: Mapping[str, Transport] | None = None,
    engine: AsyncEngine | None = None,
    flood_control: bool = True,
) -> App:
    """`flood_control=False`: the app of `sammachip console`/`demo`, the operator's own
    terminal, where a piped conversation must not be slowed like a flooding chat account."""
    engine = engine or create_engine(settings.database_url)
    sessions = session_factory(engine)
    clock = clock or SystemClock()
    gate = writer_gate(engine)

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, gate)

    menus = MenuSyncer(uow, clock)
    listener = build_listener(settings)
    addresses = BotAddresses(settings.line_basic_id, settings.telegram_bot_username)
    return App(
        settings=settings,
        engine=engine,
        sessions=sessions,
        clock=clock,
        conversation=Conversation(
            uow,
            settings,
            clock,
            flood_control=flood_control,
            menus_queued=menus.kick,
            addresses=addresses,
            listener=listener,
        ),
        sender=Sender(
            uow,
            transports or {},
            clock,
            tz=settings.tz,
            reply_token_ttl=settings.line_reply_token_seconds,
            # SQLite: marks written at once. Gathered, they made a market-day burst slower
            # there (one writer: the chat's next reply waited behind them; BENCHMARKS.md
            # "seventh pass"), while on PostgreSQL the burst and the steady rate both gained.
            mark_window=0.0 if engine.dialect.name == "sqlite" else MARK_WINDOW_S,
        ),
        menus=menus,
        addresses=addresses,
        gate=gate,
    )


def build_listener(settings: Settings, transcriber: Transcriber | None = None) -> Listener:
    """Voice notes: the speech-to-text adapter from STT_* settings (None: voice is off and
    people are asked to type); the channels register their audio fetchers when they open."""
    if transcriber is None and settings.stt_enabled:
        assert settings.stt_base_url
        transcriber = OpenAITranscriber(
            SpeechSettings(
                base_url=settings.stt_base_url,
                model=settings.stt_model,
                api_key=settings.stt_api_key,
                timeout=settings.stt_timeout_seconds,
            )
        )
    limits = VoiceLimits(settings.voice_max_seconds, settings.voice_max_bytes)
    return Listener(transcriber, limits)


@dataclass
class Running:
    """What `running` started: the open channels, and the intake when one was asked for."""

    channels: Channels
    intake: Intake | None = None


@contextlib.asynccontextmanager
async def running(
    app: App,
    *,
    intake: bool = False,
    drain_interval: float = 0.0,
    menus: bool = True,
    scheduler: bool = False,
    only: Collection[str] | None = None,
    close_app: bool = False,
) -> AsyncIterator[Running]:
    """The one runtime lifecycle, used by `serve` (the web app's lifespan), `poll` and
    `remind`. Opens the configured channels' clients (`only`: these of them) and hands them to
    the sender, the menu sync and the voice listener; then, as asked, the outbox drain loop
    (`drain_interval` seconds; 0: none), people's menu sync, the follow-up scheduler and the
    webhook intake. Everything started is stopped in reverse order when the block ends, by
    error or not; with `close_app` the database pool goes last."""
    from bot.web.intake import Intake
    from bot.web.runtime import Channels, drain_forever, start_scheduler, stop_scheduler

    async with contextlib.AsyncExitStack() as stack:
        if close_app:
            stack.push_async_callback(app.close)
        channels = await Channels.open(app, only=only)
        stack.push_async_callback(channels.close, app)
        if drain_interval > 0:
            _background(stack, drain_forever(app, drain_interval))
        if menus:  # whenever a role changes (kicked), and retries every drain interval
            _background(stack, app.menus.forever(drain_interval))
            app.menus.kick()  # anything a restart left pending
        if scheduler:
            stack.push_async_callback(stop_scheduler, await start_scheduler(app))
        taken: Intake | None = None
        if intake:
            taken = Intake(app, channels=channels)
            taken.start()
            stack.push_async_callback(taken.stop)
        yield Running(channels, taken)


def _background(stack: contextlib.AsyncExitStack, work: Coroutine[Any, Any, None]) -> None:
    """Runs `work` as a task until the stack unwinds, then cancels it and waits for it."""
    task = asyncio.create_task(work)

    async def cancel() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    stack.push_async_callback(cancel)
