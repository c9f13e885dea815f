"""ข้อมูลของฉัน (what the bot holds about me) and ลบข้อมูลของฉัน (erase it), under the PDPA.
Both answer only in the person's private chat; the erasure is confirmed on the chat account
linked longest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.handlers.context import MENU_ONLY, Context, reply
from bot.handlers.private import privately
from bot.handlers.record_flow import CANCEL
from bot.messages import Document, QuickReply, Reply
from bot.reports.my_data import CONTENT_TYPE, FILENAME, my_data_document
from bot.services import enrolment_notify as notify
from bot.services import limits, privacy
from bot.services.actors import Actor
from bot.services.enrolment import CHANNEL_NAMES
from bot.vocabulary import is_word
from bot.wording import RECORD_KIND_NAMES

NOTICE = (
    "🔒 ความเป็นส่วนตัว: บอทเก็บชื่อ บัญชีแชท และรายการที่คุณบันทึก (การขาย งาน การประชุม ตัวเลขของกลุ่ม) "
    "เพื่อใช้ติดตามและสรุปผลโครงการสัมมาชีพชุมชนให้กลุ่มและพัฒนากรที่ดูแลเท่านั้น "
    "พิมพ์ ข้อมูลของฉัน เพื่อดูข้อมูลทั้งหมด หรือ ลบข้อมูลของฉัน เพื่อขอลบได้ทุกเมื่อค่ะ"
)
CONFIRM_ERASE = "ยืนยันลบ"


def too_often(ctx: Context, until: Any) -> Reply:
    wait = max(1, int((until - ctx.now).total_seconds()) + 1)
    return reply(f"ขอข้อมูลแบบนี้บ่อยเกินไปค่ะ 🙏 รออีกประมาณ {wait:,} วินาที แล้วพิมพ์ใหม่อีกครั้งนะคะ", *MENU_ONLY)


async def show(ctx: Context) -> Reply | None:
    return await privately(ctx, _show)


async def _show(ctx: Context) -> Reply:
    actor = ctx.actor
    if actor is None:
        return reply("บอทยังไม่มีข้อมูลส่วนตัวของคุณค่ะ นอกจากรหัสบัญชีแชทที่ใช้ตอบกลับ", *MENU_ONLY)
    wait = await limits.spend_expensive(ctx.uow, actor.person_id, ctx.now, ctx.settings)
    if wait is not None:
        return too_often(ctx, wait)
    # A Thai page the person can read, carrying the machine-readable data for the office.
    page, data = await my_data_document(ctx.uow, actor.person_id, ctx.now, ctx.settings.tz)
    counts = ", ".join(
        f"{RECORD_KIND_NAMES.get(k, k)} {len(v):,} รายการ" for k, v in data["records"].items()
    )
    minutes = ctx.settings.file_link_minutes
    stored = await ctx.uow.files.put(
        page,
        CONTENT_TYPE,
        now=ctx.now,
        ttl=timedelta(minutes=minutes),
        filename=FILENAME,
        owner_person_id=actor.person_id,
        single_use=True,
    )
    text = (
        f"ข้อมูลของคุณ{actor.name}ที่บอทเก็บไว้ค่ะ\n"
        f"• บัญชีแชท {len(data['chat_accounts'])} บัญชี · กลุ่ม {_groups(actor)}\n"
        f"• รายการที่บันทึก: {counts or 'ยังไม่มี'}\n"
        f"เปิดไฟล์แนบเพื่ออ่านข้อมูลทั้งหมด (ลิงก์เปิดได้ครั้งเดียว ภายใน {minutes:,} นาที) · "
        "พิมพ์ ลบข้อมูลของฉัน หากต้องการลบค่ะ"
    )
    return Reply(text, MENU_ONLY, document=Document(stored.key, FILENAME))


def _groups(actor: Actor) -> str:
    return ", ".join(g.group_name for g in actor.groups) or "-"


ERASE_QUESTION = (
    "ต้องการลบข้อมูลส่วนตัวของคุณใช่ไหมคะ\n"
    "ชื่อและบัญชีแชทจะถูกลบ และจะออกจากกลุ่มทั้งหมด ส่วนยอดรวมของกลุ่มยังคงอยู่โดยไม่ระบุชื่อ\n"
    f"กด {CONFIRM_ERASE} เพื่อลบ หรือ ยกเลิก ค่ะ"
)


async def ask_erase(ctx: Context) -> Reply | None:
    return await privately(ctx, _ask_erase)


async def _ask_erase(ctx: Context) -> Reply:
    if ctx.actor is None:
        return reply("บอทยังไม่มีข้อมูลส่วนตัวของคุณให้ลบค่ะ", *MENU_ONLY)
    await privacy.may_erase_in_chat(ctx.uow, ctx.actor.person_id)
    first = await privacy.confirming_account(ctx.uow, ctx.actor.person_id)
    if first is None or first.id == ctx.account.id:
        await ctx.start_flow("erase", {"asking": "_confirm"})
        return reply(ERASE_QUESTION, QuickReply(CONFIRM_ERASE), CANCEL)
    # Asked from a later account: the account linked longest confirms (a second account
    # someone added must not be able to wipe the person).
    await ctx.uow.conversations.save(
        first.id,
        first.external_id,
        "erase",
        {"asking": "_confirm"},
        ctx.now + timedelta(minutes=ctx.settings.flow_timeout_minutes),
    )
    channel = CHANNEL_NAMES.get(ctx.account.channel, ctx.account.channel)
    await notify.push(
        ctx.uow,
        first,
        f"🔔 มีคำขอลบข้อมูลส่วนตัวของคุณจากบัญชี {channel} อีกบัญชีหนึ่งค่ะ\n{ERASE_QUESTION}",
        ctx.now,
        QuickReply(CONFIRM_ERASE),
        CANCEL,
    )
    first_channel = CHANNEL_NAMES.get(first.channel, first.channel)
    return reply(
        "เพื่อความปลอดภัย การลบข้อมูลต้องยืนยันจากบัญชีแรกที่คุณลงทะเบียนไว้ค่ะ "
        f"(บัญชี {first_channel}) บอทส่งคำถามไปที่บัญชีนั้นแล้ว กด {CONFIRM_ERASE} ที่นั่นได้เลยนะคะ",
        *MENU_ONLY,
    )


async def resume(ctx: Context, _data: dict[str, Any]) -> Reply:
    if not is_word(ctx.text, "confirm_erase") or ctx.actor is None:
        return reply(
            f"กด {CONFIRM_ERASE} เพื่อลบข้อมูล หรือ ยกเลิก ค่ะ", QuickReply(CONFIRM_ERASE), CANCEL
        )
    await ctx.end_flow()
    first = await privacy.confirming_account(ctx.uow, ctx.actor.person_id)
    if first is not None and first.id != ctx.account.id:
        return await _ask_erase(ctx)  # confirmed on the wrong account: ask the first one
    await privacy.may_erase_in_chat(ctx.uow, ctx.actor.person_id)
    await privacy.erase(ctx.uow, ctx.actor.person_id, ctx.now)
    ctx.account_erased = True
    return reply(
        "ลบข้อมูลส่วนตัวของคุณเรียบร้อยแล้วค่ะ ขอบคุณที่ร่วมโครงการนะคะ 🙏 หากต้องการกลับมาใช้ ลงทะเบียนด้วยรหัสใหม่ได้ค่ะ"
    )
