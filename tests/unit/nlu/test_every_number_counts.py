"""Issue 13, precision first: a report is saved at once only when every number in it is
accounted for. For any message, either every number in it is used by the parsed slots, or the
result asks (an ambiguity code) — checked from the outside, on the numbers as typed.

Messages are built from the words of reports (keywords, products, units, labels, fillers)
and distinct numbers. Dates, clock times, ordinals and village numbers are left out of the
pieces: those numbers are read as dates or blanked, never as amounts (test_nlu_dates.py). A
number counts as used when it is a slot's value, or a part of one the parser adds up (lines
of monthly expenses, hours of a morning and an afternoon, men and women at a meeting), or a
factor of one it multiplies (quantity × unit price, days × hours a day, a rate "3 แพ็คร้อย").
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.nlu import Parsed, parse

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TODAY = date(2026, 12, 3)
RECORDED = {"sale", "income", "expense", "work", "monthly"}  # every number must be placed

# fmt: off
WORDS = [
    # keywords of every report that counts numbers
    "ขาย", "ขายได้", "ยอดขาย", "ได้เงิน", "จ่าย", "จ่ายค่า", "ซื้อ", "ค่า", "ค่าไฟ", "ทำงาน",
    "ช่วยงาน", "รายรับ", "รายจ่าย", "รับ", "คงเหลือ", "เหลือ", "ลูกค้า", "โอนมา", "ค่าแรง",
    # products and other content
    "ไข่เค็ม", "ผ้าไหม", "กบ", "ผัก", "น้ำพริก", "เห็ด", "ปุ๋ย", "อาหารไก่", "ตลาด", "ป้าแดง",
    # units, currency, per, labels, fillers
    "ฟอง", "ตัว", "ผืน", "กิโล", "กก.", "ถุง", "แพ็ค", "ไห", "คน", "ชม.", "ชั่วโมง", "นาที",
    "วัน", "บาท", "บ.", "฿", "ละ", "ฟองละ", "ตัวละ", "วันละ", "ๆ", "รวม", "ได้", "มา",
    "ให้", "กับ", "และ", "แล้ว", "เช้า", "ผู้ชาย", "ผู้หญิง", "ขาด", "ไม่", "จะ",
    "ค่ะ", "ครับ", "นะ", "กำไร", "ขาดทุน", ",", "+", "-", " ", " ", " ",
]
# fmt: on
NUMBER = re.compile(r"(?<![0-9,])(?<![0-9]\.)[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?(?![0-9])")
LAUGHTER = re.compile(r"5{3,}")  # "555" is laughter, not a number (THAI.md)

pieces = st.one_of(
    st.sampled_from(WORDS),
    st.integers(min_value=2, max_value=99_999).map(str),
)
messages = st.lists(pieces, min_size=1, max_size=14).map(" ".join) | st.lists(
    pieces, min_size=1, max_size=14
).map("".join)


def _slots(parsed: Parsed) -> list[Decimal]:
    values = [
        parsed.amount, parsed.quantity, parsed.unit_price, parsed.hours, parsed.income,
        parsed.expenses, parsed.balance,
        Decimal(parsed.attendees) if parsed.attendees is not None else None,
    ]  # fmt: skip
    for line in parsed.items:
        values += [line.amount, line.quantity, line.unit_price]
    return [abs(v) for v in values if v is not None]


def _explained(number: Decimal, numbers: list[Decimal], slots: list[Decimal]) -> bool:
    """Whether ``number`` is a slot, a part of a sum that is one, or a factor of one."""
    if number in slots:
        return True
    others = list(numbers)
    others.remove(number)
    as_hours = (number / 60).quantize(Decimal("0.01"))  # minutes (hours kept to 0.01)
    parts = others + [(o / 60).quantize(Decimal("0.01")) for o in others]
    for slot in slots:
        for size in range(0, 4):
            for group in combinations(parts, size):
                rest = sum(group, Decimal(0))
                if number + rest == slot or abs(as_hours + rest - slot) <= Decimal("0.01"):
                    return True
        for other in others:
            if number * other == slot or (other and slot * other == number):
                return True
            for third in others:
                if third is not other and third and number * other / third == slot:
                    return True
    return False


@SETTINGS
@given(
    text=messages,
    roles=st.sampled_from([frozenset(), frozenset({"treasurer"}), frozenset({"household"})]),
)
def test_a_report_saved_at_once_uses_every_number(text: str, roles: frozenset[str]) -> None:
    parsed = parse(text, TODAY, roles)
    if parsed.intent not in RECORDED or parsed.negated or parsed.mood != "report":
        return  # nothing is recorded
    if parsed.ambiguous:
        return  # the bot asks first
    typed = [m.group() for m in NUMBER.finditer(parsed.text)]
    numbers = [Decimal(t.replace(",", "")) for t in typed if not LAUGHTER.fullmatch(t)]
    slots = _slots(parsed)
    for number in numbers:
        assert _explained(number, numbers, slots), (
            f"{text!r} → {parsed.to_json()} items={parsed.items}: {number} is in no slot"
        )


def test_examples_from_the_issue() -> None:
    # each number is used, or the message asks
    assert parse("ขายปลาร้า ๒ ไห ไหละ ๓๐๐", TODAY).ambiguous == ("unit",)
    sale = parse("ขายไข่เค็ม 20 ฟอง 100 บาท กบ 5 ตัว 75 บาท", TODAY)
    assert [(line.item, line.amount) for line in sale.items] == [
        ("ไข่เค็ม", Decimal(100)),
        ("กบ", Decimal(75)),
    ]
    assert not sale.ambiguous
    assert "number" in parse("ขายไข่เค็ม 50 ฟอง 250 บาท ลูกค้า 3 คน", TODAY).ambiguous
    assert parse("ทำงาน 3", TODAY).ambiguous == ("hours",)
    assert parse("ขายผ้าไหม 1 ผืน 99999999999 บาท", TODAY).amount is None
