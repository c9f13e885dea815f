"""The figures of one sale-like report: amount, quantity, unit, unit price, and the checks on
them (ranges, a price plausible for its unit, quantity × unit price agreeing with the total).

Used for sales, account-book lines, work, activities and unknown answers alike; several
products in one message are split first (`products`) and each line is read here."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from bot.nlu import money, units
from bot.nlu.draft import MONEY_INTENTS, Draft, mark_used, single, value_of
from bot.nlu.figures import Mention
from bot.nlu.number_labels import Label
from bot.nlu.result import Intent
from bot.nlu.tokens import Token

_ACCOUNT_BOOK_MAX: Final = Decimal(20_000)  # one household account-book line


def fill_sale_like(
    intent: Intent, mentions: list[Mention], draft: Draft, tokens: list[Token]
) -> None:
    """Money, quantity and unit price of one product (or of a work, activity or unknown
    report), then the checks that make the figures agree with each other."""
    money_mentions = _money_mentions(intent, mentions)
    quantities = [m for m in mentions if m.kind == "quantity"]
    prices = [m for m in mentions if m.kind == "unit_price"]
    mark_used(money_mentions + quantities + prices)

    rate = _rate(quantities, money_mentions, tokens)
    if rate is not None:  # "15 แพ็ค 3 แพ็คร้อย": 3 packs for 100 baht
        counted, per, paid = rate
        quantities = [counted]
        money_mentions = []
        total = value_of(counted) * value_of(paid) / value_of(per)
        if money.money(total) == total and money.plausible_money(total):
            draft.amount = money.money(total)
        else:
            draft.ask("amount")
    if money_mentions:
        _total(money_mentions, draft)
    _quantity(quantities, draft)
    if prices:
        _unit_price(prices, draft)
    _check_ranges(draft)
    _agree(intent, draft, rate is not None)


def _money_mentions(intent: Intent, mentions: list[Mention]) -> list[Mention]:
    people_labels: set[Label] = {"attend", "absent", "members", "gender", "hours"}
    bare = [m for m in mentions if m.kind == "bare" and not (m.labels & people_labels)]
    money_mentions = [m for m in mentions if m.kind == "money"]
    # A number without a unit is money for sales and account-book lines ("ขายผัก 200"), and
    # for an unknown message it is the answer to "how much?".
    money_labels: set[Label] = {"money", "total", "sales"}
    if intent in MONEY_INTENTS or intent == "unknown":
        money_mentions += bare
    else:
        money_mentions += [m for m in bare if m.labels & money_labels]  # "ออกบูธขายได้ 3000"
    money_mentions.sort(key=lambda m: m.index)
    return money_mentions


def _total(money_mentions: list[Mention], draft: Draft) -> None:
    totals = [m for m in money_mentions if "total" in m.labels]
    chosen = single(value_of(m) for m in (totals or money_mentions))
    others = [
        value_of(m) for m in money_mentions if "total" not in m.labels and value_of(m) != chosen
    ]
    if totals and chosen is not None and others and sum(others, Decimal(0)) != chosen:
        chosen = None  # "ขายผัก 200 รวม 300": which is it? ("ไข่ 100 ผัก 200 รวม 300" adds up)
    if chosen is None:
        draft.ask("amount")
    else:
        draft.amount = chosen


def _quantity(quantities: list[Mention], draft: Draft) -> None:
    same_value = single(value_of(q) for q in quantities) is not None
    same_unit = len({q.unit.name if q.unit else None for q in quantities}) == 1
    if same_value and same_unit:  # one quantity, or the same one repeated
        draft.quantity = value_of(quantities[0])
        draft.unit = quantities[0].unit.name if quantities[0].unit else None
        if quantities[0].unit is not None and not quantities[0].unit.known:
            draft.unknown_unit = True
    if quantities and draft.quantity is None:
        draft.ask("quantity", "item")  # "ไข่ 50 ฟอง ผัก 3 กำ": several products


def _unit_price(prices: list[Mention], draft: Draft) -> None:
    price = single(value_of(p) for p in prices)
    if price is None:
        draft.ask("amount")
        return
    draft.unit_price = price
    price_unit = next((p.unit for p in prices if p.unit is not None), None)
    if draft.unit is None and price_unit is not None:
        draft.unit = price_unit.name
        draft.unknown_unit = draft.unknown_unit or not price_unit.known


def _agree(intent: Intent, draft: Draft, rate: bool) -> None:
    """quantity × unit price is the amount; what is missing or implausible is asked."""
    if draft.quantity is not None and draft.unit_price is not None:
        product = money.money(draft.quantity * draft.unit_price)
        if draft.amount is None and money.plausible_money(product):
            draft.amount = product
        elif draft.amount is not None and draft.amount != product:
            draft.amount = None  # "20 ตัว ตัวละ 15 ได้ 250": which one is wrong?
            draft.ask("amount")
    if intent in MONEY_INTENTS and draft.amount is None:
        if draft.quantity is not None and draft.unit_price is None and not rate:
            draft.ask("amount")  # "ขายไข่ 50 ฟอง": how much money?
        if draft.unit_price is not None and draft.quantity is None:
            draft.ask("quantity")  # "ขายกบตัวละ 15": how many?
    if draft.amount is not None and not money.plausible_money(draft.amount):
        draft.amount = None
        draft.ask("amount")
    _check_price_for_unit(draft)
    if (
        intent in ("income", "expense")
        and draft.amount is not None
        and (draft.amount > _ACCOUNT_BOOK_MAX)
    ):
        draft.amount = None  # "จ่ายค่าอาหารไก่ 35000": 350 meant? asked, not saved
        draft.ask("amount")
    if draft.unknown_unit and draft.unit is not None:
        draft.ask("unit")


def _rate(
    quantities: list[Mention], money_mentions: list[Mention], tokens: list[Token]
) -> tuple[Mention, Mention, Mention] | None:
    """ "ขายแหนมเห็ด 15 แพ็ค 3 แพ็คร้อย": (15 แพ็ค, 3 แพ็ค, 100) — N units for a price."""
    if len(quantities) != 2 or len(money_mentions) != 1:
        return None
    counted, per = quantities
    paid = money_mentions[0]
    if counted.unit is None or per.unit is None or counted.unit.name != per.unit.name:
        return None
    if not per.index < paid.index or value_of(per) == 0 or value_of(per) >= value_of(counted):
        return None
    between = tokens[per.index + 1 : paid.index]
    if any(t.kind not in ("space", "punct") and t.role not in ("unit", "label") for t in between):
        return None
    return counted, per, paid


def _check_ranges(draft: Draft) -> None:
    if draft.amount is not None:
        if money.plausible_money(draft.amount):
            draft.amount = money.money(draft.amount)
        else:
            draft.amount = None
            draft.ask("amount")
    if draft.unit_price is not None:
        if money.plausible_money(draft.unit_price):
            draft.unit_price = money.money(draft.unit_price)
        else:
            draft.unit_price = None
            draft.ask("amount")
    if draft.quantity is not None:
        if Decimal(0) <= draft.quantity <= money.MAX_QUANTITY:
            draft.quantity = money.tidy(draft.quantity)
        else:
            draft.quantity = None
            draft.ask("quantity")


def _check_price_for_unit(draft: Draft) -> None:
    """Hundreds of baht for one egg is a slip ("50 ฟอง 25000 บาท"): asked, not saved."""
    limit = units.MAX_UNIT_PRICE.get(draft.unit or "")
    if limit is None:
        return
    price = draft.unit_price
    if price is None and draft.amount is not None and draft.quantity:
        price = draft.amount / draft.quantity
    if price is not None and price > limit:
        draft.amount = None
        draft.unit_price = None
        draft.ask("amount")
