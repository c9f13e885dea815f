"""Properties of `parse` over arbitrary input: it never raises, its JSON is JSON, money and
quantities are non-negative Decimals within the plausibility limits, and it is deterministic.

Examples are bounded (see SETTINGS) so the whole nlu suite stays well under 30 s; the
database is off so no .hypothesis directory is written into the work tree.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.nlu import MAX_CHARS, Parsed, parse
from bot.nlu.money import MAX_MONEY, MAX_QUANTITY

SETTINGS = settings(
    max_examples=150,
    deadline=None,  # the very first call loads newmm's dictionary
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Pieces that exercise every stage: keywords, units, number words, months, separators.
FRAGMENTS = [
    "ขาย", "ประชุม", "ทำงาน", "อบรม", "รายรับ", "รายจ่าย", "เยี่ยม", "สรุป", "ยกเลิก", "ไม่ได้",
    "ห้าม", "ค่า", "ได้เงิน", "จ่าย", "มา", "คน", "ฟอง", "ตัว", "ละ", "ๆ", "กก.", "บาท", "บ.",
    "฿", "สตางค์", "ชม.", "ครึ่ง", "วัน", "พัน", "ห้า", "ร้อย", "หมื่น", "ล้าน", "สอง", "นึง",
    "กว่า", "ต.ค.", "ตค", "ก.พ.", "เดือน", "ที่แล้ว", "วันที่", "เมื่อวาน", "อาทิตย์", "พ.ศ.",
    "555", "ถถถ", "ถจ", "๕๐", "1,500", "1.5k", "/", "-", ".", ",", ":", "@", " ", "\n",
    "\u200b", "นํ้า", "เเ", "ครับบบ", "ค่ะ", "/sale", "/help", "😀", "\x00", "0812345678",
    "99999999999999999999", "31", "2568", "68", "12",
    # issue 13: mood, clock ranges, buyers, titles, unknown units, monthly results
    "จะ", "ไหม", "ยังไง", "ถึง", "ตั้งแต่", "โมง", "ทุ่ม", "บ่าย", "ไห", "ไหละ", "ลูกค้า", "ป้า",
    "แทน", "กำไร", "ขาดทุน", "คงเหลือ", "-", "วันละ", "กับ", "ค่าไฟ", "1,0000", "9.00-12.30 น.",
]  # fmt: skip

thai_like = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.integers(min_value=0, max_value=10**9).map(str),
        st.text(max_size=4),
    ),
    max_size=25,
).map("".join)
any_text = st.one_of(st.text(max_size=60), thai_like)
any_day = st.dates()  # the whole calendar, including date.min and date.max


def _check(parsed: Parsed) -> None:
    assert parsed.mood in ("report", "plan", "question")
    if parsed.mood != "report":
        assert parsed.amount is None and parsed.quantity is None and not parsed.items
    payload = parsed.to_json()
    assert json.loads(json.dumps(payload, ensure_ascii=False)) == payload
    for name in ("amount", "unit_price", "income", "expenses"):
        value = getattr(parsed, name)
        assert value is None or (isinstance(value, Decimal) and 0 <= value <= MAX_MONEY), name
    # a treasurer's stated balance may be short ("คงเหลือ -2,000")
    assert parsed.balance is None or abs(parsed.balance) <= MAX_MONEY
    for line in parsed.items:
        assert line.amount is None or 0 <= line.amount <= MAX_MONEY
    for name in ("quantity", "hours"):
        value = getattr(parsed, name)
        assert value is None or (isinstance(value, Decimal) and 0 <= value <= MAX_QUANTITY), name
    assert parsed.attendees is None or parsed.attendees >= 0
    assert all(isinstance(code, str) for code in parsed.ambiguous)
    assert len(parsed.ambiguous) == len(set(parsed.ambiguous))
    if parsed.negated:
        assert parsed.intent == "unknown"


@SETTINGS
@given(text=any_text, today=any_day)
def test_never_raises_and_output_is_sane(text: str, today: date) -> None:
    _check(parse(text, today))


@SETTINGS
@given(text=thai_like, today=any_day)
def test_deterministic(text: str, today: date) -> None:
    first, second = parse(text, today), parse(text, today)
    assert first == second
    assert first.to_json() == second.to_json()


@settings(max_examples=10, deadline=None, database=None)
@given(piece=thai_like, today=any_day)
def test_long_messages_are_capped(piece: str, today: date) -> None:
    text = (piece or "ขาย") * (10_000 // max(len(piece), 1) + 1)
    parsed = parse(text[:10_000], today)
    _check(parsed)
    assert len(parsed.text) <= MAX_CHARS


def test_ten_thousand_characters_of_every_kind() -> None:
    today = date(2025, 10, 20)
    for text in (
        "ขายไข่" * 2000,
        "5" * 10_000,
        "😀" * 10_000,
        "\x00\x01\x02" * 3400,
        "ๆ" * 10_000,
        "ขาย 1,000 บาท " * 800,
        "".join(chr(c) for c in range(0x0E00, 0x0E80)) * 80,
    ):
        _check(parse(text, today))


def test_a_datetime_for_today_is_accepted() -> None:
    parsed = parse("ขายผัก 15 ต.ค. 200", datetime(2025, 10, 20, 9, 30))  # noqa: DTZ001
    assert parsed.date == date(2025, 10, 15)
