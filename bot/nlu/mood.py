"""Whether a message reports something done, plans it, or asks: only a report is recorded.

- question: a question word anywhere ("ยังไง", "เท่าไหร่", "วันไหน", "ใคร", "อะไร"), unless negated
  ("ไม่มีใครมา" is nobody came); or a yes/no particle ("ไหม", "มั้ย", "หรือเปล่า") or "?" ending a
  message that carries no figures. A report with figures and "ได้ไหม" at the end is a polite
  request ("บันทึกขายไข่ 30 ฟอง 150 บาท ได้ไหมคะ"): still a report.
- plan: a plan word ("จะ", "อยาก", "ว่าจะ", "ถ้า", "นัด") before the report's keyword ("พรุ่งนี้จะ
  เอาไข่เค็มไปขาย", "นัดประชุม"); "เพิ่งจะ" (just now) is the past. What came before the plan word
  still counts when it is a report with figures ("ขายได้ 500 บาท จะเอาไปฝาก").
  A relative future word ("พรุ่งนี้", "เสาร์นี้", "เดือนหน้า") with no figures at all is an
  announcement ("พรุ่งนี้ประชุมกลุ่ม 9 โมงนะคะ"); with figures it is a report whose date is asked.

All checks are on whole tokens (particles were blanked by the tokenizer).
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Final

from bot.nlu import lexicon
from bot.nlu.result import Intent
from bot.nlu.tokens import Token

_QUESTION_MARKS: Final = frozenset({"?", "？"})
_PLAN_PREFIX: Final = "จะ"  # "จะมา", "จะไป" when newmm keeps them whole
_PLAN_PREFIX_MAX: Final = 5


def offsets(tokens: list[Token]) -> list[int]:
    """Start offset of every token in the joined token text (the offsets keyword hits use)."""
    starts: list[int] = []
    position = 0
    for token in tokens:
        starts.append(position)
        position += len(token.text)
    return starts


def _gate(words: frozenset[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


# Cheap first checks on the whole text: most messages contain no question or plan word.
_QUESTION_GATE: Final = _gate(lexicon.WH_WORDS | lexicon.YES_NO | _QUESTION_MARKS)
_PLAN_GATE: Final = _gate(lexicon.PLAN_WORDS | {_PLAN_PREFIX})


def is_question(tokens: list[Token], has_figures: bool, text: str) -> bool:
    if _QUESTION_GATE.search(text) is None:
        return False
    words = [i for i, t in enumerate(tokens) if t.kind != "space"]
    for order, index in enumerate(words):
        text = tokens[index].text
        if text in lexicon.WH_WORDS:
            before = "".join(tokens[i].text for i in words[max(0, order - 3) : order])
            if "ไม่" not in before:
                return True
        elif text in lexicon.YES_NO or text in _QUESTION_MARKS:
            last = order == len(words) - 1 or all(
                tokens[i].kind == "punct" or tokens[i].text in lexicon.YES_NO
                for i in words[order + 1 :]
            )
            if last and not has_figures:
                return True
    return False


def plan_start(tokens: list[Token], text: str) -> int | None:
    """Offset of the first plan word ("จะ", "อยาก", "ถ้า", "นัด"), or None."""
    if _PLAN_GATE.search(text) is None:
        return None
    previous = ""
    position = 0
    for token in tokens:
        text = token.text
        if token.kind == "word":
            planned = text in lexicon.PLAN_WORDS or (
                text.startswith(_PLAN_PREFIX) and len(text) <= _PLAN_PREFIX_MAX
            )
            if planned and previous not in lexicon.NOT_PLAN_BEFORE:
                return position
            previous = text
        position += len(text)
    return None


def question_intent(tokens: list[Token], command: Intent) -> Intent:
    """What a question asks for: how to use the bot (help), a total (report), or other."""
    if command == "undo":
        return "help"  # "จะยกเลิกรายการต้องทำยังไง": how to undo, not the undo itself
    if command in ("help", "report"):
        return command
    words = [t.text for t in tokens if t.kind == "word"]
    texts = set(words) | {a + b for a, b in pairwise(words)}  # "ส่ง"+"ยอด"
    if texts & lexicon.BOT_WORDS:
        return "help"
    if texts & lexicon.TOTAL_WORDS and texts & lexicon.HOW_MUCH:
        return "report"
    return "unknown"
