"""สรุป / /report — the month so far, as much as the asker may see: a member their own sales and
their group's month, a treasurer or chair the group's, an officer every group of the district,
a household its own account book."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.handlers.context import Context, reply
from bot.messages import Card, CardField, CardSection, Image, QuickReply, Reply
from bot.services import reports
from bot.services.periods import add_months
from bot.services.reports import GroupMonthReport, month_bounds
from bot.vocabulary import MENU, start_button
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


def _group_section(
    report: GroupMonthReport, previous_sales: Decimal, mine: str | None
) -> CardSection:
    """The group's month for the summary card: the figures as fields, the rest as lines."""
    f = report.facts
    fields = [
        CardField(
            "ยอดขาย",
            f"{baht(f.sales_total)} ({number(f.sales_count)} รายการ)",
            strong=True,
        )
    ]
    trend = change(f.sales_total, previous_sales).removeprefix(" · ")
    if trend:
        fields.append(CardField("เทียบเดือนก่อน", trend))
    if mine:
        fields.append(CardField("ของคุณ", mine))
    fields.append(CardField("ประชุม", f"{f.meetings_count} ครั้ง · {number(f.meetings_attendees)} คน"))
    fields.append(
        CardField(
            "ตัวเลขเดือน",
            f"คงเหลือ {baht(f.figures.balance)}" if f.figures is not None else "ยังไม่ได้ส่ง",
        )
    )
    fields.append(CardField("เยี่ยมล่าสุด", thai_date(f.last_visit) if f.last_visit else "ยังไม่มี"))
    lines = [f"• {item} {baht(amount)}" for item, amount in list(f.sales_by_item.items())[:3]]
    if f.work_by_member:
        work = ", ".join(f"{n} {number(u)}" for n, u in f.work_by_member.items())
        lines.append(f"งานที่บันทึก: {work}")
    return CardSection(report.group.name, tuple(fields), tuple(lines))


MAX_CARD_GROUPS = 20  # a district's lines on the card; the text lists them all


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


async def summary(ctx: Context) -> Reply:
    actor = ctx.actor
    assert actor is not None
    parsed = ctx.parsed()
    month: date = parsed.month or ctx.today.replace(day=1)
    blocks: list[str] = []
    sections: list[CardSection] = []
    if actor.is_officer:
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
        listed = lines[1 : MAX_CARD_GROUPS + 1]
        if len(lines) - 1 > MAX_CARD_GROUPS:
            listed.append(f"และอีก {number(len(lines) - 1 - MAX_CARD_GROUPS)} กลุ่ม")
        sections.append(CardSection("กลุ่มในอำเภอ", lines=tuple(listed)))
    wanted = [ctx.room_group_id] if ctx.room_group_id else [g.group_id for g in actor.groups]
    for group_id in wanted:
        if group_id is None:
            continue
        report = await reports.visible_group_month(ctx.uow, actor, group_id, month)
        before_first, before_after = month_bounds(add_months(report.month, -1))
        previous = await ctx.uow.records.sales_total(group_id, before_first, before_after)
        lines = _group_lines(report, previous)
        mine = None
        if actor.role_in(group_id) == "member":
            first, after = month_bounds(month)
            count, total = await ctx.uow.records.person_sales(
                actor.person_id, group_id, first, after
            )
            mine = f"ขาย {number(count)} รายการ รวม {baht(total)}"
            lines.insert(1, f"ของคุณ: {mine}")
        blocks.append("\n".join(lines))
        sections.append(_group_section(report, previous, mine))
    if actor.household_id is not None:
        book = await reports.household_month(ctx.uow, actor.household_id, month)
        household = await ctx.uow.groups.household(actor.household_id)
        whose = f"ครัวเรือน{household.head_name}" if household else "บัญชีครัวเรือน"
        blocks.append(
            f"🏠 {whose} เดือน {thai_month(month)}\n"
            f"รายรับ {baht(book.income)} · รายจ่าย {baht(book.expenses)} · คงเหลือ {baht(book.income - book.expenses)}"
        )
        sections.append(
            CardSection(
                whose,
                (
                    CardField("รายรับ", baht(book.income)),
                    CardField("รายจ่าย", baht(book.expenses)),
                    CardField("คงเหลือ", baht(book.income - book.expenses), strong=True),
                ),
            )
        )
    if not blocks:
        return reply("ยังไม่มีข้อมูลให้สรุปค่ะ พิมพ์ เมนู เพื่อดูวิธีบันทึกนะคะ", *NEXT)
    text = "\n\n".join(blocks) + "\nพิมพ์ เมนู เพื่อบันทึกรายการต่อค่ะ"
    image = await _chart(ctx, wanted[0], month) if wanted else None
    head = blocks[0].splitlines()
    sales = next((line for line in head if line.startswith("ยอดขาย")), "")
    card = Card(
        kind="summary",
        title=f"📊 สรุปเดือน {thai_month(month)}",
        alt=" · ".join(line for line in (head[0], sales) if line),
        subtitle="ถึงวันที่ " + thai_date(min(ctx.today, month_bounds(month)[1] - timedelta(days=1))),
        sections=tuple(sections),
        hero=image,
        buttons=(start_button("sale"), MENU) if actor.groups else (MENU,),
    )
    return Reply(text, NEXT, image=image, card=card)


CHART_TTL = timedelta(days=7)


async def _chart(ctx: Context, group_id: int, month: date) -> Image:
    """Sales by month for the last 12 months, as a picture sent with the summary."""
    # matplotlib loads on the first summary, not when the server starts.
    from bot.reports.charts import group_sales_chart

    png = await group_sales_chart(ctx.uow, group_id, month)
    stored = await ctx.uow.files.put(
        png, "image/png", now=ctx.now, ttl=CHART_TTL, filename="sales.png"
    )
    group = await ctx.uow.groups.get(group_id)  # already loaded: no second query
    return Image(stored.key, f"ยอดขายรายเดือน {group.name if group else ''}".strip())
