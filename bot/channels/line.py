"""LINE Messaging API: the channel's clients, sending replies, and its entry in the registry.

Only `bot/channels/line*.py` know LINE: `line_inbound` verifies and normalises webhooks,
`line_render` turns a `Reply` into LINE messages, and here `LineTransport` sends them: with the
reply token when the sender says it may still be used, else by push with `X-Line-Retry-Key`.
Both are idempotent on LINE's side, which is what makes a LINE send exactly-once across
crashes: a reply token is single-use (a second reply with it is refused:
`ReplyTokenRejected`), and a push whose retry key LINE already accepted answers 409 (counted as
delivered). `AsyncApiClient` must be created inside the running event loop and closed on
shutdown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import aiohttp
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
)

from bot.channels.base import (
    AudioTooLarge,
    AudioUnavailable,
    Delivery,
    FileLoader,
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
)
from bot.channels.http_env import env_proxy
from bot.channels.line_inbound import CHANNEL, SIGNATURE_HEADER, LineAdapter
from bot.channels.line_menus import LineMenus
from bot.channels.line_render import LIMITS, LineMessage, label, render
from bot.channels.registry import ChannelSpec
from bot.config import Settings
from bot.messages import Audio

__all__ = [
    "CHANNEL",
    "SPEC",
    "LineAdapter",
    "LineChannel",
    "LineTransport",
    "classify",
    "label",
    "render",
]

log = logging.getLogger(__name__)

QUOTA_MESSAGE = "You have reached your monthly limit"
INVALID_REPLY_TOKEN = "Invalid reply token"
# Seconds between asking again for an audio message LINE is still converting (202).
AUDIO_WAITS = (0.2, 0.5, 1.0, 2.0, 3.0)


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


class _Reply(ReplyMessageRequest):  # type: ignore[misc]  # linebot is untyped
    """A reply request whose messages are already LINE's JSON (`line_render.render`), sent
    through line-bot-sdk's own `reply_message` (its argument check, headers, auth, aiohttp
    session). It is made with pydantic's `construct`, which skips validation: the SDK's
    `validate_arguments` takes an instance as it is (a shallow copy), and its ApiClient
    serialises the body with `to_dict()`, which here is the JSON as rendered, exactly what
    `ReplyMessageRequest.to_dict()` gives for the SDK's own message models
    (tests/channels/test_line_wire.py holds every kind of reply the bot sends to that)."""

    @classmethod
    def of(cls, reply_token: str, messages: list[LineMessage]) -> _Reply:
        return cast(_Reply, cls.construct(reply_token=reply_token, messages=messages))

    def to_dict(self) -> dict[str, Any]:
        return {
            "replyToken": self.reply_token,
            "messages": self.messages,
            "notificationDisabled": self.notification_disabled,
        }


class _Push(PushMessageRequest):  # type: ignore[misc]
    """A push request whose messages are already LINE's JSON (see `_Reply`)."""

    @classmethod
    def of(cls, to: str, messages: list[LineMessage]) -> _Push:
        return cast(_Push, cls.construct(to=to, messages=messages))

    def to_dict(self) -> dict[str, Any]:
        return {
            "to": self.to,
            "messages": self.messages,
            "notificationDisabled": self.notification_disabled,
        }


class _RenderedApiClient(AsyncApiClient):  # type: ignore[misc]  # linebot is untyped
    """line-bot-sdk's client, taking a request already rendered as LINE's JSON (`_Reply`,
    `_Push`) as it is. The SDK's `sanitize_for_serialization` walks a body's dict key by key
    to turn models, tuples and dates into JSON; the rendered JSON has none of them, and the
    walk was about 100 calls a reply, a seventh of a send's CPU (bench/send_cost.py). Any
    other body (a rich menu, the SDK's own models) is walked as the SDK walks it."""

    def sanitize_for_serialization(self, obj: Any) -> Any:
        if isinstance(obj, _Reply | _Push):
            return obj.to_dict()
        return super().sanitize_for_serialization(obj)


class LineTransport:
    """Sends outbox rows through the LINE Messaging API (reply first, push otherwise)."""

    channel = CHANNEL
    push_quota = True  # pushes count against the monthly quota (Sender.lease_terms)

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
                    _Reply.of(token, batch),
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
                _Push.of(message.recipient, batch),
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
    menu images and voice notes go through LINE's data host, with a client of its own."""

    channel = CHANNEL

    def __init__(
        self,
        client: AsyncApiClient,
        transport: LineTransport,
        data_client: AsyncApiClient | None = None,
        adapter: LineAdapter | None = None,
    ) -> None:
        self.client = client
        self.transport = transport
        self.api = AsyncMessagingApi(client)
        self.data_client = data_client
        self.blob = AsyncMessagingApiBlob(data_client) if data_client is not None else None
        self.menus = LineMenus(self.api, timeout=transport.timeout)
        self.adapter = adapter

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
        channel_secret: str | None = None,
    ) -> LineChannel:
        configuration = Configuration(host=api_base_url.rstrip("/"), access_token=access_token)
        client = _client(configuration)
        data_client = None
        if data_base_url:
            data_client = _client(
                Configuration(host=data_base_url.rstrip("/"), access_token=access_token)
            )
        api = AsyncMessagingApi(client)
        transport = LineTransport(
            api,
            public_base_url=public_base_url,
            messages_per_second=messages_per_second,
            timeout=timeout,
        )
        adapter = LineAdapter(channel_secret) if channel_secret else None
        return cls(client, transport, data_client, adapter)

    def parse(self, body: bytes, proof: str | None) -> Inbound:
        assert self.adapter is not None, "opened without LINE_CHANNEL_SECRET"
        return self.adapter.parse(body, proof)

    async def show_busy(self, chat_id: str) -> None:
        await self.menus.loading(chat_id)

    async def address(self) -> str | None:
        return await self.basic_id()

    async def basic_id(self) -> str | None:
        """The Official Account's basic id ("@123abcde"), or None if LINE cannot say now."""
        try:
            info = await self.api.get_bot_info(_request_timeout=self.transport.timeout)
        except (ApiException, TimeoutError, aiohttp.ClientError) as error:
            log.warning("line: could not read the bot's basic id: %s", error)
            return None
        return str(info.basic_id) if info.basic_id else None

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


def _client(configuration: Configuration) -> AsyncApiClient:
    """line-bot-sdk's client, with its aiohttp session reopened without `trust_env` (which
    looks up ~/.netrc and the proxy variables in a thread before every request) and the
    environment's proxy resolved once instead (bot/channels/http_env.py). The session keeps
    the SDK's own connector: its pool size and TLS settings."""
    proxy = env_proxy(configuration.host)
    if proxy is not None and configuration.proxy is None:
        configuration.proxy = proxy.url  # line-bot-sdk's own setting, passed on every request
        configuration.proxy_headers = proxy.headers or None
    client = _RenderedApiClient(configuration)
    sdk_session = client.rest_client.pool_manager
    client.rest_client.pool_manager = aiohttp.ClientSession(
        connector=sdk_session.connector, trust_env=False
    )
    sdk_session.detach()  # the connector now belongs to the new session, which closes it
    return client


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


async def _open(settings: Settings, files: FileLoader) -> LineChannel:
    """LINE fetches pictures and files by URL (PUBLIC_BASE_URL), so `files` is not needed."""
    assert settings.line_channel_secret and settings.line_channel_access_token
    return LineChannel.open(
        access_token=settings.line_channel_access_token,
        api_base_url=settings.line_api_base_url,
        data_base_url=settings.line_data_url,
        public_base_url=settings.public_base_url,
        messages_per_second=settings.line_messages_per_second,
        timeout=settings.send_timeout_seconds,
        channel_secret=settings.line_channel_secret,
    )


SPEC = ChannelSpec(
    name=CHANNEL,
    title="LINE",
    route="/webhooks/line",
    proof_header=SIGNATURE_HEADER,
    limits=LIMITS,
    enabled=lambda settings: settings.line_enabled,
    open=_open,
    address_attr="line_basic_id",
)
