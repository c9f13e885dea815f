"""Give every number in a message a role: money, quantity, unit price, people, hours, or bare.

The role comes from the tokens around the number, never from its size:

- currency after it ("250 บาท", "250บ.", "30฿") or "฿" before it → money;
- a unit word after it ("50 ฟอง", "2 กก.") → quantity, people ("12 คน"), hours ("3 ชม.");
- "ละ" before it ("ตัวละ 15", "ฟองๆละ 5", "กิโลละ 80", "ละ 5 บาท"), "@15", or "15 บาท/กก." → unit price;
- otherwise bare, labelled by the words just before it: "รายรับ 12000" (income),
  "คงเหลือ 8500" (balance), "สมาชิกมา 15" (attend), "ได้ 250" (money), "รวม 300" (total).

Unit words without a number: "ครึ่งกิโล" = 0.5 kg, "กิโลครึ่ง" = 1.5 kg, "2 กิโลครึ่ง" = 2.5 kg,
"ครึ่งวัน" = 4 h, "ทั้งวัน"/"เต็มวัน" = 8 h (a working day is 8 hours, see units.py).

The label words are in `number_labels`, unit prices and the message's own count words in
`count_words`; this module reads one number at a time and the amounts said without digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

from bot.nlu import money, units
from bot.nlu.count_words import PerWords, is_per, looks_like_count_word, unit_before_per
from bot.nlu.neighbours import next_index, previous_index
from bot.nlu.number_labels import Label, labels_before
from bot.nlu.tokens import Token, is_currency_word, is_unit_word

MentionKind = Literal["money", "quantity", "unit_price", "people", "hours", "times", "bare"]
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
    # Set by the parser when the number went into a field or was understood as something no
    # field holds (an absentee count, a group's size): a report is saved at once only when
    # every mention is used.
    used: bool = False
    synthetic: bool = False  # not typed as a number: "ไม่มีรายรับ" is a zero income


def find_mentions(tokens: list[Token], text: str | None = None) -> list[Mention]:
    """Every number's role, in text order; marks the tokens used (role "number"/"unit"/...).
    ``text`` (the tokens' text, when the caller has it) lets a cheap substring test skip the
    search for numbers said without digits."""
    mentions: list[Mention] = []
    per_words = PerWords(tokens)
    for index, token in enumerate(tokens):
        if token.kind == "num" and token.role is None:
            mention = _classify(tokens, index, per_words)
            if mention is not None:
                mentions.append(mention)
    if text is None or _HALF in text or "วัน" in text:  # "ครึ่งกิโล", "ทั้งวัน", "วันเต็ม"
        mentions.extend(_unitless_halves(tokens))
    if text is None or "ไม่มี" in text or "คนเดียว" in text:
        mentions.extend(_said_without_digits(tokens))
    mentions.sort(key=lambda m: m.index)
    return mentions


def _classify(tokens: list[Token], index: int, per_words: PerWords) -> Mention | None:
    token = tokens[index]
    labels = labels_before(tokens, index)
    after = next_index(tokens, index)
    if after is not None and tokens[after].role == "approx":
        after = next_index(tokens, after)  # "พันกว่าบาท": the currency is after "กว่า"
    after_token = tokens[after] if after is not None else None
    before = previous_index(tokens, index)
    before_token = tokens[before] if before is not None else None
    if token.weak and not (
        labels
        or is_unit_word(after_token)
        or is_currency_word(after_token)
        or is_per(before_token)
        or _after_counted_unit(tokens, before)
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
    if is_per(before_token) and before is not None and not is_unit_word(after_token):
        mention.kind = "unit_price"
        mention.unit = unit_before_per(tokens, before)
        _consume_currency(tokens, after)
        return mention
    if after is not None and after_token is not None and is_currency_word(after_token):
        return _money(tokens, mention, after)
    if after is not None and after_token is not None and is_unit_word(after_token):
        return _with_unit(tokens, mention, after)
    if (
        after is not None
        and after_token is not None
        and after_token.kind == "word"
        and after_token.role is None
        and (per_words.has(after_token.text) or looks_like_count_word(tokens, after))
    ):
        return _with_unit(
            tokens, mention, after, units.Unit(after_token.text, "product", known=False)
        )
    if (
        after is not None
        and after_token is not None
        and after_token.text == "/"
        and mention.value is not None
    ):
        return _out_of(tokens, mention, after)
    if "hours" in labels and mention.value is not None:
        mention.kind = "hours"
        mention.unit = units.HOUR
    return mention


def _after_counted_unit(tokens: list[Token], before: int | None) -> bool:
    """ "3 แพ็คร้อย": a lone number word right after "<number> <unit>" is a price for them."""
    if before is None or not is_unit_word(tokens[before]):
        return False
    number = previous_index(tokens, before)
    return number is not None and tokens[number].kind == "num"


def _out_of(tokens: list[Token], mention: Mention, slash: int) -> Mention:
    """ "ประชุมสมาชิก 12/25 คน": 12 of 25 came."""
    total = next_index(tokens, slash)
    unit = next_index(tokens, total) if total is not None else None
    if (
        total is None
        or unit is None
        or tokens[total].kind != "num"
        or tokens[total].value is None
        or not is_unit_word(tokens[unit])
        or (units.lookup(tokens[unit].text) or units.HOUR).kind != "people"
    ):
        return mention
    tokens[slash].role = "unit"
    tokens[total].role = "number"
    mention.labels.add("attend")
    return mention


def _money(tokens: list[Token], mention: Mention, currency: int) -> Mention:
    tokens[currency].role = "currency"
    mention.kind = "money"
    if tokens[currency].text in money.SATANG_WORDS and mention.value is not None:
        mention.value = mention.value / 100
        return mention
    per = next_index(tokens, currency)
    # "12 บาท 50 สตางค์" = 12.50
    satang = next_index(tokens, per) if per is not None else None
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
        unit_index = next_index(tokens, per)
        if unit_index is not None and is_unit_word(tokens[unit_index]):
            tokens[per].role = "unit"
            tokens[unit_index].role = "unit"
            mention.kind = "unit_price"
            mention.unit = units.lookup(tokens[unit_index].text)
    return mention


def _with_unit(
    tokens: list[Token], mention: Mention, unit_index: int, unit: units.Unit | None = None
) -> Mention:
    unit = unit or units.lookup(tokens[unit_index].text)
    if unit is None:  # the caller checked; kept total for mypy
        return mention
    tokens[unit_index].role = "unit"
    mention.unit = unit
    half = next_index(tokens, unit_index)
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


def _consume_currency(tokens: list[Token], index: int | None) -> None:
    if index is not None and is_currency_word(tokens[index]):
        tokens[index].role = "currency"


def _unitless_halves(tokens: list[Token]) -> list[Mention]:
    """ "ครึ่งกิโล", "กิโลครึ่ง", "ครึ่งวัน", "ทั้งวัน": amounts said without a digit."""
    found: list[Mention] = []
    for index, token in enumerate(tokens):
        if token.role not in (None, "keyword") or token.kind != "word":
            continue  # "ชั่วโมง" is also a work keyword
        if token.text in _WHOLE_DAY:
            token.role = "unit"
            # a word, not a typed number: "ขายได้ 300 ทั้งวัน" is a comment on a sale
            found.append(
                Mention(
                    "hours", units.DAY.to_hours(Decimal(1)), index, unit=units.DAY, synthetic=True
                )
            )
            continue
        if token.text == _HALF:
            after = next_index(tokens, index)
            if (
                after is not None
                and tokens[after].role in (None, "keyword")
                and is_unit_word(tokens[after])
            ):
                found.append(_half(tokens, index, after, _HALF_VALUE))
            continue
        unit = units.lookup(token.text)
        after = next_index(tokens, index)
        if unit is not None and after is not None and tokens[after].text == _HALF:
            before = previous_index(tokens, index)
            if before is None or tokens[before].kind != "num":
                found.append(_half(tokens, after, index, Decimal("1.5")))
    return found


# "ไม่มีรายรับ" is a zero income, "ไม่มีรายจ่าย" zero expenses: said without a digit.
_NONE_OF: Final[dict[str, Label]] = {
    "รายรับ": "income", "รายได้": "income", "รายจ่าย": "expenses", "ค่าใช้จ่าย": "expenses",
}  # fmt: skip
_ALONE: Final = frozenset({"คนเดียว"})  # "มาคนเดียว": one person


def _said_without_digits(tokens: list[Token]) -> list[Mention]:
    found: list[Mention] = []
    for index, token in enumerate(tokens):
        if token.kind != "word":
            continue
        if token.text in _ALONE:
            token.role = "unit"
            found.append(Mention("people", Decimal(1), index, unit=units.lookup("คน")))
            continue
        label = _NONE_OF.get(token.text)
        if label is None:
            continue
        before = previous_index(tokens, index)
        said = tokens[before].text if before is not None else ""
        if said == "มี" and before is not None:
            earlier = previous_index(tokens, before)
            said = (tokens[earlier].text if earlier is not None else "") + said
        if said == "ไม่มี":
            found.append(Mention("bare", Decimal(0), index, labels={label}, synthetic=True))
    return found


def _half(tokens: list[Token], half: int, unit_index: int, value: Decimal) -> Mention:
    tokens[half].role = "number"
    mention = _with_unit(tokens, Mention("bare", value, min(half, unit_index)), unit_index)
    mention.synthetic = mention.unit is units.DAY  # "ครึ่งวัน": a word, like "ทั้งวัน"
    return mention
