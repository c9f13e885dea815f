"""Money: currency words, the satang sub-unit, rounding and the plausibility limits."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

# Currency words that follow an amount. "บ" without the dot is accepted only because the
# caller checks that it directly follows a number ("250บ").
BAHT_WORDS: Final = frozenset({"บาท", "บ.", "บ", "฿", "bath", "baht", "thb"})
SATANG_WORDS: Final = frozenset({"สตางค์", "สต.", "สต"})
BAHT_SIGN: Final = "฿"

# Plausibility limits (the brief for the module): a village report above these is a typo, an
# id or a phone number, and is asked about rather than stored.
MAX_MONEY: Final = Decimal(10_000_000)
MAX_QUANTITY: Final = Decimal(1_000_000)
MAX_ATTENDEES: Final = 100_000
MAX_HOURS: Final = Decimal(744)  # the hours in a 31-day month

_CENT: Final = Decimal("0.01")


def is_currency(token: str) -> bool:
    return token.lower() in BAHT_WORDS or token in SATANG_WORDS


def tidy(value: Decimal) -> Decimal:
    """Drop trailing zeros without scientific notation: 1500.0 → 1500, 2.50 → 2.5."""
    if not value.is_finite():
        return value
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    # quantize needs the digits to fit the context precision (28); huge values stay as they are
    if isinstance(exponent, int) and exponent > 0 and normal.adjusted() < 27:
        return normal.quantize(Decimal(1))
    return normal


def money(value: Decimal) -> Decimal:
    """Round to satang, then tidy: 12.345 → 12.35, 300.00 → 300."""
    if not value.is_finite() or value.adjusted() >= 25:
        return tidy(value)  # absurd anyway; quantize would overflow the context precision
    return tidy(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def plausible_money(value: Decimal) -> bool:
    return Decimal(0) <= value <= MAX_MONEY
