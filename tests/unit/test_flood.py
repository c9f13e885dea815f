"""The per-person flood gate (bot/flood.py): a token bucket per chat account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.flood import FloodGate

T0 = datetime(2025, 10, 20, 2, 0, tzinfo=UTC)
KEY = ("line", "U1")


def test_the_burst_passes_then_the_sender_is_told_once_and_refilled_at_the_rate() -> None:
    gate = FloodGate(burst=3, per_second=1.0)
    outcomes = [gate.admit(KEY, T0) for _ in range(6)]
    assert outcomes == [(True, False)] * 3 + [(False, True)] + [(False, False)] * 2
    assert gate.admit(("line", "U2"), T0) == (True, False)  # someone else: unaffected
    assert gate.admit(KEY, T0 + timedelta(seconds=1)) == (True, False)


def test_messages_arriving_out_of_clock_order_do_not_refill_the_bucket_twice() -> None:
    """Concurrent webhooks of one sender read the clock before awaiting the database, so the
    gate may see t=0.5 s after t=1.0 s: that interval must be refilled once, not twice."""
    gate = FloodGate(burst=2, per_second=1.0)
    assert gate.admit(KEY, T0)[0] and gate.admit(KEY, T0)[0]
    late = T0 + timedelta(seconds=1.0)
    early = T0 + timedelta(seconds=0.5)
    assert gate.admit(KEY, late)[0]  # one token refilled in that second, taken
    assert not gate.admit(KEY, early)[0]
    assert not gate.admit(KEY, late + timedelta(seconds=0.6))[0]  # 0.6 of a token since
