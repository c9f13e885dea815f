"""Issue 19: reports as a speech-to-text server writes them down from a voice note. Numbers
come as words, often without spaces ("สามสิบฟองสามร้อยบาท"), "บาท" is heard as its homophone
"บาด", and number syllables inside ordinary words must stay words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.nlu import parse
from bot.nlu.normalize import normalize_text

TODAY = date(2026, 12, 3)
MEMBER = frozenset({"member"})


@pytest.mark.parametrize(
    ("heard", "amount"),
    [
        ("ขายผ้าสองพันห้าบาท", "2500"),
        ("ขายผ้า สองพันห้า บาท", "2500"),
        ("ขายข้าวร้อยห้าสิบบาท", "150"),
        ("ขายผ้าหนึ่งพันสองร้อยบาทถ้วน", "1200"),
        ("ขายผักสามสิบบาท", "30"),
        ("ขายผักยี่สิบเอ็ดบาท", "21"),
        ("ขายไข่เค็มห้าร้อยบาท", "500"),
        ("ขายปลาสองหมื่นบาท", "20000"),
        ("ขายปลาสองหมื่นห้าพันบาท", "25000"),
        ("ขายผ้าไหมหนึ่งพันบาทถ้วนค่ะ", "1000"),
    ],
)
def test_number_words_as_spoken_are_the_amount(heard: str, amount: str) -> None:
    parsed = parse(heard, TODAY, MEMBER)
    assert parsed.intent == "sale"
    assert parsed.amount == Decimal(amount)
    assert parsed.ambiguous == ()


@pytest.mark.parametrize(
    "heard",
    [
        "ขายไข่เค็มสามสิบฟองสามร้อยบาท",  # no spaces at all
        "ขายไข่เค็ม สามสิบ ฟอง สามร้อย บาท",
        "ขายไข่เค็มสามสิบฟองสามร้อยบาด",  # บาท heard as บาด
        "ขายไข่เค็ม 30 ฟอง 300 บาด",
        "ขายไข่เค็มสามสิบฟอง สามร้อยบาดค่ะ",
        "วันนี้ขายไข่เค็มไปสามสิบฟอง ได้สามร้อยบาทค่ะ",
        "ขายไข่เค็ม 30 ฟอง 300 บาท.",  # the server's full stop
        "ขายไข่เค็ม, สามสิบฟอง, สามร้อยบาท",  # and its commas at each pause
        "ขายไข่เค็มสามสิบฟองสามร้อยบาทถ้วนค่ะ",
    ],
)
def test_the_voice_note_of_the_issue_is_a_sale_of_300_baht(heard: str) -> None:
    parsed = parse(heard, TODAY, MEMBER)
    assert (parsed.intent, parsed.item, parsed.quantity, parsed.unit, parsed.amount) == (
        "sale", "ไข่เค็ม", Decimal(30), "ฟอง", Decimal(300),
    )  # fmt: skip
    assert parsed.ambiguous == ()


def test_heard_baht_is_only_fixed_after_a_number() -> None:
    assert normalize_text("300 บาด") == "300 บาท"
    assert normalize_text("สามร้อยบาดถ้วน") == "สามร้อยบาทถ้วน"
    assert normalize_text("มีดบาดมือ") == "มีดบาดมือ"  # a knife cut a hand
    assert normalize_text("ลูกค้า 2 คนบาดเจ็บ") == "ลูกค้า 2 คนบาดเจ็บ"
    assert normalize_text("2 บาดแผล") == "2 บาดแผล"


@pytest.mark.parametrize(
    ("heard", "amount"),
    [
        ("ขายของที่ห้างห้าร้อยบาท", "500"),  # ห้า inside ห้าง is no five
        ("ขายขนมให้สามีเพื่อนสองร้อยบาท", "200"),  # สาม inside สามี
        ("ขายผ้าที่ตลาดนัดสี่แยกสามร้อยบาท", "300"),  # สี่แยก is a crossroads
    ],
)
def test_number_syllables_inside_words_are_not_numbers(heard: str, amount: str) -> None:
    parsed = parse(heard, TODAY, MEMBER)
    assert parsed.amount == Decimal(amount)
    assert parsed.quantity is None


def test_ambiguous_spoken_number_is_asked_not_guessed() -> None:
    # ร้อยห้า: 150 as people say it, 105 as it is written. A voice note is confirmed anyway,
    # but the parser still does not guess.
    parsed = parse("ขายผักร้อยห้าบาท", TODAY, MEMBER)
    assert parsed.amount is None
    assert parsed.ambiguous
