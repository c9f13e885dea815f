"""The next and previous non-space token: how the number readers look around a number.

Its own module because `figures`, `count_words` and their helpers all step over spaces the
same way, and a plain loop is kept here once (it runs for every number in every message)."""

from __future__ import annotations

from bot.nlu.tokens import Token


def next_index(tokens: list[Token], index: int) -> int | None:
    """Index of the next non-space token (a plain loop: this runs a lot)."""
    for following in range(index + 1, len(tokens)):
        if tokens[following].kind != "space":
            return following
    return None


def previous_index(tokens: list[Token], index: int) -> int | None:
    for preceding in range(index - 1, -1, -1):
        if tokens[preceding].kind != "space":
            return preceding
    return None
