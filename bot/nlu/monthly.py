"""A treasurer's monthly figures: income, expenses and balance from labels ("รายรับ 12,500"),
lines under a label added up ("รายจ่าย ค่าไข่ 3,000 ค่าดิน 500"), a stated profit or loss checked.

Its own module because the monthly report is read by sections (the label that came last), not
by the product-and-price shape of the other money reports; `shape` uses the same sections to
tell a month's figures from a sale."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from bot.nlu import money
from bot.nlu.draft import Draft, single, value_of
from bot.nlu.figures import Mention
from bot.nlu.slots import is_content
from bot.nlu.tokens import Token

_MONTHLY_MAX: Final = Decimal(1_000_000)  # a community group's income or expenses in a month

_IN_WORDS: Final = frozenset({"รายรับ", "รับ", "เงินเข้า", "รายได้", "รับมา", "รายรับรวม", "รายได้รวม"})
_OUT_WORDS: Final = frozenset(
    {"รายจ่าย", "จ่าย", "เงินออก", "ค่าใช้จ่าย", "ต้นทุน", "จ่ายไป", "ออก", "จ่ายออก"}
)


_SECTION_OF: Final[dict[str, str]] = {
    **dict.fromkeys(_IN_WORDS, "income"),
    **dict.fromkeys(_OUT_WORDS, "expenses"),
    **dict.fromkeys(("คงเหลือ", "เหลือ", "ยอดคงเหลือ", "เงินคงเหลือ", "ยกไป"), "balance"),
    # "กำไร 7,000", "ขาดทุน 1,000": income less expenses as the treasurer worked it out; checked
    **dict.fromkeys(("กำไร", "กำไรสุทธิ", "ขาดทุน"), "result"),
}


@dataclass(slots=True)
class _Sorted:
    """The month's numbers, each where its label or line put it."""

    direct: dict[str, list[Decimal]] = field(
        default_factory=lambda: {"income": [], "expenses": [], "balance": []}
    )  # "รายรับ 12,500": the label's own number
    lines: dict[str, list[Decimal]] = field(
        default_factory=lambda: {"income": [], "expenses": [], "balance": []}
    )  # "รายจ่าย ค่าไข่ 3,000 ค่าดิน 500": lines under a label, to add up
    results: list[Decimal] = field(default_factory=list)  # กำไร/ขาดทุน, to check
    unlabelled: list[Decimal] = field(default_factory=list)


def fill_monthly(
    tokens: list[Token], mentions: list[Mention], draft: Draft, roles: frozenset[str]
) -> None:
    """Income, expenses and balance. A label directly before a number gives it its field
    ("รายรับ 12,500"); numbers after a label without one are its lines, added up ("รายจ่าย
    ค่าไข่ 3,000 ค่าดิน 500"); a label's own number and its lines must agree."""
    found = _sort(tokens, mentions)
    values = {name: _settle(name, found, draft) for name in ("income", "expenses", "balance")}
    draft.income = values["income"]
    draft.expenses = values["expenses"]
    draft.balance = values["balance"]
    income, expenses = draft.income, draft.expenses
    if found.results and (income is None or expenses is None):
        # "กำไร 2,000" alone: a result that cannot be checked; what came in and went out?
        draft.ask(*[n for n, v in (("income", income), ("expenses", expenses)) if v is None])
    elif (
        income is not None
        and expenses is not None
        and any(r != income - expenses for r in found.results)
    ):
        draft.ask("balance")  # "รายรับ 5,000 รายจ่าย 3,000 กำไร 1,000": which is wrong?
    if found.unlabelled:
        # "ยอดเดือนนี้ 12000 3500": numbers without a label are not guessed into fields.
        missing = [n for n in ("income", "expenses") if values[n] is None]
        draft.ask(*(missing or ["amount"]))


def _sort(tokens: list[Token], mentions: list[Mention]) -> _Sorted:
    section_at = sections_of(tokens)
    found = _Sorted()
    for mention in mentions:
        if mention.kind not in ("money", "bare"):
            continue
        mention.used = True
        if _minus_before(tokens, mention.index) and mention.value is not None:
            mention.value = -mention.value  # "คงเหลือ -2,000": a treasurer's balance may be short
        labels = set(mention.labels)
        if "sales" in labels:
            labels.add("income")  # "ยอดขายทั้งเดือน 18,400 ต้นทุน 7,900" from a treasurer
        labelled = next((f for f in ("income", "expenses", "balance") if f in labels), None)
        if labelled is not None:
            found.direct[labelled].append(value_of(mention))
            continue
        section = line_kind(tokens, mention.index) or section_at[mention.index]
        if section == "result":
            loss = any(t.text == "ขาดทุน" for t in tokens[: mention.index])
            found.results.append(-value_of(mention) if loss else value_of(mention))
            continue
        if section is None or (
            (found.lines[section] or section == "balance")
            and not _named_line(tokens, mention.index)
        ):
            # a number with no label and no line of its own: "คงเหลือ 2 2", "รายรับ 500 300"
            found.unlabelled.append(value_of(mention))
        else:
            found.lines[section].append(value_of(mention))
    return found


def _settle(name: str, found: _Sorted, draft: Draft) -> Decimal | None:
    """One field's value from its label's own number and its lines, or None (asked)."""
    direct, lines = found.direct[name], found.lines[name]
    stated = single(direct)
    value: Decimal | None = None
    if direct and stated is None:
        draft.ask(name)
    elif stated is not None:
        value = stated
        if lines and sum(lines, Decimal(0)) != stated:
            draft.ask(name)  # "รายจ่าย 3,700 ค่าไข่ 3,000 ค่าดิน 500": which is right?
            value = None
    elif lines and name == "balance" and len(lines) > 1:
        draft.ask(name)  # a balance is one figure, never a sum of lines
    elif lines:
        value = sum(lines, Decimal(0))
    if value is not None and not money.plausible_money(abs(value) if name == "balance" else value):
        draft.ask(name)
        value = None
    if value is not None and name != "balance" and value > _MONTHLY_MAX:
        draft.ask(name)  # a month's income of 1,250,000 for a village group: asked
        value = None
    return money.money(value) if value is not None else None


# Letters only (str.isalpha is False for Thai vowel and tone marks: "ดิน").
_WORD_LETTERS: Final = re.compile(r"[\u0e01-\u0e4eA-Za-z]+")


def line_kind(tokens: list[Token], index: int) -> str | None:
    """A line that says what it is: "ค่าไข่ 3,000" is money out, "ขายน้ำพริก 1,200" money in,
    whatever label came before ("รายรับ 10,000 ค่าไข่ 3,000 ค่าถุง 500")."""
    for previous in range(index - 1, -1, -1):
        token = tokens[previous]
        if token.kind == "num" or token.role == "label":
            return None
        if token.role == "keyword":
            if token.text.startswith("ค่า") or token.text.endswith("ค่า"):
                return "expenses"
            if token.text.startswith("ขาย"):
                return "income"
    return None


def _named_line(tokens: list[Token], index: int) -> bool:
    """Whether words name the line a number closes ("ค่าดิน 500", "ขายน้ำพริก 1,200"), back
    to the previous number."""
    for previous in range(index - 1, -1, -1):
        token = tokens[previous]
        if token.kind == "num":
            return False
        if is_content(token) and len(token.text) > 1 and _WORD_LETTERS.fullmatch(token.text):
            return True  # "ค่าถุง 200" (ถุง is also a unit word), not "กก. 2"
    return False


SECTION_WORDS: Final = frozenset(_SECTION_OF)
# Words that can make a message money in and out (section words, and the lines "ค่า…").
MONEY_SHAPE_WORDS: Final = SECTION_WORDS | {"ค่า", "จ่ายค่า", "ยอดขาย"}


def _minus_before(tokens: list[Token], index: int) -> bool:
    return index > 0 and tokens[index - 1].text in ("-", "−")


def sections_of(tokens: list[Token]) -> list[str | None]:
    """For each token, the monthly field whose label came last before it (None before any)."""
    current: str | None = None
    out: list[str | None] = []
    for token in tokens:
        if token.kind == "word":
            current = _SECTION_OF.get(token.text, current)
        out.append(current)
    return out
