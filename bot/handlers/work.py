"""ทำงาน… — work a member did: hours or units made. The basis of dividends by work."""

from __future__ import annotations

from bot.handlers.common import group_check, saved
from bot.handlers.context import Context
from bot.handlers.format import quantity
from bot.handlers.report_flow import Question, ReportSpec, Slots, day_of, dec
from bot.messages import QuickReply, Reply
from bot.services.records import record_work


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    hours = dec(slots, "hours")
    done = dec(slots, "quantity")
    if hours is None and done is None:
        hours = dec(slots, "amount_done")
    log = await record_work(
        ctx.uow,
        ctx.actor,
        today=ctx.today,
        on_date=day_of(slots),
        hours=hours,
        amount_done=done,
        unit=slots.get("unit"),
        note=slots.get("topics") or slots.get("item"),
        member_name=slots.get("person"),
        group_id=slots.get("group_id"),
        source_ref=ctx.message.source_ref,
    )
    details = []
    if slots.get("person"):
        details.append(f"ของ {slots['person']}")
    if log.hours is not None:
        details.append(f"{quantity(log.hours)} ชั่วโมง")
    if log.quantity is not None:
        details.append(f"ทำได้ {quantity(log.quantity)} {log.unit or ''}".rstrip())
    if log.note:
        details.append(f"งาน: {log.note}")
    return saved("บันทึกงานแล้วค่ะ", details, log.on_date, slots.get("group_name"))


def _has_work(slots: Slots) -> bool:
    return slots.get("hours") is not None or slots.get("quantity") is not None


async def _fill(ctx: Context, slots: Slots) -> None:
    await group_check()(ctx, slots)
    if not _has_work(slots) and slots.get("amount_done") is not None:
        slots["hours"] = slots["amount_done"]  # a bare number answering "how many hours?"
    # One question covers both ways of measuring work: hours, or units made.
    if _has_work(slots):
        slots["amount_done"] = slots.get("hours") or slots.get("quantity")
    else:
        slots.pop("amount_done", None)


SPEC = ReportSpec(
    intent="work",
    required=("amount_done",),
    questions={
        "amount_done": Question(
            "ทำงานกี่ชั่วโมงคะ เช่น 3 ชั่วโมง (หรือบอกจำนวนที่ทำได้ เช่น ทำไข่เค็ม 100 ฟอง)",
            (QuickReply("2 ชั่วโมง"), QuickReply("4 ชั่วโมง"), QuickReply("8 ชั่วโมง")),
        ),
    },
    save=save,
    check=_fill,
)
