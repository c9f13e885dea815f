"""Telegram Bot API through python-telegram-bot: the channel's clients and its entry in the
registry.

Only `bot/channels/telegram*.py` know Telegram: `telegram_inbound` checks and normalises
updates, `telegram_send` renders and sends replies, `telegram_polling` is `sammachip poll`.
The `Application` is built with `base_url` from settings and no `Updater`: webhook bodies are
checked by the adapter (secret-token header, constant time) and fed through `Update.de_json`.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.channels.base import AudioTooLarge, AudioUnavailable, FileLoader, Inbound
from bot.channels.registry import ChannelSpec
from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_inbound import CHANNEL, SECRET_HEADER, TelegramAdapter
from bot.channels.telegram_menus import TelegramMenus
from bot.channels.telegram_polling import ALLOWED_UPDATES, poll
from bot.channels.telegram_send import LIMITS, TelegramTransport, classify, keyboard, plan
from bot.config import Settings
from bot.messages import Audio

__all__ = [
    "ALLOWED_UPDATES",
    "CHANNEL",
    "SECRET_HEADER",
    "SPEC",
    "TelegramAdapter",
    "TelegramChannel",
    "TelegramTransport",
    "classify",
    "file_url",
    "keyboard",
    "plan",
    "poll",
]


class TelegramChannel:
    """The PTB Application (its Bot and its two aiohttp pools, telegram_http.py) for one
    process: `open` calls getMe."""

    channel = CHANNEL

    def __init__(
        self, application: Application[Any, Any, Any, Any, Any, Any], adapter: TelegramAdapter,
        transport: TelegramTransport,
    ) -> None:  # fmt: skip
        self.application = application
        self.bot: Bot = application.bot
        self.adapter = adapter
        self.transport = transport
        self.menus = TelegramMenus(self.bot)

    @classmethod
    async def open(
        cls,
        *,
        token: str,
        base_url: str,
        webhook_secret: str | None,
        files: FileLoader,
        request_timeout: float = 10.0,
        messages_per_second: float = 30.0,
        chat_messages_per_second: float = 1.0,
        group_messages_per_minute: float = 20.0,
    ) -> TelegramChannel:
        # PTB's own pool sizes and timeouts, on aiohttp instead of httpx (telegram_http.py).
        # getUpdates: one connection; PTB adds the long poll's wait to its read timeout.
        sends = AiohttpRequest(
            base_url, connection_pool_size=256, connect_timeout=request_timeout,
            read_timeout=request_timeout, write_timeout=request_timeout,
        )  # fmt: skip
        updates = AiohttpRequest(base_url, connection_pool_size=1, read_timeout=request_timeout)
        application = (
            Application.builder()
            .token(token)
            .base_url(base_url)
            .base_file_url(file_url(base_url))
            .updater(None)
            .job_queue(None)
            .request(sends)
            .get_updates_request(updates)
            .build()
        )
        try:
            await application.initialize()  # getMe: fails fast on a wrong token
        except InvalidToken:
            await application.bot.shutdown()
            # PTB's message quotes the token itself, and start-up errors end up in logs.
            raise InvalidToken(
                "Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather"
            ) from None
        except BaseException:
            await application.bot.shutdown()  # its HTTP pools, opened before getMe failed
            raise
        bot = application.bot
        adapter = TelegramAdapter(
            bot, bot_id=bot.id, username=bot.username, webhook_secret=webhook_secret
        )
        transport = TelegramTransport(
            bot,
            files,
            messages_per_second=messages_per_second,
            chat_messages_per_second=chat_messages_per_second,
            group_messages_per_minute=group_messages_per_minute,
        )
        return cls(application, adapter, transport)

    def parse(self, body: bytes, proof: str | None) -> Inbound:
        return self.adapter.parse(body, proof)

    async def show_busy(self, chat_id: str) -> None:
        await self.menus.typing(chat_id)

    async def address(self) -> str | None:
        return self.bot.username

    async def fetch_audio(self, ref: str, max_bytes: int) -> Audio:
        """getFile, then the download from the file host (voice notes are ogg/opus). The
        Bot API refuses files above 20 MB; ours is far lower (VOICE_MAX_BYTES)."""
        try:
            found = await self.bot.get_file(ref)
            if found.file_size is not None and found.file_size > max_bytes:
                raise AudioTooLarge(f"telegram file: {found.file_size} bytes")
            data = bytes(await found.download_as_bytearray())
        except TelegramError as error:
            raise AudioUnavailable(f"telegram file: {error}") from error
        if len(data) > max_bytes:
            raise AudioTooLarge(f"telegram file: {len(data)} bytes")
        path = found.file_path or ""
        name = path.rsplit("/", 1)[-1] or "voice.ogg"
        kind = "audio/ogg" if name.endswith((".oga", ".ogg")) else "application/octet-stream"
        if name.endswith(".mp3"):
            kind = "audio/mpeg"
        elif name.endswith(".m4a"):
            kind = "audio/mp4"
        return Audio(data, kind, name)

    async def close(self) -> None:
        await self.application.shutdown()


def file_url(base_url: str) -> str:
    """The file host beside the Bot API host: ".../bot" -> ".../file/bot" (what
    python-telegram-bot joins with the token and the file_path)."""
    base = base_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


async def _open(settings: Settings, files: FileLoader) -> TelegramChannel:
    assert settings.telegram_bot_token
    return await TelegramChannel.open(
        token=settings.telegram_bot_token,
        base_url=settings.telegram_api_base_url,
        webhook_secret=settings.telegram_webhook_secret,
        files=files,
        request_timeout=settings.send_timeout_seconds,
        messages_per_second=settings.telegram_messages_per_second,
        chat_messages_per_second=settings.telegram_chat_messages_per_second,
        group_messages_per_minute=settings.telegram_group_messages_per_minute,
    )


SPEC = ChannelSpec(
    name=CHANNEL,
    title="Telegram",
    route="/webhooks/telegram",
    proof_header=SECRET_HEADER,
    limits=LIMITS,
    enabled=lambda settings: settings.telegram_enabled,
    open=_open,
    address_attr="telegram_username",
)
