"""The question a flow is waiting on: what it is about, asked again word for word, and the
short line that tells a person it is still there after they did something else."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from bot.handlers.context import Context
from bot.messages import REPLY_LIMITS, QuickReply, Reply
from bot.vocabulary import CANCEL, RESUME
from bot.wording import quantity

FLOW_NAMES = {
    "sale": "การขาย",
    "meeting": "การประชุม",
    "work": "งาน",
    "activity": "กิจกรรม",
    "training": "การอบรม",
    "monthly": "ตัวเลขประจำเดือน",
    "visit": "การเยี่ยม",
    "income": "รายรับ",
    "expense": "รายจ่าย",
    "dividend": "ปันผล",
    "annual": "สรุปประจำปี",
    "edit": "การแก้ไขรายการ",
    "erase": "การลบข้อมูล",
    "consent": "การลงทะเบียน",
    "undo": "การยกเลิกรายการ",
}


def about(flow: dict[str, Any]) -> str:
    """ "การขาย ไข่เค็ม 30 ฟอง": what the waiting flow is recording, in a few words."""
    slots: dict[str, Any] = flow["data"].get("slots", {})
    words = [FLOW_NAMES.get(flow["flow"], "รายการ")]
    if slots.get("item"):
        words.append(str(slots["item"]))
    if slots.get("quantity"):
        words.append(
            f"{quantity(Decimal(str(slots['quantity'])))} {slots.get('unit') or ''}".strip()
        )
    if slots.get("target_name"):
        words.append(str(slots["target_name"]))
    if flow["flow"] == "meeting" and slots.get("attendees"):
        words.append(f"{slots['attendees']} คน")
    return " ".join(words)


def question(flow: dict[str, Any]) -> Reply:
    """The waiting flow's question, exactly as it was asked."""
    asked = flow["data"].get("question")
    if not asked:
        return Reply("ตอบคำถามที่ค้างไว้ได้เลยค่ะ หรือพิมพ์ ยกเลิก หากไม่ต้องการแล้ว")
    return Reply(
        str(asked["text"]),
        tuple(QuickReply(label, text) for label, text in asked.get("quick", [])),
    )


def _merge(first: tuple[QuickReply, ...], second: tuple[QuickReply, ...]) -> tuple[QuickReply, ...]:
    seen: list[QuickReply] = []
    for q in (*first, *second):
        if all(q.message != s.message for s in seen):
            seen.append(q)
    return tuple(seen[: REPLY_LIMITS.quick_replies])


def with_pending(ctx: Context, answer: Reply | None, *, reask: bool = False) -> Reply | None:
    """After the answer to this message: the flow that came back, or the one still waiting,
    asked again in one short line, so that nothing the person started is lost. With `reask`
    (the message was no answer: a greeting, a question, something not understood) the
    question itself follows, with its own buttons."""
    if answer is None:
        return None
    waiting = ctx.open_flow
    if reask and waiting is not None:
        ask = question(waiting)
        return Reply(f"{answer.text}\n{ask.text}", _merge(ask.quick_replies, (CANCEL,)))
    if ctx.restored is not None:
        back = question(ctx.restored)
        return Reply(
            f"{answer.text}\n\n📝 กลับมาที่{about(ctx.restored)}ที่ค้างไว้ค่ะ\n{back.text}",
            _merge(back.quick_replies, answer.quick_replies),
            answer.image,
            answer.document,
        )
    if waiting is not None:
        ask = question(waiting)
        return replace(
            answer,
            text=f"{answer.text}\n\n📝 ยังค้างอยู่: {about(waiting)} — {ask.text}",
            quick_replies=_merge((RESUME,), answer.quick_replies),
        )
    if ctx.saved_flow is not None and ctx.saved_flow["data"].get("aside") and ctx.flow_ended:
        aside = ctx.saved_flow["data"]["aside"]
        return replace(
            answer,
            text=f"{answer.text}\n(พัก{about(aside)}ไว้ก่อนนะคะ เสร็จรายการนี้แล้วจะถามต่อค่ะ)",
        )
    return answer
