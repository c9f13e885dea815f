"""ขาย… — a sale by a group member (or a target household's own sale)."""

from __future__ import annotations

from bot.handlers.common import group_check, saved
from bot.handlers.context import Context
from bot.handlers.format import baht, quantity
from bot.handlers.report_flow import Question, ReportSpec, Slots, day_of, dec
from bot.messages import QuickReply, Reply
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
)

QUICK_EXAMPLE = QuickReply("ขายไข่เค็ม 30 ฟอง 300 บาท")
