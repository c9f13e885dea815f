"""When a rule applies: the matchers of the router's table. Each takes the message's `Context`
and returns None (not this rule) or what the rule's reply needs (a code, an intent, a command).

Apart from the table (`bot/router.py`) so the table reads as the bot's priorities, one line a
rule, and apart from the replies because a matcher only looks: it never writes or answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.handlers import start, undo
from bot.handlers.context import Context
from bot.handlers.open_question import is_answer
from bot.routing.specs import SPECS, spec_for
from bot.vocabulary import Command

Matcher = Callable[[Context], Any]

# Telegram appends the bot's name to commands in groups: "/sale@sammachip_bot".
_COMMAND = re.compile(r"^(/[a-z]+)(?:@\w+)?\b\s*(.*)$", re.DOTALL | re.IGNORECASE)
EDIT_PREFIXES = ("แก้ไข", "/edit", "แก้ ")
REPORT_PREFIXES = ("สรุป", "/report")
ANNUAL_PREFIXES = ("สรุปปี", "สรุปประจำปี", "/annual")
DIVIDEND_PREFIXES = ("ปันผล", "แบ่งปันผล", "/dividend")
SLASH_WITH_ARGS = {f"/{intent}": intent for intent in SPECS if intent not in ("dividend", "annual")}


def _words(ctx: Context) -> str:
    return ctx.text.strip().lower()


def event(kind: str) -> Matcher:
    return lambda ctx: True if ctx.message.kind == kind else None


def link_code(ctx: Context) -> str | None:
    # A bare code only from someone not yet linked: they pasted what the officer sent them.
    return start.code_in(ctx.text, bare_allowed=ctx.actor is None or not ctx.actor.roles)


def unlinked(ctx: Context) -> bool | None:
    return True if ctx.actor is None or not ctx.actor.roles else None


def starts(prefixes: tuple[str, ...]) -> Matcher:
    return lambda ctx: True if _words(ctx).startswith(prefixes) else None


def summary_asked(ctx: Context) -> bool | None:
    if not _words(ctx).startswith(REPORT_PREFIXES):
        return None
    parsed = ctx.parsed()
    # "สรุปเดือน ก.ย. รายรับ 10,000 รายจ่าย…" is the treasurer's figures, not a request.
    return None if parsed.intent == "monthly" and parsed.income is not None else True


def slash_report(ctx: Context) -> tuple[str, str] | None:
    match = _COMMAND.match(ctx.text.strip())
    if match and match.group(1).lower() in SLASH_WITH_ARGS and match.group(2).strip():
        return SLASH_WITH_ARGS[match.group(1).lower()], match.group(2)
    return None


def report_intent(ctx: Context) -> str | None:
    parsed = ctx.parsed()
    if parsed.mood != "report" or parsed.negated:
        return None
    return parsed.intent if parsed.intent in SPECS else None


def asks_help_or_summary(ctx: Context) -> str | None:
    """ "บันทึกยอดขายยังไงคะ" is a question about the bot; "ยอดขายเดือนนี้เท่าไหร่" asks a summary."""
    parsed = ctx.parsed()
    return parsed.intent if parsed.intent in ("help", "report") else None


async def open_question(ctx: Context) -> bool | None:
    return True if ctx.state is not None and is_answer(ctx, spec_for) else None


def said(*names: str, waiting: bool | None = None) -> Matcher:
    """Matches a vocabulary command (typed or pressed) by name; `waiting` False: only when
    no question waits (then "ยืนยัน" is its answer, not a command)."""

    def matches(ctx: Context) -> Command | None:
        said = ctx.command()
        if said is None or said.name not in names:
            return None
        if waiting is False and ctx.state is not None:
            return None
        return said

    return matches


_NAME = re.compile(r"^(?:ชื่อ|/name)\s*:?\s+(\S.{0,99})$", re.DOTALL)


def name_given(ctx: Context) -> str | None:
    match = _NAME.match(ctx.text.strip())
    return match.group(1) if match else None


async def correction(ctx: Context) -> undo.Correction | None:
    return await undo.correction(ctx) if ctx.actor is not None else None
