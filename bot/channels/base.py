"""What every channel adapter provides to the web layer and the sender, and the typed ways a
send can fail. The sender decides what to do from the type alone: retry later, wait as told,
or give up (and, for a blocked person or an exhausted quota, remember it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.messages import Audio, InboundMessage, Reply


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One outbox row as the transport sees it.

    `reply_token` is only set while it may still be used (a young row whose token is not
    known to be spent); otherwise the transport pushes. It is offered again on a retry: a
    reply token is single-use, so if an earlier attempt's reply got through, the platform
    refuses it now (`ReplyTokenRejected`) instead of delivering the message twice.
    `push_allowed` is False once the channel's monthly push quota is known to be exhausted.
    `skip_parts` counts the parts (text chunks, image) an earlier attempt already delivered,
    so a retry does not repeat them; a transport that sends a message in several calls awaits
    `on_part(n)` after the n-th part, so the count is kept even if the process dies before
    the message is done."""

    outbox_id: int
    channel: str
    recipient: str
    reply: Reply
    reply_token: str | None
    retry_key: str | None
    attempts: int
    push_allowed: bool = True
    skip_parts: int = 0
    created_at: datetime | None = None
    on_part: Callable[[int], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a successful send cost: pushes count against LINE's monthly quota, replies do not."""

    pushed: int = 0
    parts: int = 1


class SendError(Exception):
    """Base of send failures; `detail` is kept in the outbox row's last_error. `sent_parts`
    says how many parts of the message were delivered before the failure."""

    def __init__(self, detail: str, *, sent_parts: int = 0) -> None:
        super().__init__(detail)
        self.detail = detail
        self.sent_parts = sent_parts


class Retryable(SendError):
    """5xx, timeouts, connection errors: try again with backoff."""


class Throttled(SendError):
    """429 with a wait the platform asked for (Telegram `retry_after`)."""

    def __init__(self, detail: str, retry_after: float, *, sent_parts: int = 0) -> None:
        super().__init__(detail, sent_parts=sent_parts)
        self.retry_after = retry_after


class ReplyTokenRejected(SendError):
    """The platform refused the reply token (LINE: 400 "Invalid reply token"): it was used
    already or it expired. The sender decides what that means: on a retry of a token an
    earlier attempt offered (its answer lost), that attempt used it, so the message was
    delivered; on the token's first use it was dead before we tried, so the message is pushed."""


class Permanent(SendError):
    """Bad recipient, rejected message: retrying cannot help."""


class Blocked(Permanent):
    """The person blocked the bot (or the bot left the chat): no more pushes to them."""


class QuotaExhausted(Permanent):
    """LINE: "You have reached your monthly limit." Pushes wait (held) until the quota resets."""


@dataclass(frozen=True, slots=True)
class Rate:
    """A token bucket: `per_second` sustained, bursts of up to `burst`."""

    per_second: float
    burst: float = 1.0


@dataclass(frozen=True, slots=True)
class RateLimits:
    """A platform's flood limits as the sender enforces them (in-process token buckets)."""

    overall: Rate | None = None
    per_chat: Rate | None = None
    per_group: Rate | None = None


class Transport(Protocol):
    channel: str

    async def send(self, message: Outgoing) -> Delivery | None: ...


class WebhookRejected(Exception):
    """A webhook request that must not be processed: bad signature (LINE → 400), bad secret
    token (Telegram → 403), malformed body (400). Nothing from it is stored."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


Ack = Callable[[], Awaitable[None]]


@dataclass
class Inbound:
    """What an adapter made of one webhook body or one polled update: the messages for the
    core, in order, and acknowledgements to run after they are committed (e.g. answering a
    Telegram callback query). `skipped` names the events deliberately ignored."""

    messages: list[InboundMessage] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length as LINE and Telegram count it: UTF-16 code units (an emoji may count two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Splits `text` into chunks of at most `limit` UTF-16 units, at a line break if there is
    one in the second half of the window, else at a space, else hard. Nothing is lost or
    doubled but the whitespace at a cut."""
    if limit <= 1:
        raise ValueError("limit must be above 1")
    chunks: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        n = limit
        while utf16_len(rest[:n]) > limit:
            n -= (utf16_len(rest[:n]) - limit + 1) // 2  # a code point is one or two units
        window = rest[: n + 1]
        cut = window.rfind("\n", n // 2)
        if cut <= 0:
            cut = window.rfind(" ", n // 2)
        if cut <= 0:
            chunks.append(rest[:n])
            rest = rest[n:]
            continue
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut + 1 :]
    chunks.append(rest)
    # A cut at a run of spaces can leave a piece of whitespace alone; platforms refuse a blank
    # message and a reader gains nothing from one.
    pieces = [chunk for chunk in chunks if chunk.strip()]
    return pieces or [text if utf16_len(text) <= limit else ""]


def utf16_cut(text: str, offset: int, length: int) -> tuple[str, str]:
    """Removes the span [offset, offset+length) counted in UTF-16 code units (how LINE and
    Telegram count mention positions); returns (text without the span, the span)."""
    units = text.encode("utf-16-le")
    start, end = offset * 2, (offset + length) * 2
    if start < 0 or end > len(units) or start > end:
        return text, ""
    span = units[start:end].decode("utf-16-le", errors="ignore")
    rest = (units[:start] + units[end:]).decode("utf-16-le", errors="ignore")
    return rest, span


@dataclass(frozen=True, slots=True)
class FileData:
    """A generated picture or document a transport uploads (Telegram); LINE fetches by URL."""

    data: bytes
    content_type: str
    filename: str | None = None


FileLoader = Callable[[str], Awaitable[FileData | None]]


class AudioUnavailable(Exception):
    """The platform could not give the voice note (gone, still converting after waiting,
    refused): the person is asked to send it again or type."""


class AudioTooLarge(AudioUnavailable):
    """Bigger than VOICE_MAX_BYTES: not downloaded (or not kept)."""


class AudioFetcher(Protocol):
    """A channel adapter's way to fetch a voice note named by `InboundMessage.media_ref`."""

    @property
    def channel(self) -> str: ...

    async def fetch_audio(self, ref: str, max_bytes: int) -> Audio: ...
