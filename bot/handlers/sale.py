"""ขาย… — a sale by a group member (or a target household's own sale)."""

from __future__ import annotations

from decimal import Decimal
from statistics import median

from bot.handlers.common import group_check, saved
from bot.handlers.context import Context
from bot.handlers.record_flow import Question, RecordSpec, Slots, day_of, dec
from bot.messages import CardField, Reply
from bot.services.records import SaleInput, record_sale
from bot.storage.models import Sale
from bot.wording import baht, quantity


def _lines(slots: Slots) -> list[Slots]:
    """The products of this sale: one, or each of several named in one message."""
    items = slots.get("items")
    return list(items) if isinstance(items, list) and items else [slots]


def _what(line: Slots) -> str:
    what = str(line.get("item") or "สินค้า")
    if line.get("quantity") is not None:
        what += f" {quantity(Decimal(str(line['quantity'])))} {line.get('unit') or ''}".rstrip()
    if line.get("unit_price") is not None:
        what += f" ({line.get('unit') or 'หน่วย'}ละ {baht(Decimal(str(line['unit_price'])))})"
    return what


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    group_id = slots.get("group_id")
    sales = []
    for line in _lines(slots):
        sales.append(
            await record_sale(
                ctx.uow,
                ctx.actor,
                SaleInput(
                    item=line.get("item"),
                    amount=dec(line, "amount"),
                    quantity=dec(line, "quantity"),
                    unit=line.get("unit"),
                    unit_price=dec(line, "unit_price"),
                    on_date=day_of(slots),
                ),
                today=ctx.today,
                group_id=group_id if isinstance(group_id, int) else None,
                source_ref=ctx.message.source_ref,
            )
        )
    several = len(sales) > 1
    details = [
        _what({"item": s.item, "quantity": s.quantity, "unit": s.unit, "unit_price": s.unit_price})
        + (f" {baht(s.amount)}" if several else "")
        for s in sales
    ]
    total = sum((s.amount for s in sales), Decimal(0))
    details.append(f"รวม {baht(total)}")
    details.insert(0, f"ของ {ctx.actor.name}")
    return saved(
        "บันทึกการขายแล้วค่ะ" if len(sales) == 1 else f"บันทึกการขาย {len(sales)} รายการแล้วค่ะ",
        details,
        sales[0].on_date,
        slots.get("group_name"),
        fields=_receipt(sales, total, ctx.actor.name),
    )


def _receipt(sales: list[Sale], total: Decimal, who: str) -> list[CardField]:
    """The receipt's lines: what, how many, at what price, how much, whose."""
    if len(sales) > 1:
        fields = [
            CardField(
                f"{s.item} {quantity(s.quantity)} {s.unit or ''}".strip() if s.quantity else s.item,
                baht(s.amount),
            )
            for s in sales
        ]
        return [*fields, CardField("รวม", baht(total), strong=True), CardField("ของ", who)]
    sale = sales[0]
    fields = [CardField("สินค้า", sale.item)]
    if sale.quantity is not None:
        fields.append(CardField("จำนวน", f"{quantity(sale.quantity)} {sale.unit or ''}".strip()))
    if sale.unit_price is not None:
        fields.append(CardField("ราคา", f"{sale.unit or 'หน่วย'}ละ {baht(sale.unit_price)}"))
    fields.append(CardField("ยอดเงิน", baht(sale.amount), strong=True))
    fields.append(CardField("ของ", who))
    return fields


MIN_HISTORY = 3  # too few earlier sales say nothing about the usual price


async def confirm_first(ctx: Context, slots: Slots) -> str | None:
    """What to show before saving, when the sale needs a second look: several products in
    one message, a count word the bot does not know ("๒ ไห"), or an unusual price."""
    lines = _lines(slots)
    if len(lines) > 1:
        listed = "\n".join(
            f"• {_what(line)} {baht(Decimal(str(line['amount'])))}" for line in lines
        )
        total = sum((Decimal(str(line["amount"])) for line in lines), Decimal(0))
        return f"ขาย {len(lines)} รายการ:\n{listed}\nรวม {baht(total)}"
    unit = slots.get("_check_unit")
    if unit:
        amount = dec(slots, "amount")
        sum_text = f" รวม {baht(amount)}" if amount is not None else ""
        return f"ขาย{_what(slots)}{sum_text}\n'{unit}' เป็นหน่วยนับใช่ไหมคะ"
    return await unusual_price(ctx, slots)


async def unusual_price(ctx: Context, slots: Slots) -> str | None:
    """Asks "ถูกต้องไหม" before saving a unit price far from this item's usual one."""
    price = dec(slots, "unit_price")
    amount, count = dec(slots, "amount"), dec(slots, "quantity")
    if price is None and amount is not None and count:
        price = amount / count
    item = slots.get("item")
    if price is None or not item:
        return None
    group_id = slots.get("group_id")
    unit = slots.get("unit")
    history = await ctx.uow.records.recent_unit_prices(
        str(item),
        unit=str(unit) if unit else None,
        group_id=group_id if isinstance(group_id, int) else None,
        household_id=ctx.actor.household_id if ctx.actor else None,
    )
    if len(history) < MIN_HISTORY:
        return None
    usual = median(history)
    factor = ctx.settings.price_check_factor
    if usual * factor >= price >= usual / factor:
        return None
    unit = unit or "หน่วย"
    return (
        f"ขาย{item} {unit}ละ {baht(price.quantize(Decimal('0.01')))} "
        f"ซึ่งต่างจากราคาที่เคยขาย ({unit}ละประมาณ {baht(usual.quantize(Decimal('0.01')))}) มากค่ะ\n"
        f"ยอดรวม {baht(amount or Decimal(0))}"
    )


async def _check(ctx: Context, slots: Slots) -> None:
    await group_check(household_ok=True)(ctx, slots)
    lines = _lines(slots)
    if len(lines) > 1 and all(line.get("amount") is not None for line in lines):
        slots.setdefault("item", " + ".join(str(line.get("item")) for line in lines))
        slots.setdefault("amount", str(sum(Decimal(str(line["amount"])) for line in lines)))


SPEC = RecordSpec(
    intent="sale",
    required=("item", "amount"),
    questions={
        "item": Question("ขายอะไรคะ เช่น ไข่เค็ม"),
        "amount": Question(
            "ขาย{item} ได้เงินทั้งหมดกี่บาทคะ เช่น 250 บาท (หรือบอกราคาต่อหน่วย เช่น ฟองละ 5)",
        ),
    },
    save=save,
    check=_check,
    summary=confirm_first,
)
