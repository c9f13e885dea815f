"""The sender's flood limits toward the platforms: token buckets per channel, per chat and per
group chat, in this process (with several workers each keeps its own; the platforms' own 429
answers, handled by the sender as `Throttled`, are the shared limit)."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.channels.base import Rate, RateLimits


class TokenBucket:
    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self.tokens = rate.burst
        self.updated = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.rate.burst, self.tokens + elapsed * self.rate.per_second)
        self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 = now)."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        if self.rate.per_second <= 0:
            return float("inf")
        return (1.0 - self.tokens) / self.rate.per_second

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0


class RateLimiter:
    """Token buckets keyed by (channel, scope, chat). `monotonic` is injectable for tests."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}

    def _scoped(
        self, channel: str, recipient: str, limits: RateLimits, is_group: bool
    ) -> list[tuple[tuple[str, str, str], Rate]]:
        found: list[tuple[tuple[str, str, str], Rate]] = []
        if limits.overall is not None:
            found.append(((channel, "all", ""), limits.overall))
        if limits.per_chat is not None:
            found.append(((channel, "chat", recipient), limits.per_chat))
        if is_group and limits.per_group is not None:
            found.append(((channel, "group", recipient), limits.per_group))
        return found

    def _bucket(self, key: tuple[str, str, str], rate: Rate, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, now)
        return bucket

    def wait(self, channel: str, recipient: str, limits: RateLimits, is_group: bool) -> float:
        now = self._monotonic()
        return max(
            (
                self._bucket(key, rate, now).wait(now)
                for key, rate in self._scoped(channel, recipient, limits, is_group)
            ),
            default=0.0,
        )

    def take(self, channel: str, recipient: str, limits: RateLimits, is_group: bool) -> None:
        now = self._monotonic()
        for key, rate in self._scoped(channel, recipient, limits, is_group):
            self._bucket(key, rate, now).take(now)
