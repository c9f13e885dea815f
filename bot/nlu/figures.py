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

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

from bot.nlu import lexicon, money, units
from bot.nlu.tokens import (
    Token,
    is_currency_word,
    is_unit_word,
    significant,
)

MentionKind = Literal["money", "quantity", "unit_price", "people", "hours", "times", "bare"]
Label = Literal[
    "money", "total", "income", "expenses", "balance", "attend", "absent", "members", "sales",
    "gender", "hours",
]  # fmt: skip

# Words just before a number that say what it is (matched as a suffix of the 1–3 words
# before it, so "สมาชิก"+"มา" and "สมาชิกมา" both end in "มา").
_LABELS: Final[dict[str, Label]] = {
    "รายรับ": "income", "รายได้": "income", "รับ": "income", "รับเงิน": "income", "ได้รับ": "income",
    "รายจ่าย": "expenses", "ค่าใช้จ่าย": "expenses", "จ่าย": "expenses", "จ่ายไป": "expenses",
    "ใช้จ่าย": "expenses", "ใช้ไป": "expenses",
    "คงเหลือ": "balance", "เหลือ": "balance", "ยกไป": "balance",
    "รวม": "total", "ทั้งหมด": "total", "เป็นเงิน": "total", "ยอดรวม": "total", "รวมเป็น": "total",
    "ได้": "money", "ได้เงิน": "money", "ราคา": "money", "ยอด": "money", "เงิน": "money",
    "มา": "attend", "ผู้เข้าร่วม": "attend", "เข้าร่วม": "attend", "เข้าประชุม": "attend",
    "เข้าอบรม": "attend", "ผู้เข้าอบรม": "attend", "มาประชุม": "attend", "มาร่วม": "attend",
    "สมาชิกมา": "attend", "คนมา": "attend", "ครัวเรือนมา": "attend", "สมาชิกมาประชุม": "attend",
    "ไม่มา": "absent", "ไม่มาประชุม": "absent", "ไม่ได้มา": "absent", "ขาด": "absent",
    "ขาดประชุม": "absent", "ลา": "absent", "ลาประชุม": "absent",
    # money in and out, as treasurers and households say it
    "เงินเข้า": "income", "รับมา": "income", "ได้รับมา": "income", "รายรับรวม": "income",
    "เงินออก": "expenses", "ออก": "expenses", "จ่ายออก": "expenses", "ต้นทุน": "expenses",
    "ยอดคงเหลือ": "balance", "เงินคงเหลือ": "balance", "เหลือเงิน": "balance",
    "ยอดขาย": "sales", "ขายได้": "sales",
    "ได้มา": "money", "เงินมา": "money", "ได้เงินมา": "money", "จ่ายมา": "money",
    "โอนมา": "money", "ให้": "money", "ได้ตังค์": "money", "ตังค์": "money",
    # head counts
    "สมาชิกไป": "attend", "ไป": "attend", "มากัน": "attend", "มาครบ": "attend",
    "มากันครบ": "attend", "มาทั้งหมด": "attend", "มีคนมา": "attend", "คนมาเรียน": "attend",
    "ครัวเรือนเข้าร่วม": "attend", "สมาชิกเข้าร่วม": "attend", "เข้าร่วมประชุม": "attend",
    "ผู้เข้าประชุม": "attend", "มาช่วย": "attend", "สมาชิกมาช่วย": "attend",
    "สมาชิกทั้งหมด": "members", "มีสมาชิก": "members", "สมาชิกมีทั้งหมด": "members",
    "จาก": "members",  # "19 จาก 20 ครัวเรือน": 20 is how many there are
    "ผู้ชาย": "gender", "ชาย": "gender", "ผู้หญิง": "gender", "หญิง": "gender",
    "ชม.ทำงาน": "hours", "ชั่วโมงทำงาน": "hours", "ชม.": "hours", "ชั่วโมง": "hours",
}  # fmt: skip
# Words that may trail a label without changing it: "รายได้รวม", "ยอดขายทั้งเดือน",
# "เงินเข้ากลุ่ม". A label alone ("รวม 300") keeps its own meaning.
_LABEL_FILLERS: Final = ("ทั้งหมด", "ทั้งสิ้น", "ทั้งเดือน", "ทั้ง", "รวม", "ของกลุ่ม", "กลุ่ม")
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
    per_words = _PerWords(tokens)
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


def _classify(tokens: list[Token], index: int, per_words: _PerWords) -> Mention | None:
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
    if _is_per(before_token) and before is not None and not is_unit_word(after_token):
        mention.kind = "unit_price"
        mention.unit = _unit_before_per(tokens, before)
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
        and (per_words.has(after_token.text) or _looks_like_count_word(tokens, after))
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
    number = _previous(tokens, before)
    return number is not None and tokens[number].kind == "num"


_COUNT_WORD: Final = re.compile(r"[\u0e01-\u0e4e]{1,4}")


def _looks_like_count_word(tokens: list[Token], index: int) -> bool:
    """ "ขายปลาร้า 2 ไห 600 บาท": a short word between a number and the next number (or the
    end) is a count word; an unknown one is read as a unit and asked about, never dropped.
    Labels ("มา 17 ลา 3"), fillers ("300 แล้ว") and product names are not."""
    word = tokens[index].text
    if (
        not _COUNT_WORD.fullmatch(word)
        or word in _LABELS
        or word in lexicon.NOT_COUNT_WORDS
        or word in lexicon.PRODUCTS
    ):
        return False
    following = _next(tokens, index)
    return (
        following is None or tokens[following].kind == "num" or is_currency_word(tokens[following])
    )


# "วันละ 100", "เดือนละ 5,000": a rate per time, never an unknown count word.
_TIME_WORDS: Final = frozenset({"วัน", "เดือน", "ปี", "อาทิตย์", "สัปดาห์", "ครั้ง", "รอบ", "คน"})


class _PerWords:
    """`_per_words` computed on first use: most numbers are followed by a known unit."""

    __slots__ = ("_found", "_tokens")

    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._found: frozenset[str] | None = None

    def has(self, word: str) -> bool:
        if self._found is None:
            self._found = _per_words(self._tokens)
        return word in self._found


def _per_words(tokens: list[Token]) -> frozenset[str]:
    """Words the message itself uses as units in a price: "ไหละ 300", "ไห ละ 300" → {ไห}.
    A number followed by one of them is a quantity of that (unknown) unit, and asked about."""
    found: set[str] = set()
    for index, token in enumerate(tokens):
        if token.kind != "word":
            continue
        if _GLUED_PER.fullmatch(token.text) and units.unit_price_token(token.text) is None:
            word = token.text.removesuffix("ละ").rstrip("ๆ")
            if word not in _TIME_WORDS:
                found.add(word)
        elif token.text in _PER and index > 0:
            before = _previous(tokens, index)
            if before is not None and tokens[before].kind == "repeat":
                before = _previous(tokens, before)
            if (
                before is not None
                and tokens[before].kind == "word"
                and len(tokens[before].text) <= 6
                and tokens[before].text not in _TIME_WORDS
            ):
                found.add(tokens[before].text)
    return frozenset(found)


def _out_of(tokens: list[Token], mention: Mention, slash: int) -> Mention:
    """ "ประชุมสมาชิก 12/25 คน": 12 of 25 came."""
    total = _next(tokens, slash)
    unit = _next(tokens, total) if total is not None else None
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


def _with_unit(
    tokens: list[Token], mention: Mention, unit_index: int, unit: units.Unit | None = None
) -> Mention:
    unit = unit or units.lookup(tokens[unit_index].text)
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
    """ "ละ", "ๆละ", "@", or a glued unit-price token such as "ตัวละ"/"โลละ"/"ไหละ"."""
    if token is None:
        return False
    return (
        token.text in _PER
        or token.text == "@"
        or units.unit_price_token(token.text) is not None
        or (
            _GLUED_PER.fullmatch(token.text) is not None
            and token.text.removesuffix("ละ").rstrip("ๆ") not in _TIME_WORDS
        )
    )


# An unknown count word glued to ละ, as newmm leaves it: "ไหละ" (a short Thai word + ละ).
_GLUED_PER: Final = re.compile(r"[\u0e01-\u0e4e]{1,6}ๆ?ละ")


def _unit_before_per(tokens: list[Token], per: int) -> units.Unit | None:
    """The unit of "ตัวละ", "ฟอง ๆ ละ", "กิโล ละ", "ไหละ"; marks the tokens used."""
    tokens[per].role = "unit"
    glued = units.unit_price_token(tokens[per].text)
    if glued is not None:
        return glued
    if tokens[per].text.endswith("ละ") and len(tokens[per].text) > 2:
        return units.Unit(tokens[per].text.removesuffix("ละ").rstrip("ๆ"), "product", known=False)
    previous = _previous(tokens, per)
    if previous is not None and tokens[previous].kind == "repeat":
        tokens[previous].role = "unit"
        previous = _previous(tokens, previous)
    if previous is not None and is_unit_word(tokens[previous]):
        tokens[previous].role = "unit"
        return units.lookup(tokens[previous].text)
    if previous is not None and tokens[previous].kind == "word" and tokens[previous].role is None:
        tokens[previous].role = "unit"  # "ไห ละ 300": a count word of the message's own
        return units.Unit(tokens[previous].text, "product", known=False)
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
    words.reverse()
    # The longest label wins: "ได้เงินมา 350" is money, though "มา" alone would be a head count.
    for size in range(len(words), 0, -1):
        chosen = words[-size:]
        label = _label("".join(tokens[i].text for i in chosen))
        if label is not None:
            for i in chosen:
                tokens[i].role = "label"  # also keywords: "ผู้เข้าร่วม 25" is not a topic
            return {label}
    return set()


def _with_fillers() -> dict[str, Label]:
    """Every label with up to two fillers after it ("รายได้รวม", "เงินเข้ากลุ่มทั้งหมด"): one
    dict look-up per candidate instead of trying each filler."""
    forms: dict[str, Label] = {}
    for text, label in _LABELS.items():
        for first in ("", *_LABEL_FILLERS):
            for second in ("", *_LABEL_FILLERS):
                forms.setdefault(text + first + second, label)
    forms.update(_LABELS)  # a label that ends like a filler keeps its own meaning
    return forms


_LABEL_FORMS: Final = _with_fillers()


def _label(text: str) -> Label | None:
    return _LABEL_FORMS.get(text)


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
        before = _previous(tokens, index)
        said = tokens[before].text if before is not None else ""
        if said == "มี" and before is not None:
            earlier = _previous(tokens, before)
            said = (tokens[earlier].text if earlier is not None else "") + said
        if said == "ไม่มี":
            found.append(Mention("bare", Decimal(0), index, labels={label}, synthetic=True))
    return found


def _half(tokens: list[Token], half: int, unit_index: int, value: Decimal) -> Mention:
    tokens[half].role = "number"
    mention = _with_unit(tokens, Mention("bare", value, min(half, unit_index)), unit_index)
    mention.synthetic = mention.unit is units.DAY  # "ครึ่งวัน": a word, like "ทั้งวัน"
    return mention
