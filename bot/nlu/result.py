"""What the parser understood from one message: the channel-free contract between
`bot.nlu.parse` and the handlers, and the JSON shape of `sammachip parse --json`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Intent = Literal[
    "sale",
    "income",
    "expense",
    "meeting",
    "work",
    "activity",
    "training",
    "monthly",
    "visit",
    "help",
    "undo",
    "report",
    "unknown",
]

# The kinds of activity the programme runs (DOMAIN.md, process steps 4 and 6).
ActivityKind = Literal["training", "study_visit", "practice", "production", "marketing", "other"]
# What the message does: reports something done, plans it ("พรุ่งนี้จะไปขาย"), or asks
# ("บันทึกยอดขายยังไงคะ"). Only a report is ever recorded.
Mood = Literal["report", "plan", "question"]


@dataclass(frozen=True, slots=True)
class SaleLine:
    """One product of a message that sells several ("ไข่เค็ม 20 ฟอง 100 บาท กบ 5 ตัว 75 บาท")."""

    item: str
    amount: Decimal | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    intent: Intent = "unknown"
    date: dt.date | None = None
    month: dt.date | None = None  # first day of the month a treasurer reports on
    item: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    income: Decimal | None = None
    expenses: Decimal | None = None
    attendees: int | None = None
    hours: Decimal | None = None
    # What must be asked rather than guessed, e.g. ("amount",) or ("number",).
    ambiguous: tuple[str, ...] = ()
    # Extras the handlers use; not part of the `parse --json` contract.
    balance: Decimal | None = None
    activity_kind: ActivityKind | None = None
    topics: str | None = (
        None  # free text after the keyword: meeting topics, visit notes, what was taught
    )
    # A person the report names as whose it is ("สมศรีทำงาน 3 ชม.", "ป้าประไพช่วยงาน",
    # "ขายแทนสมศรี"): the name as typed, honorific dropped; the handler matches it to members.
    person: str | None = None
    negated: bool = False
    mood: Mood = "report"
    # Several products (or account-book lines), each with its own figures; the single item
    # fields are then empty. With ambiguity "item": the products named, their money asked.
    items: tuple[SaleLine, ...] = ()
    # People or households named as present (a training's "คำปุ่น มาเรียน"), as typed but
    # without a title ("นางสมศรี" → สมศรี), in text order.
    names: tuple[str, ...] = ()
    text: str = field(default="", compare=False)  # the normalised text

    def to_json(self) -> dict[str, Any]:
        """The documented `sammachip parse --json` object: decimals as strings, null where absent."""

        def dec(value: Decimal | None) -> str | None:
            return None if value is None else format(value, "f")

        return {
            "intent": self.intent,
            "date": self.date.isoformat() if self.date else None,
            "month": self.month.strftime("%Y-%m") if self.month else None,
            "item": self.item,
            "quantity": dec(self.quantity),
            "unit": self.unit,
            "unit_price": dec(self.unit_price),
            "amount": dec(self.amount),
            "income": dec(self.income),
            "expenses": dec(self.expenses),
            "attendees": self.attendees,
            "hours": dec(self.hours),
            "ambiguous": list(self.ambiguous),
        }
