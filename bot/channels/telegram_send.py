"""A channel-free `Reply` → Bot API calls: a card as HTML, long text split at 4,096 UTF-16
units, then the picture or document uploaded as bytes; buttons as an inline or a one-time
reply keyboard. python-telegram-bot's errors become the sender's typed errors (`classify`)."""

from __future__ import annotations

import os
import warnings
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels import cards
from bot.channels.base import (
    Blocked,
    Delivery,
    FileLoader,
    Outgoing,
    Permanent,
    Rate,
    RateLimits,
    Retryable,
    SendError,
    Throttled,
    split_text,
    utf16_len,
)
from bot.channels.telegram_inbound import CHANNEL
from bot.messages import Reply, ReplyLimits
from bot.vocabulary import is_word

# python-telegram-bot ≥ 22.2 warns on every `RetryAfter` (even while constructing it) unless
# durations are opted in to `timedelta`, its future default. We read both forms (`_seconds`).
os.environ.setdefault("PTB_TIMEDELTA", "true")

# Telegram shows any number of buttons and documents no caption limit; 100 is an inline
# keyboard's most, and a caption longer than 64 would not fit on a phone's button anyway.
LIMITS = ReplyLimits(quick_replies=100, label=64, text=4096)
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes


def keyboard(reply: Reply, is_group: bool) -> ReplyKeyboardMarkup | InlineKeyboardMarkup | None:
    """Buttons. Inline buttons (taps come back as callback queries from the person who
    tapped) under a card, under a question to confirm, and always in a group chat, where a
    reply keyboard would pop up for everyone; otherwise a one-time reply keyboard. An inline
    button's callback data is the word it sends, so it must fit in 64 bytes; when one does
    not, a private chat gets the reply keyboard instead."""
    offered = cards.buttons_of(reply) if reply.card is not None else reply.quick_replies
    buttons = offered[: LIMITS.quick_replies]
    if not buttons:
        return None
    fits = [b for b in buttons if len(b.message.encode("utf-8")) <= MAX_CALLBACK_DATA]
    inline = is_group or (
        len(fits) == len(buttons) and (reply.card is not None or _confirmation(reply))
    )
    if inline:
        row = [InlineKeyboardButton(b.label, callback_data=b.message) for b in fits]
        return InlineKeyboardMarkup(_rows(row, 2 if reply.card is not None else 3)) if row else None
    return ReplyKeyboardMarkup(
        _rows([KeyboardButton(q.message) for q in buttons]),
        one_time_keyboard=True,
        resize_keyboard=True,
    )


def _confirmation(reply: Reply) -> bool:
    """A question that waits for ยืนยัน: its buttons belong to that one message."""
    return any(is_word(q.message, "confirm") for q in reply.quick_replies)


def _rows(buttons: list[Any], per_row: int = 3) -> list[list[Any]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def plan(reply: Reply) -> list[tuple[str, str]]:
    """The parts one Reply becomes, in order: ("html", card) or ("text", chunk)…,
    ("photo", key), ("document", key)."""
    parts: list[tuple[str, str]] = []
    if reply.card is not None:
        markup = cards.telegram_html(reply.card, reply.text)
        if utf16_len(markup) <= LIMITS.text:
            parts.append(("html", markup))
    if not parts:
        parts = [
            ("text", chunk) for chunk in (split_text(reply.text, LIMITS.text) if reply.text else [])
        ]
    if reply.image is not None:
        parts.append(("photo", reply.image.key))
    if reply.document is not None:
        parts.append(("document", reply.document.key))
    return parts


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(error: TelegramError, sent_parts: int = 0) -> SendError:
    """A python-telegram-bot error → the sender's typed error."""
    detail = f"telegram: {type(error).__name__}: {error.message}"
    if isinstance(error, RetryAfter):
        return Throttled(detail, _seconds(error), sent_parts=sent_parts)
    if isinstance(error, ChatMigrated):
        return Permanent(f"{detail} (new chat id {error.new_chat_id})", sent_parts=sent_parts)
    if isinstance(error, Forbidden):
        return Blocked(detail, sent_parts=sent_parts)  # blocked by the user / kicked from group
    if isinstance(error, InvalidToken):
        return Retryable(detail, sent_parts=sent_parts)  # fix TELEGRAM_BOT_TOKEN; then it goes
    if isinstance(error, BadRequest):
        return Permanent(detail, sent_parts=sent_parts)
    if isinstance(error, (TimedOut, NetworkError)):
        return Retryable(detail, sent_parts=sent_parts)  # 5xx, timeouts, connection errors
    return Retryable(detail, sent_parts=sent_parts)


class TelegramTransport:
    """Sends outbox rows through the Bot API: text chunks, then the picture uploaded as bytes."""

    channel = CHANNEL

    def __init__(
        self,
        bot: Bot,
        files: FileLoader,
        *,
        messages_per_second: float = 30.0,
        chat_messages_per_second: float = 1.0,
        group_messages_per_minute: float = 20.0,
    ) -> None:
        self._bot = bot
        self._files = files
        self.limits = RateLimits(
            overall=Rate(messages_per_second, max(1.0, messages_per_second)),
            per_chat=Rate(chat_messages_per_second, 1.0),
            per_group=Rate(group_messages_per_minute / 60.0, group_messages_per_minute),
        )

    def is_group(self, recipient: str) -> bool:
        return recipient.startswith("-")  # group and supergroup ids are negative

    async def send(self, message: Outgoing) -> Delivery:
        parts = plan(message.reply)
        markup = keyboard(message.reply, self.is_group(message.recipient))
        chat_id = (
            int(message.recipient) if message.recipient.lstrip("-").isdigit() else message.recipient
        )
        quote = _quoted(message.reply.quote)
        for index, (kind, value) in enumerate(parts):
            if index < message.skip_parts:
                continue  # delivered by an earlier attempt
            last = index == len(parts) - 1
            answering = quote if index == 0 else None
            try:
                if kind in ("text", "html"):
                    await self._bot.send_message(
                        chat_id,
                        value,
                        parse_mode=ParseMode.HTML if kind == "html" else None,
                        reply_markup=markup if last else None,
                        reply_parameters=answering,
                    )
                else:
                    await self._file(chat_id, kind, value, message.reply, markup if last else None)
            except TelegramError as error:
                raise classify(error, sent_parts=index) from error
            if not last and message.on_part is not None:
                # The Bot API has no idempotency key: count each part the moment it is in,
                # so a crash before the message is done repeats at most the part in flight.
                await message.on_part(index + 1)
        return Delivery(pushed=0, parts=len(parts))

    async def _file(
        self, chat_id: int | str, kind: str, key: str, reply: Reply, markup: Any
    ) -> None:
        """Uploads a stored picture or document as bytes; an expired one is said in words."""
        if kind == "photo":
            name = reply.image.alt if reply.image is not None else ""
        else:
            name = reply.document.filename if reply.document is not None else ""
        stored = await self._files(key)
        if stored is None:
            gone = f"[{name or 'ไฟล์'}: หมดอายุแล้วค่ะ ขอใหม่ได้เลยนะคะ]"
            await self._bot.send_message(chat_id, gone, reply_markup=markup)
            return
        if kind == "photo":
            await self._bot.send_photo(
                chat_id,
                InputFile(stored.data, filename=stored.filename or f"{key}.png"),
                caption=name[:MAX_CAPTION] or None,
                reply_markup=markup,
            )
        else:
            await self._bot.send_document(
                chat_id,
                InputFile(stored.data, filename=stored.filename or name or key),
                reply_markup=markup,
            )


def _quoted(quote: str | None) -> ReplyParameters | None:
    """The message an answer quotes (a report in a group chat); sent anyway if it is gone."""
    if quote is None or not quote.isdigit():
        return None
    return ReplyParameters(message_id=int(quote), allow_sending_without_reply=True)
