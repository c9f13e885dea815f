"""ออกรหัสเหรัญญิก / ออกรหัสประธาน / ออกรหัสสมาชิก [กลุ่ม…] — an officer issues a new code for one
of their groups: a single-use treasurer or chair code, or a new shareable member join code.
The old code stops working. Codes go only to the officer's private chat."""

from __future__ import annotations

from bot.handlers.context import MENU_ONLY, Context, reply
from bot.handlers.private import privately
from bot.messages import REPLY_LIMITS, QuickReply, Reply
from bot.services import enrolment
from bot.services.enrolment_codes import CodeKind, display
from bot.wording import thai_date

# Module-level phrases (a shared command table can take them over).
ISSUE_CODE_WORDS: dict[str, CodeKind] = {
    "ออกรหัสเหรัญญิก": CodeKind.TREASURER,
    "รหัสเหรัญญิกใหม่": CodeKind.TREASURER,
    "/code_treasurer": CodeKind.TREASURER,
    "ออกรหัสประธาน": CodeKind.CHAIR,
    "รหัสประธานใหม่": CodeKind.CHAIR,
    "/code_chair": CodeKind.CHAIR,
    "ออกรหัสสมาชิก": CodeKind.MEMBER,
    "รหัสสมาชิกใหม่": CodeKind.MEMBER,
    "/code_member": CodeKind.MEMBER,
}
ROLE_WORDS = {CodeKind.TREASURER: "เหรัญญิก", CodeKind.CHAIR: "ประธาน", CodeKind.MEMBER: "สมาชิก"}


def wants_code(ctx: Context) -> tuple[CodeKind, str] | None:
    text = ctx.text.strip()
    for word, kind in ISSUE_CODE_WORDS.items():
        if text.lower().startswith(word):
            return kind, text[len(word) :].strip()
    return None


async def issue(ctx: Context, args: tuple[CodeKind, str]) -> Reply | None:
    kind, rest = args
    return await privately(ctx, lambda private: _issue(private, kind, rest))


async def _issue(ctx: Context, kind: CodeKind, rest: str) -> Reply:
    assert ctx.actor is not None
    groups = await enrolment.officer_groups(ctx.uow, ctx.actor)
    wanted = " ".join(rest.split())
    chosen = [g for g in groups if wanted and wanted in g.name] if wanted else list(groups)
    word = next(w for w, k in ISSUE_CODE_WORDS.items() if k == kind)
    if len(chosen) != 1:
        return reply(
            f"ต้องการออกรหัส{ROLE_WORDS[kind]}ของกลุ่มไหนคะ เลือกกลุ่มได้เลยค่ะ",
            *(
                QuickReply(g.name[: REPLY_LIMITS.label], f"{word} {g.name}")
                for g in (chosen or groups)[: REPLY_LIMITS.quick_replies - 1]
            ),
        )
    group = chosen[0]
    code, until = await enrolment.officer_issue_code(
        ctx.uow, ctx.actor, kind, group.id, ctx.now, ctx.settings
    )
    shown = display(code)
    if kind == CodeKind.MEMBER:
        return reply(
            f"🔑 รหัสสมาชิกใหม่ของ{group.name}: {shown}\n"
            "รหัสเดิมใช้ไม่ได้แล้ว รหัสนี้แจกหรือติดประกาศให้สมาชิกได้ค่ะ "
            f"สมาชิกทักบอทส่วนตัวแล้วพิมพ์ เข้ากลุ่ม {shown}",
            *MENU_ONLY,
        )
    local = until.astimezone(ctx.settings.tz).date() if until else ctx.today
    return reply(
        f"🔑 รหัส{ROLE_WORDS[kind]}ใหม่ของ{group.name}: {shown}\n"
        f"ใช้ได้ครั้งเดียว ถึงวันที่ {thai_date(local)} รหัส{ROLE_WORDS[kind]}เดิมที่ยังไม่ได้ใช้ถูกยกเลิกแล้วค่ะ\n"
        f"ส่งให้ผู้รับหน้าที่ทางแชตส่วนตัว แล้วให้พิมพ์ ลงทะเบียน {shown} กับบอท "
        f"ถ้ามีผู้รับหน้าที่{ROLE_WORDS[kind]}อยู่แล้ว บอทจะถามผู้รับหน้าที่เดิมหรือคุณให้ยืนยันก่อนนะคะ",
        *MENU_ONLY,
    )
