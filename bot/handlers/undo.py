"""ยกเลิก / /undo (withdraw my last record) and แก้ไข / /edit (change one field of it)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from bot.handlers.context import Context, choices, reply
from bot.handlers.format import baht, number, thai_date
from bot.handlers.report_flow import CANCEL, bare_number
from bot.messages import QuickReply, Reply
from bot.services.records import EDITABLE, edit_last, entity_name, undo_last
from bot.storage.models import RecordMixin

KIND_NAMES = {
    "sale": "การขาย",
    "meeting": "การประชุม",
    "work_log": "งาน",
    "activity": "กิจกรรม",
    "account_entry": "บัญชีครัวเรือน",
    "visit": "การเยี่ยม",
    "monthly_figures": "ตัวเลขประจำเดือน",
    "annual_summary": "สรุปประจำปี",
}
FIELD_NAMES = {
    "amount": "ยอดเงิน",
    "quantity": "จำนวน",
    "unit_price": "ราคาต่อหน่วย",
    "item": "รายการ",
    "on_date": "วันที่",
    "attendees": "จำนวนคน",
    "topics": "เรื่อง",
    "decisions": "มติ",
    "hours": "ชั่วโมง",
    "note": "หมายเหตุ",
    "notes": "บันทึก",
    "suggestions": "ข้อเสนอแนะ",
}
FIELD_BY_NAME = {name: field for field, name in FIELD_NAMES.items()}
EDIT_INLINE = re.compile(r"^(?:แก้ไข|แก้|/edit)\s*(\S+?)\s*(?:เป็น|=|:)?\s+(.+)$")


def describe(record: RecordMixin) -> str:
    kind = KIND_NAMES.get(entity_name(record), "รายการ")
    amount = getattr(record, "amount", None)
    item = getattr(record, "item", None)
    parts = [kind, item or "", baht(amount) if isinstance(amount, Decimal) else ""]
    return " ".join(p for p in parts if p) + f" วันที่ {thai_date(record.on_date)}"


async def undo(ctx: Context) -> Reply:
    assert ctx.actor is not None
    record = await undo_last(ctx.uow, ctx.actor)
    return reply(
        f"ยกเลิกรายการล่าสุดแล้วค่ะ: {describe(record)}\nพิมพ์รายงานใหม่ได้เลย หรือพิมพ์ เมนู ค่ะ",
        QuickReply("สรุป"),
        QuickReply("เมนู"),
    )


async def edit(ctx: Context) -> Reply:
    """`แก้ไข` alone asks which field; `แก้ไข ยอดเงิน 300` changes it at once."""
    assert ctx.actor is not None
    record = await ctx.uow.records.last_by(ctx.actor.person_id)
    if record is None:
        return reply("ยังไม่มีรายการที่คุณบันทึกไว้ให้แก้ไขค่ะ", QuickReply("เมนู"))
    fields = EDITABLE.get(entity_name(record), ())
    inline = EDIT_INLINE.match(ctx.text.strip())
    if inline and FIELD_BY_NAME.get(inline.group(1)) in fields:
        return await _apply(ctx, FIELD_BY_NAME[inline.group(1)], inline.group(2))
    if not fields:
        return reply(
            "รายการล่าสุดเป็นตัวเลขประจำเดือนค่ะ ส่ง รายรับ… รายจ่าย… ใหม่ได้เลย ระบบจะเก็บเป็นฉบับแก้ไข",
            QuickReply("เมนู"),
        )
    await ctx.start_flow("edit", {"asking": "field", "record": entity_name(record)})
    return reply(
        f"รายการล่าสุด: {describe(record)}\nต้องการแก้ส่วนไหนคะ",
        *choices([FIELD_NAMES[f] for f in fields], CANCEL),
    )


async def resume(ctx: Context, data: dict[str, Any]) -> Reply:
    raw = ctx.text.strip()
    if data.get("asking") == "field":
        field = FIELD_BY_NAME.get(raw)
        if field is None:
            return reply("กรุณาเลือกส่วนที่ต้องการแก้จากปุ่มค่ะ", CANCEL)
        await ctx.start_flow("edit", {"asking": "value", "field": field})
        return reply(f"{FIELD_NAMES[field]}ที่ถูกต้องคืออะไรคะ", CANCEL)
    return await _apply(ctx, str(data.get("field")), raw)


async def _apply(ctx: Context, field: str, raw: str) -> Reply:
    assert ctx.actor is not None
    parsed = ctx.parsed(raw)
    value: Any
    if field in ("amount", "unit_price", "quantity", "hours"):
        value = bare_number(parsed)
    elif field == "attendees":
        count = bare_number(parsed)
        value = int(count) if count is not None and count == int(count) else None
    elif field == "on_date":
        value = parsed.date
    else:
        value = raw
    if value is None:
        return reply(f"ขอโทษค่ะ ยังไม่เข้าใจ{FIELD_NAMES.get(field, '')}ที่พิมพ์มา ลองใหม่อีกครั้งนะคะ", CANCEL)
    record = await edit_last(ctx.uow, ctx.actor, field, value, today=ctx.today)
    await ctx.end_flow()
    stored = getattr(record, field)
    shown = (
        thai_date(stored)
        if isinstance(stored, date)
        else number(stored)
        if isinstance(stored, (Decimal, int))
        else str(stored)
    )
    return reply(
        f"แก้ไข{FIELD_NAMES.get(field, '')}เป็น {shown} แล้วค่ะ ✅\n{describe(record)}",
        QuickReply("สรุป"),
        QuickReply("เมนู"),
    )
