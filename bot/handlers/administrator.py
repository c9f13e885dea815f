"""สรุปจังหวัด / สรุปอำเภอ [ชื่อ] — what a district or province office (an administrator) sees
in chat: a province administrator one line per district of the province, and the groups of
any district in it; a district administrator the groups of their district. This month's sales,
meetings and officer visits, and the previous month's figures sent. Never in a group chat: asked
there, the answer goes to the person's private chat. The scope is the administrator row the
chat account is linked to (bot/services/administrators.py), never a name typed by itself."""

from __future__ import annotations

import re
from datetime import date

from bot.calendar import add_months
from bot.handlers.context import Context, reply
from bot.handlers.privacy import too_often
from bot.handlers.private import privately
from bot.messages import Reply
from bot.reports import province
from bot.reports.export_rows import MISSING
from bot.services import administrators, limits
from bot.services.administrators import Scope
from bot.services.errors import NotAllowed
from bot.storage.models import Area
from bot.vocabulary import DASHBOARD, MENU, is_word, spoken
from bot.wording import baht, number, thai_date, thai_month

_DISTRICT = re.compile(r"^\s*(?:สรุปอำเภอ|สรุปรายอำเภอ|/district(?:@\w+)?)\s*(.*)$", re.IGNORECASE)
DISTRICT_ADMIN_ONLY = "สรุปจังหวัดดูได้เฉพาะผู้ดูแลระดับจังหวัดค่ะ พิมพ์ สรุปอำเภอ เพื่อดูกลุ่มในอำเภอของคุณนะคะ"


def asked(ctx: Context) -> str | None:
    """ "province" for สรุปจังหวัด (anyone: others are refused politely); for an administrator,
    "district:<name>" for สรุปอำเภอ [name], and their own overview for a plain สรุป."""
    if is_word(ctx.text, "province_summary"):
        return "province"
    actor = ctx.actor
    if actor is None or actor.admin_id is None or actor.is_officer:
        return None  # an officer's สรุปอำเภอ is their district summary (handlers/report.py)
    found = _DISTRICT.match(ctx.text)
    if found:
        # "สรุปอำเภอค่ะ" names no district: the polite ending is not one.
        rest = spoken(f"สรุปอำเภอ {found.group(1)}").removeprefix("สรุปอำเภอ")
        return "district:" + rest
    if is_word(ctx.text, "summary") and not actor.groups:
        return "overview"
    return None


async def show(ctx: Context, what: str) -> Reply | None:
    actor = ctx.actor
    if actor is None or actor.admin_id is None:
        raise NotAllowed(administrators.ADMIN_ONLY)

    async def answer(private: Context) -> Reply:
        scope = administrators.require(
            await administrators.scope_of_person(private.uow, actor.person_id)
        )
        wait = await limits.spend_expensive(
            private.uow, actor.person_id, private.now, private.settings
        )
        if wait is not None:
            return too_often(private, wait)
        if what == "province" and not scope.is_province:
            return reply(DISTRICT_ADMIN_ONLY, MENU)
        name = what.removeprefix("district:") if what.startswith("district:") else ""
        if name or not scope.is_province:
            return await _district(private, scope, name)
        return await _province(private, scope)

    return await privately(ctx, answer)


async def _rollups(
    ctx: Context, scope: Scope, districts: list[Area]
) -> tuple[province.Rollup, province.Rollup]:
    """This month's, and the previous month's (whose figures are the ones sent by now)."""
    month = ctx.today.replace(day=1)
    settings = ctx.settings

    async def of(first: date) -> province.Rollup:
        return await province.rollup(
            ctx.uow, districts, scope.title, first, due_day=settings.figures_escalate_day,
            tz=settings.tz, fiscal_start_month=settings.fiscal_year_start_month,
        )  # fmt: skip

    return await of(month), await of(add_months(month, -1))


def _head(title: str, ctx: Context) -> str:
    month = ctx.today.replace(day=1)
    return f"🏛️ สรุป{title} เดือน {thai_month(month)} (ถึงวันที่ {thai_date(ctx.today)})"


async def _province(ctx: Context, scope: Scope) -> Reply:
    districts = await administrators.districts(ctx.uow, scope)
    now, before = await _rollups(ctx, scope, list(districts))
    previous = thai_month(before.month)
    sent = {line.district_id: line for line in before.lines}
    lines = [_head(scope.title, ctx)]
    for line in now.lines:
        figures = sent.get(line.district_id)
        lines.append(
            f"• อำเภอ{line.district}: {number(line.groups)} กลุ่ม · ขาย {baht(line.sales)} · "
            f"ประชุม {number(line.meetings)} ครั้ง · เยี่ยม {number(line.visits)} ครั้ง · "
            f"ส่งตัวเลข {previous} {number(figures.figures_sent if figures else 0)}/"
            f"{number(line.groups)} กลุ่ม · ครัวเรือนเป้าหมาย {number(line.households)}"
        )
    if not now.lines:
        lines.append("ยังไม่มีอำเภอในจังหวัดนี้ในระบบค่ะ")
    total = now.total
    lines.append(
        f"รวม {number(total.groups)} กลุ่ม · ขาย {baht(total.sales)} · "
        f"ส่งสรุปประจำปี {now.annual_year} แล้ว {number(total.annual_sent)} กลุ่ม"
    )
    example = now.lines[0].district if now.lines else "…"
    lines.append(f"พิมพ์ สรุปอำเภอ ตามด้วยชื่ออำเภอ เพื่อดูรายกลุ่ม เช่น สรุปอำเภอ {example} ค่ะ")
    return reply("\n".join(lines), DASHBOARD, MENU)


async def _district(ctx: Context, scope: Scope, name: str) -> Reply:
    if name:
        district = await administrators.find_district(ctx.uow, scope, name)
    else:
        (district,) = await administrators.districts(ctx.uow, scope)
    now, before = await _rollups(ctx, scope, [district])
    previous = thai_month(before.month)
    status = {row.group_id: row.status for row in before.data.rows}
    lines = [_head(f"อำเภอ{district.name}", ctx)]
    for row in now.data.rows:
        figures = "ยังไม่ส่ง" if status.get(row.group_id, MISSING) == MISSING else "ส่งแล้ว"
        lines.append(
            f"• {row.group} ({row.village}): ขาย {baht(row.sales)} · ประชุม {number(row.meetings)} ครั้ง · "
            f"เยี่ยม {number(row.visits)} ครั้ง · ตัวเลข {previous} {figures}"
        )
    if not now.data.rows:
        lines.append("ยังไม่มีกลุ่มอาชีพในอำเภอนี้ค่ะ")
    lines.append("ดูรายละเอียดทุกกลุ่มได้ในแดชบอร์ด กด แดชบอร์ด ค่ะ")
    return reply("\n".join(lines), DASHBOARD, MENU)
