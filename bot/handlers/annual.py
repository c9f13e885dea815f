"""สรุปปี [2568] — the group's year: revenue, costs, profit and dividends paid, from the
treasurer's monthly figures. The treasurer confirms it to send it to the officer (a revision if
sent again); anyone else in the group, and the group's officer, just reads it."""

from __future__ import annotations

from datetime import date

from bot.handlers.common import saved
from bot.handlers.context import CONFIRM, MENU_ONLY, Context, reply
from bot.handlers.dividend import named_year
from bot.handlers.record_flow import RecordSpec, Slots
from bot.messages import Reply
from bot.services import annual
from bot.services.officer_news import annual_news, period_text, tell_group_officer
from bot.services.periods import last_completed_year, reporting_year
from bot.services.records import resolve_group
from bot.wording import baht, thai_date


async def _figures(ctx: Context, slots: Slots) -> annual.YearFigures:
    be_year = int(slots["be_year"])
    start, end = reporting_year(be_year, ctx.settings.fiscal_year_start_month)
    return await annual.year_figures(ctx.uow, int(slots["group_id"]), be_year, start, end)


def _text(figures: annual.YearFigures, group_name: str) -> str:
    last = date.fromordinal(figures.end.toordinal() - 1)
    return "\n".join(
        [
            f"📒 สรุปปี {figures.be_year} ของ{group_name} ({thai_date(figures.start)} – {thai_date(last)})",
            f"รายรับรวม {baht(figures.revenue)}",
            f"รายจ่ายรวม {baht(figures.costs)}",
            f"กำไร {baht(figures.profit)}",
            f"ปันผลที่จ่ายแล้ว {baht(figures.dividends)}",
            f"จากตัวเลขประจำเดือนที่ส่งแล้ว {figures.months_reported} เดือน",
        ]
    )


async def show(ctx: Context) -> Reply:
    """Entry point: treasurers are asked to confirm and send; others see the figures."""
    actor = ctx.actor
    assert actor is not None
    group = resolve_group(actor, ctx.room_group_id)
    be_year = named_year(ctx.text) or last_completed_year(
        ctx.today, ctx.settings.fiscal_year_start_month
    )
    slots: Slots = {"group_id": group.group_id, "group_name": group.group_name, "be_year": be_year}
    figures = await _figures(ctx, slots)
    text = _text(figures, group.group_name)
    if group.role != "treasurer":
        return reply(f"{text}\nพิมพ์ เมนู เพื่อดูสิ่งที่ทำได้ค่ะ", *MENU_ONLY)
    await ctx.start_flow("annual", {"slots": slots, "asking": "_confirm"})
    return reply(f"{text}\nส่งสรุปปีนี้ให้พัฒนากรเลยไหมคะ กด ยืนยัน หรือ ยกเลิก ค่ะ", *CONFIRM)


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    figures = await _figures(ctx, slots)
    row = await annual.submit_annual(
        ctx.uow, ctx.actor, figures, today=ctx.today, source_ref=ctx.message.source_ref
    )
    details = [f"ปี {figures.be_year} กำไร {baht(row.profit)}"]
    if row.revision > 1:
        details.append(f"(ฉบับแก้ไขที่ {row.revision})")
    group_name = str(slots.get("group_name") or "")
    news = annual_news(
        row, group_name, figures.be_year, period_text(figures.start, figures.end),
        ctx.actor.name, figures.months_reported,
    )  # fmt: skip
    told = await tell_group_officer(ctx.uow, figures.group_id, news, ctx.now)
    if told is not None and told.chats:
        # True as said: the officer's private chat has it (the outbox row is in this commit).
        details.append(f"แจ้งคุณ{told.officer} (พัฒนากร) ทางแชตส่วนตัวแล้ว")
        headline = "ส่งสรุปประจำปีให้พัฒนากรแล้วค่ะ"
    else:
        details.append("พัฒนากรดูได้ในแดชบอร์ดและไฟล์สรุปประจำเดือนของอำเภอ")
        headline = "บันทึกสรุปประจำปีแล้วค่ะ"
    return saved(headline, details, None, group_name)


SPEC = RecordSpec(intent="annual", required=(), questions={}, save=save)
