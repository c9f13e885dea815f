"""The intent by the shape of the figures and the sender's role: money in and out from a
treasurer is the month's figures, a household's lone รายรับ line is its own account book, a
trainer's hands-on session is a training; and the evidence keyword scoring weighs.

Apart from `intents` (which scores words) because these rules look at numbers and roles, and
from `parser` so the entry point stays a list of stages."""

from __future__ import annotations

from typing import Final

from bot.nlu import units
from bot.nlu.dates import DateScan
from bot.nlu.figures import Mention
from bot.nlu.intents import Evidence, IntentChoice
from bot.nlu.monthly import MONEY_SHAPE_WORDS, SECTION_WORDS, line_kind, sections_of
from bot.nlu.tokens import Token

_FORMAL_IN_OUT: Final = frozenset(
    {"รายรับ", "รายจ่าย", "รายได้", "ค่าใช้จ่าย", "เงินเข้า", "เงินออก", "รายรับรวม"}
)


def by_role_and_shape(
    choice: IntentChoice,
    tokens: list[Token],
    mentions: list[Mention],
    roles: frozenset[str],
    scan: DateScan,
    words: set[str],
) -> IntentChoice:
    """The keywords' choice, corrected by who sent it and what the figures look like."""
    intent = choice.intent
    if choice.negated or intent in ("help", "undo"):
        return choice
    treasurer = "treasurer" in roles
    household = "household" in roles and not treasurer
    cash = [m for m in mentions if m.kind in ("money", "bare")]
    if not cash and not roles:
        return choice
    if not roles and not words & MONEY_SHAPE_WORDS and not any(m.labels for m in cash):
        return choice  # no word of money in or out: a plain sale, meeting, visit...
    money_in, money_out = _money_in_and_out(tokens, cash, treasurer, words)
    formal = bool(words & _FORMAL_IN_OUT) or any(
        m.labels & {"income", "expenses"} and not m.synthetic for m in mentions
    )
    if (
        intent != "monthly"
        and money_in
        and money_out
        and not household
        and (treasurer or formal or scan.month is not None)
    ):
        # "สรุปเดือน ต.ค. รับ 10,000 จ่าย 2,500": figures, not a request for a summary
        return IntentChoice("monthly")
    if intent == "report":
        return choice
    if treasurer and intent != "monthly" and (money_in or money_out) and words & _FORMAL_IN_OUT:
        return IntentChoice("monthly")  # "รายจ่าย ต.ค. ค่าไข่ 2,000 ค่ากล่อง 300": half a month
    if household and intent in ("monthly", "sale") and not (money_in and money_out):
        # a household's "รายรับ 300 ขายผัก" is a line of its own account book
        if words & {"รายรับ", "รายได้"} and not words & {"รายจ่าย", "ค่าใช้จ่าย"}:
            return IntentChoice("income")
        if intent == "monthly":
            return IntentChoice("expense")
    if (
        "trainer" in roles
        and intent == "activity"
        and choice.activity_kind in ("practice", "training", "other")
    ):
        return IntentChoice("training", activity_kind="training")
    return choice


def _money_in_and_out(
    tokens: list[Token], cash: list[Mention], treasurer: bool, words: set[str]
) -> tuple[bool, bool]:
    """Whether money comes in and goes out, each with a figure: by its label ("รับ 12,000") or
    as a line under one ("รับ: ขายไข่เค็ม 8,000 + ขายน้ำพริก 1,200")."""
    sections = sections_of(tokens) if cash and words & SECTION_WORDS else [None] * len(tokens)
    money_in = money_out = False
    for mention in cash:
        labels = mention.labels
        field_name = (
            "income"
            if "income" in labels or (treasurer and "sales" in labels)
            else "expenses"
            if "expenses" in labels
            else None
            if labels
            else line_kind(tokens, mention.index) or sections[mention.index]
        )
        money_in = money_in or field_name == "income"
        money_out = money_out or field_name == "expenses"
    return money_in, money_out


def evidence_of(mentions: list[Mention], scan: DateScan, roles: frozenset[str]) -> Evidence:
    quantity = duration = days = cash = False
    for mention in mentions:
        if mention.kind == "quantity":
            quantity = True
        elif mention.kind == "hours" and mention.unit is not units.DAY:
            duration = True
        elif mention.kind == "hours":
            days = True
        elif mention.kind in ("money", "unit_price") or mention.labels & {
            "money",
            "total",
            "sales",
        }:
            cash = True
    return Evidence(
        quantity=quantity,
        duration=duration or bool(scan.spans),
        days=days,
        money=cash,
        roles=roles,
    )
