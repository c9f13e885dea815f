"""Typo tolerance: keywords of five to ten characters found at edit distance 1 ("ประชม" →
ประชุม, "ลงพื้นทื่" → ลงพื้นที่), and a short verb slipped as the first word ("ขยไข่เค็ม").

Its own module because the search has its own index (a deletion neighbourhood built once from
the keyword table) and its own guards against real words one edit away ("คนสั่ง" ~ คำสั่ง,
"ช่วยบัน(ทึก)" ~ ช่วยกัน); `intents.find_keywords` calls it only when no keyword is strong."""

from __future__ import annotations

from typing import Final

from bot.nlu.keywords import BY_TEXT, KEYWORDS, Hit, is_weak, negated_at
from bot.nlu.tokens import Token, is_dictionary_word

_FUZZY_MIN_LENGTH: Final = 5
# Long compounds ("ได้เงินช่วยเหลือ") and weak hints are not guessed from typos: the shorter
# defining keyword inside them is, and each indexed keyword widens the windows tried.
_FUZZY_MAX_LENGTH: Final = 10
_FUZZY_MIN_WEIGHT: Final = 15

# Short defining verbs are too short for the typo index (one edit from many words), but a
# slip of one of them as the first word, followed by more words, is plain: "ขยไข่เค็ม 30 ฟอง".
_SHORT_VERBS: Final = ("ขาย", "ซื้อ", "จ่าย")


def short_typo(tokens: list[Token], starts: list[int]) -> list[Hit]:
    first = next((i for i, t in enumerate(tokens) if t.kind != "space"), None)
    if first is None or first + 1 >= len(tokens):
        return []
    token = tokens[first]
    if token.kind != "word" or not 2 <= len(token.text) <= 4 or is_dictionary_word(token.text):
        return []
    if tokens[first + 1].kind != "word":
        return []
    for verb in _SHORT_VERBS:
        if within_one_edit(token.text, verb):
            return [Hit(BY_TEXT[verb], starts[first], starts[first] + len(token.text), False, True)]
    return []


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _build_fuzzy_index() -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for keyword in KEYWORDS:
        text = keyword.text
        weight = max((w for i, w in keyword.scores if i != "unknown"), default=0)
        if (
            not _FUZZY_MIN_LENGTH <= len(text) <= _FUZZY_MAX_LENGTH
            or not text[0] >= "\u0e00"
            or keyword.negative
            or weight < _FUZZY_MIN_WEIGHT
        ):
            continue  # each indexed keyword costs windows on every message that has typos
        for variant in {text, *_deletions(text)}:
            index.setdefault(variant, set()).add(text)
    return index


_FUZZY_INDEX: Final = _build_fuzzy_index()
# Window lengths worth trying from a given first character, longest first: the lengths ± 1 of
# the indexed keywords that start with it, or with the character a one-letter slip at the
# start would leave ("ระชุม" for ประชุม is not caught; such slips are rare, and trying every
# length at every word costs ~30 µs).
_FUZZY_LENGTHS_BY_FIRST: Final[dict[str, tuple[int, ...]]] = {
    first: tuple(
        sorted(
            {
                len(k) + d
                for ks in _FUZZY_INDEX.values()
                for k in ks
                if first in (k[0], k[1:2])
                for d in (-1, 0, 1)
            },
            reverse=True,
        )
    )
    for first in {c for ks in _FUZZY_INDEX.values() for k in ks for c in k[:2]}
}
_FUZZY_MAX_TOKENS: Final = 80  # typo search only looks at the start of long messages


def _ends_inside_a_word(tokens: list[Token], starts: list[int], end: int) -> bool:
    for start, token in zip(starts, tokens, strict=True):
        if start < end < start + len(token.text):
            return token.kind == "word" and len(token.text) > 2 and is_dictionary_word(token.text)
    return False


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance ≤ 1 (insert, delete or substitute one character)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def _fuzzy_candidates(window: str) -> set[str]:
    found: set[str] = set()
    for variant in (window, *_deletions(window)):
        found |= _FUZZY_INDEX.get(variant, set())
    return {k for k in found if within_one_edit(window, k)}


def fuzzy_hits(
    tokens: list[Token], starts: list[int], joined: str, covered_by: list[Hit]
) -> list[Hit]:
    """Typo hits: windows that start where a word token starts (typos rarely move the start
    of a word, but they do make newmm cut it elsewhere: "ลงพื้นทื่ติดตาม" → ลงพื้น/ทื่ติด/ตาม)."""
    # A weak exact keyword does not block a typo of a longer keyword that begins with it:
    # "ทำงาณ" is ทำงาน, not ทำ (but "สอนมา" is สอน, not a slip of โอนมา).
    weak = {(h.start, h.keyword.text) for h in covered_by if is_weak(h)}
    taken = [(h.start, h.end) for h in covered_by if not is_weak(h)]
    hits: list[Hit] = []
    first_word = next((starts[i] for i, t in enumerate(tokens) if t.kind != "space"), 0)
    for index in range(min(len(tokens), _FUZZY_MAX_TOKENS)):
        start = starts[index]
        if tokens[index].kind != "word" or any(s <= start < e for s, e in taken):
            continue
        for length in _FUZZY_LENGTHS_BY_FIRST.get(joined[start], ()):
            window = joined[start : start + length]
            if len(window) < length or " " in window or window in BY_TEXT:
                continue
            candidates = _fuzzy_candidates(window)
            if candidates and _ends_inside_a_word(tokens, starts, start + length):
                # a window may end inside a token newmm cut oddly around the typo ("ทื่ติด"),
                # not inside a real word: "ขอบคุณที่ช่วยบันทึก" has ช่วยบัน, one from ช่วยกัน
                continue
            if start != first_word:
                # a command is guessed from a typo only where commands are typed, at the
                # start: "มีคนสั่งของ" has คนสั่ง, one letter from คำสั่ง
                candidates = {k for k in candidates if not BY_TEXT[k].command}
            over = [text for at, text in weak if at == start]
            if over:
                candidates = {
                    k for k in candidates if any(k.startswith(t) and k != t for t in over)
                }
            if candidates:
                keyword = BY_TEXT[min(candidates, key=lambda k: (-len(k), k))]
                end = start + length
                hits.append(Hit(keyword, start, end, negated_at(joined, start, end), fuzzy=True))
                taken.append((start, end))
                break
    return hits
