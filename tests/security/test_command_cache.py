"""Looking up whether a message is a command keeps nothing of it (bot/vocabulary.py
`command_of`): the router asks it once per rule, and that repetition is remembered with the
message being handled (`Context.command`), not in the worker. A person's message, short or
long (a name, an amount, an address), does not outlive its handling, also after erasure."""

from __future__ import annotations

import sys

import pytest

from bot.vocabulary import command_of

SAID = [
    "ขายไข่ให้คุณสมชาย 50 บาท",  # short enough to be a command, and personal
    "ขายไข่เค็มให้คุณสมชาย ใจดี บ้านเลขที่ 12 หมู่ 3 จำนวน 250 บาท " * 20,
]


@pytest.mark.parametrize("text", SAID, ids=["short", "long"])
def test_a_message_is_not_kept_by_the_command_lookup(text: str) -> None:
    said = "".join(list(text))  # a string object of its own, as a webhook body gives
    held = sys.getrefcount(said)
    assert command_of(said) is None
    assert sys.getrefcount(said) == held  # nothing holds on to the person's message


def test_a_command_is_still_found_in_a_short_message() -> None:
    found = command_of("ยกเลิกค่ะ 🙏")
    assert found is not None and found.name == "undo"
