"""ยกเลิก / /undo (withdraw a record) and แก้ไข / /edit (change one field of one), explicit
every time: the record made by the person's immediately preceding message is undone or
changed at once and named; any other record is shown first and needs ยืนยัน. "ผิด 250 บาท"
right after a record offers the correction instead of recording a second one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.handlers.context import Context, choices, reply
from bot.handlers.record_flow import bare_number
from bot.messages import Reply
from bot.services import records
from bot.services.describe import describe
from bot.services.records import EDITABLE, entity_name
from bot.storage.models import AccountEntry, Meeting, RecordMixin, Sale, WorkLog
from bot.vocabulary import CANCEL, CONFIRM, MENU, NOT_SO, SUMMARY, command_of, spoken
from bot.wording import number, quantity, thai_date

# How long after a record "ยกเลิก" means that record without asking (nothing in between).
UNDO_WINDOW = timedelta(minutes=5)
NOT_UNDONE = "ไม่ได้ยกเลิกอะไรค่ะ รายการยังอยู่ครบ พิมพ์ เมนู เพื่อทำรายการอื่นได้ค่ะ"
NOT_EDITED = "ไม่ได้แก้ไขอะไรค่ะ รายการยังเหมือนเดิม พิมพ์ เมนู เพื่อทำรายการอื่นได้ค่ะ"
NOTHING_YET = "ยังไม่มีรายการที่คุณบันทึกไว้ค่ะ พิมพ์ เมนู เพื่อดูวิธีบันทึกนะคะ"

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
# Words people use for a field ("แก้ไข ราคา 250", "แก้ไข ชม. 4").
FIELD_WORDS = {
    **{name: field for field, name in FIELD_NAMES.items()},
    "เงิน": "amount", "ยอด": "amount", "ยอดขาย": "amount", "ราคา": "amount", "บาท": "amount",
    "จน.": "quantity", "ชม.": "hours", "ชม": "hours", "ชั่วโมงทำงาน": "hours", "วัน": "on_date",
    "คน": "attendees", "ผู้เข้าประชุม": "attendees", "สินค้า": "item", "ของ": "item",
}  # fmt: skip
_FIELD_ALTERNATION = "|".join(sorted(map(re.escape, FIELD_WORDS), key=len, reverse=True))
EDIT_INLINE = re.compile(rf"^(?:แก้ไข|แก้|/edit)\s*({_FIELD_ALTERNATION})\s*(?:เป็น|=|:)?\s*(\S.*)$")
CORRECTION = re.compile(r"^(?:ผิด|พิมพ์ผิด|ไม่ใช่|ขอแก้)(?:ค่ะ|คะ|ครับ|นะ)?\s*(?:เป็น|ต้องเป็น)?\s*(.*\d.*)$")


def _ref(record: RecordMixin) -> list[Any]:
    return [entity_name(record), record.id]


async def _records(ctx: Context, refs: list[list[Any]]) -> list[RecordMixin]:
    found = [await ctx.uow.records.get(str(entity), int(key)) for entity, key in refs]
    return [r for r in found if r is not None and r.withdrawn_at is None]


async def just_made(ctx: Context) -> list[RecordMixin]:
    """The records this account's immediately preceding message made, if only minutes ago."""
    refs, at = ctx.account.last_records, ctx.account.last_record_at
    if not refs or at is None or ctx.now - at > UNDO_WINDOW:
        return []
    return await _records(ctx, refs)


# --- undo -----------------------------------------------------------------------------------


async def undo(ctx: Context) -> Reply:
    """ยกเลิก outside a flow: the record of the immediately preceding message at once; the
    person's latest record otherwise, shown and confirmed first."""
    assert ctx.actor is not None
    fresh = await just_made(ctx)
    if fresh:
        return await _withdraw(ctx, fresh)
    record = await ctx.uow.records.last_by(ctx.actor.person_id)
    if record is None:
        return reply(NOTHING_YET, MENU)
    records.may_change(ctx.actor, record)  # say at once when the role is gone
    question = reply(
        f"ยกเลิก {await describe(ctx.uow, record)} ใช่ไหมคะ\nกด ยืนยัน เพื่อยกเลิกรายการนี้ หรือ ไม่ใช่ ค่ะ",
        CONFIRM,
        NOT_SO,
    )
    await ctx.start_flow(
        "undo", {"asking": "_confirm", "records": [_ref(record)], "cancel_text": NOT_UNDONE},
        question,
    )  # fmt: skip
    return question


async def _withdraw(ctx: Context, found: list[RecordMixin]) -> Reply:
    assert ctx.actor is not None
    names = []
    for record in found:
        await records.undo(ctx.uow, ctx.actor, record)
        names.append(await describe(ctx.uow, record))
    listed = "\n".join(f"• {name}" for name in names)
    return reply(f"ยกเลิกแล้วค่ะ:\n{listed}\nพิมพ์รายงานใหม่ได้เลย หรือพิมพ์ เมนู ค่ะ", SUMMARY, MENU)


async def resume_undo(ctx: Context, data: dict[str, Any]) -> Reply:
    said = command_of(ctx.text)
    if said is not None and said.name == "confirm":
        await ctx.end_flow()
        found = await _records(ctx, data.get("records", []))
        if not found:
            return reply("รายการนี้ถูกยกเลิกไปแล้วค่ะ", MENU)
        return await _withdraw(ctx, found)
    await ctx.end_flow()
    return reply(NOT_UNDONE, MENU)


# --- edit -----------------------------------------------------------------------------------


def _value(ctx: Context, field: str, raw: str) -> Any:
    parsed = ctx.parsed(raw)
    if field in ("amount", "unit_price", "quantity", "hours"):
        return bare_number(parsed)
    if field == "attendees":
        count = bare_number(parsed)
        return int(count) if count is not None and count == int(count) else None
    if field == "on_date":
        return parsed.date
    cleaned = " ".join(raw.split())
    return cleaned or None


def _shown(field: str, value: Any) -> str:
    if isinstance(value, date):
        return thai_date(value)
    if isinstance(value, Decimal):
        shown = quantity(value) if field in ("quantity", "hours") else number(value)
        return f"{shown} บาท" if field in ("amount", "unit_price") else shown
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


async def _target(ctx: Context) -> tuple[RecordMixin | None, bool]:
    """The record an edit is about, and whether it is the one just made."""
    assert ctx.actor is not None
    fresh = await just_made(ctx)
    if fresh:
        return fresh[-1], True
    return await ctx.uow.records.last_by(ctx.actor.person_id), False


async def edit(ctx: Context) -> Reply:
    """`แก้ไข` alone asks which part; `แก้ไข ยอดเงิน 300` changes it (confirmed when the
    record is not the one just made)."""
    assert ctx.actor is not None
    record, fresh = await _target(ctx)
    if record is None:
        return reply(NOTHING_YET, MENU)
    records.may_change(ctx.actor, record)
    fields = EDITABLE.get(entity_name(record), ())
    if not fields:
        return reply(
            "รายการล่าสุดเป็นตัวเลขของกลุ่มค่ะ ส่ง รายรับ… รายจ่าย… ใหม่ได้เลย ระบบจะเก็บเป็นฉบับแก้ไข",
            MENU,
        )
    inline = EDIT_INLINE.match(ctx.text.strip())
    if inline and FIELD_WORDS[inline.group(1)] in fields:
        return await _change(ctx, record, FIELD_WORDS[inline.group(1)], inline.group(2), fresh)
    question = reply(
        f"รายการล่าสุด: {await describe(ctx.uow, record)}\nต้องการแก้ส่วนไหนคะ",
        *choices([FIELD_NAMES[f] for f in fields], CANCEL),
    )
    await ctx.start_flow(
        "edit", {"asking": "field", "record": _ref(record), "cancel_text": NOT_EDITED}, question
    )
    return question


@dataclass(frozen=True)
class Correction:
    record: RecordMixin
    field: str
    raw: str


async def correction(ctx: Context) -> Correction | None:
    """ "ผิด 250 บาทค่ะ" right after a record: which figure of it the person corrects."""
    match = CORRECTION.match(ctx.text.strip())
    if match is None:
        return None
    fresh = await just_made(ctx)
    if len(fresh) != 1:
        return None
    field = _main_field(ctx, fresh[0], match.group(1))
    return None if field is None else Correction(fresh[0], field, match.group(1))


async def correct(ctx: Context, found: Correction) -> Reply:
    """Offers to change the figure, shown and confirmed: never a second record."""
    return await _change(ctx, found.record, found.field, found.raw, fresh=False)


def _main_field(ctx: Context, record: RecordMixin, raw: str) -> str | None:
    parsed = ctx.parsed(raw)
    if isinstance(record, Sale):
        said_unit = parsed.unit is not None and parsed.unit == record.unit
        return "quantity" if said_unit and parsed.amount is None else "amount"
    if isinstance(record, AccountEntry):
        return "amount"
    if isinstance(record, WorkLog):
        return "hours" if record.hours is not None else "quantity"
    if isinstance(record, Meeting):
        return "attendees"
    return None


async def _change(ctx: Context, record: RecordMixin, field: str, raw: str, fresh: bool) -> Reply:
    assert ctx.actor is not None
    value = _value(ctx, field, raw)
    if value is None:
        return reply(
            f"ขอโทษค่ะ ยังไม่เข้าใจ{FIELD_NAMES.get(field, '')}ที่พิมพ์มา "
            f"ลองพิมพ์ใหม่ เช่น แก้ไข {FIELD_NAMES.get(field, '')} 250 ค่ะ",
            CANCEL,
        )
    if fresh:
        return await _apply(ctx, record, field, value)
    before = _shown(field, getattr(record, field))
    question = reply(
        f"แก้{FIELD_NAMES.get(field, '')}ของ {await describe(ctx.uow, record)}\n"
        f"จาก {before} เป็น {_shown(field, value)} ใช่ไหมคะ\nกด ยืนยัน เพื่อแก้ไข หรือ ไม่ใช่ ค่ะ",
        CONFIRM,
        NOT_SO,
    )
    await ctx.start_flow(
        "edit",
        {"asking": "_confirm", "record": _ref(record), "field": field, "raw": raw,
         "cancel_text": NOT_EDITED},
        question,
    )  # fmt: skip
    return question


async def _apply(ctx: Context, record: RecordMixin, field: str, value: Any) -> Reply:
    assert ctx.actor is not None
    before = _shown(field, getattr(record, field))
    await records.edit(
        ctx.uow, ctx.actor, record, field, value,
        today=ctx.today, day_cap=ctx.settings.max_work_hours_per_day,
    )  # fmt: skip
    await ctx.end_flow()
    after = _shown(field, getattr(record, field))
    return reply(
        f"แก้ไข{FIELD_NAMES.get(field, '')}จาก {before} เป็น {after} แล้วค่ะ ✅\n"
        f"{await describe(ctx.uow, record)}",
        SUMMARY,
        MENU,
    )


async def resume_edit(ctx: Context, data: dict[str, Any]) -> Reply:
    found = await _records(ctx, [data["record"]]) if data.get("record") else []
    if not found:
        await ctx.end_flow()
        return reply("รายการนี้ถูกยกเลิกไปแล้ว จึงแก้ไขไม่ได้ค่ะ", MENU)
    record = found[0]
    raw = ctx.text.strip()
    asking = data.get("asking")
    if asking == "_confirm":
        said = command_of(raw)
        if said is None or said.name != "confirm":
            await ctx.end_flow()
            return reply(NOT_EDITED, MENU)
        field = str(data["field"])
        value = _value(ctx, field, str(data["raw"]))
        return await _apply(ctx, record, field, value)
    if asking == "field":
        chosen = FIELD_WORDS.get(raw) or FIELD_WORDS.get(spoken(raw))
        if chosen is None or chosen not in EDITABLE.get(entity_name(record), ()):
            return reply("กรุณาเลือกส่วนที่ต้องการแก้จากปุ่มค่ะ", CANCEL)
        question = reply(f"{FIELD_NAMES[chosen]}ที่ถูกต้องคืออะไรคะ", CANCEL)
        await ctx.start_flow(
            "edit",
            {"asking": "value", "field": chosen, "record": data["record"],
             "cancel_text": NOT_EDITED},
            question,
        )  # fmt: skip
        return question
    field = str(data.get("field"))
    value = _value(ctx, field, raw)
    if value is None:
        return reply(f"ขอโทษค่ะ ยังไม่เข้าใจ{FIELD_NAMES.get(field, '')}ที่พิมพ์มา ลองใหม่อีกครั้งนะคะ", CANCEL)
    return await _apply(ctx, record, field, value)
