"""What every channel adapter provides to the sender, and the typed ways a send can fail.
The sender decides what to do from the type alone: retry later, wait as told, or give up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.messages import Reply


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One outbox row as the transport sees it."""

    outbox_id: int
    channel: str
    recipient: str
    reply: Reply
    reply_token: str | None
    retry_key: str | None
    attempts: int


class SendError(Exception):
    """Base of send failures; `detail` is kept in the outbox row's last_error."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Retryable(SendError):
    """5xx, timeouts, connection errors: try again with backoff."""


class Throttled(SendError):
    """429 with a wait the platform asked for (Telegram `retry_after`)."""

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Permanent(SendError):
    """Blocked by the user, bad recipient, quota exhausted: retrying cannot help."""


class Transport(Protocol):
    channel: str

    async def send(self, message: Outgoing) -> None: ...
