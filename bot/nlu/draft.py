"""The report being assembled: the mutable `Draft` every filler writes into, and the small
helpers they share (one value when all candidates agree, a number marked as accounted for).

Its own module because every kind of report (sales, monthly figures, people and hours, names)
fills the same draft; keeping it apart lets each of those modules depend on it and on nothing
of each other's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from bot.nlu.figures import Mention
from bot.nlu.result import Intent, SaleLine

MONEY_INTENTS: Final[frozenset[Intent]] = frozenset({"sale", "income", "expense"})


@dataclass(slots=True)
class Draft:
    """Mutable fields while assembling; frozen into `Parsed` at the end."""

    ambiguous: list[str] = field(default_factory=list)
    item: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    income: Decimal | None = None
    expenses: Decimal | None = None
    balance: Decimal | None = None
    attendees: int | None = None
    hours: Decimal | None = None
    topics: str | None = None
    person: str | None = None
    items: tuple[SaleLine, ...] = ()
    names: tuple[str, ...] = ()
    unknown_unit: bool = False

    def ask(self, *codes: str) -> None:
        self.ambiguous.extend(codes)


def value_of(mention: Mention) -> Decimal:
    return mention.value if mention.value is not None else Decimal(0)


def single(values: Iterable[Decimal]) -> Decimal | None:
    """The one value when all candidates agree, else None."""
    first: Decimal | None = None
    for value in values:
        if first is None:
            first = value
        elif value != first:
            return None
    return first


def mark_used(mentions: Iterable[Mention]) -> None:
    for mention in mentions:
        mention.used = True
