"""รายรับ… รายจ่าย… — the treasurer's monthly figures. Always confirmed before saving; a second
submission for the same month becomes a new revision and the earlier one is kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.calendar import month_bounds, previous_month
from bot.handlers.common import group_check, saved
from bot.handlers.context import Context
from bot.handlers.record_flow import Question, RecordSpec, Slots, day_of, dec
from bot.messages import QuickReply, Reply
from bot.services.records import TREASURER_ONLY, submit_monthly
from bot.storage.models import Role
from bot.wording import baht, thai_month


def _month(ctx: Context, slots: Slots) -> date:
    return day_of(slots, "month") or previous_month(ctx.today)


async def summary(ctx: Context, slots: Slots) -> str:
    income = dec(slots, "income") or Decimal(0)
    expenses = dec(slots, "expenses") or Decimal(0)
    balance = dec(slots, "balance")
    month = _month(ctx, slots)
    lines = [
        f"ตัวเลขเดือน {thai_month(month)} ของ{slots.get('group_name', 'กลุ่ม')}",
        f"รายรับ {baht(income)}",
        f"รายจ่าย {baht(expenses)}",
        f"คงเหลือ {baht(balance if balance is not None else income - expenses)}",
    ]
    if balance is not None and balance != income - expenses:
        # คงเหลือ is cash on hand and may include what was carried over, so it is kept as
        # stated; a difference is still worth a second look before ยืนยัน.
        lines.append(
            f"ℹ️ คงเหลือที่แจ้ง {baht(balance)} ไม่เท่ากับรายรับลบรายจ่าย ({baht(income - expenses)}) "
            "หากรวมเงินยกมาจากเดือนก่อน ยืนยันได้เลยค่ะ"
        )
    group_id = slots.get("group_id")
    if isinstance(group_id, int):
        note = await _reconcile(ctx, group_id, month, income)
        if note:
            lines.append(note)
        current = await ctx.uow.records.current_figures(group_id, month)
        if current is not None:
            lines.append(f"(เดือนนี้ส่งไว้แล้ว ฉบับที่ {current.revision} — ครั้งนี้จะบันทึกเป็นฉบับแก้ไข)")
    return "\n".join(lines)


async def _reconcile(ctx: Context, group_id: int, month: date, income: Decimal) -> str | None:
    """Monthly close: the treasurer's income against the sales members logged that month.
    A difference beyond the tolerance is pointed out kindly; it does not block saving, since
    income may include more than sales and members may not log every sale."""
    first, after = month_bounds(month)
    logged = (await ctx.uow.records.group_month(group_id, first, after)).sales_total
    larger = max(income, logged)
    if larger == 0 or abs(income - logged) / larger <= ctx.settings.reconcile_tolerance:
        return None
    return (
        f"ℹ️ ยอดขายที่สมาชิกบันทึกไว้เดือน {thai_month(month)} รวม {baht(logged)} "
        f"ส่วนรายรับที่แจ้งคือ {baht(income)} ต่างกัน {baht(abs(income - logged))} "
        "ลองตรวจสอบอีกครั้งนะคะ (หากรายรับมีแหล่งอื่นนอกจากการขาย ยืนยันได้เลยค่ะ)"
    )


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    figures = await submit_monthly(
        ctx.uow,
        ctx.actor,
        today=ctx.today,
        month=_month(ctx, slots),
        income=dec(slots, "income"),
        expenses=dec(slots, "expenses"),
        balance=dec(slots, "balance"),
        group_id=slots.get("group_id"),
        source_ref=ctx.message.source_ref,
    )
    details = [
        f"เดือน {thai_month(figures.month)}"
        + (f" (ฉบับแก้ไขที่ {figures.revision})" if figures.revision > 1 else ""),
        f"รายรับ {baht(figures.income)} · รายจ่าย {baht(figures.expenses)}",
        f"คงเหลือ {baht(figures.balance)}",
    ]
    return saved("บันทึกตัวเลขประจำเดือนแล้วค่ะ ขอบคุณค่ะ", details, None, slots.get("group_name"))


SPEC = RecordSpec(
    intent="monthly",
    required=("income", "expenses"),
    questions={
        "income": Question("รายรับของเดือน {month} ทั้งหมดกี่บาทคะ เช่น 12,500"),
        "expenses": Question("รายจ่ายของเดือน {month} ทั้งหมดกี่บาทคะ เช่น 4,000", (QuickReply("0"),)),
        "month": Question("ตัวเลขของเดือนไหนคะ เช่น ก.ย. หรือ เดือนที่แล้ว", (QuickReply("เดือนที่แล้ว"),)),
    },
    save=save,
    check=group_check((Role.TREASURER,), TREASURER_ONLY),
    summary=summary,
)
