"""แดชบอร์ด / /dashboard — an officer gets a one-time link to the web dashboard (bot/dashboard/).
The link signs them in; it works once and expires after 10 minutes. Only in a private chat:
asked in a group chat, the link is sent to the officer's private chat instead."""

from __future__ import annotations

import re

from bot.handlers.context import Context, reply
from bot.handlers.private import privately
from bot.messages import QuickReply, Reply
from bot.services.dashboard_access import LOGIN_TTL, login_url, mint_login, signing_keys
from bot.services.errors import NotAllowed

WORDS = ("แดชบอร์ด", "เปิดแดชบอร์ด", "ขอลิงก์แดชบอร์ด", "dashboard")
_COMMAND = re.compile(r"^/dashboard(?:@\w+)?$", re.IGNORECASE)
OFFICER_ONLY = "ขออภัยค่ะ แดชบอร์ดเปิดให้เฉพาะพัฒนากรค่ะ พิมพ์ สรุป เพื่อดูสรุปของกลุ่มคุณ หรือ เมนู เพื่อดูสิ่งที่ทำได้ค่ะ"


def wants_dashboard(ctx: Context) -> bool | None:
    text = ctx.text.strip().lower()
    return True if text in WORDS or _COMMAND.match(text) else None


async def link(ctx: Context, _: object = None) -> Reply | None:
    actor = ctx.actor
    if actor is None or (actor.officer_id is None and actor.admin_id is None):
        raise NotAllowed(OFFICER_ONLY)
    # A link posted in a group chat could be opened by anyone in it: it goes privately.
    return await privately(ctx, _link)


async def _link(ctx: Context) -> Reply:
    actor = ctx.actor
    assert actor is not None
    keys = await signing_keys(ctx.uow, ctx.settings)
    if actor.officer_id is not None:
        officer = await ctx.uow.people.officer(actor.officer_id)
        epoch = officer.session_epoch if officer is not None else 0
        token = mint_login(keys, actor.officer_id, ctx.now, epoch)
    else:  # a district or province administrator: their own, read-only pages
        assert actor.admin_id is not None
        admin = await ctx.uow.administrators.get(actor.admin_id)
        epoch = admin.session_epoch if admin is not None else 0
        token = mint_login(keys, actor.admin_id, ctx.now, epoch, admin=True)
    url = login_url(ctx.settings, token)
    until = (ctx.now + LOGIN_TTL).astimezone(ctx.settings.tz).strftime("%H:%M")
    minutes = int(LOGIN_TTL.total_seconds() // 60)
    return reply(
        "🔗 ลิงก์เข้าแดชบอร์ดค่ะ แตะเพื่อเปิดได้เลย\n"
        f"{url}\n"
        f"ลิงก์นี้ใช้ได้ครั้งเดียว หมดอายุใน {minutes} นาที (เวลา {until} น.) "
        "กรุณาอย่าส่งต่อให้ผู้อื่นนะคะ\n"
        "ถ้าลิงก์หมดอายุ พิมพ์ แดชบอร์ด เพื่อขอลิงก์ใหม่ได้เลยค่ะ",
        QuickReply("สรุป"),
        QuickReply("เมนู"),
    )
