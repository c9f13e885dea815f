"""Routing as data: an ordered table of (name, matcher, handler). The first rule whose matcher
returns something other than None handles the message; the table reads top to bottom as the
bot's priorities:

1. platform events (follow, join, unsend, edit) and linking codes;
2. commands, typed or pressed, in any state (bot/vocabulary.py): a waiting question never
   swallows "สรุป", "เมนู", "/meeting" or "ยกเลิก"; it stays open and is asked again after;
3. the answer to the waiting question, when the message is one (handlers/open_question.py);
4. reports, then greetings/thanks/plans/questions, then "not understood".

Whatever runs, the conversation core (conversation.py) then tells the person about a question
still waiting, or one that came back.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.handlers import (
    account,
    account_book,
    activity,
    administrator,
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
    pending,
    poster,
    privacy,
    reminders,
    report,
    report_flow,
    sale,
    social,
    start,
    training,
    undo,
    visit,
    visit_plan,
    voice,
    work,
)
from bot.handlers.context import Context, reply
from bot.handlers.open_question import is_answer
from bot.handlers.report_flow import ReportSpec
from bot.messages import Reply
from bot.vocabulary import CANCEL_FLOW, MENU, SUMMARY, UNDO_LAST, Command, command_of

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
# Telegram appends the bot's name to commands in groups: "/sale@sammachip_bot".
_COMMAND = re.compile(r"^(/[a-z]+)(?:@\w+)?\b\s*(.*)$", re.DOTALL | re.IGNORECASE)
EDIT_PREFIXES = ("แก้ไข", "/edit", "แก้ ")
REPORT_PREFIXES = ("สรุป", "/report")
ANNUAL_PREFIXES = ("สรุปปี", "สรุปประจำปี", "/annual")
DIVIDEND_PREFIXES = ("ปันผล", "แบ่งปันผล", "/dividend")
SLASH_WITH_ARGS = {f"/{intent}": intent for intent in SPECS if intent not in ("dividend", "annual")}


def spec_for(intent: str) -> ReportSpec | None:
    return SPECS.get(intent)


def _words(ctx: Context) -> str:
    return ctx.text.strip().lower()


def _event(kind: str) -> Matcher:
    return lambda ctx: True if ctx.message.kind == kind else None


def _link_code(ctx: Context) -> str | None:
    # A bare code only from someone not yet linked: they pasted what the officer sent them.
    return start.code_in(ctx.text, bare_allowed=ctx.actor is None or not ctx.actor.roles)


def _unlinked(ctx: Context) -> bool | None:
    return True if ctx.actor is None or not ctx.actor.roles else None


def _starts(prefixes: tuple[str, ...]) -> Matcher:
    return lambda ctx: True if _words(ctx).startswith(prefixes) else None


def _summary_asked(ctx: Context) -> bool | None:
    if not _words(ctx).startswith(REPORT_PREFIXES):
        return None
    parsed = ctx.parsed()
    # "สรุปเดือน ก.ย. รายรับ 10,000 รายจ่าย…" is the treasurer's figures, not a request.
    return None if parsed.intent == "monthly" and parsed.income is not None else True


def _slash_report(ctx: Context) -> tuple[str, str] | None:
    match = _COMMAND.match(ctx.text.strip())
    if match and match.group(1).lower() in SLASH_WITH_ARGS and match.group(2).strip():
        return SLASH_WITH_ARGS[match.group(1).lower()], match.group(2)
    return None


def _report_intent(ctx: Context) -> str | None:
    parsed = ctx.parsed()
    if parsed.mood != "report" or parsed.negated:
        return None
    return parsed.intent if parsed.intent in SPECS else None


def _asks_help_or_summary(ctx: Context) -> str | None:
    """ "บันทึกยอดขายยังไงคะ" is a question about the bot; "ยอดขายเดือนนี้เท่าไหร่" asks a summary."""
    parsed = ctx.parsed()
    return parsed.intent if parsed.intent in ("help", "report") else None


async def _open_question(ctx: Context) -> bool | None:
    return True if ctx.state is not None and is_answer(ctx, spec_for) else None


# --- handlers ------------------------------------------------------------------------------


async def _greet(ctx: Context, _: Any) -> Reply:
    return await start.greet(ctx)


async def _unfollow(ctx: Context, _: Any) -> None:
    ctx.account.blocked = True  # no more pushes; nothing to reply to someone who left


async def _withdraw_source(ctx: Context, _: Any) -> Reply | None:
    """Unsend (LINE): the record made from that message is withdrawn (audited), if the sender
    is still the person who made it, and the chat is told so in one short line; a message
    that made no record changes nothing, silently."""
    from bot.services.describe import describe
    from bot.services.records import withdraw_by_source

    ref = ctx.message.source_ref
    found = await withdraw_by_source(ctx.uow, ctx.person_id, ref, reason="unsend") if ref else []
    if not found:
        return None
    named = [await describe(ctx.uow, record) for record in found]
    return reply(f"↩️ ยกเลิกข้อความแล้ว จึงถอนรายการนี้ให้ค่ะ: {'; '.join(named)}")


async def _edited(ctx: Context, _: Any) -> Reply | None:
    """An edited message (LINE group chats, Telegram): the record made from the original is
    withdrawn (only by the person who made it) and the new text recorded in its place, with
    a short note saying so."""
    from bot.services.describe import describe
    from bot.services.records import withdraw_by_source

    ref = ctx.message.source_ref
    found = (
        await withdraw_by_source(ctx.uow, ctx.person_id, ref, reason="edit_message") if ref else []
    )
    named = [await describe(ctx.uow, record) for record in found]
    if not found:
        return None
    intent = _report_intent(ctx)
    if intent is None:
        return reply("ข้อความที่แก้ไขไม่ใช่รายงานแล้ว จึงยกเลิกรายการเดิมให้ค่ะ", MENU)
    answer = await report_flow.run(ctx, SPECS[intent], report_flow.start_slots(ctx.parsed()))
    note = f"✏️ แก้ตามข้อความที่แก้ไขแล้วค่ะ (รายการเดิม: {'; '.join(named)})"
    card = answer.card and replace(answer.card, note=note)
    return replace(answer, text=f"{note}\n{answer.text}", card=card)


async def _link(ctx: Context, code: str) -> Reply:
    return await start.link(ctx, code)


async def _cancel_flow(ctx: Context) -> Reply:
    assert ctx.state is not None
    text = ctx.state.data.get("cancel_text") or (
        "ยกเลิกรายการที่กำลังทำแล้วค่ะ ไม่มีอะไรถูกบันทึก พิมพ์ เมนู เพื่อเริ่มใหม่ค่ะ"
    )
    ctx.resuming = True
    await ctx.end_flow()
    return reply(str(text), MENU)


async def _undo_word(ctx: Context, _: Any = None) -> Reply:
    """ยกเลิก: ends the waiting question; with none, undoes my last record. When both a
    question waits and a record was just made, it asks which is meant."""
    if ctx.state is None:
        return await _needs_actor(ctx) or await undo.undo(ctx)
    if await undo.just_made(ctx):
        ctx.keep_last_records = True  # asking which is not a message "in between"
        return reply(
            f"ยกเลิกอะไรคะ\n• รายการที่เพิ่งบันทึก\n• หรือ{pending.about(_waiting(ctx))}ที่ค้างไว้",
            UNDO_LAST,
            CANCEL_FLOW,
        )
    return await _cancel_flow(ctx)


def _waiting(ctx: Context) -> dict[str, Any]:
    assert ctx.state is not None
    return {"flow": ctx.state.flow, "data": dict(ctx.state.data)}


async def _needs_actor(ctx: Context) -> Reply | None:
    return await start.not_linked(ctx) if ctx.actor is None else None


async def _start(ctx: Context, intent: str) -> Reply:
    """A button or slash command that starts a guided report. Pressed again while the same
    report waits, it asks the waiting question again instead of starting over."""
    if ctx.state is not None and ctx.state.flow == intent:
        ctx.resuming = True
        again = pending.question(_waiting(ctx))
        return Reply(f"ยังบันทึก{pending.about(_waiting(ctx))}อยู่ค่ะ\n{again.text}", again.quick_replies)
    return await report_flow.run(ctx, SPECS[intent], {})


async def _start_command(ctx: Context, said: Command) -> Reply:
    return await _start(ctx, said.arg)


async def _undo_last(ctx: Context, _: Any) -> Reply:
    return await undo.undo(ctx)


async def _cancel_command(ctx: Context, _: Any) -> Reply:
    if ctx.state is None:
        return reply("ไม่มีรายการที่ค้างอยู่ค่ะ พิมพ์ เมนู เพื่อเริ่มบันทึกได้เลย", MENU)
    return await _cancel_flow(ctx)


async def _resume_command(ctx: Context, _: Any) -> Reply:
    """ทำต่อ: the waiting question, asked again."""
    if ctx.state is None:
        return reply("ไม่มีรายการที่ค้างอยู่ค่ะ พิมพ์ เมนู เพื่อเริ่มบันทึกได้เลย", MENU)
    ctx.resuming = True
    return pending.question(_waiting(ctx))


async def _ack(ctx: Context, _: Any) -> Reply:
    return await social.answer(ctx, "ack")  # "โอเค" with nothing waiting for it


def _said(*names: str, waiting: bool | None = None) -> Matcher:
    """Matches a vocabulary command (typed or pressed) by name; `waiting` False: only when
    no question waits (then "ยืนยัน" is its answer, not a command)."""

    def matches(ctx: Context) -> Command | None:
        said = command_of(ctx.text)
        if said is None or said.name not in names:
            return None
        if waiting is False and ctx.state is not None:
            return None
        return said

    return matches


def _handler(run: Callable[[Context], Awaitable[Reply | None]]) -> Handler:
    async def handle(ctx: Context, _: Any) -> Reply | None:
        return await run(ctx)

    return handle


async def _resume(ctx: Context, _: Any) -> Reply:
    """The answer to the waiting question."""
    assert ctx.state is not None
    ctx.resuming = True
    flow, data = ctx.state.flow, dict(ctx.state.data)
    if flow == "edit":
        return await undo.resume_edit(ctx, data)
    if flow == "undo":
        return await undo.resume_undo(ctx, data)
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


_NAME = re.compile(r"^(?:ชื่อ|/name)\s*:?\s+(\S.{0,99})$", re.DOTALL)


def _name_given(ctx: Context) -> str | None:
    match = _NAME.match(ctx.text.strip())
    return match.group(1) if match else None


async def _set_name(ctx: Context, name: str) -> Reply:
    return await start.set_name(ctx, name)


async def _my_data(ctx: Context, _: Any) -> Reply | None:
    return await privacy.show(ctx)


async def _erase(ctx: Context, _: Any) -> Reply | None:
    return await privacy.ask_erase(ctx)


async def _edit(ctx: Context, _: Any) -> Reply:
    return await undo.edit(ctx)


async def _correct(ctx: Context, found: undo.Correction) -> Reply:
    return await undo.correct(ctx, found)


async def _correction(ctx: Context) -> undo.Correction | None:
    return await undo.correction(ctx) if ctx.actor is not None else None


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
    if ctx.state is not None and ctx.state.flow == intent:
        ctx.replacing = True  # "/sale ไข่ 30 ฟอง" again: the new one is what they mean
    return await report_flow.run(ctx, SPECS[intent], report_flow.start_slots(ctx.parsed(rest)))


async def _report(ctx: Context, intent: str) -> Reply:
    parsed = ctx.parsed()
    money_slot = "income" if intent == "monthly" else "amount"
    return await report_flow.run(ctx, SPECS[intent], report_flow.start_slots(parsed, money_slot))


async def _help_or_summary(ctx: Context, intent: str) -> Reply | None:
    return await (help.menu(ctx) if intent == "help" else report.summary(ctx))


async def _social(ctx: Context, kind: str) -> Reply:
    return await social.answer(ctx, kind)


async def _fallback(ctx: Context, _: Any) -> Reply | None:
    if ctx.message.is_group:
        if not ctx.message.addressed:
            return None  # the bot stays quiet in ordinary group conversation
        if ctx.room_group_id is None:
            return await start.greet(ctx)  # "@bot" in a chat not linked yet: how to link it
    if ctx.state is not None:
        return reply("ขอโทษค่ะ ยังไม่เข้าใจข้อความนี้ 🙏")  # the waiting question follows
    example = await help.example(ctx)
    return reply(
        f"ขอโทษค่ะ ยังไม่เข้าใจข้อความนี้ 🙏\nลองพิมพ์แบบนี้ได้ค่ะ เช่น {example}\nหรือกด เมนู เพื่อดูตัวอย่างทั้งหมดค่ะ",
        MENU,
        SUMMARY,
    )


# What a voice note may do: the same as typed text, minus what removes, changes or links
# without a report's confirmation (a misheard "ยกเลิก" must not undo a record). Reports from
# it are always confirmed (report_flow.run).
VOICE_RULES = frozenset({
    "start", "resume", "help", "summary", "visit_plan", "summary_of", "slash_report",
    "open_question", "report", "help_or_summary", "social", "fallback",
})  # fmt: skip


async def _voice(ctx: Context, _: Any) -> Reply | None:
    """A voice note: refused politely unless heard; then what was heard is handled as the
    typed text would be (within VOICE_RULES), its answer headed by what was heard."""
    if ctx.message.is_group:
        return None  # people talking to each other; never fetched nor transcribed
    if ctx.actor is None or not ctx.actor.roles:
        return await start.not_linked(ctx)
    refused = voice.refusal(ctx)
    if refused is not None:
        return refused
    if ctx.state is not None and ctx.state.flow not in SPECS:
        return reply(voice.ANSWER_BY_TAP)  # erase, undo, edit, a choice: by tap or typing
    await voice.keep(ctx)
    _, answer = await dispatch(ctx, tuple(r for r in RULES if r.name in VOICE_RULES))
    return voice.framed(ctx, answer)


RULES: tuple[Rule, ...] = (
    Rule("follow", _event("follow"), _greet),
    Rule("join", _event("join"), _greet),
    Rule("unfollow", _event("unfollow"), _unfollow),
    Rule("unsend", _event("unsend"), _withdraw_source),
    Rule("edited", _event("edit"), _edited),
    Rule("voice", _event("audio"), _voice),
    Rule("link", _link_code, _link),
    Rule(
        "consent", lambda ctx: True if ctx.state and ctx.state.flow == "consent" else None, _resume
    ),
    Rule("my_data", _said("my_data"), _my_data),
    Rule("erase", _said("erase"), _erase),
    Rule("unlinked", _unlinked, _not_linked),
    Rule("handover", handover.wants_decision, handover.decide),
    Rule("issue_code", codes.wants_code, codes.issue),
    Rule("add_account", account.wants_add_account, account.add_account),
    Rule("sign_out_everywhere", account.wants_sign_out_everywhere, account.sign_out_everywhere),
    # Commands, typed or pressed (bot/vocabulary.py), in any state.
    Rule("start", _said("start"), _start_command),
    Rule("undo", _said("undo"), _undo_word),
    Rule("undo_last", _said("undo_last"), _undo_last),
    Rule("cancel_flow", _said("cancel_flow"), _cancel_command),
    Rule("resume", _said("resume"), _resume_command),
    Rule("help", _said("help"), _handler(help.menu)),
    Rule("administrator", administrator.asked, administrator.show),
    Rule("summary", _said("summary"), _handler(report.summary)),
    Rule("reminders_off", _said("reminders_off"), _handler(reminders.stop)),
    Rule("reminders_snooze", _said("reminders_snooze"), _handler(reminders.snooze)),
    Rule("reminders_on", _said("reminders_on"), _handler(reminders.resume)),
    Rule("dashboard_word", _said("dashboard"), _handler(dashboard.link)),
    Rule("visit_plan", _said("visit_plan"), _handler(visit_plan.show)),
    Rule("ack", _said("confirm", "decline", waiting=False), _ack),
    Rule("voice_fix", voice.wants_fix, voice.fix),
    Rule("edit", _starts(EDIT_PREFIXES), _edit),
    Rule("annual", _starts(ANNUAL_PREFIXES), _annual),
    Rule("dividend", _starts(DIVIDEND_PREFIXES), _dividend),
    Rule("export", export.wants_export, export.export),
    Rule("model_households", model_households.asked, model_households.ranking),
    Rule("dashboard", dashboard.wants_dashboard, dashboard.link),
    Rule("poster", poster.wants_poster, poster.poster),
    Rule("summary_of", _summary_asked, _summary),
    Rule("slash_report", _slash_report, _slash),
    Rule("correction", _correction, _correct),
    Rule("open_question", _open_question, _resume),
    Rule("set_name", _name_given, _set_name),
    Rule("report", _report_intent, _report),
    Rule("help_or_summary", _asks_help_or_summary, _help_or_summary),
    Rule("social", social.matches, _social),
    Rule("fallback", lambda ctx: True, _fallback),
)


async def dispatch(ctx: Context, rules: tuple[Rule, ...] = RULES) -> tuple[str, Reply | None]:
    for rule in rules:
        args = rule.matches(ctx)
        if inspect.isawaitable(args):
            args = await args
        if args is not None:
            return rule.name, await rule.handle(ctx, args)
    return "none", None
