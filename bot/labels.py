"""Button captions: at most 20 characters (`REPLY_LIMITS.label`, LINE's limit for a quick-reply label), shortened
between Thai words with "…" rather than cut mid-word ("กลุ่มทอผ้าไหมบ้าน…", never
"กลุ่มทอผ้าไหมบ้านนาด"). Typing a shortened caption chooses the same option as tapping it:
`label_matches` is how a choice reads what was typed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from bot.messages import REPLY_LIMITS

MAX_LABEL = REPLY_LIMITS.label
ELLIPSIS = "…"
_TYPED_ELLIPSES = ("…", "...", "..")


def _words(text: str) -> list[str]:
    """Thai words and the spaces between them, by the same dictionary the parser uses."""
    from pythainlp.tokenize import newmm

    # The parser's compact dictionary (built once per process, shared), not pythainlp's
    # default one, which would cost another ~60 MiB.
    from bot.nlu.tokens import _dictionary

    pieces = newmm.segment(text, _dictionary())
    return pieces if "".join(pieces) == text else [text]


def _cut_in_word(text: str, limit: int) -> str:
    """A single long word: cut it, but never between a consonant and its vowel or tone mark."""
    cut = limit
    while cut > 1 and unicodedata.category(text[cut]) == "Mn":
        cut -= 1
    return text[:cut]


def _head(words: Sequence[str], room: int) -> str:
    kept = ""
    for word in words:
        if len(kept) + len(word) > room:
            break
        kept += word
    return kept.rstrip()


def short_label(text: str, limit: int = MAX_LABEL) -> str:
    """`text` whole if it fits in `limit` characters, else its first words and "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    head = _head(_words(text), room) or _cut_in_word(text, room)
    # Spaces separate names ("คำปุ่น มีสุข"): rather end at one than inside a surname.
    space = head.rfind(" ")
    if space >= room // 2 and text[len(head) : len(head) + 1] != " ":
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def short_labels(texts: Sequence[str], limit: int = MAX_LABEL) -> list[str]:
    """Captions for a list of options. Options that would read the same once shortened (two
    groups named alike) keep their first and last words instead: "กลุ่มไข่…ลูกหม่อน"."""
    first = [short_label(text, limit) for text in texts]
    return [
        _head_and_tail(" ".join(text.split()), limit) or label
        if first.count(label) > 1 and label.endswith(ELLIPSIS)
        else label
        for text, label in zip(texts, first, strict=True)
    ]


def _head_and_tail(text: str, limit: int) -> str | None:
    words = _words(text)
    for tail_words in range(len(words) - 1, 0, -1):
        tail = "".join(words[-tail_words:]).lstrip()
        room = limit - len(ELLIPSIS) - len(tail)
        if room <= 0:
            continue
        head = _head(words[:-tail_words], room)
        if head:
            return f"{head}{ELLIPSIS}{tail}"
    return None


def label_matches(typed: str, option: str) -> bool:
    """Whether `typed` names `option`: the option itself, a part of it ("ไข่เค็ม"), or its
    shortened caption typed back, the "…" (or "...") standing for the words left out."""
    typed = " ".join(typed.split())
    option = " ".join(option.split())
    if not typed:
        return False
    if typed == option or typed in option or option in typed:
        return True
    for mark in _TYPED_ELLIPSES:
        typed = typed.replace(mark, ELLIPSIS)
    parts = [part.strip() for part in typed.split(ELLIPSIS)]
    if len(parts) < 2 or not any(parts):
        return False
    at = 0
    for part in parts:
        found = option.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True
