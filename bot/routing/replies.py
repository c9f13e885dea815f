"""What a matched rule does: the replies of the router's table, each a thin call into a handler
(`bot/handlers/`) with what its matcher found, plus the few that span handlers (unsend and
edit of a message, ยกเลิก with a question waiting, pressing a report's button again).

Apart from the table (`bot/router.py`) and the matchers so each reads alone; the handlers
themselves stay in `bot/handlers/`, one module per thing people say."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from bot.handlers import (
    annual,
    dividend,
    help,
    pending,
    privacy,
    record_flow,
    report,
    social,
    start,
    undo,
)
from bot.handlers.context import Context, reply
from bot.messages import Reply
from bot.routing.matchers import report_intent
from bot.routing.specs import SPECS
from bot.vocabulary import CANCEL_FLOW, MENU, SUMMARY, UNDO_LAST, Command

Handler = Callable[[Context, Any], Awaitable[Reply | None]]


async def greet(ctx: Context, _: Any) -> Reply:
    return await start.greet(ctx)


async def unfollow(ctx: Context, _: Any) -> None:
    ctx.account.blocked = True  # no more pushes; nothing to reply to someone who left


async def withdraw_source(ctx: Context, _: Any) -> Reply | None:
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


async def edited(ctx: Context, _: Any) -> Reply | None:
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
    intent = report_intent(ctx)
    if intent is None:
        return reply("ข้อความที่แก้ไขไม่ใช่รายงานแล้ว จึงยกเลิกรายการเดิมให้ค่ะ", MENU)
    answer = await record_flow.run(ctx, SPECS[intent], record_flow.start_slots(ctx.parsed()))
    note = f"✏️ แก้ตามข้อความที่แก้ไขแล้วค่ะ (รายการเดิม: {'; '.join(named)})"
    card = answer.card and replace(answer.card, note=note)
    return replace(answer, text=f"{note}\n{answer.text}", card=card)


async def link(ctx: Context, code: str) -> Reply:
    return await start.link(ctx, code)


async def _cancel_flow(ctx: Context) -> Reply:
    assert ctx.state is not None
    text = ctx.state.data.get("cancel_text") or (
        "ยกเลิกรายการที่กำลังทำแล้วค่ะ ไม่มีอะไรถูกบันทึก พิมพ์ เมนู เพื่อเริ่มใหม่ค่ะ"
    )
    ctx.resuming = True
    await ctx.end_flow()
    return reply(str(text), MENU)


async def undo_word(ctx: Context, _: Any = None) -> Reply:
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


async def start_report(ctx: Context, intent: str) -> Reply:
    """A button or slash command that starts a guided report. Pressed again while the same
    report waits, it asks the waiting question again instead of starting over."""
    if ctx.state is not None and ctx.state.flow == intent:
        ctx.resuming = True
        again = pending.question(_waiting(ctx))
        return Reply(f"ยังบันทึก{pending.about(_waiting(ctx))}อยู่ค่ะ\n{again.text}", again.quick_replies)
    return await record_flow.run(ctx, SPECS[intent], {})


async def start_command(ctx: Context, said: Command) -> Reply:
    return await start_report(ctx, said.arg)


async def undo_last(ctx: Context, _: Any) -> Reply:
    return await undo.undo(ctx)


async def cancel_command(ctx: Context, _: Any) -> Reply:
    if ctx.state is None:
        return reply("ไม่มีรายการที่ค้างอยู่ค่ะ พิมพ์ เมนู เพื่อเริ่มบันทึกได้เลย", MENU)
    return await _cancel_flow(ctx)


async def resume_command(ctx: Context, _: Any) -> Reply:
    """ทำต่อ: the waiting question, asked again."""
    if ctx.state is None:
        return reply("ไม่มีรายการที่ค้างอยู่ค่ะ พิมพ์ เมนู เพื่อเริ่มบันทึกได้เลย", MENU)
    ctx.resuming = True
    return pending.question(_waiting(ctx))


async def ack(ctx: Context, _: Any) -> Reply:
    return await social.answer(ctx, "ack")  # "โอเค" with nothing waiting for it


def handler(run: Callable[[Context], Awaitable[Reply | None]]) -> Handler:
    async def handle(ctx: Context, _: Any) -> Reply | None:
        return await run(ctx)

    return handle


async def resume(ctx: Context, _: Any) -> Reply:
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
    return await record_flow.resume(ctx, SPECS[flow], data)


async def not_linked(ctx: Context, _: Any) -> Reply | None:
    if ctx.message.is_group:
        if ctx.room_group_id is not None and (
            report_intent(ctx) is not None or ctx.message.addressed
        ):
            return await start.invite(ctx)  # a report (or "@bot …") from someone not in the group
        if ctx.room_group_id is None and ctx.message.addressed:
            return await start.greet(ctx)  # "@bot" in a chat not linked yet: how to link it
        return None  # ordinary talk in a group chat from someone the bot does not know
    return await start.not_linked(ctx)


async def set_name(ctx: Context, name: str) -> Reply:
    return await start.set_name(ctx, name)


async def my_data(ctx: Context, _: Any) -> Reply | None:
    return await privacy.show(ctx)


async def erase(ctx: Context, _: Any) -> Reply | None:
    return await privacy.ask_erase(ctx)


async def edit(ctx: Context, _: Any) -> Reply:
    return await undo.edit(ctx)


async def correct(ctx: Context, found: undo.Correction) -> Reply:
    return await undo.correct(ctx, found)


async def summary(ctx: Context, _: Any) -> Reply | None:
    return await report.summary(ctx)


async def annual_summary(ctx: Context, _: Any) -> Reply:
    return await annual.show(ctx)


async def dividend_report(ctx: Context, _: Any) -> Reply:
    # "ปี 2568" names the period, not an amount: the parser sees the text without it.
    rest = dividend.without_year(ctx.text)
    return await record_flow.run(ctx, SPECS["dividend"], record_flow.start_slots(ctx.parsed(rest)))


async def slash(ctx: Context, args: tuple[str, str]) -> Reply:
    intent, rest = args
    if ctx.state is not None and ctx.state.flow == intent:
        ctx.replacing = True  # "/sale ไข่ 30 ฟอง" again: the new one is what they mean
    return await record_flow.run(ctx, SPECS[intent], record_flow.start_slots(ctx.parsed(rest)))


async def report_said(ctx: Context, intent: str) -> Reply:
    parsed = ctx.parsed()
    money_slot = "income" if intent == "monthly" else "amount"
    return await record_flow.run(ctx, SPECS[intent], record_flow.start_slots(parsed, money_slot))


async def help_or_summary(ctx: Context, intent: str) -> Reply | None:
    return await (help.menu(ctx) if intent == "help" else report.summary(ctx))


async def social_answer(ctx: Context, kind: str) -> Reply:
    return await social.answer(ctx, kind)


async def fallback(ctx: Context, _: Any) -> Reply | None:
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
