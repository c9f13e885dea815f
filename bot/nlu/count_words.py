"""Count words and unit prices: "ตัวละ 15", "ฟองๆละ 5", "@15", and the count words a message
uses without the parser knowing them ("ขายปลาร้า ๒ ไห ไหละ ๓๐๐": ไห is read as a unit, and
asked about, never dropped).

Apart from `figures` because a unit the message makes up is found from the whole message
(where it is used in a price), not from the tokens next to one number."""

from __future__ import annotations

import re
from typing import Final

from bot.nlu import lexicon, units
from bot.nlu.neighbours import next_index, previous_index
from bot.nlu.number_labels import LABELS
from bot.nlu.tokens import Token, is_currency_word, is_unit_word

_PER: Final = frozenset({"ละ", "ๆละ"})

_COUNT_WORD: Final = re.compile(r"[\u0e01-\u0e4e]{1,4}")


def looks_like_count_word(tokens: list[Token], index: int) -> bool:
    """ "ขายปลาร้า 2 ไห 600 บาท": a short word between a number and the next number (or the
    end) is a count word; an unknown one is read as a unit and asked about, never dropped.
    Labels ("มา 17 ลา 3"), fillers ("300 แล้ว") and product names are not."""
    word = tokens[index].text
    if (
        not _COUNT_WORD.fullmatch(word)
        or word in LABELS
        or word in lexicon.NOT_COUNT_WORDS
        or word in lexicon.PRODUCTS
    ):
        return False
    following = next_index(tokens, index)
    return (
        following is None or tokens[following].kind == "num" or is_currency_word(tokens[following])
    )


# "วันละ 100", "เดือนละ 5,000": a rate per time, never an unknown count word.
_TIME_WORDS: Final = frozenset({"วัน", "เดือน", "ปี", "อาทิตย์", "สัปดาห์", "ครั้ง", "รอบ", "คน"})


class PerWords:
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
            before = previous_index(tokens, index)
            if before is not None and tokens[before].kind == "repeat":
                before = previous_index(tokens, before)
            if (
                before is not None
                and tokens[before].kind == "word"
                and len(tokens[before].text) <= 6
                and tokens[before].text not in _TIME_WORDS
            ):
                found.add(tokens[before].text)
    return frozenset(found)


def is_per(token: Token | None) -> bool:
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


def unit_before_per(tokens: list[Token], per: int) -> units.Unit | None:
    """The unit of "ตัวละ", "ฟอง ๆ ละ", "กิโล ละ", "ไหละ"; marks the tokens used."""
    tokens[per].role = "unit"
    glued = units.unit_price_token(tokens[per].text)
    if glued is not None:
        return glued
    if tokens[per].text.endswith("ละ") and len(tokens[per].text) > 2:
        return units.Unit(tokens[per].text.removesuffix("ละ").rstrip("ๆ"), "product", known=False)
    previous = previous_index(tokens, per)
    if previous is not None and tokens[previous].kind == "repeat":
        tokens[previous].role = "unit"
        previous = previous_index(tokens, previous)
    if previous is not None and is_unit_word(tokens[previous]):
        tokens[previous].role = "unit"
        return units.lookup(tokens[previous].text)
    if previous is not None and tokens[previous].kind == "word" and tokens[previous].role is None:
        tokens[previous].role = "unit"  # "ไห ละ 300": a count word of the message's own
        return units.Unit(tokens[previous].text, "product", known=False)
    return None
