"""What `serve` and `poll` share: opening the platform clients inside the running event loop,
handing normalised messages to the core, sending the replies right after commit, and the
periodic outbox drain that picks up retries and rows a crash left behind."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bot.channels.base import Ack, FileData, FileLoader, Inbound, Retryable
from bot.channels.line import LineAdapter, LineChannel
from bot.channels.telegram import TelegramChannel
from bot.messages import InboundMessage

if TYPE_CHECKING:  # built by the composition root; only its type is needed here
    from bot.app import App
    from scheduler.jobs import Scheduled

log = logging.getLogger(__name__)
T = TypeVar("T")


def file_loader(app: App) -> FileLoader:
    """Reads a generated picture or document that has not expired yet."""

    async def load(key: str) -> FileData | None:
        from bot.reports.files import NotReady
        from bot.reports.files import load as load_file

        try:
            stored = await load_file(app.uow, key, app.clock.now())
        except NotReady as error:  # sent again later, not announced as expired
            raise Retryable("the requested file could not be built yet") from error
        if stored is None:
            return None
        return FileData(stored.data, stored.content_type, stored.filename)

    return load


@dataclass
class Channels:
    """The platform clients of this process (a channel without credentials stays None)."""

    line: LineChannel | None = None
    line_adapter: LineAdapter | None = None
    telegram: TelegramChannel | None = None
    registered: bool = True

    @classmethod
    async def open(
        cls, app: App, *, line: bool = True, telegram: bool = True, register: bool = True
    ) -> Channels:
        """Opens the clients of the configured channels; with `register` (serve, poll) the
        app's sender and menu sync use them (a one-off command such as `setup` does not)."""
        settings = app.settings
        channels = cls(registered=register)
        try:
            if line and settings.line_enabled:
                assert settings.line_channel_secret and settings.line_channel_access_token
                channels.line_adapter = LineAdapter(settings.line_channel_secret)
                channels.line = LineChannel.open(
                    access_token=settings.line_channel_access_token,
                    api_base_url=settings.line_api_base_url,
                    data_base_url=settings.line_data_url,
                    public_base_url=settings.public_base_url,
                    messages_per_second=settings.line_messages_per_second,
                    timeout=settings.send_timeout_seconds,
                )
                if register:
                    app.sender.register(channels.line.transport)
                    app.menus.register("line", channels.line.menus)
                    app.conversation.listen_with(channels.line)
                if app.addresses.line_basic_id is None:
                    app.addresses.line_basic_id = await channels.line.basic_id()
            if telegram and settings.telegram_enabled:
                assert settings.telegram_bot_token
                channels.telegram = await TelegramChannel.open(
                    token=settings.telegram_bot_token,
                    base_url=settings.telegram_api_base_url,
                    webhook_secret=settings.telegram_webhook_secret,
                    files=file_loader(app),
                    request_timeout=settings.send_timeout_seconds,
                    messages_per_second=settings.telegram_messages_per_second,
                    chat_messages_per_second=settings.telegram_chat_messages_per_second,
                    group_messages_per_minute=settings.telegram_group_messages_per_minute,
                )
                if register:
                    app.sender.register(channels.telegram.transport)
                    app.menus.register("telegram", channels.telegram.menus)
                    app.conversation.listen_with(channels.telegram)
                if app.addresses.telegram_username is None:
                    app.addresses.telegram_username = channels.telegram.bot.username
        except BaseException:
            await channels.close(app)
            raise
        return channels

    @property
    def names(self) -> list[str]:
        return [n for n, on in (("line", self.line), ("telegram", self.telegram)) if on]

    async def close(self, app: App) -> None:
        if self.line is not None:
            if self.registered:
                app.sender.unregister("line")
                app.menus.unregister("line")
                app.conversation.stop_listening("line")
            await self.line.close()
            self.line = None
        if self.telegram is not None:
            if self.registered:
                app.sender.unregister("telegram")
                app.menus.unregister("telegram")
                app.conversation.stop_listening("telegram")
            await self.telegram.close()
            self.telegram = None

    def indicator(self, channel: str) -> Callable[[str], Awaitable[None]] | None:
        """How to show "the answer is coming" in a one-to-one chat of this channel."""
        if channel == "line" and self.line is not None:
            return self.line.menus.loading
        if channel == "telegram" and self.telegram is not None:
            return self.telegram.menus.typing
        return None


async def while_busy(
    app: App, channels: Channels, message: InboundMessage, work: Awaitable[T]
) -> T:
    """Runs `work` (handling one message); if it takes longer than LOADING_AFTER_SECONDS in a
    one-to-one chat, LINE shows its loading animation (Telegram: "typing…") until the answer
    arrives. The indicator is a courtesy: its failure is only logged."""
    delay = app.settings.loading_after_seconds
    show = channels.indicator(message.channel)
    if (
        show is None
        or delay < 0
        or message.is_group
        or message.kind not in ("text", "postback", "audio")  # audio: while it is transcribed
    ):
        return await work

    async def later() -> None:
        await asyncio.sleep(delay)
        try:
            await show(message.chat_id)
        except Exception as error:
            log.info("%s: no loading indicator for %s: %s", message.channel, message.chat_id, error)

    timer = asyncio.create_task(later())
    try:
        return await work
    finally:
        if not timer.done():
            timer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await timer


@dataclass
class Processed:
    """The outcome of handing one webhook body (or polled update) to the core."""

    outbox_ids: list[int] = field(default_factory=list)
    duplicates: int = 0
    error: BaseException | None = None


async def process(app: App, inbound: Inbound, channels: Channels | None = None) -> Processed:
    """Each message in order, each in its own committed transaction. Stops at the first
    failure: the platform redelivers, and the messages already committed are deduped."""
    done = Processed()
    for message in inbound.messages:
        try:
            handled = await while_busy(
                app, channels or Channels(), message, app.conversation.handle(message)
            )
        except Exception as error:
            log.exception("%s: event %s not stored", message.channel, message.event_id)
            done.error = error
            break
        if handled.duplicate:
            done.duplicates += 1
        if handled.outbox_id is not None:
            done.outbox_ids.append(handled.outbox_id)
    return done


async def acknowledge(acks: Sequence[Ack]) -> None:
    """After the response: Telegram callback answers (the button stops spinning)."""
    for ack in acks:
        try:
            await ack()
        except Exception:
            log.exception("acknowledgement failed")


async def deliver(app: App, outbox_ids: Sequence[int], acks: Sequence[Ack] = ()) -> None:
    """After handling: acknowledge, then send the replies. A failed send stays in the outbox
    for the periodic drain; nothing here may raise."""
    await acknowledge(acks)
    for outbox_id in outbox_ids:
        try:
            await app.sender.drain(only=outbox_id)
        except Exception:
            log.exception("outbox %s: immediate send failed; the drain loop retries it", outbox_id)


async def drain_forever(app: App, interval: float) -> None:
    """Retries, held-back rows and anything a crash left: drain what is due, forever."""
    while True:
        try:
            result = await app.sender.drain()
            busy = result.sent + result.retried + result.failed >= 100
        except Exception:
            log.exception("outbox drain failed; trying again in %.0f s", interval)
            busy = False
        if not busy:
            await asyncio.sleep(interval)


async def start_scheduler(app: App) -> Scheduled:
    """Starts the follow-up scheduler (the sweep and the outbox's periodic drain)."""
    from scheduler.jobs import start

    return await start(app)


async def stop_scheduler(handle: Any | None) -> None:
    if handle is None:
        return
    result = handle.shutdown()
    if inspect.isawaitable(result):
        await result
