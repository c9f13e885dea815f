"""Long replies are cut to the platforms' limits (LINE 5,000, Telegram 4,096 UTF-16 units). For
any text and any limit: no piece is over the limit, nothing is lost, doubled or reordered but
the whitespace at a cut, and no piece is blank (a platform refuses an empty message)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.base import split_text, utf16_len

# Thai with its vowels and tone marks, digits, emoji (two UTF-16 units), spaces and line breaks.
ALPHABET = st.sampled_from(
    [*"กขคงจฉชญณดตถทนบปผพฟมยรลวศสหอฮะัาำิีึืุูเแโใไ่้๊๋์ๆ0123456789", "🥚", "👍", " ", "\n", "  "]
)
WHITESPACE = re.compile(r"\s+")


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=400).map("".join), st.integers(min_value=2, max_value=120))
def test_pieces_fit_and_keep_every_character(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(utf16_len(p) <= limit for p in pieces)
    assert WHITESPACE.sub("", "".join(pieces)) == WHITESPACE.sub("", text)
    if len(pieces) > 1:
        assert all(p.strip() for p in pieces), pieces


def test_a_short_text_is_one_piece() -> None:
    assert split_text("ขายไข่เค็ม 50 ฟอง 250 บาท", 5000) == ["ขายไข่เค็ม 50 ฟอง 250 บาท"]
