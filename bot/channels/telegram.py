"""Telegram Bot API through python-telegram-bot: verify and normalise updates (webhook or long
polling), render and send replies.

Only this module knows Telegram. The `Application` is built with `base_url` from settings and
no `Updater`: webhook bodies are checked here (secret-token header, constant time) and fed
through `Update.de_json`; `sammachip poll` runs `poll()`, which acknowledges an update (moves the
offset past it) only after the core committed it, so nothing fetched is lost on a crash.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
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
from telegram.ext import Application
from telegram.warnings import PTBDeprecationWarning

from bot.channels import cards
from bot.channels.base import (
    AudioTooLarge,
    AudioUnavailable,
    Blocked,
    Delivery,
    FileLoader,
    Inbound,
    Outgoing,
    Permanent,
    Rate,
    RateLimits,
    Retryable,
    SendError,
    Throttled,
    WebhookRejected,
    split_text,
    utf16_cut,
    utf16_len,
)
from bot.messages import Audio, EventKind, InboundMessage, Reply
from bot.vocabulary import is_word

log = logging.getLogger(__name__)

# python-telegram-bot ≥ 22.2 warns on every `RetryAfter` (even while constructing it) unless
# durations are opted in to `timedelta`, its future default. We read both forms (`_seconds`).
os.environ.setdefault("PTB_TIMEDELTA", "true")

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)
PRESENT = (
    ChatMemberStatus.MEMBER,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.OWNER,
    ChatMemberStatus.RESTRICTED,
)
GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


# --- inbound -------------------------------------------------------------------------------


class TelegramAdapter:
    """Checks the webhook secret and normalises updates. No network except answering
    callback queries, which is deferred to an ack run after the core committed."""

    channel = CHANNEL

    def __init__(
        self, bot: Bot, *, bot_id: int, username: str, webhook_secret: str | None = None
    ) -> None:
        self._bot = bot
        self._bot_id = bot_id
        self._username = username.lstrip("@").lower()
        self._secret = webhook_secret.encode("utf-8") if webhook_secret else None

    def parse(self, body: bytes, secret: str | None) -> Inbound:
        """A webhook POST: secret header checked in constant time, then one update."""
        if self._secret is None:
            raise WebhookRejected(403, "TELEGRAM_WEBHOOK_SECRET is not set: webhooks are refused")
        given = (secret or "").encode("utf-8")
        if not hmac.compare_digest(given, self._secret):
            raise WebhookRejected(403, "bad secret token")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as error:  # not JSON, or nested past any update
            raise WebhookRejected(400, "body is not JSON") from error
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise WebhookRejected(400, "not a Telegram update")
        try:
            # python-telegram-bot reads leniently (a message without "chat" becomes chat=None),
            # so a malformed update can fail while it is normalised too, not only in de_json.
            return self.inbound(Update.de_json(data, self._bot))
        except Exception as error:
            # Refusing it would make Telegram redeliver it forever, holding up the updates
            # after it: acknowledge it, say so in the log, and store nothing.
            log.warning(
                "telegram: skipped update %s that could not be read: %s", data["update_id"], error
            )
            return Inbound(skipped=[str(data["update_id"])])

    def inbound(self, update: Update) -> Inbound:
        result = Inbound()
        message: InboundMessage | None = None
        if update.message is not None:
            message = self._message(update.update_id, update.message, "text")
        elif update.edited_message is not None:
            message = self._message(update.update_id, update.edited_message, "edit")
        elif update.callback_query is not None:
            query = update.callback_query
            message = self._callback(update.update_id, query)
            result.acks.append(self._answer(query))
        elif update.my_chat_member is not None:
            message = self._membership(update.update_id, update.my_chat_member)
        else:
            kinds = [k for k, v in update.to_dict().items() if k != "update_id" and v]
            log.info("telegram: skipped update %s (%s)", update.update_id, ",".join(kinds))
        if message is None:
            result.skipped.append(str(update.update_id))
        else:
            result.messages.append(message)
        return result

    def _message(self, update_id: int, msg: Message, kind: EventKind) -> InboundMessage | None:
        chat = msg.chat
        if chat.type not in (ChatType.PRIVATE, *GROUP_TYPES):
            log.info("telegram: skipped update %s from a %s chat", update_id, chat.type)
            return None
        user = msg.from_user
        if user is None or user.is_bot:
            log.info("telegram: skipped update %s: no person sent it", update_id)
            return None
        voice = msg.voice or msg.audio
        if voice is not None and kind == "text":
            return self._voice(update_id, msg, voice)
        if msg.text is None:
            log.info("telegram: skipped update %s: not a text message", update_id)
            return None
        text, addressed = self._strip_mentions(msg)
        replied = msg.reply_to_message
        if replied is not None and replied.from_user is not None:
            addressed = addressed or replied.from_user.id == self._bot_id
        is_group = chat.type in GROUP_TYPES
        suffix = ":e" if kind == "edit" else ""
        return InboundMessage(
            channel=CHANNEL,
            sender_id=str(user.id),
            chat_id=str(chat.id),
            text=text,
            kind=kind,
            is_group=is_group,
            event_id=f"{update_id}:{chat.id}:{msg.message_id}{suffix}",
            message_id=str(msg.message_id),
            quote_ref=str(msg.message_id) if is_group else None,
            display_name=user.full_name or None,
            sent_at=msg.edit_date if kind == "edit" and msg.edit_date else msg.date,
            addressed=addressed and is_group,
        )

    def _voice(self, update_id: int, msg: Message, voice: Any) -> InboundMessage:
        """A voice note (or an audio file): named by its file_id, fetched later."""
        assert msg.from_user is not None
        is_group = msg.chat.type in GROUP_TYPES
        duration = voice.duration
        seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
        return InboundMessage(
            channel=CHANNEL,
            sender_id=str(msg.from_user.id),
            chat_id=str(msg.chat.id),
            kind="audio",
            is_group=is_group,
            event_id=f"{update_id}:{msg.chat.id}:{msg.message_id}",
            message_id=str(msg.message_id),
            quote_ref=str(msg.message_id) if is_group else None,
            display_name=msg.from_user.full_name or None,
            sent_at=msg.date,
            media_ref=voice.file_id,
            media_seconds=float(seconds) if seconds is not None else None,
            media_bytes=voice.file_size,
        )

    def _strip_mentions(self, msg: Message) -> tuple[str, bool]:
        text = msg.text or ""
        own: list[MessageEntity] = []
        addressed = False
        for entity in msg.entities:
            if entity.type == MessageEntity.MENTION:
                if msg.parse_entity(entity).lstrip("@").lower() == self._username:
                    own.append(entity)
            elif entity.type == MessageEntity.TEXT_MENTION:
                if entity.user is not None and entity.user.id == self._bot_id:
                    own.append(entity)
            elif entity.type == MessageEntity.BOT_COMMAND:
                command = msg.parse_entity(entity).lower()
                addressed = addressed or command.endswith(f"@{self._username}")
        for entity in sorted(own, key=lambda e: e.offset, reverse=True):
            text, _ = utf16_cut(text, entity.offset, entity.length)
        if own:
            text = " ".join(text.split())
        return text, addressed or bool(own)

    def _callback(self, update_id: int, query: CallbackQuery) -> InboundMessage | None:
        if query.data is None:
            log.info("telegram: skipped callback %s without data", update_id)
            return None
        chat = query.message.chat if query.message is not None else None
        is_group = chat is not None and chat.type in GROUP_TYPES
        return InboundMessage(
            channel=CHANNEL,
            sender_id=str(query.from_user.id),
            chat_id=str(chat.id if chat is not None else query.from_user.id),
            text=query.data,
            kind="postback",
            is_group=is_group,
            event_id=f"{update_id}:cb:{query.id}",
            display_name=query.from_user.full_name or None,
            addressed=True,
        )

    def _answer(self, query: CallbackQuery) -> Callable[[], Awaitable[None]]:
        """After the tap is stored: the button stops spinning with a short "✓ word", and in a
        private chat the buttons leave the message they were on, so an old confirmation
        cannot be tapped again by mistake (a group's buttons stay for the others)."""

        async def answer() -> None:
            try:
                await self._bot.answer_callback_query(query.id, text=f"✓ {query.data or ''}"[:200])
            except TelegramError as error:  # too old, already answered: nothing to redo
                log.info("telegram: could not answer callback %s: %s", query.id, error)
            shown = query.message
            if shown is None or shown.chat.type != ChatType.PRIVATE:
                return
            try:
                await self._bot.edit_message_reply_markup(
                    chat_id=shown.chat.id, message_id=shown.message_id, reply_markup=None
                )
            except TelegramError as error:  # already edited, or too old to edit
                log.info("telegram: kept the buttons of message %s: %s", shown.message_id, error)

        return answer

    def _membership(self, update_id: int, change: ChatMemberUpdated) -> InboundMessage | None:
        chat, old, new = change.chat, change.old_chat_member.status, change.new_chat_member.status
        kind: EventKind | None = None
        if chat.type == ChatType.PRIVATE:
            if new == ChatMemberStatus.BANNED:
                kind = "unfollow"  # the person blocked the bot
        elif chat.type in GROUP_TYPES:
            if new in PRESENT and old in GONE:
                kind = "join"
            elif new in GONE and old not in GONE:
                kind = "leave"
        if kind is None:
            log.info("telegram: skipped my_chat_member %s (%s → %s)", update_id, old, new)
            return None
        return InboundMessage(
            channel=CHANNEL,
            sender_id=str(change.from_user.id),
            chat_id=str(chat.id),
            kind=kind,
            is_group=chat.type in GROUP_TYPES,
            event_id=f"{update_id}:cm:{chat.id}:{int(change.date.timestamp())}",
            display_name=change.from_user.full_name or None,
            sent_at=change.date,
        )


# --- outbound ------------------------------------------------------------------------------


def keyboard(reply: Reply, is_group: bool) -> ReplyKeyboardMarkup | InlineKeyboardMarkup | None:
    """Buttons. Inline buttons (taps come back as callback queries from the person who
    tapped) under a card, under a question to confirm, and always in a group chat, where a
    reply keyboard would pop up for everyone; otherwise a one-time reply keyboard. An inline
    button's callback data is the word it sends, so it must fit in 64 bytes; when one does
    not, a private chat gets the reply keyboard instead."""
    buttons = cards.buttons_of(reply) if reply.card is not None else reply.quick_replies
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
        if utf16_len(markup) <= MAX_TEXT:
            parts.append(("html", markup))
    if not parts:
        parts = [
            ("text", chunk) for chunk in (split_text(reply.text, MAX_TEXT) if reply.text else [])
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


# --- lifetime and long polling -------------------------------------------------------------


class TelegramChannel:
    """The PTB Application (its Bot and HTTP pools) for one process: `open` calls getMe."""

    def __init__(
        self, application: Application[Any, Any, Any, Any, Any, Any], adapter: TelegramAdapter,
        transport: TelegramTransport,
    ) -> None:  # fmt: skip
        self.application = application
        self.bot: Bot = application.bot
        self.adapter = adapter
        self.transport = transport
        from bot.channels.telegram_menus import TelegramMenus  # it builds on this module

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
        application = (
            Application.builder()
            .token(token)
            .base_url(base_url)
            .base_file_url(file_url(base_url))
            .updater(None)
            .job_queue(None)
            .connect_timeout(request_timeout)
            .read_timeout(request_timeout)
            .write_timeout(request_timeout)
            .get_updates_read_timeout(request_timeout)
            .build()
        )
        await application.initialize()  # getMe: fails fast on a wrong token
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

    channel = CHANNEL

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


def _quoted(quote: str | None) -> ReplyParameters | None:
    """The message an answer quotes (a report in a group chat); sent anyway if it is gone."""
    if quote is None or not quote.isdigit():
        return None
    return ReplyParameters(message_id=int(quote), allow_sending_without_reply=True)


async def _fetch(bot: Bot, offset: int | None, wait_seconds: int) -> list[Update | int]:
    """The next updates; one that python-telegram-bot cannot read comes back as its bare
    update_id (to be skipped with a log line) instead of failing the whole batch."""
    try:
        return list(
            await bot.get_updates(
                offset=offset, timeout=wait_seconds, allowed_updates=list(ALLOWED_UPDATES)
            )
        )
    except TelegramError:
        raise
    except Exception as error:
        log.warning("telegram: a polled update could not be read (%s); reading one by one", error)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "use Bot.get_updates": we are doing it on purpose
        raw = await bot.do_api_request(
            "get_updates",
            api_kwargs={"offset": offset, "timeout": 0, "allowed_updates": list(ALLOWED_UPDATES)},
        )
    found: list[Update | int] = []
    for data in raw or []:
        try:
            found.append(Update.de_json(data, bot))
        except Exception as error:
            log.warning(
                "telegram: skipped update %s that could not be read: %s",
                data.get("update_id"),
                error,
            )
            found.append(int(data["update_id"]))
    return found


async def poll(
    channel: TelegramChannel,
    process: Callable[[Inbound], Awaitable[None]],
    *,
    wait_seconds: int = 30,
    stop: asyncio.Event | None = None,
    idle_pause: float = 1.0,
) -> None:
    """Long polling: getUpdates, hand each update to `process` (which commits it), and only
    then move the offset past it. If `process` fails (database down) the update is fetched
    again, and the core's dedupe on update_id keeps it from being stored twice."""
    bot = channel.bot
    await bot.delete_webhook(drop_pending_updates=False)  # getUpdates is refused while one is set
    offset: int | None = None
    failures = 0
    while stop is None or not stop.is_set():
        try:
            updates = await _fetch(bot, offset, wait_seconds)
        except RetryAfter as error:
            await asyncio.sleep(_seconds(error))
            continue
        except TelegramError as error:
            failures += 1
            log.warning("telegram: getUpdates failed (%s); retrying", error)
            await asyncio.sleep(min(30.0, idle_pause * 2**failures))
            continue
        failures = 0
        for update in updates:
            if isinstance(update, int):
                offset = update + 1
                continue
            try:
                await process(channel.adapter.inbound(update))
            except Exception:
                log.exception(
                    "telegram: update %s not processed; fetching it again", update.update_id
                )
                await asyncio.sleep(idle_pause)
                break
            offset = update.update_id + 1
