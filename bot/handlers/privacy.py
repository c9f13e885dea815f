"""ข้อมูลของฉัน (what the bot holds about me) and ลบข้อมูลของฉัน (erase it), under the PDPA."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.handlers.context import MENU_ONLY, Context, reply
from bot.handlers.report_flow import CANCEL
from bot.messages import Document, QuickReply, Reply
from bot.reports.my_data import CONTENT_TYPE, FILENAME, my_data_document
from bot.services import privacy
from bot.services.actors import Actor

NOTICE = (
    "🔒 ความเป็นส่วนตัว: บอทเก็บชื่อ บัญชีแชท และรายการที่คุณบันทึก (การขาย งาน การประชุม ตัวเลขของกลุ่ม) "
    "เพื่อใช้ติดตามและสรุปผลโครงการสัมมาชีพชุมชนให้กลุ่มและพัฒนากรที่ดูแลเท่านั้น "
    "พิมพ์ ข้อมูลของฉัน เพื่อดูข้อมูลทั้งหมด หรือ ลบข้อมูลของฉัน เพื่อขอลบได้ทุกเมื่อค่ะ"
)
CONFIRM_ERASE = "ยืนยันลบ"


async def show(ctx: Context) -> Reply:
    actor = ctx.actor
    if actor is None:
        return reply("บอทยังไม่มีข้อมูลส่วนตัวของคุณค่ะ นอกจากรหัสบัญชีแชทที่ใช้ตอบกลับ", *MENU_ONLY)
    # A Thai page the person can read, carrying the machine-readable data for the office.
    page, data = await my_data_document(ctx.uow, actor.person_id, ctx.now, ctx.settings.tz)
    counts = ", ".join(
        f"{_KIND_NAMES.get(k, k)} {len(v):,} รายการ" for k, v in data["records"].items()
    )
    stored = await ctx.uow.files.put(
        page, CONTENT_TYPE, now=ctx.now, ttl=timedelta(days=1), filename=FILENAME
    )
    text = (
        f"ข้อมูลของคุณ{actor.name}ที่บอทเก็บไว้ค่ะ\n"
        f"• บัญชีแชท {len(data['chat_accounts'])} บัญชี · กลุ่ม {_groups(actor)}\n"
        f"• รายการที่บันทึก: {counts or 'ยังไม่มี'}\n"
        "เปิดไฟล์แนบเพื่อดูข้อมูลทั้งหมด (เปิดได้ 1 วัน) · พิมพ์ ลบข้อมูลของฉัน หากต้องการลบค่ะ"
    )
    return Reply(text, MENU_ONLY, document=Document(stored.key, FILENAME))


_KIND_NAMES = {"sale": "ขาย", "meeting": "ประชุม", "work": "งาน", "activity": "กิจกรรม",
               "account": "บัญชีครัวเรือน", "visit": "เยี่ยม", "monthly": "ตัวเลขเดือน",
               "annual": "สรุปปี", "dividend": "ปันผล"}  # fmt: skip


def _groups(actor: Actor) -> str:
    return ", ".join(g.group_name for g in actor.groups) or "-"


async def ask_erase(ctx: Context) -> Reply:
    if ctx.actor is None:
        return reply("บอทยังไม่มีข้อมูลส่วนตัวของคุณให้ลบค่ะ", *MENU_ONLY)
    await ctx.start_flow("erase", {"asking": "_confirm"})
    return reply(
        "ต้องการลบข้อมูลส่วนตัวของคุณใช่ไหมคะ\n"
        "ชื่อและบัญชีแชทจะถูกลบ และจะออกจากกลุ่มทั้งหมด ส่วนยอดรวมของกลุ่มยังคงอยู่โดยไม่ระบุชื่อ\n"
        f"กด {CONFIRM_ERASE} เพื่อลบ หรือ ยกเลิก ค่ะ",
        QuickReply(CONFIRM_ERASE),
        CANCEL,
    )


async def resume(ctx: Context, _data: dict[str, Any]) -> Reply:
    if ctx.text.strip() != CONFIRM_ERASE or ctx.actor is None:
        return reply(
            f"กด {CONFIRM_ERASE} เพื่อลบข้อมูล หรือ ยกเลิก ค่ะ", QuickReply(CONFIRM_ERASE), CANCEL
        )
    await ctx.end_flow()
    await privacy.erase(ctx.uow, ctx.actor.person_id, ctx.now)
    ctx.account_erased = True
    return reply(
        "ลบข้อมูลส่วนตัวของคุณเรียบร้อยแล้วค่ะ ขอบคุณที่ร่วมโครงการนะคะ 🙏 หากต้องการกลับมาใช้ ลงทะเบียนด้วยรหัสใหม่ได้ค่ะ"
    )
