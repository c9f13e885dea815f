"""Linking: `/start CODE`, `ลงทะเบียน CODE`, `เข้ากลุ่ม CODE`, `/join CODE`, greetings on follow and
join, and the invitation an unlinked person gets."""

from __future__ import annotations

from typing import Any

from bot.handlers.context import MENU_ONLY, Context, reply
from bot.handlers.privacy import NOTICE
from bot.messages import QuickReply, Reply
from bot.services import enrolment
from bot.services import enrolment_codes as codes
from bot.services.admin import FORMULA_NAME
from bot.services.enrolment import PLACEHOLDER_NAME, ROLE_NAMES, looks_like_formula
from bot.services.enrolment_codes import CodeKind, Found
from bot.services.errors import ServiceError
from bot.vocabulary import command_of

AGREE = "ยินยอม"
DECLINE = "ไม่ยินยอม"
SET_NAME = "ชื่อ"
# The words for each answer, with their polite forms, are in bot/vocabulary.py.

HOW_TO_LINK = "พิมพ์ ลงทะเบียน ตามด้วยรหัสที่ได้รับจากพัฒนากร เช่น ลงทะเบียน ABCD-EFGH-JKMN ค่ะ"
GREETING = (
    "สวัสดีค่ะ ยินดีต้อนรับสู่ผู้ช่วยสัมมาชีพชุมชน 🌱\n"
    "ใช้บันทึกการขาย การประชุม งาน กิจกรรม และตัวเลขประจำเดือนของกลุ่มอาชีพได้ง่าย ๆ\n"
    f"เริ่มต้น: {HOW_TO_LINK}\n"
    "🔒 บอทจะขอความยินยอมก่อนเก็บข้อมูลส่วนตัวใด ๆ ค่ะ"
)
ROOM_GREETING = (
    "สวัสดีค่ะทุกคน 🌱 ผู้ช่วยสัมมาชีพชุมชนพร้อมช่วยบันทึกงานของกลุ่มแล้วค่ะ\n"
    "เชื่อมห้องนี้กับกลุ่มอาชีพ: ประธาน เหรัญญิก หรือพัฒนากรของกลุ่ม พิมพ์ เข้ากลุ่ม ตามด้วยรหัสกลุ่ม "
    "เช่น เข้ากลุ่ม ABCDE-FGHJK ค่ะ"
)


def code_in(text: str, *, bare_allowed: bool) -> str | None:
    """The code a message carries: after ลงทะเบียน / เข้ากลุ่ม / /start / /join, or, from
    someone not linked yet, the code alone (pasted from what the officer sent)."""
    words = text.strip().split(None, 1)
    if not words:
        return None
    command = words[0].split("@", 1)[0].lower().rstrip(":")
    if command in LINK_COMMANDS:
        # Anything after the command is a try (a typo counts like a wrong code).
        rest = words[1].strip().lstrip(":").strip() if len(words) > 1 else ""
        return rest if rest and "\n" not in rest and len(rest) <= 40 else None
    for command in LINK_COMMANDS:  # "ลงทะเบียนABCD…" without a space
        if not command.startswith("/") and text.strip().startswith(command):
            rest = text.strip()[len(command) :].lstrip(":").strip()
            return rest if rest and codes.looks_like_code(rest) else None
    stripped = text.strip()
    if bare_allowed and len(stripped) <= 40 and codes.looks_like_code(stripped):
        return stripped
    return None


LINK_COMMANDS = ("/start", "/join", "ลงทะเบียน", "เข้ากลุ่ม", "สมัคร")


async def link(ctx: Context, code: str) -> Reply:
    """A code, checked before anything else (a wrong one counts against the account); then,
    for someone new, the privacy notice; then the link."""
    if ctx.message.is_group:
        linked = await enrolment.link_room(
            ctx.uow, ctx.account, ctx.actor, ctx.message.channel, ctx.message.chat_id, code,
            ctx.now, ctx.settings,
        )  # fmt: skip
        if linked.kind == "room":
            return reply(
                f"เชื่อมห้องนี้กับ{linked.name}แล้วค่ะ 🎉\n"
                "สมาชิกพิมพ์รายงานในห้องนี้ได้เลย เช่น ขายไข่เค็ม 30 ฟอง 300 บาท\n"
                "ใครยังไม่ได้เป็นสมาชิก ทักบอทส่วนตัวแล้วพิมพ์ เข้ากลุ่ม ตามด้วยรหัสนะคะ",
                QuickReply("เมนู"),
            )
        return reply(linked.refusal or enrolment.NOT_FOUND)

    checked = await enrolment.check_code(ctx.uow, ctx.account, code, ctx.now, ctx.settings)
    if checked.found is None:
        return reply(checked.refusal or enrolment.NOT_FOUND)
    found = checked.found
    if ctx.account.consented_at is None:
        # PDPA: say what is collected and why, and link nothing until the person agrees.
        # The flow keeps which code was checked, never the code itself.
        what = await enrolment.describe(ctx.uow, found)
        await ctx.start_flow(
            "consent", {"kind": found.kind, "target": found.target_id, "code_id": found.code_id}
        )
        return reply(
            f"รหัสถูกต้องค่ะ ✅ รหัสนี้สำหรับ{what}\n{NOTICE}\nกด {AGREE} เพื่อลงทะเบียนต่อ หรือ {DECLINE} ค่ะ",
            QuickReply(AGREE),
            QuickReply(DECLINE),
        )
    return await _link_person(ctx, found)


async def _checked_again(ctx: Context, data: dict[str, Any]) -> Found | None:
    """The code the consent question was about, if it still works."""
    kind, target = data.get("kind"), data.get("target")
    if not isinstance(kind, str) or not isinstance(target, int):
        return None
    code_id = data.get("code_id")
    if isinstance(code_id, int):
        found = await codes.by_id(ctx.uow, code_id, ctx.now)
        return found if found.ok and found.target_id == target else None
    if kind != CodeKind.MEMBER:
        return None
    group = await ctx.uow.groups.get(target)
    return Found("ok", CodeKind.MEMBER, target) if group and group.join_code else None


async def resume_consent(ctx: Context, data: dict[str, Any]) -> Reply:
    said = command_of(ctx.text)
    if said is not None and said.name == "agree":
        await ctx.end_flow()
        ctx.account.consented_at = ctx.now
        if ctx.message.display_name:
            ctx.account.display_name = ctx.message.display_name
        found = await _checked_again(ctx, data)
        if found is None:
            return reply(
                "ขอบคุณค่ะ บันทึกความยินยอมแล้ว แต่รหัสนี้ใช้ไม่ได้แล้ว (ถูกใช้ หมดอายุ หรือถูกยกเลิกระหว่างรอ) "
                f"ขอรหัสใหม่จากพัฒนากรนะคะ\n{HOW_TO_LINK}"
            )
        linked = await _link_person(ctx, found)
        if ctx.account.person_id is not None:
            person = await ctx.uow.people.person(ctx.account.person_id)
            if person is not None and person.consented_at is None:
                person.consented_at = ctx.now
        return Reply(f"ขอบคุณค่ะ บันทึกความยินยอมแล้ว\n{linked.text}", linked.quick_replies)
    if said is not None and said.name in ("disagree", "undo", "decline", "cancel_flow"):
        await ctx.end_flow()
        return reply(
            "ไม่เป็นไรค่ะ ยังไม่ได้ลงทะเบียน และไม่มีข้อมูลส่วนตัวของคุณถูกเก็บไว้ "
            "หากเปลี่ยนใจ พิมพ์ ลงทะเบียน ตามด้วยรหัสได้ทุกเมื่อค่ะ"
        )
    return reply(
        f"กด {AGREE} เพื่อลงทะเบียนต่อ หรือ {DECLINE} ค่ะ", QuickReply(AGREE), QuickReply(DECLINE)
    )


async def _link_person(ctx: Context, found: Found) -> Reply:
    try:
        async with ctx.uow.savepoint():
            linked = await enrolment.link_found(ctx.uow, ctx.account, found, ctx.now, ctx.settings)
    except ServiceError as refusal:  # used by someone else meanwhile, or this account is taken
        return reply(refusal.message, *MENU_ONLY)
    role = ROLE_NAMES.get(linked.role or "", "")
    if linked.kind == "already":
        return reply(
            f"คุณเป็น{role or 'สมาชิก'}ของ{linked.name}อยู่แล้วค่ะ พิมพ์ เมนู เพื่อดูสิ่งที่ทำได้นะคะ"
            if linked.role
            else f"บัญชีนี้เป็นของคุณ{linked.name}อยู่แล้วค่ะ พิมพ์ เมนู เพื่อดูสิ่งที่ทำได้นะคะ",
            *MENU_ONLY,
        )
    if linked.kind == "pending":
        holder = f"คุณ{linked.previous_holder}" if linked.previous_holder else "ผู้รับหน้าที่เดิม"
        place = (
            f"ของ{linked.name}" if linked.role in ("treasurer", "chair") else f" ({linked.name})"
        )
        return reply(
            f"รหัสนี้ใช้รับหน้าที่{role}{place} ซึ่งตอนนี้{holder}รับหน้าที่อยู่ค่ะ\n"
            f"บอทส่งคำขอให้{holder}และพัฒนากรยืนยันแล้ว เมื่อยืนยันแล้วจะแจ้งให้ทราบทันทีนะคะ 🙏 "
            "(คำขอหมายเลข "
            f"{linked.handover_id:,})",
            *MENU_ONLY,
        )
    if linked.kind == "group":
        text = f"ยินดีต้อนรับค่ะ คุณเป็น{role}ของ{linked.name}แล้ว 🎉"
        if linked.previous_holder:
            text += f"\n(รับหน้าที่{role}ต่อจากคุณ{linked.previous_holder})"
    elif linked.kind == "account":
        text = f"เพิ่มบัญชีนี้ให้คุณ{linked.name}เรียบร้อยแล้วค่ะ 🎉 บอทแจ้งบัญชีอื่นของคุณให้ทราบแล้ว"
    elif linked.kind == "officer":
        text = f"เชื่อมบัญชีพัฒนากรของคุณ{linked.name}แล้วค่ะ 🎉"
    elif linked.kind == "trainer":
        text = f"เชื่อมบัญชีวิทยากรของคุณ{linked.name}แล้วค่ะ 🎉"
    elif linked.kind == "admin":
        text = (
            f"เชื่อมบัญชีผู้ดูแลภาพรวมของคุณ{linked.name}แล้วค่ะ 🎉\n"
            "พิมพ์ สรุปจังหวัด หรือ สรุปอำเภอ เพื่อดูทุกกลุ่มในพื้นที่ของคุณ หรือ แดชบอร์ด ค่ะ"
        )
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
    if looks_like_formula(cleaned):
        return reply(f"{FORMULA_NAME} เช่น {SET_NAME} สมศรี ใจดี", *MENU_ONLY)
    person = await ctx.uow.people.person(ctx.account.person_id)
    assert person is not None
    before = {"name": person.name}
    person.name = cleaned
    await ctx.uow.audit.add(person.id, "rename", "person", person.id, before, {"name": cleaned})
    return reply(f"บันทึกชื่อ {cleaned} แล้วค่ะ พิมพ์ เมนู เพื่อดูสิ่งที่ทำได้นะคะ", *MENU_ONLY)


async def greet(ctx: Context) -> Reply:
    return reply(ROOM_GREETING if ctx.message.is_group else GREETING)


async def not_linked(ctx: Context) -> Reply:
    if ctx.actor is not None and await ctx.uow.groups.ever_member(ctx.actor.person_id):
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
