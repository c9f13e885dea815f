"""A voice note: what the bot heard goes through the same understanding and the same rules
as typed text, but a report from it is always shown ("ได้ยินว่า: …") and confirmed with a
tap or a typed word before it is saved. A speech model mishears; nothing a person did not
mean may be recorded. Every refusal says what to do instead, and records nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.handlers.context import Context, reply
from bot.handlers.pending import FLOW_NAMES
from bot.messages import Reply
from bot.services.records import entity_name
from bot.storage.models import VoiceNote
from bot.vocabulary import CANCEL, CONFIRM, EDIT, MENU, spoken
from bot.wording import baht, number, quantity, thai_date

EXAMPLE = "ขายไข่เค็ม 30 ฟอง 300 บาท"
TYPE_INSTEAD = "ขออภัยค่ะ ตอนนี้ยังฟังข้อความเสียงไม่ได้ 🙏 กรุณาพิมพ์เป็นข้อความแทนนะคะ เช่น " + EXAMPLE
NOT_HEARD = (
    "ขออภัยค่ะ ฟังข้อความเสียงนี้ไม่สำเร็จ ยังไม่ได้บันทึกอะไรค่ะ 🙏 กรุณาส่งเสียงใหม่อีกครั้ง หรือพิมพ์แทน เช่น " + EXAMPLE
)
SILENT = "ไม่ได้ยินคำพูดในข้อความเสียงนี้ค่ะ ยังไม่ได้บันทึกอะไร ลองพูดใกล้ ๆ โทรศัพท์อีกครั้ง หรือพิมพ์แทนนะคะ"
FIX = (
    "บอกส่วนที่ถูกต้องได้เลยค่ะ เช่น 350 บาท หรือ 40 ฟอง (พิมพ์หรือพูดก็ได้) "
    "แล้วจะแสดงให้ยืนยันอีกครั้งค่ะ ยังไม่ได้บันทึกอะไรนะคะ"
)
ANSWER_BY_TAP = "คำถามที่ค้างไว้ตอบด้วยเสียงไม่ได้ค่ะ กรุณากดปุ่มหรือพิมพ์คำตอบนะคะ"
CONFIRM_BY_TAP = "ยืนยันด้วยเสียงไม่ได้ค่ะ เพื่อกันการบันทึกผิด กรุณากด ยืนยัน หรือพิมพ์ ยืนยัน นะคะ"
VOICE_CONFIRM = (CONFIRM, EDIT, CANCEL)


def _minutes(seconds: float) -> str:
    if seconds < 90:
        return f"{number(Decimal(round(seconds)))} วินาที"
    return f"{number(Decimal(round(seconds / 60)))} นาที"


def refusal(ctx: Context) -> Reply | None:
    """The answer to a voice note that was not heard, or None when it was."""
    heard = ctx.heard
    if heard is None or heard.outcome == "no_stt":
        return reply(TYPE_INSTEAD, MENU)
    if heard.outcome == "too_long":
        limit = ctx.settings.voice_max_seconds
        said = f"ยาว {_minutes(heard.seconds)} " if heard.seconds else ""
        return reply(
            f"ข้อความเสียงนี้{said}เกินกว่าที่ฟังได้ค่ะ (ไม่เกิน {_minutes(limit)}) "
            f"ยังไม่ได้บันทึกอะไรนะคะ กรุณาพูดสั้น ๆ ทีละรายการ หรือพิมพ์แทน เช่น {EXAMPLE}",
            MENU,
        )
    if heard.outcome == "too_large":
        return reply(
            f"ไฟล์เสียงนี้ใหญ่เกินกว่าที่ฟังได้ค่ะ ยังไม่ได้บันทึกอะไรนะคะ "
            f"กรุณาพูดสั้น ๆ ทีละรายการ หรือพิมพ์แทน เช่น {EXAMPLE}",
            MENU,
        )
    if heard.outcome == "silent":
        return reply(SILENT, MENU)
    if heard.outcome == "too_often":
        return reply(
            "ส่งข้อความเสียงถี่เกินไปค่ะ 🙏 ยังไม่ได้บันทึกอะไรนะคะ "
            f"รอประมาณ 1 นาทีแล้วส่งใหม่ หรือพิมพ์แทน เช่น {EXAMPLE}",
            MENU,
        )
    if heard.outcome != "heard":
        return reply(NOT_HEARD, MENU)
    return None


async def keep(ctx: Context) -> dict[str, Any]:
    """Stores the audio (owned by the person: erased with their data, purged after
    VOICE_KEEP_DAYS) and what was heard; returns what a report from it carries along."""
    heard = ctx.heard
    assert heard is not None and ctx.person_id is not None
    ttl = timedelta(days=ctx.settings.voice_keep_days)
    key: str | None = None
    if heard.audio is not None and ctx.settings.voice_keep_days > 0:
        stored = await ctx.uow.files.put(
            heard.audio.data, heard.audio.content_type, now=ctx.now, ttl=ttl,
            filename=heard.audio.filename, owner_person_id=ctx.person_id, single_use=True,
        )  # fmt: skip
        stored.used_at = ctx.now  # never served as a download link: kept, not shared
        key = stored.key
    note = VoiceNote(
        person_id=ctx.person_id,
        source_ref=ctx.message.source_ref,
        transcript=heard.transcript,
        seconds=None if heard.seconds is None else Decimal(str(round(heard.seconds, 1))),
        audio_key=key,
        audio_expires_at=ctx.now + ttl if key else None,
        created_at=ctx.now,
    )
    await ctx.uow.voice_notes.add(note)
    ctx.voice = {"note": note.id, "heard": heard.transcript}
    return ctx.voice


def framed(ctx: Context, answer: Reply | None) -> Reply | None:
    """Any answer to a voice note starts with what was heard, so a mishearing shows."""
    if answer is None or ctx.voice is None or answer.text.startswith("🎤"):
        return answer
    heard = f"🎤 ได้ยินว่า: “{ctx.voice['heard']}”"
    card = answer.card
    if card is not None:  # a card shows instead of the text (LINE Flex): it says it too
        card = replace(card, subtitle=f"{heard}\n{card.subtitle}" if card.subtitle else heard)
    return replace(answer, text=f"{heard}\n{answer.text}", card=card)


def confirmation(ctx: Context, intent: str, slots: dict[str, Any], shown: str | None) -> Reply:
    """ "ได้ยินว่า: … บันทึกไหมคะ" with ยืนยัน / แก้ไข / ยกเลิก: what was heard, what would be
    recorded (what, how much, for whom, which day), and the sale's own checks if any."""
    voice = slots.get("_voice") or {}
    lines = [f"🎤 ได้ยินว่า: “{voice.get('heard', '')}”"]
    lines.append(shown if shown else f"จะบันทึก: {_described(ctx, intent, slots)}")
    lines.append("บันทึกไหมคะ กด ยืนยัน เพื่อบันทึก, แก้ไข เพื่อบอกส่วนที่ถูก หรือ ยกเลิก ค่ะ")
    return reply("\n".join(lines), *VOICE_CONFIRM)


def _described(ctx: Context, intent: str, slots: dict[str, Any]) -> str:
    words = [FLOW_NAMES.get(intent, "รายการ")]
    if slots.get("item"):
        words.append(str(slots["item"]))
    if slots.get("quantity") is not None:
        words.append(
            f"{quantity(Decimal(str(slots['quantity'])))} {slots.get('unit') or ''}".strip()
        )
    for name, unit in (("hours", "ชั่วโมง"), ("attendees", "คน")):
        if slots.get(name) is not None:
            words.append(f"{number(Decimal(str(slots[name])))} {unit}")
    for name, label in (("amount", ""), ("income", "รายรับ "), ("expenses", "รายจ่าย ")):
        if slots.get(name) is not None:
            words.append(f"{label}{baht(Decimal(str(slots[name])))}")
    when = slots.get("date")
    day = date.fromisoformat(when) if isinstance(when, str) else ctx.today
    words.append(f"วันที่ {thai_date(day)}")
    if ctx.actor is not None:
        words.append(f"ของ {ctx.actor.name}")
    return " ".join(words)


def wants_fix(ctx: Context) -> bool | None:
    """แก้ไข pressed under a voice note's confirmation: the correction of what was heard,
    not the edit of an earlier record (which แก้ไข means elsewhere)."""
    if spoken(ctx.text) != "แก้ไข" or ctx.state is None or ctx.message.kind == "audio":
        return None
    data = ctx.state.data
    return (
        True if data.get("asking") == "_confirm" and data.get("slots", {}).get("_voice") else None
    )


async def fix(ctx: Context, _: Any) -> Reply:
    """The flow stays at its confirmation: figures typed or said next correct it, and it is
    shown again (record_flow.resume, "_confirm")."""
    assert ctx.state is not None
    ctx.resuming = True
    data = {k: v for k, v in ctx.state.data.items() if k != "question"}
    question = reply(FIX, CANCEL)
    await ctx.start_flow(ctx.state.flow, data, question)
    return question


async def attach(ctx: Context, voice: dict[str, Any]) -> None:
    """The records just saved keep the voice note they came from (the first, when one note
    named several products)."""
    created = list(ctx.uow.records.created)
    note = await ctx.uow.voice_notes.get(voice.get("note"))
    if note is None or not created or note.person_id != ctx.person_id:
        return
    note.record_table = entity_name(created[0])
    note.record_id = created[0].id
