"""One rule decides whether a LINE reply token may still be offered (bot/messages.py
`live_reply_token`): the conversation writing a reply, a lease taking a row and a ready
reply's send all ask it, so they cannot disagree about a token at the edge of its life."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.messages import live_reply_token

STORED = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)  # when the webhook was stored
TTL = timedelta(seconds=50)


def test_a_young_token_is_offered_and_an_old_one_is_not() -> None:
    assert live_reply_token("t", STORED, STORED + timedelta(seconds=49.9), TTL) == "t"
    assert live_reply_token("t", STORED, STORED + TTL, TTL) is None  # at the limit: push
    assert live_reply_token("t", STORED, STORED + timedelta(hours=1), TTL) is None


def test_no_token_or_an_unknown_birth() -> None:
    assert live_reply_token(None, STORED, STORED, TTL) is None
    assert live_reply_token("", STORED, STORED, TTL) is None
    assert live_reply_token("t", None, STORED + timedelta(hours=1), TTL) == "t"
