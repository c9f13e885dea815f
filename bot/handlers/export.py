"""ส่งออก / /export — an officer's district monthly workbook (Excel), as a file in the private
chat, ready to forward upward; a district administrator gets their district's, a province
administrator the province workbook (one row per district, one sheet per district). The scope
is the officer's district or the administrator row the chat account is linked to, never a name
typed. `ส่งออก ต.ค.` or `ส่งออก เดือนที่แล้ว` picks the month (default: this month). Asked in a
group chat, it goes to the person privately. The download link works once, for
FILE_LINK_MINUTES (15); the signed-in dashboard has the same workbook any time.

The reply's short summary is read in the message's transaction; the workbook is not built
there: the reply carries a file request that is rendered when its link is first fetched
(bot/services/exports.py)."""

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
from bot.reports.export_rows import MISSING, SummaryRow
from bot.services import administrators, exports, limits
from bot.services.administrators import Scope
from bot.services.errors import NotAllowed
from bot.wording import baht, number, thai_month

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
    if actor is None or (actor.district_id is None and actor.admin_id is None):
        raise NotAllowed(OFFICER_ONLY)
    return await privately(ctx, lambda private: _export(private, rest))


async def _export(ctx: Context, rest: str) -> Reply:
    actor = ctx.actor
    assert actor is not None
    wait = await limits.spend_expensive(ctx.uow, actor.person_id, ctx.now, ctx.settings)
    if wait is not None:
        return too_often(ctx, wait)
    this_month = ctx.today.replace(day=1)
    month: date = (ctx.parsed(rest).month if rest else None) or this_month
    if month > this_month:
        month = this_month
    if actor.district_id is not None:  # an officer: their own district
        return await _district(ctx, actor.district_id, month, "ส่งต่อให้อำเภอได้เลยค่ะ")
    scope = administrators.require(await administrators.scope_of_person(ctx.uow, actor.person_id))
    if scope.is_province:
        return await _province(ctx, scope, month)
    return await _district(ctx, scope.area_id, month, "ส่งต่อให้จังหวัดได้เลยค่ะ")


async def _district(ctx: Context, district_id: int, month: date, forward: str) -> Reply:
    options = exports.Options.of(ctx.settings)
    found = await exports.district(ctx.uow, district_id, month, options, records=False)
    district = found.data.districts[0].name if found.data.districts else str(district_id)
    rows = found.data.rows
    lines = [f"📎 รายงานประจำเดือน {thai_month(month)} อำเภอ{district}"]
    if rows:
        lines.append(
            f"กลุ่มอาชีพ {number(len(rows))} กลุ่ม · ยอดขายรวม {baht(_sales(rows))} · "
            f"ประชุม {number(sum(row.meetings for row in rows))} ครั้ง · "
            f"เยี่ยม {number(sum(row.visits for row in rows))} ครั้ง · "
            f"ส่งตัวเลขแล้ว {number(_submitted(rows))}/{number(len(rows))} กลุ่ม"
        )
    else:
        lines.append("ยังไม่มีกลุ่มอาชีพในอำเภอของคุณ ไฟล์จึงมีแต่หัวตารางค่ะ")
    return await _with_file(
        ctx, exports.DISTRICT, district_id, month, found.filename, lines, forward
    )


async def _province(ctx: Context, scope: Scope, month: date) -> Reply:
    options = exports.Options.of(ctx.settings)
    areas = await administrators.districts(ctx.uow, scope)
    found = await exports.province(ctx.uow, areas, scope.title, month, options)
    total = found.rollup.total
    lines = [
        f"📎 รายงานประจำเดือน {thai_month(month)} {scope.title}",
        f"{number(len(found.rollup.lines))} อำเภอ · กลุ่มอาชีพ {number(total.groups)} กลุ่ม · "
        f"ยอดขายรวม {baht(total.sales)} · ส่งตัวเลขแล้ว {number(total.figures_sent)}/"
        f"{number(total.groups)} กลุ่ม",
    ]
    return await _with_file(
        ctx, exports.PROVINCE, scope.area_id, month, found.filename, lines, "ส่งต่อได้เลยค่ะ"
    )


async def _with_file(
    ctx: Context, kind: exports.Kind, area_id: int, month: date, filename: str, lines: list[str],
    forward: str,
) -> Reply:  # fmt: skip
    """The reply with the workbook's single-use link; the workbook is rendered on first fetch."""
    actor = ctx.actor
    assert actor is not None
    minutes = ctx.settings.file_link_minutes
    stored = await exports.request(
        ctx.uow, kind, area_id, month, exports.Options.of(ctx.settings), filename=filename,
        now=ctx.now, ttl=timedelta(minutes=minutes), owner_person_id=actor.person_id,
    )  # fmt: skip
    lines.append(
        f"ไฟล์ Excel: {filename} (ลิงก์ดาวน์โหลดใช้ได้ครั้งเดียว ภายใน {minutes:,} นาที "
        f"หรือดาวน์โหลดจากแดชบอร์ดได้ทุกเมื่อ) {forward}"
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


def _sales(rows: list[SummaryRow]) -> Decimal:
    return sum((row.sales for row in rows), Decimal(0))


def _submitted(rows: list[SummaryRow]) -> int:
    return sum(1 for row in rows if row.status != MISSING)
