"""Shared slot extraction: which words are content, the item after the intent's keyword, the
free-text topics of a meeting, training, visit or activity.

Apart from `parser` because the several-products reader, the monthly reader and the name
finder all ask the same questions of a token ("is it content?", "what came before it?")."""

from __future__ import annotations

import re
from typing import Final

from bot.nlu import lexicon, units
from bot.nlu.figures import Mention
from bot.nlu.intents import IntentChoice
from bot.nlu.keywords import Hit
from bot.nlu.result import Intent
from bot.nlu.tokens import Token

# Words that end an item ("ขายผักที่ตลาด" → ผัก) and are never part of one.
# fmt: off
ITEM_STOPWORDS: Final = frozenset(
    {
        "ได้", "ไป", "มา", "ที่", "ให้", "แล้ว", "จำนวน", "ราคา", "รวม", "เป็น", "เงิน", "ละ", "และ",
        "กับ", "ของ", "จาก", "ไว้", "อีก", "ก็", "ทั้งหมด", "ประมาณ", "เกือบ", "ราว", "ราวๆ", "การ",
        "แต่", "หมด", "มี", "อยู่", "คือ", "นี้", "นั้น", "เอง", "ด้วย", "บ้าง", "หน่อย", "เลย", "ทุก",
        "เมื่อ", "ตอน", "ช่วง", "วัน", "เวลา", "ทั้ง", "ไม่", "ยัง", "จะ", "ครั้ง", "ขอ", "ดู", "ช่วย",
        "ใน", "ต่อ", "โดย", "ครึ่ง", "กว่า", "เศษ", "ราคาถูก", "ละก็", "ไว้ขาย", "ใช้", "สั่ง",
        "สั่งซื้อ", "กลุ่ม", "สมาชิก", "ทั้งวัน", "รวมกัน", "งวด", "ถ้วน", "ส่ง", "แถว", "ถึง",
        "เพื่อ", "สำหรับ", "แก่", "ใช้เวลา", "ใหม่", "โอน", "รับ", "จ่าย", "บันทึก", "แก้ไข", "เพิ่ม", "เลยค่ะ", "นะ", "แค่",
    }
)
# fmt: on
_TOPIC_MARKERS: Final = frozenset({"เรื่อง", "หัวข้อ", "ประเด็น"})
_TRIM: Final = " :;,.-–=/"
# Words that open a note without adding to it: "ไปเยี่ยมบ้าน..." → "บ้าน...".
_LEADING_FILLER: Final = re.compile(r"^(?:(?:ไป|ได้|มา|ที่|และ|โดย|ให้|ก็)\s?)+")
# ...and close it: "ไปเยี่ยมครัวเรือนมาแล้ว" → "ครัวเรือน".
_TRAILING_FILLER: Final = re.compile(r"(?:\s?(?:มาแล้ว|มา|แล้ว|เลย|ด้วย))+$")
# A visit note that names nobody and nothing ("ไปเยี่ยมครัวเรือนมาค่ะ"): which household?
_EMPTY_NOTES: Final = frozenset({"ครัวเรือน", "บ้าน", "กลุ่ม", "สมาชิก", "มา", "แล้ว", "มาแล้ว"})


def is_content(token: Token) -> bool:
    return (
        token.role is None
        and token.kind in ("word", "latin")
        and token.text not in ITEM_STOPWORDS
        and token.text not in lexicon.PRONOUNS
        and not (token.text.endswith("ละ") and units.unit_price_token(token.text) is not None)
    )


def _runs(tokens: list[Token], start: int = 0) -> list[str]:
    """Adjacent content tokens glued into phrases, from ``start`` on; a phrase after a place
    or buyer word ("ที่ตลาด", "ให้โรงเรียน") or naming a place ("งานวัด") is left out."""
    runs: list[str] = []
    current: list[str] = []
    skip = False
    previous: str | None = None
    for token in tokens[start:]:
        if is_content(token):
            if not current:
                skip = previous in lexicon.MODIFIERS
            current.append(token.text)
            continue
        if current:
            runs.append("" if skip else "".join(current))
            current = []
        if token.kind != "space":
            previous = token.text
    if current and not skip:
        runs.append("".join(current))
    return [
        r
        for r in runs
        if r and (len(r) > 1 or r.isalpha()) and not r.startswith(lexicon.VENUE_PREFIXES)
    ]


def first_hit_index(tokens: list[Token], hits: list[Hit], choice: IntentChoice) -> int:
    """Token index just after the first live keyword of the chosen intent (0 if none)."""
    wanted: set[Intent] = {choice.intent}
    if choice.intent == "sale":
        wanted.add("expense")  # a buyer's "ซื้อ"/"จ่าย" counted for the sale
    hit = next(
        (
            h
            for h in hits
            if not h.negated and (h.keyword.buyer or any(i in wanted for i, _ in h.keyword.scores))
        ),
        None,
    )
    if hit is None:
        return 0
    position = 0
    for index, token in enumerate(tokens):
        position += len(token.text)
        if position >= hit.end:
            return index + 1
    return 0


def find_item(
    tokens: list[Token], hits: list[Hit], choice: IntentChoice, intent: Intent
) -> str | None:
    after = _runs(tokens, first_hit_index(tokens, hits, choice))
    if after:
        return clean_item(after[0])
    anywhere = _runs(tokens)
    return clean_item(anywhere[0]) if anywhere else None


def find_topics(
    tokens: list[Token], hits: list[Hit], intent: Intent, mentions: list[Mention]
) -> str | None:
    """The free text: what is left once the defining keywords and the numbers that went into
    fields are gone. Numbers no field took stay, as typed ("ก้อนเชื้อเสีย 50 ก้อน").

    Only the chosen intent's strong keywords (weight ≥ 20) are dropped, so a visit's
    "แนะนำให้ทำบัญชี" keeps its "แนะนำ"; after a marker ("เรื่อง") only what follows is kept.
    """
    strong: set[tuple[int, int]] = {
        (h.start, h.end) for h in hits if any(i == intent and w >= 20 for i, w in h.keyword.scores)
    }
    kept: set[int] = set()
    for mention in mentions:
        if mention.used or mention.synthetic:
            continue
        # the number with its rate, label, unit and currency: "เดือนละ 5,000 บาท"
        kept.add(mention.index)
        for step in (-1, 1):
            near = mention.index + step
            while 0 <= near < len(tokens) and (
                tokens[near].kind == "space" or tokens[near].role in ("unit", "label", "currency")
            ):
                kept.add(near)
                near += step
    pieces: list[str] = []
    position = 0
    marked = False
    for index, token in enumerate(tokens):
        start, end = position, position + len(token.text)
        position = end
        if not marked and token.text in _TOPIC_MARKERS and token.role is None:
            pieces = []  # keep only what follows the first marker
            marked = True
            continue
        if index in kept:
            pieces.append(token.text)
            continue
        if (
            (token.role == "keyword" and any(s <= start and end <= e for s, e in strong))
            or token.role in ("number", "unit", "currency", "label")
            or token.kind == "num"
            or token.text in lexicon.BOT_WORDS  # "บันทึกกิจกรรม" (a button's caption typed)
        ):
            pieces.append(" ")
        else:
            pieces.append(token.text)
    text = re.sub(r"\s+", " ", "".join(pieces)).strip(_TRIM)
    text = _LEADING_FILLER.sub("", text).strip(_TRIM)
    text = _TRAILING_FILLER.sub("", text).strip(_TRIM)
    if text in ITEM_STOPWORDS or any(h.keyword.text == text.removeprefix("การ") for h in hits):
        return None  # only the word that made it a report: "บันทึกกิจกรรม", "บันทึกการประชุม"
    if intent == "visit" and text.replace(" ", "") in _EMPTY_NOTES:
        return None  # "ไปเยี่ยมครัวเรือนมาค่ะ": which household, what was seen?
    return text or None


def previous_word(tokens: list[Token], index: int) -> str | None:
    for preceding in range(index - 1, -1, -1):
        if tokens[preceding].kind != "space":
            return tokens[preceding].text
    return None


def clean_item(item: str | None) -> str | None:
    if item is None or item in lexicon.GENERIC_ITEMS:
        return None
    unit = units.lookup(item)
    if unit is not None and unit.kind == "people":
        return None  # "มีคนสั่งของ": somebody, not a product
    if item.startswith(lexicon.VENUE_PREFIXES):
        return None
    return lexicon.correct_product(item)
