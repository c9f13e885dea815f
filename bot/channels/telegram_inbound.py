"""Telegram updates in: check the webhook's secret token in constant time and turn each update
into a channel-free `InboundMessage` (what is not handled is skipped by name and logged).
Webhook bodies go through `Update.de_json`; `telegram_polling` feeds polled updates here too."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Bot, CallbackQuery, ChatMemberUpdated, Message, MessageEntity, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.channels.base import Inbound, WebhookRejected, utf16_cut
from bot.messages import EventKind, InboundMessage

log = logging.getLogger("bot.channels.telegram")

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)
PRESENT = (
    ChatMemberStatus.MEMBER,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.OWNER,
    ChatMemberStatus.RESTRICTED,
)
GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


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
