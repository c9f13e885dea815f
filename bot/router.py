"""Routing as data: an ordered table of (name, matcher, handler). The first rule whose matcher
returns something other than None handles the message; the table reads top to bottom as the
bot's priorities (platform events, linking, an open question, commands, reports, fallback)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.handlers import (
    account,
    account_book,
    activity,
    annual,
    codes,
    dashboard,
    dividend,
    export,
    handover,
    help,
    meeting,
    model_households,
    monthly,
    privacy,
    reminders,
    report,
    report_flow,
    sale,
    start,
    training,
    undo,
    visit,
    work,
)
from bot.handlers.context import MENU_ONLY, Context, reply
from bot.handlers.report_flow import CANCEL_WORDS, ReportSpec
from bot.messages import QuickReply, Reply

Matcher = Callable[[Context], Any]
Handler = Callable[[Context, Any], Awaitable[Reply | None]]


@dataclass(frozen=True)
class Rule:
    name: str
    matches: Matcher
    handle: Handler


SPECS: dict[str, ReportSpec] = {
    "sale": sale.SPEC,
    "meeting": meeting.SPEC,
    "work": work.SPEC,
    "activity": activity.SPEC,
    "training": training.SPEC,
    "monthly": monthly.SPEC,
    "visit": visit.SPEC,
    "income": account_book.INCOME,
    "expense": account_book.EXPENSE,
    "dividend": dividend.SPEC,
    "annual": annual.SPEC,
}
SLASH = {
    "/sale": "sale",
    "/meeting": "meeting",
    "/work": "work",
    "/activity": "activity",
    "/training": "training",
    "/monthly": "monthly",
    "/visit": "visit",
}
# Telegram appends the bot's name to commands in groups: "/sale@sammachip_bot".
_COMMAND = re.compile(r"^(/[a-z]+)(?:@\w+)?\b\s*(.*)$", re.DOTALL | re.IGNORECASE)
HELP_WORDS = ("เมนู", "ช่วยเหลือ", "/help", "help", "วิธีใช้", "/menu")
MY_DATA_WORDS = ("ข้อมูลของฉัน", "/mydata", "/privacy", "ความเป็นส่วนตัว")
ERASE_WORDS = ("ลบข้อมูลของฉัน", "/erase", "/forgetme")
UNDO_WORDS = ("ยกเลิก", "/undo", "ยกเลิกรายการล่าสุด")
EDIT_PREFIXES = ("แก้ไข", "/edit")
REPORT_PREFIXES = ("สรุป", "/report")
ANNUAL_PREFIXES = ("สรุปปี", "สรุปประจำปี", "/annual")
DIVIDEND_PREFIXES = ("ปันผล", "แบ่งปันผล", "/dividend")


def _words(ctx: Context) -> str:
    return ctx.text.strip().lower()


def _command(ctx: Context) -> tuple[str, str] | None:
    match = _COMMAND.match(ctx.text.strip())
    return (match.group(1).lower(), match.group(2)) if match else None


def _event(kind: str) -> Matcher:
    return lambda ctx: True if ctx.message.kind == kind else None


def _link_code(ctx: Context) -> str | None:
    # A bare code only from someone not yet linked: they pasted what the officer sent them.
    return start.code_in(ctx.text, bare_allowed=ctx.actor is None or not ctx.actor.roles)


def _cancel_flow(ctx: Context) -> bool | None:
    return True if ctx.state is not None and _words(ctx) in CANCEL_WORDS else None


def _open_flow(ctx: Context) -> bool | None:
    """An open question takes the message, except words that are never an answer: the menu,
    a reminder's own quick replies, and the privacy commands."""
    if ctx.state is None or _words(ctx) in HELP_WORDS or _words(ctx) in MY_DATA_WORDS:
        return None
    if any(
        wants(ctx)
        for wants in (reminders.wants_stop, reminders.wants_snooze, reminders.wants_resume)
    ):
        return None
    return True


def _unlinked(ctx: Context) -> bool | None:
    return True if ctx.actor is None or not ctx.actor.roles else None


def _starts(prefixes: tuple[str, ...]) -> Matcher:
    return lambda ctx: True if _words(ctx).startswith(prefixes) else None


def _slash_report(ctx: Context) -> tuple[str, str] | None:
    command = _command(ctx)
    if command and command[0] in SLASH:
        return SLASH[command[0]], command[1]
    return None


def _report_intent(ctx: Context) -> str | None:
    parsed = ctx.parsed()
    return parsed.intent if parsed.intent in SPECS else None


async def _greet(ctx: Context, _: Any) -> Reply:
    return await start.greet(ctx)


async def _unfollow(ctx: Context, _: Any) -> None:
    ctx.account.blocked = True  # no more pushes; nothing to reply to someone who left


async def _withdraw_source(ctx: Context, _: Any) -> None:
    """LINE unsend: the record made from that message is withdrawn (audited), silently, if
    the sender is still the person who made it."""
    from bot.services.records import withdraw_by_source

    ref = ctx.message.source_ref
    if ref:
        await withdraw_by_source(ctx.uow, ctx.person_id, ref, reason="unsend")


async def _edited(ctx: Context, _: Any) -> Reply | None:
    """Telegram edited_message: the record made from the original is replaced by the new text
    (only the person who made it)."""
    from bot.services.records import withdraw_by_source

    ref = ctx.message.source_ref
    found = (
        await withdraw_by_source(ctx.uow, ctx.person_id, ref, reason="edit_message") if ref else []
    )
    if not found:
        return None
    intent = _report_intent(ctx)
    if intent is None:
        return reply("ข้อความที่แก้ไขไม่ใช่รายงานแล้ว จึงยกเลิกรายการเดิมให้ค่ะ", *MENU_ONLY)
    return await report_flow.run(ctx, SPECS[intent], report_flow.start_slots(ctx.parsed()))


async def _link(ctx: Context, code: str) -> Reply:
    return await start.link(ctx, code)


async def _cancel(ctx: Context, _: Any) -> Reply:
    await ctx.end_flow()
    return reply("ยกเลิกรายการที่กำลังทำแล้วค่ะ ไม่มีอะไรถูกบันทึก พิมพ์ เมนู เพื่อเริ่มใหม่ค่ะ", *MENU_ONLY)


async def _resume(ctx: Context, _: Any) -> Reply:
    assert ctx.state is not None
    flow, data = ctx.state.flow, dict(ctx.state.data)
    if flow == "edit":
        return await undo.resume(ctx, data)
    if flow == "erase":
        return await privacy.resume(ctx, data)
    if flow == "consent":
        return await start.resume_consent(ctx, data)
    return await report_flow.resume(ctx, SPECS[flow], data)


async def _not_linked(ctx: Context, _: Any) -> Reply | None:
    if ctx.message.is_group:
        if ctx.room_group_id is not None and (
            _report_intent(ctx) is not None or ctx.message.addressed
        ):
            return await start.invite(ctx)  # a report (or "@bot …") from someone not in the group
        if ctx.room_group_id is None and ctx.message.addressed:
            return await start.greet(ctx)  # "@bot" in a chat not linked yet: how to link it
        return None  # ordinary talk in a group chat from someone the bot does not know
    return await start.not_linked(ctx)


async def _my_data(ctx: Context, _: Any) -> Reply | None:
    return await privacy.show(ctx)


async def _erase(ctx: Context, _: Any) -> Reply | None:
    return await privacy.ask_erase(ctx)


_NAME = re.compile(r"^(?:ชื่อ|/name)\s*:?\s+(\S.{0,99})$", re.DOTALL)


def _name_given(ctx: Context) -> str | None:
    match = _NAME.match(ctx.text.strip())
    return match.group(1) if match else None


async def _set_name(ctx: Context, name: str) -> Reply:
    return await start.set_name(ctx, name)


async def _help(ctx: Context, _: Any) -> Reply:
    return await help.menu(ctx)


async def _undo(ctx: Context, _: Any) -> Reply:
    return await undo.undo(ctx)


async def _edit(ctx: Context, _: Any) -> Reply:
    return await undo.edit(ctx)


async def _summary(ctx: Context, _: Any) -> Reply | None:
    return await report.summary(ctx)


async def _annual(ctx: Context, _: Any) -> Reply:
    return await annual.show(ctx)


async def _dividend(ctx: Context, _: Any) -> Reply:
    # "ปี 2568" names the period, not an amount: the parser sees the text without it.
    rest = dividend.without_year(ctx.text)
    return await report_flow.run(ctx, SPECS["dividend"], report_flow.start_slots(ctx.parsed(rest)))


async def _slash(ctx: Context, args: tuple[str, str]) -> Reply:
    intent, rest = args
    slots = report_flow.start_slots(ctx.parsed(rest)) if rest.strip() else {}
    return await report_flow.run(ctx, SPECS[intent], slots)


async def _report(ctx: Context, intent: str) -> Reply:
    parsed = ctx.parsed()
    money_slot = "income" if intent == "monthly" else "amount"
    return await report_flow.run(ctx, SPECS[intent], report_flow.start_slots(parsed, money_slot))


async def _fallback(ctx: Context, _: Any) -> Reply | None:
    if ctx.message.is_group:
        if not ctx.message.addressed:
            return None  # the bot stays quiet in ordinary group conversation
        if ctx.room_group_id is None:
            return await start.greet(ctx)  # "@bot" in a chat not linked yet: how to link it
    parsed = ctx.parsed()
    if parsed.negated:
        return reply("รับทราบค่ะ วันนี้ยังไม่มีรายการให้บันทึก พิมพ์ เมนู เมื่อต้องการบันทึกนะคะ", *MENU_ONLY)
    return reply(
        "ขอโทษค่ะ ยังไม่เข้าใจข้อความนี้ 🙏\nลองพิมพ์แบบนี้ได้ค่ะ เช่น ขายไข่เค็ม 30 ฟอง 300 บาท\nหรือกด เมนู เพื่อดูตัวอย่างทั้งหมดค่ะ",
        QuickReply("เมนู"),
        QuickReply("สรุป"),
    )


RULES: tuple[Rule, ...] = (
    Rule("follow", _event("follow"), _greet),
    Rule("join", _event("join"), _greet),
    Rule("unfollow", _event("unfollow"), _unfollow),
    Rule("unsend", _event("unsend"), _withdraw_source),
    Rule("edited", _event("edit"), _edited),
    Rule("link", _link_code, _link),
    Rule("cancel_flow", _cancel_flow, _cancel),
    Rule("open_flow", _open_flow, _resume),
    Rule("my_data", lambda ctx: True if _words(ctx) in MY_DATA_WORDS else None, _my_data),
    Rule("erase", lambda ctx: True if _words(ctx) in ERASE_WORDS else None, _erase),
    Rule("unlinked", _unlinked, _not_linked),
    Rule("handover", handover.wants_decision, handover.decide),
    Rule("issue_code", codes.wants_code, codes.issue),
    Rule("add_account", account.wants_add_account, account.add_account),
    Rule("sign_out_everywhere", account.wants_sign_out_everywhere, account.sign_out_everywhere),
    Rule("set_name", _name_given, _set_name),
    Rule("help", lambda ctx: True if _words(ctx) in HELP_WORDS else None, _help),
    Rule("undo", lambda ctx: True if _words(ctx) in UNDO_WORDS else None, _undo),
    Rule("edit", _starts(EDIT_PREFIXES), _edit),
    Rule("annual", _starts(ANNUAL_PREFIXES), _annual),
    Rule("dividend", _starts(DIVIDEND_PREFIXES), _dividend),
    Rule("export", export.wants_export, export.export),
    Rule("model_households", model_households.asked, model_households.ranking),
    Rule("dashboard", dashboard.wants_dashboard, dashboard.link),
    Rule("summary", _starts(REPORT_PREFIXES), _summary),
    Rule("slash_report", _slash_report, _slash),
    Rule("reminders_off", reminders.wants_stop, reminders.stop),
    Rule("reminders_snooze", reminders.wants_snooze, reminders.snooze),
    Rule("reminders_on", reminders.wants_resume, reminders.resume),
    Rule("report", _report_intent, _report),
    Rule("fallback", lambda ctx: True, _fallback),
)


async def dispatch(ctx: Context, rules: tuple[Rule, ...] = RULES) -> tuple[str, Reply | None]:
    for rule in rules:
        args = rule.matches(ctx)
        if args is not None:
            return rule.name, await rule.handle(ctx, args)
    return "none", None
