"""เพิ่มบัญชี — a single-use code that adds a second chat account (e.g. Telegram next to LINE)
to the person asking, from an account already linked; ออกจากระบบทุกเครื่อง — an officer ends
every dashboard session and sign-in link at once. Both answer only in the private chat."""

from __future__ import annotations

from bot.handlers.context import MENU_ONLY, Context, reply
from bot.handlers.private import privately
from bot.messages import QuickReply, Reply
from bot.services import enrolment
from bot.services.enrolment_codes import display
from bot.vocabulary import is_word

# Module-level phrases (a shared command table can take them over).


def wants_add_account(ctx: Context) -> bool | None:
    return True if is_word(ctx.text, "add_account") else None


def wants_sign_out_everywhere(ctx: Context) -> bool | None:
    return True if is_word(ctx.text, "sign_out_everywhere") else None


async def add_account(ctx: Context, _: object = None) -> Reply | None:
    return await privately(ctx, _add_account)


async def _add_account(ctx: Context) -> Reply:
    assert ctx.actor is not None
    code, until = await enrolment.account_code(ctx.uow, ctx.actor, ctx.now, ctx.settings)
    shown = display(code)
    at = until.astimezone(ctx.settings.tz).strftime("%H:%M")
    return reply(
        "🔑 รหัสสำหรับเพิ่มบัญชีแชทของคุณค่ะ\n"
        f"{shown}\n"
        f"จากบัญชีใหม่ (เช่น Telegram หรือ LINE อีกเครื่อง) ทักบอทแล้วพิมพ์ ลงทะเบียน {shown}\n"
        f"รหัสนี้ใช้ได้ครั้งเดียว ภายใน 30 นาที (ถึงเวลา {at} น.) กรุณาอย่าส่งต่อให้ผู้อื่นนะคะ",
        *MENU_ONLY,
    )


async def sign_out_everywhere(ctx: Context, _: object = None) -> Reply:
    actor = ctx.actor
    assert actor is not None
    if actor.officer_id is None and actor.admin_id is not None:
        await enrolment.end_admin_sessions(ctx.uow, actor.admin_id, actor.person_id, "sign_out_all")
    elif actor.officer_id is None:
        return reply(
            "คำสั่งนี้ใช้ออกจากแดชบอร์ดพัฒนากรทุกเครื่องค่ะ บัญชีของคุณไม่มีการเข้าสู่ระบบแดชบอร์ด "
            "พิมพ์ เมนู เพื่อดูสิ่งที่ทำได้นะคะ",
            *MENU_ONLY,
        )
    else:
        await enrolment.end_dashboard_sessions(
            ctx.uow, actor.officer_id, actor.person_id, "sign_out_all"
        )
    return reply(
        "ออกจากระบบแดชบอร์ดทุกเครื่องเรียบร้อยแล้วค่ะ 🔒 ลิงก์เข้าสู่ระบบที่ส่งไปก่อนหน้านี้ก็ใช้ไม่ได้แล้วเช่นกัน\n"
        "ถ้าต้องการเข้าใหม่ พิมพ์ แดชบอร์ด ในแชตส่วนตัวนะคะ",
        QuickReply("แดชบอร์ด"),
        QuickReply("เมนู"),
    )
