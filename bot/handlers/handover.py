"""ยืนยันส่งต่อ N / ไม่ส่งต่อ N — the holder of a role, or the officer who looks after it,
answers a handover request (someone typed a valid code for a role the holder has)."""

from __future__ import annotations

import re

from bot.handlers.context import MENU_ONLY, Context, reply
from bot.messages import REPLY_LIMITS, QuickReply, Reply
from bot.services import enrolment_handover as handover

# Module-level phrases (a shared command table can take them over).
CONFIRM_HANDOVER_WORDS = ("ยืนยันส่งต่อ", "ยืนยันการส่งต่อ", "/handover_yes")
REFUSE_HANDOVER_WORDS = ("ไม่ส่งต่อ", "ปฏิเสธส่งต่อ", "ไม่อนุญาตส่งต่อ", "/handover_no")
_NUMBER = re.compile(
    r"^\s*(?:หมายเลข|เลขที่|#)?\s*([0-9๐-๙][0-9๐-๙,]{0,11})\s*(?:ค่ะ|คะ|ครับ|นะคะ|นะครับ)?\s*$"
)
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def wants_decision(ctx: Context) -> tuple[bool, int | None] | None:
    """(accept, request number or None) for "ยืนยันส่งต่อ 12" / "ไม่ส่งต่อ 12"."""
    text = ctx.text.strip()
    for words, accept in ((REFUSE_HANDOVER_WORDS, False), (CONFIRM_HANDOVER_WORDS, True)):
        for word in words:
            if text.lower().startswith(word):
                rest = text[len(word) :]
                if not rest.strip():
                    return accept, None
                match = _NUMBER.match(rest)
                if match:
                    return accept, int(match.group(1).translate(_THAI_DIGITS).replace(",", ""))
    return None


async def decide(ctx: Context, args: tuple[bool, int | None]) -> Reply:
    accept, number = args
    actor = ctx.actor
    assert actor is not None
    word = CONFIRM_HANDOVER_WORDS[0] if accept else REFUSE_HANDOVER_WORDS[0]
    if number is None:
        waiting = await handover.pending_for(ctx.uow, actor, ctx.now)
        if not waiting:
            return reply("ไม่มีคำขอส่งต่อหน้าที่ที่รอคุณยืนยันค่ะ พิมพ์ เมนู เพื่อดูสิ่งที่ทำได้นะคะ", *MENU_ONLY)
        if len(waiting) > 1:
            return reply(
                "มีคำขอส่งต่อหน้าที่รอคุณอยู่หลายรายการค่ะ เลือกหมายเลขคำขอได้เลยนะคะ",
                *(
                    QuickReply(f"{word} {row.id}")
                    for row in waiting[: REPLY_LIMITS.quick_replies - 1]
                ),
            )
        number = waiting[0].id
    decision = await handover.decide(ctx.uow, actor, number, accept, ctx.now)
    if decision.accepted:
        return reply(
            f"ยืนยันแล้วค่ะ ✅ หน้าที่{decision.what}ส่งต่อให้คุณ{decision.new_holder}เรียบร้อย "
            "บอทแจ้งทุกคนที่เกี่ยวข้องแล้วนะคะ",
            *MENU_ONLY,
        )
    return reply(
        f"รับทราบค่ะ ไม่ส่งต่อหน้าที่{decision.what} คุณ{decision.previous_holder}ยังรับหน้าที่เดิมอยู่ "
        "และรหัสที่ใช้ขอถูกยกเลิกแล้ว หากรหัสรั่วไหล ขอให้พัฒนากรออกรหัสใหม่นะคะ",
        *MENU_ONLY,
    )
