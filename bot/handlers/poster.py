"""โปสเตอร์ กลุ่มไข่เค็ม / /poster — an officer's printable join poster for one of their groups
(bot/posters.py): a picture to look at in the chat and an A4 PDF to print. `โปสเตอร์
เหรัญญิก กลุ่มไข่เค็ม` (or ประธาน) makes the poster of a code that grants a role: those go
only to the officer in a private chat, never into a group chat."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from bot import posters
from bot.handlers.context import Context, reply
from bot.messages import REPLY_LIMITS, Document, Image, QuickReply, Reply
from bot.services import admin
from bot.services.enrolment_codes import CodeKind, display
from bot.services.errors import NotAllowed
from bot.storage.models import Role
from bot.vocabulary import MENU

KEEP_FOR = timedelta(days=7)
OFFICER_ONLY = "ขออภัยค่ะ โปสเตอร์รับสมาชิกทำได้เฉพาะพัฒนากรค่ะ ขอรหัสกลุ่มจากพัฒนากรได้เลยนะคะ"
PRIVATE_ONLY = (
    "โปสเตอร์ของเหรัญญิกและประธานมีรหัสที่ให้สิทธิ์ จึงส่งให้เฉพาะในแชตส่วนตัวกับพัฒนากรค่ะ "
    "พิมพ์คำสั่งนี้ในแชตส่วนตัวกับบอทได้เลยค่ะ"
)
NO_ADDRESS = (
    "ยังทำโปสเตอร์ไม่ได้ค่ะ เพราะบอทยังไม่ได้เชื่อมกับ LINE หรือ Telegram (ผู้ดูแลระบบรัน sammachip setup ก่อนนะคะ)"
)
_COMMAND = re.compile(r"^(?:โปสเตอร์|/poster(?:@\w+)?)(.*)$", re.IGNORECASE | re.DOTALL)
ROLE_WORDS = {"เหรัญญิก": Role.TREASURER, "ประธาน": Role.CHAIR, "สมาชิก": Role.MEMBER}


def wants_poster(ctx: Context) -> str | None:
    match = _COMMAND.match(ctx.text.strip())
    return match.group(1).strip() if match else None


def _role_of(words: str) -> tuple[str, str]:
    for word, role in ROLE_WORDS.items():
        if word in words:
            return role, " ".join(words.replace(word, " ").split())
    return Role.MEMBER, " ".join(words.split())


async def poster(ctx: Context, rest: str) -> Reply:
    actor = ctx.actor
    if actor is None or actor.officer_id is None:
        raise NotAllowed(OFFICER_ONLY)
    role, wanted = _role_of(rest)
    if role in posters.PRIVILEGED and ctx.message.is_group:
        raise NotAllowed(PRIVATE_ONLY)
    if not ctx.addresses.any:
        return reply(NO_ADDRESS, MENU)
    groups = await ctx.uow.groups.of_officer(actor.officer_id)
    plain = wanted.replace(" ", "")
    found = [g for g in groups if plain and plain in g.name.replace(" ", "")]
    if len(found) != 1:
        prefix = "โปสเตอร์" if role == Role.MEMBER else f"โปสเตอร์{_word(role)}"
        options = [
            QuickReply(g.name[: REPLY_LIMITS.label], f"{prefix} {g.name}")
            for g in groups[: REPLY_LIMITS.quick_replies - 1]
        ]
        if not groups:
            return reply("ยังไม่มีกลุ่มอาชีพในอำเภอของคุณค่ะ", MENU)
        ask = "ทำโปสเตอร์ของกลุ่มไหนคะ" if not plain else f"ไม่พบกลุ่ม “{wanted}” ค่ะ เลือกกลุ่มได้เลยนะคะ"
        return reply(f"{ask}\nเช่น {prefix} {groups[0].name}", *options, MENU)
    group = found[0]

    async def issue(kind: CodeKind, target: int) -> str:
        code = await admin.issue_code(
            ctx.uow, kind, target, ctx.now, ctx.settings, created_by=actor.person_id
        )
        return display(code)

    facts = await posters.group_facts(
        ctx.uow, group.id, role, ctx.addresses, ctx.today, issue=issue
    )
    # Drawing an A4 page takes about a second: off the event loop (the loading animation shows).
    png, pdf = await asyncio.to_thread(lambda: (posters.render(facts, "png"),
                                                posters.render(facts, "pdf")))  # fmt: skip
    shown = await ctx.uow.files.put(png, "image/png", now=ctx.now, ttl=KEEP_FOR,
                                    filename="poster.png")  # fmt: skip
    filename = f"โปสเตอร์-{group.name}{'' if role == Role.MEMBER else '-' + _word(role)}.pdf"
    printable = await ctx.uow.files.put(pdf, "application/pdf", now=ctx.now, ttl=KEEP_FOR,
                                        filename=filename)  # fmt: skip
    lines = [f"🖨️ โปสเตอร์รับ{posters.ROLE_WORDS[Role(role)]} {group.name} (A4) ค่ะ"]
    lines.append(f"สแกน QR แล้วแชตจะเปิดพร้อมข้อความ “{facts.join_text}” ให้กดส่งได้เลย")
    if role in posters.PRIVILEGED:
        lines.append("⚠️ รหัสนี้ใช้ได้ครั้งเดียว ส่งให้ผู้รับหน้าที่โดยตรง อย่าติดประกาศนะคะ")
    lines.append("ไฟล์ PDF สำหรับพิมพ์เก็บไว้ให้ 7 วันค่ะ")
    answer = reply("\n".join(lines), MENU)
    return Reply(
        answer.text,
        answer.quick_replies,
        image=Image(shown.key, f"โปสเตอร์ {group.name}"),
        document=Document(printable.key, filename),
    )


def _word(role: str) -> str:
    return next(word for word, r in ROLE_WORDS.items() if r == role)
