"""LINE Messaging API: verify and normalise webhooks, render and send replies.

Only this module knows LINE. `LineAdapter` turns a signed webhook body into channel-free
`InboundMessage`s (every event type it does not handle is skipped by name and logged);
`LineTransport` renders a `Reply` into LINE messages and sends it: with the reply token when
the sender says it may still be used, else by push with `X-Line-Retry-Key`. Both are
idempotent on LINE's side, which is what makes a LINE send exactly-once across crashes: a
reply token is single-use (a second reply with it is refused: `ReplyTokenRejected`), and a
push whose retry key LINE already accepted answers 409 (counted as delivered).

line-bot-sdk 3.x facts this relies on: `WebhookParser` (not `WebhookHandler`, which never awaits
async handlers); a known event type that fails to parse becomes `UnknownEvent`;
`AsyncApiClient` must be created inside the running event loop and closed on shutdown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    FlexMessage,
    ImageMessage,
    MessageAction,
    PushMessageRequest,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging import QuickReply as LineQuickReply
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

from bot.channels import cards
from bot.channels.base import (
    AudioTooLarge,
    AudioUnavailable,
    Delivery,
    Inbound,
    Outgoing,
    Permanent,
    QuotaExhausted,
    Rate,
    RateLimits,
    ReplyTokenRejected,
    Retryable,
    SendError,
    Throttled,
    WebhookRejected,
    split_text,
    utf16_cut,
)
from bot.channels.line_menus import SWITCH_DATA, LineMenus
from bot.messages import Audio, EventKind, InboundMessage, Reply

log = logging.getLogger(__name__)

CHANNEL = "line"
MAX_TEXT = 5000
MAX_MESSAGES = 5  # per reply or push call
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_ACTION_TEXT = 300
QUOTA_MESSAGE = "You have reached your monthly limit"
INVALID_REPLY_TOKEN = "Invalid reply token"
# Seconds between asking again for an audio message LINE is still converting (202).
AUDIO_WAITS = (0.2, 0.5, 1.0, 2.0, 3.0)


# --- inbound -------------------------------------------------------------------------------


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

        kind: EventKind
        if isinstance(event, MessageEvent) and isinstance(event.message, AudioMessageContent):
            audio = event.message
            if user_id is None:
                log.info("line: skipped audio %s in %s: no userId", event_id, chat_id)
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
        if isinstance(event, (MessageEvent, MessageEditedEvent)):
            content = event.message
            if not isinstance(content, TextMessageContent):
                log.info(
                    "line: skipped %s message %s (only text is understood)",
                    getattr(content, "type", "?"),
                    event_id,
                )
                return None
            if user_id is None:
                log.info(
                    "line: skipped message %s in %s: no userId to attribute it", event_id, chat_id
                )
                return None
            text, addressed = _strip_self_mentions(content)
            kind = "edit" if isinstance(event, MessageEditedEvent) else "text"
            return InboundMessage(
                **base,
                sender_id=user_id,
                text=text,
                kind=kind,
                message_id=content.id,
                reply_token=event.reply_token,
                addressed=addressed,
                quote_ref=content.quote_token if is_group else None,
            )
        if isinstance(event, PostbackEvent):
            if user_id is None:
                log.info("line: skipped postback %s: no userId", event_id)
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
        if isinstance(event, FollowEvent):
            return InboundMessage(
                **base, sender_id=user_id or chat_id, kind="follow", reply_token=event.reply_token
            )
        if isinstance(event, UnfollowEvent):
            return InboundMessage(**base, sender_id=user_id or chat_id, kind="unfollow")
        if isinstance(event, JoinEvent):
            # The bot was added to a group chat: nobody in particular sent this.
            return InboundMessage(
                **base, sender_id=user_id or chat_id, kind="join", reply_token=event.reply_token
            )
        if isinstance(event, LeaveEvent):
            return InboundMessage(**base, sender_id=user_id or chat_id, kind="leave")
        if isinstance(event, UnsendEvent):
            return InboundMessage(
                **base,
                sender_id=user_id or chat_id,
                kind="unsend",
                message_id=event.unsend.message_id,
            )
        log.info("line: skipped %s event %s (not handled)", event_type, event_id)
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


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if str(key).lower() == name.lower():
            return str(value)
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


# --- outbound ------------------------------------------------------------------------------


def render(reply: Reply, public_base_url: str | None) -> list[Any]:
    """A channel-free Reply → at most five LINE message objects, quick replies on the last.
    A card becomes a Flex Message (its text is then not sent again); an answer that quotes a
    message in a group chat stays text, the only kind LINE lets quote. A document becomes a
    download link; a picture needs PUBLIC_BASE_URL over https."""
    card = reply.card if reply.quote is None else None
    wants_base = reply.image or reply.document or (card is not None and card.hero is not None)
    base = _https_base(public_base_url) if wants_base else None
    flex = (
        cards.flex_message(card, reply.text, base, reply.quick_replies)
        if card is not None
        else None
    )
    texts = split_text(reply.text, MAX_TEXT) if reply.text and flex is None else []
    if reply.document is not None:
        name = reply.document.filename
        if base is not None:
            texts.append(
                f"📎 {name}\n{base}/files/{reply.document.key}\n"
                "ลิงก์ดาวน์โหลดใช้ได้ครั้งเดียวและหมดอายุเร็ว กรุณาอย่าส่งต่อนะคะ"
            )
        else:
            texts.append(f"📎 {name}: ขอรับไฟล์ได้จากพัฒนากรค่ะ (ยังไม่ได้ตั้งค่า PUBLIC_BASE_URL แบบ https)")
    image = reply.image
    if flex is not None and card is not None and card.hero is not None and image == card.hero:
        image = None  # the chart is the card's own picture (shown when LINE can fetch it)
    image_url = f"{base}/files/{image.key}" if image and base else None
    if image is not None and image_url is None:
        texts.append(
            f"[{image.alt or 'รูปภาพ'}: ยังแสดงรูปใน LINE ไม่ได้ (ยังไม่ได้ตั้งค่า PUBLIC_BASE_URL แบบ https)]"
        )
    room = MAX_MESSAGES - (1 if image_url else 0) - (1 if flex else 0)
    if len(texts) > room:
        note = "\n…(ข้อความยาวเกินไป ตัดส่วนท้ายออก)"
        tail = "\n".join(texts[room - 1 :])
        texts = [*texts[: room - 1], tail[: MAX_TEXT - len(note)] + note]
    quick = _quick_reply(reply)
    messages: list[Any] = []
    if flex is not None:
        messages.append(FlexMessage.from_dict(flex))
    for i, chunk in enumerate(texts):
        quote = reply.quote if i == 0 and flex is None else None
        messages.append(TextMessage(text=chunk, quote_token=quote))
    if image_url is not None:
        messages.append(ImageMessage(original_content_url=image_url, preview_image_url=image_url))
    if messages and quick is not None:
        messages[-1].quick_reply = quick
    return messages


def _https_base(public_base_url: str | None) -> str | None:
    base = (public_base_url or "").rstrip("/")
    if base.startswith("https://"):
        return base
    log.warning("line: pictures and files need PUBLIC_BASE_URL=https://… (LINE fetches them)")
    return None


def label(text: str, limit: int = MAX_LABEL) -> str:
    """A quick-reply label LINE accepts (≤ 20 characters), cut with "…" where needed, never
    between a Thai letter and the vowel or tone marks written above or below it."""
    return cards.label(text, limit)


def _quick_reply(reply: Reply) -> LineQuickReply | None:
    if not reply.quick_replies:
        return None
    items = [
        QuickReplyItem(action=MessageAction(label=label(q.label), text=q.message[:MAX_ACTION_TEXT]))
        for q in reply.quick_replies[:MAX_QUICK_REPLIES]
    ]
    return LineQuickReply(items=items)


@dataclass(frozen=True, slots=True)
class _Failure:
    status: int
    message: str
    retry_after: float | None


def _failure(error: ApiException) -> _Failure:
    message = ""
    body = getattr(error, "body", None)
    if body:
        try:
            data = json.loads(body)
            message = str(data.get("message", "")) if isinstance(data, dict) else ""
        except (ValueError, TypeError):
            message = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    headers = getattr(error, "headers", None) or {}
    retry_after: float | None = None
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    if raw:
        try:
            retry_after = float(raw)
        except ValueError:
            retry_after = None
    return _Failure(int(error.status or 0), message, retry_after)


def classify(failure: _Failure, what: str) -> SendError:
    """A LINE API error → the sender's typed error."""
    detail = f"line {what}: {failure.status} {failure.message}".strip()
    if failure.status == 429:
        if QUOTA_MESSAGE.lower() in failure.message.lower():
            return QuotaExhausted(detail)
        if failure.retry_after is not None:
            return Throttled(detail, failure.retry_after)
        return Retryable(detail)
    if failure.status >= 500 or failure.status in (0, 401, 408):
        # 401: a wrong or revoked access token is an operator's mistake that can be fixed.
        return Retryable(detail)
    # 403 is "Access to this API is not available for your account" (the plan), not a block:
    # LINE tells us about blocks with an unfollow event instead.
    return Permanent(detail)


class LineTransport:
    """Sends outbox rows through the LINE Messaging API (reply first, push otherwise)."""

    channel = CHANNEL

    def __init__(
        self,
        api: AsyncMessagingApi,
        *,
        public_base_url: str | None,
        messages_per_second: float = 100.0,
        timeout: float = 10.0,
    ) -> None:
        self._api = api
        self._public_base_url = public_base_url
        self._timeout = timeout
        self.timeout = timeout
        self.limits = RateLimits(overall=Rate(messages_per_second, max(1.0, messages_per_second)))

    def is_group(self, recipient: str) -> bool:
        return recipient.startswith(("C", "R"))  # group and room ids; user ids start with U

    async def send(self, message: Outgoing) -> Delivery:
        batch = render(message.reply, self._public_base_url)
        if not batch:
            return Delivery(pushed=0, parts=0)
        if message.reply_token:
            token = message.reply_token
            failure = await self._attempt(
                lambda: self._api.reply_message(
                    ReplyMessageRequest(reply_token=token, messages=batch),
                    _request_timeout=self._timeout,
                ),
                "reply",
            )
            if failure is None:
                return Delivery(pushed=0)
            if failure.status == 400 and INVALID_REPLY_TOKEN.lower() in failure.message.lower():
                # Used or expired: which one, and so whether to push, is the sender's call.
                raise ReplyTokenRejected(f"line reply: 400 {failure.message}")
            raise classify(failure, "reply")
        if not message.push_allowed:
            raise QuotaExhausted("line push: the monthly push quota is already used up")
        retry_key = message.retry_key or str(uuid.uuid4())
        failure = await self._attempt(
            lambda: self._api.push_message(
                PushMessageRequest(to=message.recipient, messages=batch),
                x_line_retry_key=retry_key,
                _request_timeout=self._timeout,
            ),
            "push",
        )
        if failure is not None:
            if failure.status != 409:
                raise classify(failure, "push")
            # 409 for a retry key LINE already accepted: an earlier try of this very push
            # got through even though its answer was lost. Delivered once; nothing to do.
            log.info("line: push of outbox %s was already accepted", message.outbox_id)
        return Delivery(pushed=1)

    async def _attempt(self, request: Callable[[], Awaitable[Any]], what: str) -> _Failure | None:
        """Runs one API call; None on success, the API's answer on an HTTP error."""
        try:
            await request()
        except ApiException as error:
            return _failure(error)
        except TimeoutError as error:
            raise Retryable(f"line {what}: timed out") from error
        except aiohttp.ClientError as error:
            raise Retryable(f"line {what}: {type(error).__name__}: {error}") from error
        return None


class LineChannel:
    """The LINE API clients' lifetime: open inside the running loop, close on shutdown. Rich
    menu images go to LINE's data host, through a client of its own."""

    def __init__(
        self,
        client: AsyncApiClient,
        transport: LineTransport,
        data_client: AsyncApiClient | None = None,
    ) -> None:
        self.client = client
        self.transport = transport
        self.api = AsyncMessagingApi(client)
        self.data_client = data_client
        self.blob = AsyncMessagingApiBlob(data_client) if data_client is not None else None
        self.menus = LineMenus(self.api, timeout=transport.timeout)

    @classmethod
    def open(
        cls,
        *,
        access_token: str,
        api_base_url: str,
        public_base_url: str | None,
        messages_per_second: float,
        timeout: float,
        data_base_url: str | None = None,
    ) -> LineChannel:
        configuration = Configuration(host=api_base_url.rstrip("/"), access_token=access_token)
        client = AsyncApiClient(configuration)
        data_client = None
        if data_base_url:
            data_client = AsyncApiClient(
                Configuration(host=data_base_url.rstrip("/"), access_token=access_token)
            )
        api = AsyncMessagingApi(client)
        transport = LineTransport(
            api,
            public_base_url=public_base_url,
            messages_per_second=messages_per_second,
            timeout=timeout,
        )
        return cls(client, transport, data_client)

    async def basic_id(self) -> str | None:
        """The Official Account's basic id ("@123abcde"), or None if LINE cannot say now."""
        try:
            info = await self.api.get_bot_info(_request_timeout=self.transport.timeout)
        except (ApiException, TimeoutError, aiohttp.ClientError) as error:
            log.warning("line: could not read the bot's basic id: %s", error)
            return None
        return str(info.basic_id) if info.basic_id else None

    channel = CHANNEL

    async def fetch_audio(self, ref: str, max_bytes: int) -> Audio:
        """An audio message's bytes from the data host (`GET /v2/bot/message/{id}/content`).
        LINE may still be converting it: the content endpoint then answers 202, and
        `/content/transcoding` says "processing". We ask again a few times, politely spaced
        (AUDIO_WAITS), before telling the person it did not work."""
        if self.blob is None:
            raise AudioUnavailable("line: no data host client")
        timeout = self.transport.timeout
        for pause in (*AUDIO_WAITS, None):
            try:
                answer = await self.blob.get_message_content_with_http_info(
                    ref, _request_timeout=timeout
                )
            except ApiException as error:
                raise AudioUnavailable(f"line content: {error.status}") from error
            except (TimeoutError, aiohttp.ClientError) as error:
                raise AudioUnavailable(f"line content: {type(error).__name__}") from error
            if answer.status_code == 200 and answer.data is not None:
                data = bytes(answer.data)
                if len(data) > max_bytes:
                    raise AudioTooLarge(f"line content: {len(data)} bytes")
                kind = _header(answer.headers, "Content-Type") or "audio/x-m4a"
                return Audio(data, kind.split(";")[0].strip(), f"{ref}.m4a")
            if pause is None:
                break
            # 202: still converting. The transcoding status says whether waiting can help.
            try:
                status = await self.blob.get_message_content_transcoding_by_message_id(
                    ref, _request_timeout=timeout
                )
            except (ApiException, TimeoutError, aiohttp.ClientError) as error:
                raise AudioUnavailable(f"line transcoding: {error}") from error
            if status.status == "failed":
                raise AudioUnavailable("line transcoding failed")
            await asyncio.sleep(pause)
        raise AudioUnavailable("line content: still converting")

    async def close(self) -> None:
        await self.client.close()
        if self.data_client is not None:
            await self.data_client.close()
