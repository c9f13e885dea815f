"""What `serve` and `poll` share: opening the platform clients inside the running event loop,
handing normalised messages to the core, sending the replies right after commit, and the
periodic outbox drain that picks up retries and rows a crash left behind."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bot.channels import registry
from bot.channels.base import Ack, FileData, FileLoader, Inbound, Retryable
from bot.channels.line import LineChannel
from bot.channels.registry import OpenChannel
from bot.channels.telegram import TelegramChannel
from bot.messages import InboundMessage

if TYPE_CHECKING:  # built by the composition root; only its type is needed here
    from bot.app import App
    from scheduler.jobs import Scheduled

log = logging.getLogger(__name__)
T = TypeVar("T")
INDICATOR_WAIT_S = 0.5  # how long an answer waits for its loading indicator's request


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
    """The platform clients of this process, by channel name (bot/channels/registry.py): a
    channel without credentials is not opened."""

    opened: dict[str, OpenChannel] = field(default_factory=dict)
    registered: bool = True

    @classmethod
    async def open(
        cls, app: App, *, only: Collection[str] | None = None, register: bool = True
    ) -> Channels:
        """Opens the clients of the configured channels (`only`: these of them); with
        `register` (serve, poll, remind) the app's sender, menu sync and voice notes use them
        (a one-off command such as `setup` does not)."""
        channels = cls(registered=register)
        try:
            for spec in registry.channels():
                if (only is not None and spec.name not in only) or not spec.enabled(app.settings):
                    continue
                channel = await spec.open(app.settings, file_loader(app))
                channels.opened[spec.name] = channel
                if register:
                    app.sender.register(channel.transport)
                    app.menus.register(spec.name, channel.menus)
                    app.conversation.listen_with(channel)
                if getattr(app.addresses, spec.address_attr, None) is None:
                    setattr(app.addresses, spec.address_attr, await channel.address())
        except BaseException:
            await channels.close(app)
            raise
        return channels

    @property
    def names(self) -> list[str]:
        return list(self.opened)

    def get(self, name: str) -> OpenChannel | None:
        return self.opened.get(name)

    @property
    def line(self) -> LineChannel | None:
        """For `sammachip setup`, which uploads LINE's rich menus."""
        channel = self.opened.get("line")
        return channel if isinstance(channel, LineChannel) else None

    @property
    def telegram(self) -> TelegramChannel | None:
        """For `sammachip poll` and `setup` (Telegram's command lists and webhook)."""
        channel = self.opened.get("telegram")
        return channel if isinstance(channel, TelegramChannel) else None

    async def close(self, app: App) -> None:
        """In reverse order of opening; one client failing to close does not keep the others
        open."""
        while self.opened:
            name, channel = self.opened.popitem()
            if self.registered:
                app.sender.unregister(name)
                app.menus.unregister(name)
                app.conversation.stop_listening(name)
            try:
                await channel.close()
            except Exception:
                log.exception("%s: closing its clients failed", name)

    def indicator(self, channel: str) -> Callable[[str], Awaitable[None]] | None:
        """How to show "the answer is coming" in a one-to-one chat of this channel."""
        opened = self.opened.get(channel)
        return opened.show_busy if opened is not None else None


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

    async def showing_it() -> None:
        try:
            await show(message.chat_id)
        except Exception as error:
            log.info("%s: no loading indicator for %s: %s", message.channel, message.chat_id, error)

    # A timer, not a task that sleeps: most answers come before it fires, and a timer
    # cancelled costs a fraction of a task made, scheduled and cancelled on every message.
    shown: list[asyncio.Task[None]] = []
    timer = asyncio.get_running_loop().call_later(
        delay, lambda: shown.append(asyncio.create_task(showing_it()))
    )
    try:
        return await work
    finally:
        timer.cancel()
        # Not asked for yet: never. Already asked for: that request finishes first (for a
        # moment at most: a slow platform does not hold up the lane), so the platform has it
        # before the answer, which ends the animation.
        for task in shown:
            if not task.done():
                await asyncio.wait({task}, timeout=INDICATOR_WAIT_S)
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


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
