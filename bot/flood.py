"""Per-person flood control: a token bucket per chat account. Someone sending a hundred
messages a second is slowed (told once, politely, to wait) while everyone else is unaffected:
the check is in memory and costs nothing for people within the limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class _Bucket:
    tokens: float
    updated: datetime
    warned: bool = False


@dataclass
class FloodGate:
    burst: int = 10  # messages accepted back to back
    per_second: float = 1.0  # sustained rate after the burst
    max_keys: int = 100_000  # memory bound: the oldest buckets are forgotten first
    _buckets: dict[tuple[str, str], _Bucket] = field(default_factory=dict)

    def admit(self, key: tuple[str, str], now: datetime) -> tuple[bool, bool]:
        """(accepted, tell): `tell` is True for the first refused message of a flood only."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.pop(next(iter(self._buckets)))
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        elapsed = max((now - bucket.updated).total_seconds(), 0.0)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_second)
        # Concurrent messages of one sender read the clock before awaiting the database, so
        # they may arrive here out of order: never move back in time, or the interval between
        # would be refilled twice (a flood at 100/s got ~4 extra messages a second through).
        bucket.updated = max(bucket.updated, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return True, False
        tell = not bucket.warned
        bucket.warned = True
        return False, tell

    def refund(self, key: tuple[str, str]) -> None:
        """Gives back the token of an accepted message that then failed (the database was
        down): the platform's redelivery of it must not count as flooding."""
        bucket = self._buckets.get(key)
        if bucket is not None:
            bucket.tokens = min(float(self.burst), bucket.tokens + 1)
