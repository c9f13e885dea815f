"""The composition root: the one place that builds the engine, the unit-of-work factory, the
conversation core and the sender from settings. Nothing is built at import time; tests build
the same `App` with their own clock and transports."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

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
from scheduler.sender import Sender


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
