"""ครัวเรือนต้นแบบ — for an officer, the target households of each village ranked as model
household candidates, best first, with the numbers behind each place (see
bot/reports/model_households.py for the criteria)."""

from __future__ import annotations

from bot.calendar import add_months
from bot.handlers.context import Context, reply
from bot.handlers.private import privately
from bot.messages import REPLY_LIMITS, QuickReply, Reply
from bot.reports.charts import month_label
from bot.reports.model_households import (
    HALF,
    WINDOW_MONTHS,
    RankedHousehold,
    Window,
    rank_model_households,
)
from bot.services.errors import NotAllowed
from bot.wording import baht, number

WORDS = ("ครัวเรือนต้นแบบ", "/model")
OFFICER_ONLY = "ขออภัยค่ะ รายชื่อครัวเรือนต้นแบบดูได้เฉพาะพัฒนากรค่ะ พิมพ์ เมนู เพื่อดูสิ่งที่ทำได้ค่ะ"
# Said to an officer in LINE or Telegram: who adds households, in the programme's own terms
# (never a terminal command).
NO_HOUSEHOLDS = (
    "ยังไม่มีครัวเรือนเป้าหมายในอำเภอของคุณในระบบค่ะ\n"
    "ครัวเรือนเป้าหมายเพิ่มโดยสำนักงานพัฒนาชุมชนอำเภอ (ผู้ดูแลระบบ) "
    "ส่งรายชื่อครัวเรือนพร้อมวิทยากรที่ดูแลให้สำนักงานอำเภอได้เลยค่ะ "
    "เมื่อครัวเรือนได้รหัสและบันทึกรายรับ–รายจ่ายแล้ว พิมพ์ ครัวเรือนต้นแบบ อีกครั้งนะคะ"
)
SHOWN_PER_VILLAGE = 5
MAX_TEXT = REPLY_LIMITS.text - 296  # 3,800: one message on every channel, with room to spare


def asked(ctx: Context) -> bool | None:
    text = ctx.text.strip().lower()
    return True if text.startswith(WORDS) else None


def _line(ranked: RankedHousehold) -> str:
    e = ranked.evidence
    percent = e.growth_percent
    change = "เพิ่มขึ้น" if e.growth > 0 else "ลดลง" if e.growth < 0 else "เท่าเดิม"
    growth = f"รายได้ 6 เดือนล่าสุด {baht(e.income_recent)} ({change}"
    if e.growth:
        growth += f" {number(abs(e.growth))} บาท"
    if percent is not None and e.growth:
        growth += f" {'+' if percent > 0 else ''}{number(percent)}%"
    growth += ")"
    return (
        f"{ranked.place}. {e.head_name} ({e.occupation})\n"
        f"   {growth} · สุทธิ 12 เดือน {baht(e.net)} · บันทึก {e.active_months}/{WINDOW_MONTHS} เดือน"
        f" [อันดับ {ranked.growth_rank}/{ranked.net_rank}/{ranked.regularity_rank}]"
    )


async def ranking(ctx: Context, _: object) -> Reply | None:
    actor = ctx.actor
    if actor is None or actor.district_id is None:
        raise NotAllowed(OFFICER_ONLY)
    # Household names and incomes: never into a group chat.
    return await privately(ctx, _ranking)


async def _ranking(ctx: Context) -> Reply:
    actor = ctx.actor
    assert actor is not None and actor.district_id is not None
    end_month = ctx.today.replace(day=1)
    villages = await rank_model_households(ctx.uow, actor.district_id, end_month)
    window = Window.ending(end_month)
    period = f"{month_label(window.first)} – {month_label(end_month)}"
    if not villages:
        return reply(
            NO_HOUSEHOLDS,
            QuickReply("สรุป"),
            QuickReply("เมนู"),
        )
    blocks = [f"🏆 ครัวเรือนต้นแบบ: อันดับผู้เหมาะสมของแต่ละหมู่บ้าน (ข้อมูล {period})"]
    for village in villages:
        lines = [f"📍 {village.village}"]
        lines += [_line(ranked) for ranked in village.households[:SHOWN_PER_VILLAGE]]
        if not any(r.evidence.active_months for r in village.households):
            lines.append("   ยังไม่มีบันทึกรายรับ–รายจ่าย ชวนครัวเรือนบันทึกทุกเดือนนะคะ")
        hidden = len(village.households) - SHOWN_PER_VILLAGE
        if hidden > 0:
            lines.append(f"   …และอีก {hidden} ครัวเรือน")
        blocks.append("\n".join(lines))
    example = villages[0].households[0].evidence.head_name.split()[0]
    recent_from = month_label(add_months(end_month, -(HALF - 1)))
    footer = (
        "เรียงจากผลรวมอันดับ 3 ด้าน [รายได้เพิ่มขึ้น/รายรับสุทธิ/ความสม่ำเสมอ] ยิ่งน้อยยิ่งดี · "
        f"รายได้เพิ่มขึ้น = {recent_from} – {month_label(end_month)} เทียบกับ 6 เดือนก่อนหน้า\n"
        f"พิมพ์ เช่น เยี่ยมครัวเรือน{example} เพื่อบันทึกการเยี่ยม หรือ เมนู ค่ะ"
    )
    text = ""
    for block in blocks:
        if len(text) + len(block) + len(footer) + 4 > MAX_TEXT:
            text += "\n\n…ยังมีหมู่บ้านอื่นอีก ข้อความยาวเกินไปจึงแสดงเท่านี้ค่ะ"
            break
        text += ("\n\n" if text else "") + block
    return reply(f"{text}\n\n{footer}", QuickReply("ส่งออก"), QuickReply("สรุป"), QuickReply("เมนู"))
