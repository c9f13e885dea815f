"""Give every number in a message a role: money, quantity, unit price, people, hours, or bare.

The role comes from the tokens around the number, never from its size:

- currency after it ("250 บาท", "250บ.", "30฿") or "฿" before it → money;
- a unit word after it ("50 ฟอง", "2 กก.") → quantity, people ("12 คน"), hours ("3 ชม.");
- "ละ" before it ("ตัวละ 15", "ฟองๆละ 5", "กิโลละ 80", "ละ 5 บาท"), "@15", or "15 บาท/กก." → unit price;
- otherwise bare, labelled by the words just before it: "รายรับ 12000" (income),
  "คงเหลือ 8500" (balance), "สมาชิกมา 15" (attend), "ได้ 250" (money), "รวม 300" (total).

Unit words without a number: "ครึ่งกิโล" = 0.5 kg, "กิโลครึ่ง" = 1.5 kg, "2 กิโลครึ่ง" = 2.5 kg,
"ครึ่งวัน" = 4 h, "ทั้งวัน"/"เต็มวัน" = 8 h (a working day is 8 hours, see units.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

from bot.nlu import money, units
from bot.nlu.tokens import (
    Token,
    is_currency_word,
    is_unit_word,
    significant,
)

MentionKind = Literal["money", "quantity", "unit_price", "people", "hours", "times", "bare"]
Label = Literal["money", "total", "income", "expenses", "balance", "attend", "absent"]

# Words just before a number that say what it is (matched as a suffix of the 1–3 words
# before it, so "สมาชิก"+"มา" and "สมาชิกมา" both end in "มา").
_LABELS: Final[dict[str, Label]] = {
    "รายรับ": "income", "รายได้": "income", "รับ": "income", "รับเงิน": "income", "ได้รับ": "income",
    "รายจ่าย": "expenses", "ค่าใช้จ่าย": "expenses", "จ่าย": "expenses", "จ่ายไป": "expenses",
    "ใช้จ่าย": "expenses", "ใช้ไป": "expenses",
    "คงเหลือ": "balance", "เหลือ": "balance", "ยกไป": "balance",
    "รวม": "total", "ทั้งหมด": "total", "เป็นเงิน": "total", "ยอดรวม": "total", "รวมเป็น": "total",
    "ได้": "money", "ได้เงิน": "money", "ราคา": "money", "ยอด": "money", "ยอดขาย": "money",
    "เงิน": "money", "ขายได้": "money",
    "มา": "attend", "ผู้เข้าร่วม": "attend", "เข้าร่วม": "attend", "เข้าประชุม": "attend",
    "เข้าอบรม": "attend", "ผู้เข้าอบรม": "attend", "มาประชุม": "attend", "มาร่วม": "attend",
    "สมาชิกมา": "attend", "คนมา": "attend", "ครัวเรือนมา": "attend", "สมาชิกมาประชุม": "attend",
    "ไม่มา": "absent", "ไม่มาประชุม": "absent", "ไม่ได้มา": "absent", "ขาด": "absent",
    "ขาดประชุม": "absent", "ลา": "absent", "ลาประชุม": "absent",
}  # fmt: skip
_LABEL_SKIP: Final = frozenset({":", "=", "-", "–", "@"})
_PER: Final = frozenset({"ละ", "ๆละ"})
_HALF: Final = "ครึ่ง"
_HALF_VALUE: Final = Decimal("0.5")
_WHOLE_DAY: Final = frozenset({"ทั้งวัน", "เต็มวัน", "วันเต็ม"})


@dataclass(slots=True)
class Mention:
    kind: MentionKind
    value: Decimal | None  # None when the number could not be read (see ``unclear``)
    index: int  # token index of the number, for ordering and adjacency
    unit: units.Unit | None = None
    labels: set[Label] = field(default_factory=set)
    approx: bool = False
    unclear: bool = False


def find_mentions(tokens: list[Token]) -> list[Mention]:
    """Every number's role, in text order; marks the tokens used (role "number"/"unit"/...)."""
    mentions: list[Mention] = []
    for index, token in enumerate(tokens):
        if token.kind == "num" and token.role is None:
            mention = _classify(tokens, index)
            if mention is not None:
                mentions.append(mention)
    mentions.extend(_unitless_halves(tokens))
    mentions.sort(key=lambda m: m.index)
    return mentions


def _next(tokens: list[Token], index: int) -> int | None:
    """Index of the next non-space token (a plain loop: this runs a lot)."""
    for following in range(index + 1, len(tokens)):
        if tokens[following].kind != "space":
            return following
    return None


def _previous(tokens: list[Token], index: int) -> int | None:
    for preceding in range(index - 1, -1, -1):
        if tokens[preceding].kind != "space":
            return preceding
    return None


def _classify(tokens: list[Token], index: int) -> Mention | None:
    token = tokens[index]
    labels = _labels_before(tokens, index)
    after = _next(tokens, index)
    if after is not None and tokens[after].role == "approx":
        after = _next(tokens, after)  # "พันกว่าบาท": the currency is after "กว่า"
    after_token = tokens[after] if after is not None else None
    before = _previous(tokens, index)
    before_token = tokens[before] if before is not None else None
    if token.weak and not (
        labels
        or is_unit_word(after_token)
        or is_currency_word(after_token)
        or _is_per(before_token)
    ):
        # "ร้อยพวงมาลัย", "วันนึง": a lone number word with nothing numeric around it.
        token.kind = "word"
        token.value = None
        return None
    token.role = "number"
    mention = Mention(
        "bare", token.value, index, labels=labels, approx=token.approx, unclear=token.unclear
    )
    if before_token is not None and (before_token.text == money.BAHT_SIGN):
        before_token.role = "currency"
        mention.kind = "money"
        return mention
    if _is_per(before_token) and before is not None and not is_unit_word(after_token):
        mention.kind = "unit_price"
        mention.unit = _unit_before_per(tokens, before)
        _consume_currency(tokens, after)
        return mention
    if after is not None and after_token is not None and is_currency_word(after_token):
        return _money(tokens, mention, after)
    if after is not None and after_token is not None and is_unit_word(after_token):
        return _with_unit(tokens, mention, after)
    return mention


def _money(tokens: list[Token], mention: Mention, currency: int) -> Mention:
    tokens[currency].role = "currency"
    mention.kind = "money"
    if tokens[currency].text in money.SATANG_WORDS and mention.value is not None:
        mention.value = mention.value / 100
        return mention
    per = _next(tokens, currency)
    # "12 บาท 50 สตางค์" = 12.50
    satang = _next(tokens, per) if per is not None else None
    cents = tokens[per].value if per is not None and tokens[per].kind == "num" else None
    if (
        cents is not None
        and per is not None
        and satang is not None
        and tokens[satang].text in money.SATANG_WORDS
        and mention.value is not None
    ):
        mention.value += cents / 100
        tokens[per].role = "number"
        tokens[satang].role = "currency"
        return mention
    # "15 บาท/กก.", "15 บาทต่อกิโล": a price per unit
    if per is not None and tokens[per].text in ("/", "ต่อ"):
        unit_index = _next(tokens, per)
        if unit_index is not None and is_unit_word(tokens[unit_index]):
            tokens[per].role = "unit"
            tokens[unit_index].role = "unit"
            mention.kind = "unit_price"
            mention.unit = units.lookup(tokens[unit_index].text)
    return mention


def _with_unit(tokens: list[Token], mention: Mention, unit_index: int) -> Mention:
    unit = units.lookup(tokens[unit_index].text)
    if unit is None:  # the caller checked; kept total for mypy
        return mention
    tokens[unit_index].role = "unit"
    mention.unit = unit
    half = _next(tokens, unit_index)
    if (
        half is not None
        and tokens[half].text == _HALF
        and tokens[half].role is None
        and mention.value is not None
    ):
        tokens[half].role = "unit"
        mention.value += _HALF_VALUE  # "2 กิโลครึ่ง" = 2.5
    if unit.kind in ("product", "land"):
        mention.kind = "quantity"
    elif unit.kind == "people":
        mention.kind = "people"
    elif unit.kind == "times":
        mention.kind = "times"
    else:
        mention.kind = "hours"
        if mention.value is not None:
            mention.value = unit.to_hours(mention.value)
    return mention


def _is_per(token: Token | None) -> bool:
    """ "ละ", "ๆละ", "@", or a glued unit-price token such as "ตัวละ"/"โลละ"."""
    if token is None:
        return False
    return token.text in _PER or token.text == "@" or units.unit_price_token(token.text) is not None


def _unit_before_per(tokens: list[Token], per: int) -> units.Unit | None:
    """The unit of "ตัวละ", "ฟอง ๆ ละ", "กิโล ละ"; marks the tokens used."""
    tokens[per].role = "unit"
    glued = units.unit_price_token(tokens[per].text)
    if glued is not None:
        return glued
    previous = _previous(tokens, per)
    if previous is not None and tokens[previous].kind == "repeat":
        tokens[previous].role = "unit"
        previous = _previous(tokens, previous)
    if previous is not None and is_unit_word(tokens[previous]):
        tokens[previous].role = "unit"
        return units.lookup(tokens[previous].text)
    return None


def _consume_currency(tokens: list[Token], index: int | None) -> None:
    if index is not None and is_currency_word(tokens[index]):
        tokens[index].role = "currency"


def _labels_before(tokens: list[Token], index: int) -> set[Label]:
    """Labels among the (up to three) words right before a number; marks those words."""
    words: list[int] = []
    for previous in significant(tokens, index - 1, -1):
        token = tokens[previous]
        if token.text in _LABEL_SKIP:
            continue
        if token.kind != "word" or token.role in ("number", "unit", "currency") or len(words) == 3:
            break
        words.append(previous)
    found: set[Label] = set()
    words.reverse()
    for size in range(1, len(words) + 1):
        chosen = words[-size:]
        label = _LABELS.get("".join(tokens[i].text for i in chosen))
        if label is not None:
            found.add(label)
            for i in chosen:
                tokens[i].role = "label"  # also keywords: "ผู้เข้าร่วม 25" is not a topic
    return found


def _unitless_halves(tokens: list[Token]) -> list[Mention]:
    """ "ครึ่งกิโล", "กิโลครึ่ง", "ครึ่งวัน", "ทั้งวัน": amounts said without a digit."""
    found: list[Mention] = []
    for index, token in enumerate(tokens):
        if token.role not in (None, "keyword") or token.kind != "word":
            continue  # "ชั่วโมง" is also a work keyword
        if token.text in _WHOLE_DAY:
            token.role = "unit"
            found.append(Mention("hours", units.DAY.to_hours(Decimal(1)), index, unit=units.DAY))
            continue
        if token.text == _HALF:
            after = _next(tokens, index)
            if (
                after is not None
                and tokens[after].role in (None, "keyword")
                and is_unit_word(tokens[after])
            ):
                found.append(_half(tokens, index, after, _HALF_VALUE))
            continue
        unit = units.lookup(token.text)
        after = _next(tokens, index)
        if unit is not None and after is not None and tokens[after].text == _HALF:
            before = _previous(tokens, index)
            if before is None or tokens[before].kind != "num":
                found.append(_half(tokens, after, index, Decimal("1.5")))
    return found


def _half(tokens: list[Token], half: int, unit_index: int, value: Decimal) -> Mention:
    tokens[half].role = "number"
    mention = Mention("bare", value, min(half, unit_index))
    return _with_unit(tokens, mention, unit_index)
