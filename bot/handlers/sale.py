"""ขาย… — a sale by a group member (or a target household's own sale)."""

from __future__ import annotations

from decimal import Decimal
from statistics import median

from bot.handlers.common import group_check, saved
from bot.handlers.context import Context
from bot.handlers.format import baht, quantity
from bot.handlers.report_flow import Question, ReportSpec, Slots, day_of, dec
from bot.messages import Reply
from bot.services.records import SaleInput, record_sale


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    group_id = slots.get("group_id")
    sale = await record_sale(
        ctx.uow,
        ctx.actor,
        SaleInput(
            item=slots.get("item"),
            amount=dec(slots, "amount"),
            quantity=dec(slots, "quantity"),
            unit=slots.get("unit"),
            unit_price=dec(slots, "unit_price"),
            on_date=day_of(slots),
        ),
        today=ctx.today,
        group_id=group_id if isinstance(group_id, int) else None,
        source_ref=ctx.message.source_ref,
    )
    what = sale.item
    if sale.quantity is not None:
        what += f" {quantity(sale.quantity)} {sale.unit or ''}".rstrip()
    if sale.unit_price is not None:
        what += f" ({sale.unit or 'หน่วย'}ละ {baht(sale.unit_price)})"
    return saved(
        "บันทึกการขายแล้วค่ะ",
        [what, f"รวม {baht(sale.amount)}"],
        sale.on_date,
        slots.get("group_name"),
    )


MIN_HISTORY = 3  # too few earlier sales say nothing about the usual price


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
    history = await ctx.uow.records.recent_unit_prices(
        str(item),
        group_id=group_id if isinstance(group_id, int) else None,
        household_id=ctx.actor.household_id if ctx.actor else None,
    )
    if len(history) < MIN_HISTORY:
        return None
    usual = median(history)
    factor = ctx.settings.price_check_factor
    if usual * factor >= price >= usual / factor:
        return None
    unit = slots.get("unit") or "หน่วย"
    return (
        f"ขาย{item} {unit}ละ {baht(price.quantize(Decimal('0.01')))} "
        f"ซึ่งต่างจากราคาที่เคยขาย ({unit}ละประมาณ {baht(usual.quantize(Decimal('0.01')))}) มากค่ะ\n"
        f"ยอดรวม {baht(amount or Decimal(0))}"
    )


SPEC = ReportSpec(
    intent="sale",
    required=("item", "amount"),
    questions={
        "item": Question("ขายอะไรคะ เช่น ไข่เค็ม"),
        "amount": Question(
            "ได้เงินทั้งหมดกี่บาทคะ เช่น 250 บาท (หรือบอกราคาต่อหน่วย เช่น ฟองละ 5)",
        ),
    },
    save=save,
    check=group_check(household_ok=True),
    summary=unusual_price,
)
