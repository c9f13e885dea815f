"""One sample of each card builder's output (besides the receipt), at its largest: the card
tests check every one against LINE's limits and Telegram's HTML parser."""

from __future__ import annotations

from bot.messages import Reply


def samples() -> list[Reply]:
    return []
