"""Cards: every card the bot makes is a Flex Message line-bot-sdk reads back unchanged and
within LINE's documented limits, Telegram HTML that Telegram's parser accepts with every value
escaped, and plain text on the console."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from linebot.v3.messaging import FlexMessage

from bot.channels import cards
from bot.channels.base import utf16_len
from bot.channels.line import render
from bot.channels.telegram import keyboard, plan
from bot.handlers.common import saved
from bot.messages import Card, CardField, CardSection, Image, QuickReply, Reply
from bot.vocabulary import CONFIRM
from tests.conversations.test_vocabulary import EVERY_BUTTON
from tests.support.fake_line import _invalid, flex_text
from tests.support.fake_telegram import read_html

PUBLIC = "https://bot.example.test"
LISTED = {(b.label, b.message) for b in EVERY_BUTTON}


def receipt(**overrides: Any) -> Reply:
    fields = [
        CardField("สินค้า", overrides.get("item", "ไข่เค็ม")),
        CardField("จำนวน", "30 ฟอง"),
        CardField("ยอดเงิน", "300 บาท", strong=True),
        CardField("ของ", overrides.get("who", "สมศรี ใจดี")),
    ]
    return saved(
        "บันทึกการขายแล้วค่ะ", ["ของ สมศรี", "ไข่เค็ม 30 ฟอง", "รวม 300 บาท"],
        date(2025, 10, 20), "กลุ่มไข่เค็มสมุนไพรลูกหม่อน", fields=fields,
    )  # fmt: skip


def every_card() -> list[Reply]:
    """One of each kind of card the bot sends (the builders add theirs here)."""
    from tests.channels.card_samples import samples

    return [receipt(), *samples()]


def check_flex(message: dict[str, Any]) -> None:
    """What LINE's reference says a Flex Message may be, and what the SDK reads back."""
    assert FlexMessage.from_dict(message).to_dict() == message  # nothing unknown, nothing lost
    assert 1 <= len(message["altText"]) <= cards.MAX_ALT_TEXT
    assert len(json.dumps(message["contents"], ensure_ascii=False).encode()) <= 30 * 1024
    assert cards.depth(message["contents"]) <= cards.MAX_BOX_DEPTH
    assert _invalid([message]) is None
    for action in _actions(message["contents"]):
        assert 1 <= len(action["label"]) <= 20
        assert len(action["data"]) <= 300 and len(action["displayText"]) <= 300
        # A button is one the vocabulary lists (typing its caption does what pressing does).
        assert (action["displayText"], action["data"]) in LISTED, action


def _actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        own = [node["action"]] if isinstance(node.get("action"), dict) else []
        return own + [a for v in node.values() for a in _actions(v)]
    if isinstance(node, list):
        return [a for v in node for a in _actions(v)]
    return []


@pytest.mark.parametrize("answer", every_card(), ids=lambda r: r.card.kind if r.card else "?")
def test_every_card_is_a_flex_message_line_accepts(answer: Reply) -> None:
    [message, *rest] = render(answer, PUBLIC)
    assert message["type"] == "flex"
    check_flex(message)
    assert all(m["type"] == "text" for m in rest)  # a download link, nothing else


@pytest.mark.parametrize("answer", every_card(), ids=lambda r: r.card.kind if r.card else "?")
def test_every_card_is_telegram_html_that_parses(answer: Reply) -> None:
    assert answer.card is not None
    markup = cards.telegram_html(answer.card, answer.text)
    read = read_html(markup)  # raises as Telegram would ("can't parse entities")
    assert answer.card.title in read
    [(kind, first), *_] = plan(answer)
    if utf16_len(markup) <= 4096:
        assert (kind, first) == ("html", markup)
    else:  # longer than a Telegram message: the plain text, in as many parts as it takes
        assert kind == "text" and all(utf16_len(v) <= 4096 for k, v in plan(answer) if k == "text")


def test_the_receipt_says_what_how_many_how_much_when_where_who() -> None:
    message = render(receipt(), PUBLIC)[0]
    seen = flex_text(message["contents"])
    for part in ("บันทึกการขายแล้ว", "สินค้า ไข่เค็ม", "จำนวน 30 ฟอง", "ยอดเงิน 300 บาท",
                 "20 ต.ค. 2568", "กลุ่มไข่เค็มสมุนไพรลูกหม่อน", "ของ สมศรี ใจดี"):  # fmt: skip
        assert part in seen, part
    assert message["altText"] == "✅ บันทึกการขายแล้ว: ไข่เค็ม · 300 บาท"
    buttons = [a["data"] for a in _actions(message["contents"])]
    assert buttons == ["ยกเลิก", "แก้ไข"]
    assert [q["action"]["label"] for q in message["quickReply"]["items"]][:2] == ["ยกเลิก", "แก้ไข"]


def test_values_are_escaped_for_telegram() -> None:
    hostile = '<script>alert("x")</script> & <b>'
    [(_, markup), *_] = plan(receipt(item=hostile, who="A&B <i>"))
    read = read_html(markup)
    assert hostile in read and "A&B <i>" in read
    assert "<script>" not in markup


def test_the_console_shows_the_text() -> None:
    from bot.channels.base import Outgoing
    from bot.channels.console import render as console

    shown = console(Outgoing(1, "console", "me", receipt(), None, None, 1))
    assert "บันทึกการขายแล้วค่ะ ✅" in shown and "[ยกเลิก]" in shown


def test_a_quoted_answer_in_a_group_is_text_with_the_quote_token() -> None:
    from dataclasses import replace

    messages = render(replace(receipt(), quote="q-token-1"), PUBLIC)
    assert [m["type"] for m in messages] == ["text"]
    assert messages[0]["quoteToken"] == "q-token-1" and "บันทึกการขายแล้ว" in messages[0]["text"]
    assert _invalid(messages) is None


def test_a_card_too_large_for_line_is_sent_as_text() -> None:
    lines = tuple(f"• กลุ่มที่ {n} ขาย {n * 1000:,} บาท · ประชุม 1 ครั้ง" * 3 for n in range(400))
    big = Reply("\n".join(lines), card=Card("summary", "สรุป", sections=(CardSection(lines=lines),)))
    messages = render(big, PUBLIC)
    assert all(m["type"] == "text" for m in messages) and _invalid(messages) is None


def test_the_chart_is_the_summary_cards_picture_when_line_can_fetch_it() -> None:
    chart = Image("k" * 32, "ยอดขายรายเดือน")
    answer = Reply("สรุป", image=chart, card=Card("summary", "สรุป", hero=chart))
    [message] = render(answer, PUBLIC)
    assert message["contents"]["hero"]["url"] == f"{PUBLIC}/files/{'k' * 32}"
    check_flex(message)
    [plain] = render(answer, "http://localhost:8000")
    assert "hero" not in plain["contents"]  # LINE fetches only https


def test_telegram_confirmations_and_cards_get_inline_buttons() -> None:
    question = Reply("ยืนยันไหมคะ", (CONFIRM, QuickReply("ยกเลิก")))
    markup = keyboard(question, is_group=False)
    assert markup is not None and markup.to_dict().get("inline_keyboard")
    plain = keyboard(Reply("สวัสดีค่ะ", (QuickReply("เมนู"),)), is_group=False)
    assert plain is not None and plain.to_dict()["one_time_keyboard"] is True
    long = Reply("ยืนยันไหมคะ", (CONFIRM, QuickReply("ก" * 30)))  # 90 bytes: no callback data
    fallback = keyboard(long, is_group=False)
    assert fallback is not None and "keyboard" in fallback.to_dict()


def test_alt_text_reads_well_and_is_short() -> None:
    card = Card("reminder", "แจ้งเตือน", text_body=True)
    text = "สวัสดีค่ะ คุณสมศรี 🌱\nถึงเวลาส่งตัวเลขรายรับ–รายจ่ายเดือน ต.ค. 2568\n" + "x" * 3000
    alt = cards.alt_text(card, text)
    assert alt.startswith("สวัสดีค่ะ คุณสมศรี 🌱 · ถึงเวลาส่งตัวเลข") and len(alt) <= 400
    assert Decimal(len(alt)) <= cards.MAX_ALT_TEXT
