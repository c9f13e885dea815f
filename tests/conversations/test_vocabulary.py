"""One table of commands and captions (bot/vocabulary.py): every button the bot shows,
typed by hand, does exactly what pressing it does, with or without a polite ending."""

from __future__ import annotations

import pytest

from bot.handlers import help
from bot.vocabulary import _WORDS, BUTTONS, START, command_of, spoken
from scheduler import compose

ENDINGS = ("", "ค่ะ", "คะ", "ครับ", " ค่ะ", "นะคะ", "จ้า", " ครับผม", "!", " 🙏", "ด้วยค่ะ")
EVERY_BUTTON = (
    *BUTTONS,
    *(b for buttons in help.BUTTONS.values() for b in buttons),
    compose.SNOOZE, compose.LOG_VISIT, compose.LOG_MEETING, compose.SEND_FIGURES,
    compose.LOG_TRAINING,
)  # fmt: skip


@pytest.mark.parametrize("button", EVERY_BUTTON, ids=lambda b: b.label)
def test_typing_a_caption_does_what_pressing_it_does(button: object) -> None:
    from bot.messages import QuickReply

    assert isinstance(button, QuickReply)
    if button.label == button.message:
        return  # typing it is pressing it
    pressed = command_of(button.message)
    typed = command_of(button.label)
    if button.label.startswith("ส่งออก"):  # "ส่งออก Excel": the export's own prefix rule
        assert button.message == "ส่งออก" and pressed is None
        return
    assert pressed is not None, f"pressing {button.label!r} sends {button.message!r}, no command"
    assert typed == pressed


@pytest.mark.parametrize("ending", ENDINGS)
@pytest.mark.parametrize(
    ("name", "word"), [(name, w) for name, words in _WORDS.items() for w in words[:3]]
)
def test_every_command_word_takes_polite_endings(name: str, word: str, ending: str) -> None:
    said = command_of(word + ending)
    assert said is not None and said.name == name


def test_captions_start_their_reports() -> None:
    for intent, (caption, slash) in START.items():
        typed, sent = command_of(caption), command_of(slash + "@sammachip_bot")
        assert typed is not None and typed.arg == intent
        assert sent is not None and sent.arg == intent


def test_words_that_carry_a_report_are_not_commands() -> None:
    for text in ("ยกเลิก ขายไข่ 30 ฟอง", "สรุปเดือน ก.ย.", "แก้ไข ยอดเงิน 250", "ขายไข่เค็ม 30 ฟอง",
                 "เมนูอาหาร 3 อย่าง", "ok 300"):  # fmt: skip
        assert command_of(text) is None, text


def test_spoken_form() -> None:
    assert spoken(" เมนู ครับ ") == "เมนู"
    assert spoken("ยกเลิกค่ะ!!") == "ยกเลิก"
    assert spoken("/Help@Sammachip_bot") == "/help"
    assert spoken("ค่ะ") == "ค่ะ"  # only a polite word: kept, so it is no command
    assert spoken("ยืนยัน\u200b ค่ะ") == "ยืนยัน"
