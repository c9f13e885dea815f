"""Linking: `/start CODE`, `ลงทะเบียน CODE`, `เข้ากลุ่ม CODE`, `/join CODE`, greetings on follow and
join, and the invitation an unlinked person gets."""

from __future__ import annotations

from typing import Any

from bot.handlers.context import MENU_ONLY, Context, reply
from bot.handlers.privacy import NOTICE
from bot.messages import QuickReply, Reply
from bot.services.enrolment import PLACEHOLDER_NAME, link_by_code, link_room

AGREE = "ยินยอม"
DECLINE = "ไม่ยินยอม"
SET_NAME = "ชื่อ"

ROLE_NAMES = {
    "member": "สมาชิก",
    "treasurer": "เหรัญญิก",
    "chair": "ประธาน",
    "officer": "พัฒนากร",
    "trainer": "วิทยากร",
    "household": "ครัวเรือนเป้าหมาย",
}

HOW_TO_LINK = "พิมพ์ ลงทะเบียน ตามด้วยรหัสที่ได้รับจากพัฒนากร เช่น ลงทะเบียน AB12CD ค่ะ"
GREETING = (
    "สวัสดีค่ะ ยินดีต้อนรับสู่ผู้ช่วยสัมมาชีพชุมชน 🌱\n"
    "ใช้บันทึกการขาย การประชุม งาน กิจกรรม และตัวเลขประจำเดือนของกลุ่มอาชีพได้ง่าย ๆ\n"
    f"เริ่มต้น: {HOW_TO_LINK}\n"
    "🔒 บอทจะขอความยินยอมก่อนเก็บข้อมูลส่วนตัวใด ๆ ค่ะ"
)
ROOM_GREETING = (
    "สวัสดีค่ะทุกคน 🌱 ผู้ช่วยสัมมาชีพชุมชนพร้อมช่วยบันทึกงานของกลุ่มแล้วค่ะ\n"
    "เชื่อมห้องนี้กับกลุ่มอาชีพ: พิมพ์ เข้ากลุ่ม ตามด้วยรหัสกลุ่ม เช่น เข้ากลุ่ม AB12CD ค่ะ"
)


async def link(ctx: Context, code: str) -> Reply:
    if ctx.message.is_group:
        linked = await link_room(
            ctx.uow, ctx.message.channel, ctx.message.chat_id, code, ctx.person_id
        )
        if linked.kind == "room":
            return reply(
                f"เชื่อมห้องนี้กับ{linked.name}แล้วค่ะ 🎉\n"
                "สมาชิกพิมพ์รายงานในห้องนี้ได้เลย เช่น ขายไข่เค็ม 30 ฟอง 300 บาท\n"
                "ใครยังไม่ได้เป็นสมาชิก ทักบอทส่วนตัวแล้วพิมพ์ เข้ากลุ่ม ตามด้วยรหัสนะคะ",
                QuickReply("เมนู"),
            )
        return reply(f"ไม่พบรหัส {code} ค่ะ กรุณาตรวจสอบรหัสกลุ่มกับพัฒนากรอีกครั้งนะคะ")

    if ctx.account.consented_at is None:
        # PDPA: say what is collected and why, and link nothing until the person agrees.
        await ctx.start_flow("consent", {"code": code})
        return reply(
            f"{NOTICE}\nกด {AGREE} เพื่อลงทะเบียนต่อ หรือ {DECLINE} ค่ะ",
            QuickReply(AGREE),
            QuickReply(DECLINE),
        )
    return await _link_person(ctx, code)


async def resume_consent(ctx: Context, data: dict[str, Any]) -> Reply:
    answer = ctx.text.strip()
    if answer == AGREE:
        await ctx.end_flow()
        ctx.account.consented_at = ctx.now
        if ctx.message.display_name:
            ctx.account.display_name = ctx.message.display_name
        linked = await _link_person(ctx, str(data.get("code", "")))
        if ctx.account.person_id is not None:
            person = await ctx.uow.people.person(ctx.account.person_id)
            if person is not None and person.consented_at is None:
                person.consented_at = ctx.now
        return Reply(f"ขอบคุณค่ะ บันทึกความยินยอมแล้ว\n{linked.text}", linked.quick_replies)
    if answer in (DECLINE, "ยกเลิก"):
        await ctx.end_flow()
        return reply(
            "ไม่เป็นไรค่ะ ยังไม่ได้ลงทะเบียน และไม่มีข้อมูลส่วนตัวของคุณถูกเก็บไว้ "
            "หากเปลี่ยนใจ พิมพ์ ลงทะเบียน ตามด้วยรหัสได้ทุกเมื่อค่ะ"
        )
    return reply(
        f"กด {AGREE} เพื่อลงทะเบียนต่อ หรือ {DECLINE} ค่ะ", QuickReply(AGREE), QuickReply(DECLINE)
    )


async def _link_person(ctx: Context, code: str) -> Reply:
    linked = await link_by_code(ctx.uow, ctx.account, code)
    if linked.kind == "unknown":
        return reply(
            f"ไม่พบรหัส {code} หรือรหัสนี้ถูกใช้กับบัญชีอื่นแล้วค่ะ กรุณาตรวจสอบกับพัฒนากรอีกครั้งนะคะ\n{HOW_TO_LINK}"
        )
    if linked.kind == "already":
        return reply(
            f"คุณเป็น{ROLE_NAMES.get(linked.role or '', 'สมาชิก')}ของ{linked.name}อยู่แล้วค่ะ พิมพ์ เมนู เพื่อดูสิ่งที่ทำได้นะคะ",
            *MENU_ONLY,
        )
    role = ROLE_NAMES.get(linked.role or "", "")
    if linked.kind == "group":
        text = f"ยินดีต้อนรับค่ะ คุณเป็น{role}ของ{linked.name}แล้ว 🎉"
        if linked.previous_holder:
            text += f"\n(รับหน้าที่{role}ต่อจากคุณ{linked.previous_holder})"
    elif linked.kind == "officer":
        text = f"เชื่อมบัญชีพัฒนากรของคุณ{linked.name}แล้วค่ะ 🎉"
    elif linked.kind == "trainer":
        text = f"เชื่อมบัญชีวิทยากรของคุณ{linked.name}แล้วค่ะ 🎉"
    else:
        text = f"เชื่อมบัญชีครัวเรือนของคุณ{linked.name}แล้วค่ะ 🎉"
    if await _unnamed(ctx):
        text += f"\nบอกชื่อของคุณเพื่อใช้ในรายงานของกลุ่มได้ค่ะ พิมพ์ เช่น {SET_NAME} สมศรี ใจดี"
    return reply(f"{text}\nพิมพ์ เมนู เพื่อดูสิ่งที่ทำได้ค่ะ", *MENU_ONLY)


async def _unnamed(ctx: Context) -> bool:
    if ctx.account.person_id is None:
        return False
    person = await ctx.uow.people.person(ctx.account.person_id)
    return person is not None and person.name == PLACEHOLDER_NAME


async def set_name(ctx: Context, name: str) -> Reply:
    """ชื่อ สมศรี ใจดี — the name shown in the group's reports (work, dividends)."""
    cleaned = " ".join(name.split())[:100]
    if ctx.account.person_id is None or not cleaned:
        return reply(f"ยังไม่ได้ลงทะเบียนค่ะ\n{HOW_TO_LINK}")
    person = await ctx.uow.people.person(ctx.account.person_id)
    assert person is not None
    before = {"name": person.name}
    person.name = cleaned
    await ctx.uow.audit.add(person.id, "rename", "person", person.id, before, {"name": cleaned})
    return reply(f"บันทึกชื่อ {cleaned} แล้วค่ะ พิมพ์ เมนู เพื่อดูสิ่งที่ทำได้นะคะ", *MENU_ONLY)


async def greet(ctx: Context) -> Reply:
    return reply(ROOM_GREETING if ctx.message.is_group else GREETING)


async def not_linked(ctx: Context) -> Reply:
    if ctx.actor is not None:
        # Linked once, but no group or role any more (left the group, role handed over).
        return reply(
            "ตอนนี้คุณไม่ได้เป็นสมาชิกกลุ่มหรือมีบทบาทในโครงการแล้วค่ะ จึงบันทึก ยกเลิก หรือแก้ไขรายการไม่ได้\n"
            "หากจะกลับเข้ากลุ่ม พิมพ์ เข้ากลุ่ม ตามด้วยรหัสกลุ่มจากประธานหรือพัฒนากรค่ะ"
        )
    return reply(f"ยังไม่ได้ลงทะเบียนค่ะ 🙏\n{HOW_TO_LINK}")


async def invite(ctx: Context) -> Reply:
    name = ctx.message.display_name or "ค่ะ"
    return reply(
        f"สวัสดีคุณ{name} 🙏 ยังไม่ได้บันทึกรายการนี้นะคะ เพราะคุณยังไม่ได้เป็นสมาชิกกลุ่มในระบบ\n"
        "ทักบอทส่วนตัวแล้วพิมพ์ เข้ากลุ่ม ตามด้วยรหัสกลุ่มจากประธานหรือพัฒนากรค่ะ"
    )
