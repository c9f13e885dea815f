"""ส่งออก / /export — an officer's district monthly workbook (Excel), as a file in the private
chat, ready to forward upward. `ส่งออก ต.ค.` or `ส่งออก เดือนที่แล้ว` picks the month (default:
this month). Asked in a group chat, it goes to the officer privately. The download link works
once, for FILE_LINK_MINUTES (15); the signed-in dashboard has the same workbook any time."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from bot.calendar import add_months
from bot.handlers.context import Context, reply
from bot.handlers.privacy import too_often
from bot.handlers.private import privately
from bot.messages import Document, QuickReply, Reply
from bot.reports.charts import month_label
from bot.reports.export import MISSING, XLSX_TYPE, collect, export_filename, render_workbook
from bot.services import limits
from bot.services.errors import NotAllowed
from bot.wording import baht, thai_month

OFFICER_ONLY = (
    "ขออภัยค่ะ การส่งออกรายงานประจำเดือนของอำเภอใช้ได้เฉพาะพัฒนากรค่ะ พิมพ์ สรุป เพื่อดูสรุปของกลุ่มคุณแทนได้ค่ะ"
)
_COMMAND = re.compile(r"^/export(?:@\w+)?(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)
_WORD = "ส่งออก"
# Words an officer may add that say nothing about the month.
_FILLER = re.compile(r"(?:รายงาน|ไฟล์|excel|เอ็กเซล|xlsx|ประจำ)", re.IGNORECASE)


def wants_export(ctx: Context) -> str | None:
    """The words after the command (possibly ""), when this message asks for the export."""
    text = ctx.text.strip()
    command = _COMMAND.match(text)
    if command:
        return (command.group(1) or "").strip()
    if not text.startswith(_WORD):
        return None
    rest = _FILLER.sub(" ", text.removeprefix(_WORD)).strip()
    if not rest or rest in ("เดือนนี้", "เดือน"):
        return rest
    # "ส่งออก ต.ค." yes; "ส่งออกไข่เค็ม 100 ฟอง" is a sale, not a request for the workbook.
    parsed = ctx.parsed(rest)
    if parsed.month is not None and parsed.amount is None and parsed.quantity is None:
        return rest
    return None


async def export(ctx: Context, rest: str) -> Reply | None:
    actor = ctx.actor
    if actor is None or actor.district_id is None:
        raise NotAllowed(OFFICER_ONLY)
    return await privately(ctx, lambda private: _export(private, rest))


async def _export(ctx: Context, rest: str) -> Reply:
    actor = ctx.actor
    assert actor is not None and actor.district_id is not None
    wait = await limits.spend_expensive(ctx.uow, actor.person_id, ctx.now, ctx.settings)
    if wait is not None:
        return too_often(ctx, wait)
    this_month = ctx.today.replace(day=1)
    month: date = (ctx.parsed(rest).month if rest else None) or this_month
    if month > this_month:
        month = this_month
    data = await collect(
        ctx.uow, [actor.district_id], month,
        due_day=ctx.settings.figures_escalate_day, tz=ctx.settings.tz,
        fiscal_start_month=ctx.settings.fiscal_year_start_month,
    )  # fmt: skip
    district = await ctx.uow.groups.area_by_id(actor.district_id)
    district_name = district.name if district is not None else str(actor.district_id)
    filename = export_filename(district_name, month)
    minutes = ctx.settings.file_link_minutes
    stored = await ctx.uow.files.put(
        render_workbook(data), XLSX_TYPE, now=ctx.now, ttl=timedelta(minutes=minutes),
        filename=filename, owner_person_id=actor.person_id, single_use=True,
    )  # fmt: skip

    rows = data.rows
    submitted = sum(1 for row in rows if row.status != MISSING)
    sales = sum((row.sales for row in rows), Decimal(0))
    meetings = sum(row.meetings for row in rows)
    visits = sum(row.visits for row in rows)
    lines = [f"📎 รายงานประจำเดือน {thai_month(month)} อำเภอ{district_name}"]
    if rows:
        lines.append(
            f"กลุ่มอาชีพ {len(rows)} กลุ่ม · ยอดขายรวม {baht(sales)} · ประชุม {meetings} ครั้ง · "
            f"เยี่ยม {visits} ครั้ง · ส่งตัวเลขแล้ว {submitted}/{len(rows)} กลุ่ม"
        )
    else:
        lines.append("ยังไม่มีกลุ่มอาชีพในอำเภอของคุณ ไฟล์จึงมีแต่หัวตารางค่ะ")
    lines.append(
        f"ไฟล์ Excel: {filename} (ลิงก์ดาวน์โหลดใช้ได้ครั้งเดียว ภายใน {minutes:,} นาที "
        "หรือดาวน์โหลดจากแดชบอร์ดได้ทุกเมื่อ) ส่งต่อให้อำเภอได้เลยค่ะ"
    )
    previous = add_months(month, -1)
    lines.append(f"ต้องการเดือนอื่น พิมพ์ เช่น ส่งออก {month_label(previous)} หรือพิมพ์ เมนู เพื่อทำรายการอื่นค่ะ")
    answer = reply(
        "\n".join(lines),
        QuickReply("ส่งออกเดือนก่อน", f"ส่งออก {month_label(previous)}"),
        QuickReply("สรุป"),
        QuickReply("เมนู"),
    )
    return Reply(
        text=answer.text,
        quick_replies=answer.quick_replies,
        document=Document(key=stored.key, filename=filename),
    )
