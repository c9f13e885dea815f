"""ได้เงิน… / จ่าย… — a target household's own income-expense book (บัญชีรับ–จ่ายครัวเรือน)."""

from __future__ import annotations

from bot.handlers.common import saved
from bot.handlers.context import Context
from bot.handlers.record_flow import Question, RecordSpec, Slots, day_of, dec
from bot.messages import Reply
from bot.services.errors import NotAllowed
from bot.services.records import record_account_entry
from bot.wording import baht

HOUSEHOLD_ONLY = "ขออภัยค่ะ บัญชีรับ–จ่ายใช้ได้เฉพาะครัวเรือนเป้าหมายค่ะ พิมพ์ ลงทะเบียน ตามด้วยรหัสครัวเรือนก่อนนะคะ"


async def check(ctx: Context, slots: Slots) -> None:
    if ctx.actor is None or ctx.actor.household_id is None:
        raise NotAllowed(HOUSEHOLD_ONLY)


def _spec(kind: str) -> RecordSpec:
    label = "รายรับ" if kind == "income" else "รายจ่าย"

    async def save(ctx: Context, slots: Slots) -> Reply:
        assert ctx.actor is not None
        entry = await record_account_entry(
            ctx.uow,
            ctx.actor,
            today=ctx.today,
            kind=kind,
            item=slots.get("item"),
            amount=dec(slots, "amount"),
            on_date=day_of(slots),
            source_ref=ctx.message.source_ref,
        )
        return saved(
            f"บันทึก{label}ในบัญชีครัวเรือนแล้วค่ะ",
            [f"{entry.item} {baht(entry.amount)}"],
            entry.on_date,
            None,
        )

    return RecordSpec(
        intent=kind,
        required=("item", "amount"),
        questions={
            "item": Question(f"{label}จากอะไรคะ เช่น ขายผัก หรือ ค่าอาหารไก่"),
            "amount": Question("จำนวนเงินกี่บาทคะ"),
        },
        save=save,
        check=check,
    )


INCOME = _spec("income")
EXPENSE = _spec("expense")
