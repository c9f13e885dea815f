"""While the bot waits for an answer, is this message that answer, or something else?

A waiting question never swallows a message that is a report or a command. Commands are
recognised before this is asked (router.py). Here: a report with figures of its own, or a
different product, is a new report (the waiting one is set aside, or replaced when the person
restates the same report whole); free-text slots (a meeting's topic, an income's source, a
visit's notes) take only answer-like text; number slots take numbers, date slots dates.
Anything else (a greeting, a question, something not understood) is answered as what it is,
and the waiting question is asked again after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.handlers.context import Context
from bot.handlers.record_flow import DECIMAL_SLOTS, RecordSpec, bare_number, start_slots
from bot.labels import label_matches
from bot.nlu.result import Parsed
from bot.vocabulary import command_of

FIGURES = ("amount", "quantity", "unit_price", "hours", "attendees", "income", "expenses")
NUMBER_SLOTS = (*DECIMAL_SLOTS, "attendees", "amount_done")
# Words that start a report of this kind: a message that begins with one is a new report
# of that kind, not the notes of the waiting one ("เยี่ยม…" during a visit's notes).
LEADING_WORDS = {
    "visit": ("เยี่ยม", "ไปเยี่ยม", "ลงพื้นที่", "ติดตาม", "/visit"),
    "meeting": ("ประชุม", "/meeting"),
    "sale": ("ขาย", "/sale"),
    "work": ("ทำงาน", "ช่วยงาน", "/work"),
}
_NOT_TEXT = re.compile(r"^[\s\d.,:;!?~\-+*/()\[\]{}'\"…ๆ]*$")
SpecFor = Callable[[str], RecordSpec | None]


def _has_figures(parsed: Parsed) -> bool:
    return bool(parsed.items) or any(getattr(parsed, f) is not None for f in FIGURES)


def _leads(flow: str, text: str) -> bool:
    words = text.strip().lower()
    return any(words.startswith(w) for w in LEADING_WORDS.get(flow, ()))


def _same_report(flow: str, slots: dict[str, Any], parsed: Parsed, text: str) -> bool:
    """Whether a same-kind message is about the same thing as the waiting report."""
    if flow == "visit":
        from bot.handlers.visit import names_target

        target = str(slots.get("target_name") or "")
        return not target or names_target(text, target)
    new_item, old_item = parsed.item, slots.get("item")
    return not (new_item and old_item and new_item != old_item)


def _complete(spec: RecordSpec, parsed: Parsed) -> bool:
    slots = start_slots(parsed)
    return not slots.get("_need") and all(slots.get(name) is not None for name in spec.required)


def new_report(ctx: Context, spec_for: SpecFor) -> bool:
    """The message is a report of its own, not an answer to the waiting question. Marks the
    context `replacing` when it restates the waiting report whole."""
    state = ctx.state
    assert state is not None
    parsed = ctx.parsed()
    if parsed.mood != "report" or parsed.negated or spec_for(parsed.intent) is None:
        return False
    flow, data = state.flow, state.data
    slots: dict[str, Any] = data.get("slots", {})
    if parsed.intent != flow:
        # Another kind of report counts only with figures of its own: a bare "ขายผัก" is
        # how people answer "รายรับจากอะไรคะ".
        return _has_figures(parsed)
    if not _same_report(flow, slots, parsed, ctx.text):
        return True  # another product, another group visited: its own report
    spec = spec_for(flow)
    if (
        spec is not None
        and _complete(spec, parsed)
        and (_has_figures(parsed) or _leads(flow, ctx.text))
    ):
        ctx.replacing = True  # the whole report again: it replaces the waiting one
        return True
    return False


def _answer_like(ctx: Context, parsed: Parsed) -> bool:
    """Text that can be a topic, a source or notes: not a question, a plan, a greeting,
    a report of its own, or nothing but digits and punctuation."""
    from bot.handlers.social import is_social

    if parsed.mood != "report" or is_social(ctx):
        return False
    return not _NOT_TEXT.match(ctx.text)


def is_answer(ctx: Context, spec_for: SpecFor) -> bool:
    state = ctx.state
    if state is None:
        return False
    flow, data = state.flow, state.data
    asking = str(data.get("asking", ""))
    said = command_of(ctx.text)
    parsed = ctx.parsed()
    if flow == "consent":
        return True  # agree, decline, or asked again: linking waits for a yes
    if asking == "_confirm" or flow == "erase":
        if said is not None and said.name in ("confirm", "decline"):
            return True
        if flow == "erase":
            return said is not None and said.name == "confirm_erase"
        if new_report(ctx, spec_for):
            return False
        # Figures of the same kind correct what is waiting for ยืนยัน ("รายรับ 13,000").
        return (
            spec_for(flow) is not None
            and _has_figures(parsed)
            and parsed.intent in (flow, "unknown")
        )
    if asking == "_choice":
        options: dict[str, Any] = data.get("options", {})
        # An option, a part of one, or its shortened caption typed back (bot/labels.py).
        return any(label_matches(ctx.text, label) for label in options)
    if flow == "edit":
        return not new_report(ctx, spec_for) and not _social(ctx)
    if new_report(ctx, spec_for):
        return False
    if asking in NUMBER_SLOTS:
        return bare_number(parsed) is not None or _has_figures(parsed)
    if asking == "date":
        return parsed.date is not None or "date" in parsed.ambiguous
    if asking == "month":
        return parsed.month is not None or "month" in parsed.ambiguous
    return _answer_like(ctx, parsed)


def _social(ctx: Context) -> bool:
    from bot.handlers.social import is_social

    return is_social(ctx)
