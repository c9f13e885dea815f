"""The router's command lookup is cached (bot/vocabulary.py), but only for texts short enough
to be a command (60 characters): a person's longer message — names, amounts, an address —
is never kept in the worker's memory by it, also after their data is erased."""

from __future__ import annotations

import sys

from bot.vocabulary import command_of


def test_a_long_message_is_not_kept_by_the_command_lookup() -> None:
    said = "ขายไข่เค็มให้คุณสมชาย ใจดี บ้านเลขที่ 12 หมู่ 3 จำนวน 250 บาท " * 20
    held = sys.getrefcount(said)
    assert command_of(said) is None
    assert sys.getrefcount(said) == held  # nothing holds on to the person's message


def test_a_command_is_still_found_in_a_short_message() -> None:
    found = command_of("ยกเลิกค่ะ 🙏")
    assert found is not None and found.name == "undo"
