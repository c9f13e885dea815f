"""สรุป / /report — the month so far, as much as the asker may see: a member their own sales and
their group's month, a treasurer or chair the group's, an officer every group of the district,
a household its own account book."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from bot.calendar import add_months, month_bounds
from bot.handlers.context import Context, reply
from bot.handlers.privacy import too_often
from bot.handlers.private import SENT_PRIVATELY, private_context, push_private
from bot.messages import Card, CardField, CardSection, Image, QuickReply, Reply
from bot.services import limits, reports
from bot.services.actors import Actor
from bot.services.reports import GroupMonthReport
from bot.storage.unit_of_work import UnitOfWork
from bot.vocabulary import MENU, start_button
from bot.wording import THAI_MONTHS_SHORT, baht, number, quantity, thai_date, thai_month

NEXT = (QuickReply("เมนู"),)
SHOWN_ITEMS = 3  # items listed by name; the rest are added up as "อื่น ๆ"


def change(now: Decimal, before: Decimal, against: str = "เดือนก่อน") -> str:
    """ "เพิ่มขึ้น 12% จากเดือนก่อน" — the month against `against` (the month before, or the
    same days of it while this month is not over), in words people use."""
    if before == 0:
        return "" if now == 0 else f" · {against} ยังไม่มียอดขาย"
    percent = ((now - before) / before * 100).quantize(Decimal(1))
    if percent == 0:
        return f" · เท่ากับ{against}"
    word = "เพิ่มขึ้น" if percent > 0 else "ลดลง"
    return f" · {word} {number(abs(percent))}% จาก{against}"


@dataclass(frozen=True, slots=True)
class Before:
    """The sales the month is compared with, and what to call that period."""

    sales: Decimal
    against: str


async def sales_before(uow: UnitOfWork, group_id: int, month: date, today: date) -> Before:
    """A finished month against the whole month before; the month in progress against the
    same days of the month before (on the 3rd: 1–3 against 1–3), never a part against a whole."""
    first, after = month_bounds(add_months(month, -1))
    if month <= today < add_months(month, 1):
        end = min(first + timedelta(days=today.day), after)
        last = end - timedelta(days=1)
        days = f"{last.day}" if last.day == 1 else f"1–{last.day}"
        against = f"ช่วงเดียวกันของเดือนก่อน ({days} {THAI_MONTHS_SHORT[last.month - 1]})"
        return Before(await uow.records.sales_total(group_id, first, end), against)
    return Before(await uow.records.sales_total(group_id, first, after), "เดือนก่อน")


def item_lines(by_item: dict[str, Decimal]) -> list[str]:
    """The biggest items by name, the rest as one "อื่น ๆ" line: the lines add up to the total."""
    items = list(by_item.items())
    shown = items if len(items) <= SHOWN_ITEMS + 1 else items[:SHOWN_ITEMS]
    lines = [f"  • {item} {baht(amount)}" for item, amount in shown]
    rest = items[len(shown) :]
    if rest:
        total = sum((amount for _, amount in rest), Decimal(0))
        lines.append(f"  • อื่น ๆ อีก {number(len(rest))} อย่าง {baht(total)}")
    return lines


def work_text(work_units: dict[str, dict[str, Decimal]]) -> str:
    """ "บุญมี ใจงาม 25.5 ชั่วโมง, ประไพ ทองดี 8 ชั่วโมง + 200 ฟอง" — every amount with its unit."""
    return ", ".join(
        f"{name} " + " + ".join(f"{quantity(amount)} {unit}" for unit, amount in units.items())
        for name, units in work_units.items()
        if units
    )


def group_lines(report: GroupMonthReport, before: Before) -> list[str]:
    f = report.facts
    lines = [f"📊 {report.group.name} เดือน {thai_month(report.month)}"]
    lines.append(
        f"ยอดขาย {baht(f.sales_total)} ({number(f.sales_count)} รายการ)"
        f"{change(f.sales_total, before.sales, before.against)}"
    )
    lines += item_lines(f.sales_by_item)
    lines.append(f"ประชุม {f.meetings_count} ครั้ง ผู้เข้าร่วมรวม {number(f.meetings_attendees)} คน")
    work = work_text(f.work_units)
    if work:
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


def _group_section(report: GroupMonthReport, before: Before, mine: str | None) -> CardSection:
    """The group's month for the summary card: the figures as fields, the rest as lines."""
    f = report.facts
    fields = [
        CardField(
            "ยอดขาย",
            f"{baht(f.sales_total)} ({number(f.sales_count)} รายการ)",
            strong=True,
        )
    ]
    trend = change(f.sales_total, before.sales, before.against).removeprefix(" · ")
    if trend:
        fields.append(CardField("เทียบ", trend))
    if mine:
        fields.append(CardField("ของคุณ", mine))
    fields.append(CardField("ประชุม", f"{f.meetings_count} ครั้ง · {number(f.meetings_attendees)} คน"))
    fields.append(
        CardField(
            "ตัวเลขเดือน",
            f"คงเหลือ {baht(f.figures.balance)}" if f.figures is not None else "ยังไม่ได้ส่ง",
        )
    )
    fields.append(CardField("เยี่ยมล่าสุด", thai_date(f.last_visit) if f.last_visit else "ยังไม่มีบันทึก"))
    lines = [line.strip() for line in item_lines(f.sales_by_item)]
    work = work_text(f.work_units)
    if work:
        lines.append(f"งานที่บันทึก: {work}")
    return CardSection(report.group.name, tuple(fields), tuple(lines))


MAX_CARD_GROUPS = 20  # a district's lines on the card; the text lists them all


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
    card = shown.card
    if card is not None:  # on LINE the card is what people read: the note goes on it too
        card = replace(card, note="\n".join(n for n in (card.note, note) if n))
    return Reply(f"{shown.text}\n{note}", shown.quick_replies, image=shown.image, card=card)


async def _summary(ctx: Context, wanted: list[int], *, private: bool) -> Reply:
    actor = ctx.actor
    assert actor is not None
    parsed = ctx.parsed()
    month: date = parsed.month or ctx.today.replace(day=1)
    parts: list[tuple[str, CardSection]] = []
    if actor.is_officer and private:
        parts.append(await _district_part(ctx, actor, month))
    for group_id in wanted:
        parts.append(await _group_part(ctx, actor, group_id, month))
    if actor.household_id is not None and private:
        parts.append(await _household_part(ctx, actor.household_id, month))
    if not parts:
        return reply("ยังไม่มีข้อมูลให้สรุปค่ะ พิมพ์ เมนู เพื่อดูวิธีบันทึกนะคะ", *NEXT)
    blocks = [block for block, _section in parts]
    text = "\n\n".join(blocks) + "\nพิมพ์ เมนู เพื่อบันทึกรายการต่อค่ะ"
    image = await _chart(ctx, wanted[0], month) if wanted else None
    head = blocks[0].splitlines()
    sales = next((line for line in head if line.startswith("ยอดขาย")), "")
    card = Card(
        kind="summary",
        title=f"📊 สรุปเดือน {thai_month(month)}",
        alt=" · ".join(line for line in (head[0], sales) if line),
        subtitle="ถึงวันที่ " + thai_date(min(ctx.today, month_bounds(month)[1] - timedelta(days=1))),
        sections=tuple(section for _block, section in parts),
        hero=image,
        buttons=(start_button("sale"), MENU) if actor.groups else (MENU,),
    )
    return Reply(text, NEXT, image=image, card=card)


async def _district_part(ctx: Context, actor: Actor, month: date) -> tuple[str, CardSection]:
    """An officer's one line per group of their district (the card lists the first few)."""
    groups = await reports.district_groups(ctx.uow, actor)
    lines = [f"📋 สรุปกลุ่มในอำเภอ เดือน {thai_month(month)}"]
    for group in groups:
        r = await reports.group_month(ctx.uow, group.id, month)
        f = r.facts
        figures = "ส่งตัวเลขแล้ว" if f.figures else "ยังไม่ส่งตัวเลข"
        visit = f"เยี่ยมล่าสุด {thai_date(f.last_visit)}" if f.last_visit else "ยังไม่มีบันทึกการเยี่ยม"
        lines.append(
            f"• {group.name}: ขาย {baht(f.sales_total)} · ประชุม {f.meetings_count} ครั้ง · {figures} · {visit}"
        )
    if not groups:
        lines.append("ยังไม่มีกลุ่มในอำเภอของคุณค่ะ")
    listed = lines[1 : MAX_CARD_GROUPS + 1]
    if len(lines) - 1 > MAX_CARD_GROUPS:
        listed.append(f"และอีก {number(len(lines) - 1 - MAX_CARD_GROUPS)} กลุ่ม")
    return "\n".join(lines), CardSection("กลุ่มในอำเภอ", lines=tuple(listed))


async def _group_part(
    ctx: Context, actor: Actor, group_id: int, month: date
) -> tuple[str, CardSection]:
    """One group's month, with a member's own sales in it."""
    report = await reports.visible_group_month(ctx.uow, actor, group_id, month)
    before = await sales_before(ctx.uow, group_id, month, ctx.today)
    lines = group_lines(report, before)
    mine = None
    if actor.role_in(group_id) == "member":
        first, after = month_bounds(month)
        count, total = await ctx.uow.records.person_sales(actor.person_id, group_id, first, after)
        mine = f"ขาย {number(count)} รายการ รวม {baht(total)}"
        lines.insert(1, f"ของคุณ: {mine}")
    return "\n".join(lines), _group_section(report, before, mine)


async def _household_part(ctx: Context, household_id: int, month: date) -> tuple[str, CardSection]:
    """A target household's account book for the month."""
    book = await reports.household_month(ctx.uow, household_id, month)
    household = await ctx.uow.groups.household(household_id)
    whose = f"ครัวเรือน{household.head_name}" if household else "บัญชีครัวเรือน"
    block = (
        f"🏠 {whose} เดือน {thai_month(month)}\n"
        f"รายรับ {baht(book.income)} · รายจ่าย {baht(book.expenses)} · คงเหลือ {baht(book.income - book.expenses)}"
    )
    section = CardSection(
        whose,
        (
            CardField("รายรับ", baht(book.income)),
            CardField("รายจ่าย", baht(book.expenses)),
            CardField("คงเหลือ", baht(book.income - book.expenses), strong=True),
        ),
    )
    return block, section


async def _chart(ctx: Context, group_id: int, month: date) -> Image:
    """Sales by month for the last 12 months, as a picture sent with the summary. Nothing is
    drawn here: the stored chart is reused while the numbers are the same, and a new one is
    drawn when the platform first fetches it (bot.reports.files), outside this transaction."""
    from bot.reports.charts import chart_file

    stored = await chart_file(ctx.uow, group_id, month, ctx.now)
    group = await ctx.uow.groups.get(group_id)  # already loaded: no second query
    return Image(stored.key, f"ยอดขายรายเดือน {group.name if group else ''}".strip())
