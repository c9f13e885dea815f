"""Cut a normalised message into typed tokens: Thai words, numbers, spaces, punctuation.

newmm finds the Thai word boundaries ("ขายไข่เค็ม50ฟองๆละ5บาท" → ขาย/ไข่เค็ม/50/ฟอง/ๆ/ละ/5/บาท);
everything after it works on whole tokens, which is what keeps a syllable inside a longer word
from being read as a number or a unit. Then, in order:

1. abbreviations split from their dot are re-joined ("บ" + "." → "บ."),
2. "1.5k", "1/2" and runs of number words ("สอง", "พัน", "ห้า"; "3 หมื่น 2") become one number,
3. polite particles, laughter ("555" not followed by a unit or currency) and stray
   wrong-keyboard-layout digits are dealt with.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

# pythainlp is imported only after bot/nlu/__init__.py has set PYTHAINLP_READ_ONLY/OFFLINE
# (a package's __init__ always runs before its submodules).
from pythainlp.corpus.common import thai_words
from pythainlp.tokenize import newmm

from bot.nlu import money, numbers, units
from bot.nlu.dictionary import CompactTrie
from bot.nlu.normalize import is_particle

TokenKind = Literal["word", "num", "space", "punct", "latin", "repeat"]


@dataclass(slots=True)
class Token:
    kind: TokenKind
    text: str
    value: Decimal | None = None  # for "num"
    # A lone number word ("ร้อย", "นึง", "สาม"): "ร้อยพวงมาลัย" is stringing garlands and
    # "วันนึง" is "one day", so such a number only counts next to a unit, currency or label.
    weak: bool = False
    approx: bool = False  # "พันกว่า", "500 กว่า": more than, amount unknown
    unclear: bool = False  # a number run that cannot be read ("ร้อยห้า", "สองสาม")
    role: str | None = None  # what consumed the token (keyword, unit, label...), set later


_THAI_RUN: Final = re.compile(r"[\u0e00-\u0e7f]+")
# Fallback segmentation for the non-Thai parts newmm hands back in one piece.
# "2,1000" is a slip (2,100? 21,000?), not 2,100 and 0: a digit group of four or more after
# a comma makes the whole run one unreadable number. "50,60" stays a list of two numbers.
_SEGMENT: Final = re.compile(
    r"(?P<bad>[0-9]+(?:,[0-9]+)*,[0-9]{4,}(?:[,.][0-9]+)*)"
    r"|(?P<num>[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?)|(?P<thai>[\u0e00-\u0e7f]+)"
    r"|(?P<latin>[A-Za-z]+)|(?P<space>\s+)|(?P<other>.)",
    re.S,
)
# Thai abbreviations that newmm may cut from their final dot.
_ABBREVIATIONS: Final = frozenset({"บ.", "กก.", "ชม.", "สต.", "น.", "ช.ม.", "กิโลฯ."})

# The Thai keyboard puts ๅ/-ภถุึคตจ on the digit keys 1–0; "ถจ" typed with the wrong layout
# is "50". Only these whole tokens are converted, and only when they stand alone (see below):
# "ค", "ต", "จ" begin many real words.
_LAYOUT_DIGITS: Final = str.maketrans("ๅภถคตจ", "145890")
_LAYOUT_TOKEN: Final = re.compile(r"[ๅภถคตจ]{2,6}")
_LAYOUT_WORDS: Final = frozenset({"ตค"})  # made of those letters but a word: ต.ค. undotted
_LAUGH_DIGITS: Final = re.compile(r"5{3,}")
_K_SUFFIX: Final = frozenset({"k", "K"})
_APPROX_AFTER: Final = frozenset({"กว่า", "กว่าๆ", "ปลายๆ", "เศษ"})


def tokenize(text: str) -> list[Token]:
    """Typed tokens of an already normalised message."""
    tokens = _raw_tokens(text)
    tokens = _join_abbreviations(tokens)
    tokens = _assemble_numbers(tokens)
    _drop_noise(tokens)
    return tokens


def significant(tokens: list[Token], start: int, step: int = 1) -> Iterator[int]:
    """Indices of non-space tokens from ``start`` (inclusive) in direction ``step``."""
    index = start
    while 0 <= index < len(tokens):
        if tokens[index].kind != "space":
            yield index
        index += step


def next_significant(tokens: list[Token], index: int) -> Token | None:
    for following in range(index + 1, len(tokens)):
        if tokens[following].kind != "space":
            return tokens[following]
    return None


def previous_significant(tokens: list[Token], index: int) -> Token | None:
    for preceding in range(index - 1, -1, -1):
        if tokens[preceding].kind != "space":
            return tokens[preceding]
    return None


def is_unit_word(token: Token | None) -> bool:
    return (
        token is not None
        and token.kind in ("word", "latin")
        and units.lookup(token.text) is not None
    )


def is_currency_word(token: Token | None) -> bool:
    return token is not None and token.kind != "num" and money.is_currency(token.text)


# --- stage 1: segmentation -------------------------------------------------------------


@functools.cache
def _dictionary() -> CompactTrie:
    """newmm's bundled word list plus every Thai unit spelling and its "<unit>ละ" form.

    Without them newmm cuts "แพค" into แพ/ค and "แพคละ" into แพ/คละ. Built on first use
    (~0.1 s), then shared. A `CompactTrie`, not pythainlp's `Trie`: same segmentation,
    ~2 MiB instead of ~63 MiB; the word list itself stays pythainlp's one cached copy.
    """
    spellings = {word for word in units.UNITS if _THAI_RUN.fullmatch(word)}
    per_unit = {
        word + "ละ"
        for word, unit in units.UNITS.items()
        if _THAI_RUN.fullmatch(word) and unit.kind in ("product", "land")
    }
    return CompactTrie(thai_words(), spellings | per_unit | _EXTRA_WORDS)


# Words newmm's list lacks and cuts wrongly: "ประชุมวันไหนคะ" became วัน/ไห/นคะ ("นคะ" is in
# the list), losing the question word.
_EXTRA_WORDS: Final = frozenset({"วันไหน", "ตอนไหน", "เดือนไหน"})


def is_dictionary_word(text: str) -> bool:
    """Whether ``text`` is a word of the segmentation dictionary (a real Thai word)."""
    return text in _dictionary()


def _raw_tokens(text: str) -> list[Token]:
    if not text:
        return []
    # newmm.segment is what word_tokenize(engine="newmm") calls. Calling it directly saves the
    # wrapper's ~15 µs of post-processing (re-joining broken numbers, whitespace options):
    # newmm already keeps "1,500.50" whole and _SEGMENT below handles the non-Thai pieces.
    pieces = newmm.segment(text, _dictionary())
    if "".join(pieces) != text:  # newmm never did this in testing; stay correct if it does
        pieces = [text]
    tokens: list[Token] = []
    for piece in pieces:
        if _THAI_RUN.fullmatch(piece):
            tokens.append(Token("repeat" if piece == "ๆ" else "word", piece))
            continue
        for match in _SEGMENT.finditer(piece):
            kind = match.lastgroup
            chunk = match.group()
            if kind == "num":
                tokens.append(Token("num", chunk, value=numbers.parse_digits(chunk)))
            elif kind == "bad":
                tokens.append(Token("num", chunk, unclear=True))
            elif kind == "thai":
                tokens.append(Token("repeat" if chunk == "ๆ" else "word", chunk))
            elif kind == "latin":
                tokens.append(Token("latin", chunk))
            elif kind == "space":
                tokens.append(Token("space", " "))
            else:
                tokens.append(Token("punct", chunk))
    return tokens


def _join_abbreviations(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        if (
            token.kind == "punct"
            and token.text == "."
            and out
            and out[-1].kind == "word"
            and out[-1].text + "." in _ABBREVIATIONS
        ):
            out[-1].text += "."
            continue
        out.append(token)
    return out


# --- stage 2: numbers ------------------------------------------------------------------


def _word_atoms(token: Token) -> list[str] | None:
    if token.kind != "word" or token.text[:1] not in numbers.NUMBER_WORD_INITIALS:
        return None  # cheap filter: most words cannot start a number word
    return numbers.split_number_words(token.text)


def _assemble_numbers(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "num" and token.value is not None:
            index = _digits_number(tokens, index, token.value, out)
            continue
        if _word_atoms(token) is not None:
            index = _number_run(tokens, index, [], out)
            continue
        out.append(token)
        index += 1
    return out


def _skip_one_space(tokens: list[Token], index: int) -> int:
    """``index`` itself, or the index after it when that token is a single space."""
    if index < len(tokens) and tokens[index].kind == "space":
        return index + 1
    return index


def _digits_number(tokens: list[Token], index: int, value: Decimal, out: list[Token]) -> int:
    """The number ``value`` typed in digits at ``index``; returns the index after it."""
    token = tokens[index]
    after = index + 1
    # "1.5k" = 1,500
    if after < len(tokens) and tokens[after].kind == "latin" and tokens[after].text in _K_SUFFIX:
        out.append(Token("num", token.text + tokens[after].text, value=value * 1000))
        return after + 1
    # "1/2 กิโล" = half a kilo (dates like 15/10 were taken out before tokenizing)
    if (
        after + 1 < len(tokens)
        and tokens[after].text == "/"
        and tokens[after + 1].kind == "num"
        and tokens[after + 1].value in (Decimal(2), Decimal(4))
        and value < (tokens[after + 1].value or 0)
        and value == value.to_integral_value()
    ):
        denominator = tokens[after + 1].value or Decimal(1)
        text = token.text + "/" + tokens[after + 1].text
        out.append(Token("num", text, value=value / denominator))
        return after + 2
    # "2 พัน", "3 หมื่น 2", "1.5 หมื่น": digits followed by a multiplier word.
    following = _skip_one_space(tokens, after)
    atoms = _word_atoms(tokens[following]) if following < len(tokens) else None
    if atoms and numbers.is_multiplier(atoms[0]):
        return _number_run(tokens, following, [value], out, first_text=token.text)
    out.append(token)
    return after


def _number_run(
    tokens: list[Token],
    index: int,
    atoms: list[numbers.Atom],
    out: list[Token],
    first_text: str = "",
) -> int:
    """Absorb number-word tokens (and digits right after a multiplier) from ``index``."""
    texts = [first_text] if first_text else []
    word_tokens = 0
    while index < len(tokens):
        word_atoms = _word_atoms(tokens[index])
        if word_atoms is not None:
            atoms.extend(word_atoms)
            texts.append(tokens[index].text)
            word_tokens += 1
            index += 1
            # allow one space between pieces: "3 หมื่น 2", "สอง พัน"
            candidate = _skip_one_space(tokens, index)
            if candidate < len(tokens) and _continues_run(tokens, candidate, atoms):
                index = candidate
                continue
            break
        token = tokens[index]
        if token.kind == "num" and token.value is not None and numbers.is_multiplier(atoms[-1]):
            atoms.append(token.value)
            texts.append(token.text)
            index += 1
            candidate = _skip_one_space(tokens, index)
            if candidate < len(tokens) and _word_atoms(tokens[candidate]):
                index = candidate
                continue
        break
    reading = numbers.read_number(atoms)
    lone_word = not first_text and word_tokens == 1 and len(atoms) == 1
    out.append(
        Token(
            "num",
            " ".join(texts),
            value=reading.value,
            weak=lone_word,
            unclear=reading.ambiguous,
        )
    )
    return index


def _continues_run(tokens: list[Token], index: int, atoms: list[numbers.Atom]) -> bool:
    token = tokens[index]
    if _word_atoms(token) is not None:
        return True
    if token.kind != "num" or token.value is None or not numbers.is_multiplier(atoms[-1]):
        return False
    # "3 หมื่น 2" continues; "2 พัน 30 ฟอง" does not: the 30 is a quantity of its own.
    return not is_unit_word(next_significant(tokens, index))


# --- stage 3: noise ----------------------------------------------------------------------


def _drop_noise(tokens: list[Token]) -> None:
    """Blank particles and laughter, convert stray layout digits, mark "กว่า"; in place."""
    following = _next_significant_indices(tokens)
    for index, token in enumerate(tokens):
        if token.kind == "word":
            after_index = following[index]
            after = tokens[after_index] if after_index is not None else None
            raw_next = tokens[index + 1].text if index + 1 < len(tokens) else None
            if is_particle(token.text, raw_next, after.text if after else None):
                _blank(token)
            elif token.text in _APPROX_AFTER:
                before = previous_significant(tokens, index)
                if before is not None and before.kind == "num":
                    before.approx = True
                    token.role = "approx"
            elif _LAYOUT_TOKEN.fullmatch(token.text) and _stands_alone(tokens, index):
                converted = token.text.translate(_LAYOUT_DIGITS)
                token.kind = "num"
                token.value = numbers.parse_digits(converted)
        elif token.kind == "num" and _LAUGH_DIGITS.fullmatch(token.text):
            after_index = following[index]
            after = tokens[after_index] if after_index is not None else None
            if not (is_currency_word(after) or is_unit_word(after)):
                _blank(token)
                if index + 1 < len(tokens) and tokens[index + 1].text == "+":
                    _blank(tokens[index + 1])


def _next_significant_indices(tokens: list[Token]) -> list[int | None]:
    """For each position, the index of the next non-space token after it (one backward pass)."""
    result: list[int | None] = [None] * len(tokens)
    upcoming: int | None = None
    for index in range(len(tokens) - 1, -1, -1):
        result[index] = upcoming
        if tokens[index].kind != "space":
            upcoming = index
    return result


def _stands_alone(tokens: list[Token], index: int) -> bool:
    """A wrong-layout number is believed only as its own word followed by a unit or money
    word, or alone between spaces, and never when it is just laughter ("ถถ")."""
    text = tokens[index].text
    if set(text) == {"ถ"} or text in _LAYOUT_WORDS:
        return False
    before = tokens[index - 1] if index > 0 else None
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if before is not None and before.kind not in ("space", "punct"):
        return False
    following = next_significant(tokens, index)
    if is_unit_word(following) or is_currency_word(following):
        return True
    return after is None or after.kind in ("space", "punct")


def _blank(token: Token) -> None:
    token.kind = "space"
    token.text = " "
    token.value = None
