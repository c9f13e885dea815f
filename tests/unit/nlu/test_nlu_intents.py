"""intents.py: keyword scoring, negation, commands, typos."""

from __future__ import annotations

import pytest

from bot.nlu.intents import choose_intent, find_keywords
from bot.nlu.result import Intent
from bot.nlu.tokens import tokenize
from bot.nlu.typos import within_one_edit


def _intent(text: str, slash: Intent | None = None, month_named: bool = False) -> str:
    _, hits = find_keywords(tokenize(text))
    choice = choose_intent(hits, slash, month_named)
    return "negated" if choice.negated else choice.intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ขายไข่", "sale"),
        ("ยอดขาย", "sale"),
        ("ขายของ", "sale"),  # "ขาย" may be glued to the next word
        ("ได้เงินขายผัก", "income"),  # the leading verb decides
        ("ขายผักได้เงิน", "sale"),
        ("จ่ายค่าอาหารไก่", "expense"),
        ("มูลค่าสินค้า", "unknown"),  # ค่า inside มูลค่า does not count
        ("ประชุมกลุ่ม", "meeting"),
        ("การประชุม", "meeting"),  # glued prefix
        ("ที่ประชุมมีมติ", "meeting"),
        ("ทำงาน", "work"),
        ("ทำนา", "unknown"),  # strict keyword ทำ must end on a token boundary
        ("ปลูกผัก", "activity"),
        ("อบรมอาชีพ", "training"),
        ("กิจกรรมอบรม", "training"),
        ("รายรับ รายจ่าย", "monthly"),
        ("รายจ่ายค่าปุ๋ย", "expense"),
        ("เยี่ยมกลุ่ม", "visit"),
        ("ไปเยี่ยมบ้าน", "visit"),
        # เยี่ยม = excellent, glued into ดีเยี่ยม (not a visit); selling well reports nothing
        ("ขายดีเยี่ยม", "unknown"),
        ("เมนู", "help"),
        ("ยกเลิก", "undo"),
        ("สรุป", "report"),
        ("ลงพื้นที่ช่วยเหลือกลุ่ม", "visit"),  # command word not at the start
        ("สวัสดี", "unknown"),
        ("ขายหน้า", "unknown"),
    ],
)
def test_intent(text: str, intent: str) -> None:
    assert _intent(text) == intent


@pytest.mark.parametrize(
    "text",
    ["ไม่ได้ขาย", "ห้ามขาย", "ยังไม่ได้ขาย", "ไม่ขาย", "ขายไม่ได้", "ขายไม่ออก", "งดประชุม",
     "ไม่มีประชุม", "ไม่ได้ไปเยี่ยม"],
)  # fmt: skip
def test_negated(text: str) -> None:
    assert _intent(text) == "negated"


def test_a_real_keyword_beats_a_negated_one() -> None:
    assert _intent("ไม่ได้ขายไข่ แต่ประชุมกลุ่ม") == "meeting"


@pytest.mark.parametrize(
    ("typo", "intent"),
    [
        ("ประชม", "meeting"),
        ("เยี้ยม", "visit"),
        ("ลงพื้นทื่", "visit"),
        ("กิจกรม", "activity"),
        ("ยกเลก", "undo"),
        ("ทำงาณ", "work"),
    ],
)
def test_typos(typo: str, intent: str) -> None:
    assert _intent(typo) == intent


def test_slash_command_wins() -> None:
    assert _intent("ขายไข่", slash="meeting") == "meeting"


def test_a_named_month_tips_monthly_figures() -> None:
    assert _intent("รายรับ 5000") in ("monthly", "income")
    assert _intent("รายรับ 5000", month_named=True) == "monthly"


def test_activity_kind() -> None:
    cases = {
        "ศึกษาดูงาน": "study_visit",
        "ฝึกปฏิบัติ": "practice",
        "แปรรูปกล้วย": "production",
        "ออกบูธ": "marketing",
        "กิจกรรมกลุ่ม": "other",
        "อบรม": "training",
    }
    for text, kind in cases.items():
        _, hits = find_keywords(tokenize(text))
        assert choose_intent(hits, None, False).activity_kind == kind, text


def test_keyword_tokens_are_marked_and_cut() -> None:
    tokens, _ = find_keywords(tokenize("ค่าไฟ"))
    assert [(t.text, t.role) for t in tokens] == [("ค่า", "keyword"), ("ไฟ", None)]


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("ประชม", "ประชุม", True),  # deletion
        ("ประชุมม", "ประชุม", True),  # insertion
        ("เยี้ยม", "เยี่ยม", True),  # substitution
        ("ประชุม", "ประชุม", True),
        ("ประชา", "ประชุม", False),
        ("abcd", "bcda", False),
        ("", "ab", False),
    ],
)
def test_within_one_edit(a: str, b: str, close: bool) -> None:
    assert within_one_edit(a, b) is close
    assert within_one_edit(b, a) is close
