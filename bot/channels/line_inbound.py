"""LINE webhooks in: verify X-Line-Signature and turn each event into a channel-free
`InboundMessage` (every event type not handled is skipped by name and logged).

line-bot-sdk 3.x facts this relies on: `WebhookParser` (not `WebhookHandler`, which never awaits
async handlers); a known event type that fails to parse becomes `UnknownEvent`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    AudioMessageContent,
    FollowEvent,
    GroupSource,
    JoinEvent,
    LeaveEvent,
    MessageEditedEvent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
    UserMentionee,
    UserSource,
)

from bot.channels.base import Inbound, WebhookRejected, utf16_cut
from bot.channels.line_menus import SWITCH_DATA
from bot.messages import EventKind, InboundMessage

log = logging.getLogger("bot.channels.line")

CHANNEL = "line"
SIGNATURE_HEADER = "X-Line-Signature"


class LineAdapter:
    """Verifies X-Line-Signature and normalises events. Pure: no network, no database."""

    channel = CHANNEL

    def __init__(self, channel_secret: str) -> None:
        self._parser = WebhookParser(channel_secret)

    def parse(self, body: bytes, signature: str | None) -> Inbound:
        if not signature:
            raise WebhookRejected(400, "missing X-Line-Signature")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise WebhookRejected(400, "body is not UTF-8") from error
        try:
            events = self._parser.parse(text, signature)
        except InvalidSignatureError as error:
            raise WebhookRejected(400, "bad X-Line-Signature") from error
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
            # Only the error's type: its text may quote the body (people's messages).
            raise WebhookRejected(
                400, f"malformed webhook body ({type(error).__name__})"
            ) from error
        inbound = Inbound()
        for event in events:
            message = self.normalise(event)
            if message is None:
                kind = str(getattr(event, "type", type(event).__name__))
                inbound.skipped.append(kind)
            else:
                inbound.messages.append(message)
        return inbound

    def normalise(self, event: Any) -> InboundMessage | None:
        """One SDK event → one InboundMessage, or None (skipped, with a log line saying why)."""
        event_type = getattr(event, "type", type(event).__name__)
        event_id = getattr(event, "webhook_event_id", None)
        if isinstance(event, UnknownEvent):
            # A type this SDK does not know, or a known type whose fields did not validate.
            log.info("line: skipped unknown %s event %s", event_type, event_id)
            return None
        mode = getattr(event, "mode", None)
        mode = getattr(mode, "value", mode)
        if mode is not None and mode != "active":
            log.info("line: skipped %s event %s in %s mode", event_type, event_id, mode)
            return None
        source = _source(getattr(event, "source", None))
        if source is None:
            log.info("line: skipped %s event %s: unknown source", event_type, event_id)
            return None
        chat_id, user_id, is_group = source
        base: dict[str, Any] = {
            "channel": CHANNEL,
            "chat_id": chat_id,
            "is_group": is_group,
            "event_id": event_id,
            "sent_at": _instant(getattr(event, "timestamp", None)),
        }
        if isinstance(event, MessageEvent) and isinstance(event.message, AudioMessageContent):
            return _audio(event, base, user_id)
        if isinstance(event, (MessageEvent, MessageEditedEvent)):
            return _text(event, base, user_id)
        if isinstance(event, PostbackEvent):
            return _postback(event, base, user_id)
        found = _membership(event, base, user_id or chat_id)
        if found is None:
            log.info("line: skipped %s event %s (not handled)", event_type, event_id)
        return found


def _audio(event: MessageEvent, base: dict[str, Any], user_id: str | None) -> InboundMessage | None:
    audio = event.message
    assert isinstance(audio, AudioMessageContent)
    if user_id is None:
        log.info("line: skipped audio %s in %s: no userId", base["event_id"], base["chat_id"])
        return None
    # Only named here; the bytes are fetched later, outside the webhook's answer.
    return InboundMessage(
        **base,
        sender_id=user_id,
        kind="audio",
        message_id=audio.id,
        reply_token=event.reply_token,
        media_ref=audio.id,
        media_seconds=audio.duration / 1000 if audio.duration is not None else None,
    )


def _text(
    event: MessageEvent | MessageEditedEvent, base: dict[str, Any], user_id: str | None
) -> InboundMessage | None:
    content = event.message
    if not isinstance(content, TextMessageContent):
        log.info(
            "line: skipped %s message %s (only text is understood)",
            getattr(content, "type", "?"),
            base["event_id"],
        )
        return None
    if user_id is None:
        log.info(
            "line: skipped message %s in %s: no userId to attribute it",
            base["event_id"],
            base["chat_id"],
        )
        return None
    text, addressed = _strip_self_mentions(content)
    kind: EventKind = "edit" if isinstance(event, MessageEditedEvent) else "text"
    return InboundMessage(
        **base,
        sender_id=user_id,
        text=text,
        kind=kind,
        message_id=content.id,
        reply_token=event.reply_token,
        addressed=addressed,
        quote_ref=content.quote_token if base["is_group"] else None,
    )


def _postback(
    event: PostbackEvent, base: dict[str, Any], user_id: str | None
) -> InboundMessage | None:
    if user_id is None:
        log.info("line: skipped postback %s: no userId", base["event_id"])
        return None
    params = event.postback.params or {}
    if event.postback.data.startswith(SWITCH_DATA) or "newRichMenuAliasId" in params:
        return None  # a rich menu tab switched: LINE did it, nothing to answer
    return InboundMessage(
        **base,
        sender_id=user_id,
        text=event.postback.data,
        kind="postback",
        reply_token=event.reply_token,
        addressed=True,
    )


def _membership(event: Any, base: dict[str, Any], sender_id: str) -> InboundMessage | None:
    """Follow, unfollow, join (the bot was added to a group: nobody in particular sent it),
    leave and unsend; None for any other event."""
    if isinstance(event, FollowEvent):
        return InboundMessage(
            **base, sender_id=sender_id, kind="follow", reply_token=event.reply_token
        )
    if isinstance(event, UnfollowEvent):
        return InboundMessage(**base, sender_id=sender_id, kind="unfollow")
    if isinstance(event, JoinEvent):
        return InboundMessage(
            **base, sender_id=sender_id, kind="join", reply_token=event.reply_token
        )
    if isinstance(event, LeaveEvent):
        return InboundMessage(**base, sender_id=sender_id, kind="leave")
    if isinstance(event, UnsendEvent):
        return InboundMessage(
            **base, sender_id=sender_id, kind="unsend", message_id=event.unsend.message_id
        )
    return None


def _source(source: Any) -> tuple[str, str | None, bool] | None:
    """(chat id to answer in, the person's user id if known, is it a group chat)."""
    if isinstance(source, UserSource) and source.user_id:
        return source.user_id, source.user_id, False
    if isinstance(source, GroupSource):
        return source.group_id, source.user_id, True
    if isinstance(source, RoomSource):
        return source.room_id, source.user_id, True
    return None


def _instant(timestamp_ms: Any) -> datetime | None:
    if isinstance(timestamp_ms, int):
        return datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
    return None


def _strip_self_mentions(content: TextMessageContent) -> tuple[str, bool]:
    """Removes "@bot" mentions of this bot from the text; says whether there was one."""
    text = content.text
    mention = content.mention
    if mention is None or not mention.mentionees:
        return text, False
    own = sorted(
        (m for m in mention.mentionees if isinstance(m, UserMentionee) and m.is_self),
        key=lambda m: m.index,
        reverse=True,  # cut from the end so earlier offsets stay valid
    )
    for mentionee in own:
        text, _ = utf16_cut(text, mentionee.index, mentionee.length)
    return " ".join(text.split()) if own else text, bool(own)
