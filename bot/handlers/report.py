"""สรุป / /report — the month so far, as much as the asker may see: a member their own sales and
their group's month, a treasurer or chair the group's, an officer every group of the district,
a household its own account book."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.handlers.context import Context, reply
from bot.handlers.privacy import too_often
from bot.handlers.private import SENT_PRIVATELY, private_context, push_private
from bot.messages import Image, QuickReply, Reply
from bot.services import limits, reports
from bot.services.periods import add_months
from bot.services.reports import GroupMonthReport, month_bounds
from bot.wording import baht, number, thai_date, thai_month

NEXT = (QuickReply("เมนู"),)


def change(now: Decimal, before: Decimal) -> str:
    """ "เพิ่มขึ้น 12% จากเดือนก่อน" — the month against the one before, in words people use."""
    if before == 0:
        return "" if now == 0 else " · เดือนก่อนยังไม่มียอดขาย"
    percent = ((now - before) / before * 100).quantize(Decimal(1))
    if percent == 0:
        return " · เท่ากับเดือนก่อน"
    word = "เพิ่มขึ้น" if percent > 0 else "ลดลง"
    return f" · {word} {number(abs(percent))}% จากเดือนก่อน"


def _group_lines(report: GroupMonthReport, previous_sales: Decimal) -> list[str]:
    f = report.facts
    lines = [f"📊 {report.group.name} เดือน {thai_month(report.month)}"]
    lines.append(
        f"ยอดขาย {baht(f.sales_total)} ({number(f.sales_count)} รายการ){change(f.sales_total, previous_sales)}"
    )
    for item, amount in list(f.sales_by_item.items())[:3]:
        lines.append(f"  • {item} {baht(amount)}")
    lines.append(f"ประชุม {f.meetings_count} ครั้ง ผู้เข้าร่วมรวม {number(f.meetings_attendees)} คน")
    if f.work_by_member:
        work = ", ".join(f"{n} {number(u)}" for n, u in f.work_by_member.items())
        lines.append(f"งานที่บันทึก: {work}")
    if f.figures is not None:
        lines.append(
            f"ตัวเลขเดือน: รับ {baht(f.figures.income)} จ่าย {baht(f.figures.expenses)} คงเหลือ {baht(f.figures.balance)}"
        )
    else:
        lines.append("ตัวเลขเดือน: ยังไม่ได้ส่ง")
    lines.append(
        f"พัฒนากรเยี่ยมล่าสุด {thai_date(f.last_visit)}" if f.last_visit else "ยังไม่มีบันทึกการเยี่ยม"
    )
    return lines


async def summary(ctx: Context) -> Reply | None:
    """In a private chat, everything the person may see. In a group chat, the room's own group
    only; an officer's district list and a household's book go to the private chat."""
    actor = ctx.actor
    assert actor is not None
    wait = await limits.spend_expensive(ctx.uow, actor.person_id, ctx.now, ctx.settings)
    if wait is not None:
        return too_often(ctx, wait)
    if not ctx.message.is_group:
        return await _summary(ctx, [g.group_id for g in actor.groups], private=True)
    shown = await _summary(ctx, [ctx.room_group_id] if ctx.room_group_id else [], private=False)
    if not (actor.is_officer or actor.household_id is not None):
        return shown
    private = await private_context(ctx)
    everything = await _summary(private, [g.group_id for g in actor.groups], private=True)
    await push_private(ctx, everything)
    note = "สรุปของอำเภอ/ครัวเรือนส่งให้ทางแชตส่วนตัวแล้วค่ะ 📩"
    if ctx.room_group_id is None:
        return reply(SENT_PRIVATELY)
    return Reply(f"{shown.text}\n{note}", shown.quick_replies, image=shown.image)


async def _summary(ctx: Context, wanted: list[int], *, private: bool) -> Reply:
    actor = ctx.actor
    assert actor is not None
    parsed = ctx.parsed()
    month: date = parsed.month or ctx.today.replace(day=1)
    blocks: list[str] = []
    if actor.is_officer and private:
        groups = await reports.district_groups(ctx.uow, actor)
        lines = [f"📋 สรุปกลุ่มในอำเภอ เดือน {thai_month(month)}"]
        for group in groups:
            r = await reports.group_month(ctx.uow, group.id, month)
            f = r.facts
            figures = "ส่งตัวเลขแล้ว" if f.figures else "ยังไม่ส่งตัวเลข"
            visit = thai_date(f.last_visit) if f.last_visit else "ยังไม่เคยเยี่ยม"
            lines.append(
                f"• {group.name}: ขาย {baht(f.sales_total)} · ประชุม {f.meetings_count} ครั้ง · {figures} · เยี่ยมล่าสุด {visit}"
            )
        if not groups:
            lines.append("ยังไม่มีกลุ่มในอำเภอของคุณค่ะ")
        blocks.append("\n".join(lines))
    for group_id in wanted:
        report = await reports.visible_group_month(ctx.uow, actor, group_id, month)
        before_first, before_after = month_bounds(add_months(report.month, -1))
        previous = await ctx.uow.records.sales_total(group_id, before_first, before_after)
        lines = _group_lines(report, previous)
        if actor.role_in(group_id) == "member":
            first, after = month_bounds(month)
            count, total = await ctx.uow.records.person_sales(
                actor.person_id, group_id, first, after
            )
            lines.insert(1, f"ของคุณ: ขาย {number(count)} รายการ รวม {baht(total)}")
        blocks.append("\n".join(lines))
    if actor.household_id is not None and private:
        book = await reports.household_month(ctx.uow, actor.household_id, month)
        household = await ctx.uow.groups.household(actor.household_id)
        whose = f"ครัวเรือน{household.head_name}" if household else "บัญชีครัวเรือน"
        blocks.append(
            f"🏠 {whose} เดือน {thai_month(month)}\n"
            f"รายรับ {baht(book.income)} · รายจ่าย {baht(book.expenses)} · คงเหลือ {baht(book.income - book.expenses)}"
        )
    if not blocks:
        return reply("ยังไม่มีข้อมูลให้สรุปค่ะ พิมพ์ เมนู เพื่อดูวิธีบันทึกนะคะ", *NEXT)
    text = "\n\n".join(blocks) + "\nพิมพ์ เมนู เพื่อบันทึกรายการต่อค่ะ"
    image = await _chart(ctx, wanted[0], month) if wanted else None
    return Reply(text, NEXT, image=image)


async def _chart(ctx: Context, group_id: int, month: date) -> Image:
    """Sales by month for the last 12 months, as a picture sent with the summary. Nothing is
    drawn here: the stored chart is reused while the numbers are the same, and a new one is
    drawn when the platform first fetches it (bot.reports.files), outside this transaction."""
    from bot.reports.charts import chart_file

    stored = await chart_file(ctx.uow, group_id, month, ctx.now)
    group = await ctx.uow.groups.get(group_id)  # already loaded: no second query
    return Image(stored.key, f"ยอดขายรายเดือน {group.name if group else ''}".strip())
