"""The chat platforms this bot speaks, each declared once: its name, its webhook route and the
header that proves a request came from it, how it opens its clients, and its platform limits.
The web server builds its routes from this table, the runtime opens what is configured, the
sender sends through what opened, and a test checks that the core's channel-free limits
(`bot.messages.REPLY_LIMITS`) fit every channel here. Adding a channel is a module in
`bot/channels/` with a `SPEC`, a line in `CHANNELS`, and its settings in `bot/config.py`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.channels.base import FileLoader, Inbound, Transport
from bot.config import Settings
from bot.messages import Audio, ReplyLimits


class OpenChannel(Protocol):
    """A channel whose platform clients are open (inside the running event loop)."""

    @property
    def channel(self) -> str: ...

    @property
    def transport(self) -> Transport: ...

    @property
    def menus(self) -> Any:  # what scheduler.menu_sync applies people's menus with
        ...

    def parse(self, body: bytes, proof: str | None) -> Inbound:
        """A webhook body and its signature/secret header → messages, or WebhookRejected."""
        ...

    async def fetch_audio(self, ref: str, max_bytes: int) -> Audio: ...

    async def show_busy(self, chat_id: str) -> None:
        """ "The answer is coming" in a one-to-one chat (LINE's loading animation, "typing…")."""
        ...

    async def address(self) -> str | None:
        """Where people find the bot (LINE basic id, Telegram username), if the platform says."""
        ...

    async def close(self) -> None: ...


Opener = Callable[[Settings, FileLoader], Awaitable[OpenChannel]]


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    name: str  # the `channel` of every InboundMessage and outbox row
    title: str  # how people and operators call it ("LINE")
    route: str  # the webhook path (public contract: DESIGN.md)
    proof_header: str  # the header carrying the signature or secret token
    limits: ReplyLimits  # what one message may hold on this platform
    enabled: Callable[[Settings], bool]  # its credentials are set
    open: Opener
    address_attr: str  # the BotAddresses field this channel fills in when it opens


def _line_spec() -> ChannelSpec:
    from bot.channels.line import SPEC

    return SPEC


def _telegram_spec() -> ChannelSpec:
    from bot.channels.telegram import SPEC

    return SPEC


# In the order they open and are listed (/healthz). Imported lazily: the SDKs load on use.
_FACTORIES: tuple[Callable[[], ChannelSpec], ...] = (_line_spec, _telegram_spec)


def channels() -> tuple[ChannelSpec, ...]:
    return tuple(factory() for factory in _FACTORIES)


def spec(name: str) -> ChannelSpec | None:
    return next((s for s in channels() if s.name == name), None)
