"""แดชบอร์ด / /dashboard — an officer gets a one-time link to the web dashboard (bot/dashboard/).
The link signs them in; it works once and expires after 10 minutes. Only in a private chat:
a link posted in a group chat could be opened by anyone in it."""

from __future__ import annotations

import re

from bot.dashboard.auth import LOGIN_TTL, login_url, mint_login, signing_keys
from bot.handlers.context import Context, reply
from bot.messages import QuickReply, Reply
from bot.services.errors import NotAllowed

WORDS = ("แดชบอร์ด", "เปิดแดชบอร์ด", "ขอลิงก์แดชบอร์ด", "dashboard")
_COMMAND = re.compile(r"^/dashboard(?:@\w+)?$", re.IGNORECASE)
OFFICER_ONLY = "ขออภัยค่ะ แดชบอร์ดเปิดให้เฉพาะพัฒนากรค่ะ พิมพ์ สรุป เพื่อดูสรุปของกลุ่มคุณ หรือ เมนู เพื่อดูสิ่งที่ทำได้ค่ะ"
PRIVATE_ONLY = "เพื่อความปลอดภัย ขอลิงก์แดชบอร์ดในแชตส่วนตัวกับบอทนะคะ พิมพ์ แดชบอร์ด ในแชตส่วนตัวได้เลยค่ะ"


def wants_dashboard(ctx: Context) -> bool | None:
    text = ctx.text.strip().lower()
    return True if text in WORDS or _COMMAND.match(text) else None


async def link(ctx: Context, _: object = None) -> Reply:
    actor = ctx.actor
    if actor is None or actor.officer_id is None:
        raise NotAllowed(OFFICER_ONLY)
    if ctx.message.is_group:
        raise NotAllowed(PRIVATE_ONLY)
    keys = await signing_keys(ctx.uow, ctx.settings)
    url = login_url(ctx.settings, mint_login(keys, actor.officer_id, ctx.now))
    until = (ctx.now + LOGIN_TTL).astimezone(ctx.settings.tz).strftime("%H:%M")
    minutes = int(LOGIN_TTL.total_seconds() // 60)
    return reply(
        "🔗 ลิงก์เข้าแดชบอร์ดพัฒนากรค่ะ แตะเพื่อเปิดได้เลย\n"
        f"{url}\n"
        f"ลิงก์นี้ใช้ได้ครั้งเดียว หมดอายุใน {minutes} นาที (เวลา {until} น.) "
        "กรุณาอย่าส่งต่อให้ผู้อื่นนะคะ\n"
        "ถ้าลิงก์หมดอายุ พิมพ์ แดชบอร์ด เพื่อขอลิงก์ใหม่ได้เลยค่ะ",
        QuickReply("สรุป"),
        QuickReply("เมนู"),
    )
