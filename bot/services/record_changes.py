"""Undo and edit of one's own last record (ยกเลิก, แก้ไข), and withdrawing the records of one
chat message (LINE unsend, Telegram edit). Each needs, now, the role the record needs, and each
change is audited before and after."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.services.actors import Actor
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.record_checks import (
    MAX_ATTENDEES,
    MAX_HOURS,
    OFFICER_ONLY,
    day,
    entity_name,
    money,
    quantity,
    snapshot,
    text,
    within_day_cap,
)
from bot.storage.models import (
    Activity,
    AnnualSummary,
    Dividend,
    Meeting,
    MonthlyFigures,
    RecordMixin,
    Role,
    Sale,
    Visit,
    WorkLog,
    utcnow,
)
from bot.storage.unit_of_work import UnitOfWork

FORMER_TREASURER = (
    "ขออภัยค่ะ ตอนนี้คุณไม่ได้เป็นเหรัญญิกของกลุ่มนี้แล้ว รายการของเหรัญญิกจึงยกเลิกหรือแก้ไขได้"
    "เฉพาะเหรัญญิกคนปัจจุบันค่ะ ติดต่อเหรัญญิกหรือพัฒนากรนะคะ"
)
FORMER_CHAIR = "ขออภัยค่ะ การประชุมยกเลิกหรือแก้ไขได้เฉพาะประธานหรือเหรัญญิกของกลุ่มในตอนนี้ค่ะ"
FORMER_MEMBER = (
    "ขออภัยค่ะ ตอนนี้คุณไม่ได้เป็นสมาชิกของกลุ่มนี้แล้ว จึงยกเลิกหรือแก้ไขรายการของกลุ่มไม่ได้ค่ะ "
    "ติดต่อประธานกลุ่มหรือพัฒนากรนะคะ"
)
NOT_YOURS = "ขออภัยค่ะ ยกเลิกหรือแก้ไขได้เฉพาะรายการที่คุณบันทึกเองค่ะ"


def may_change(actor: Actor, record: RecordMixin) -> None:
    """Undo and edit need, now, the role the record needs: a former treasurer cannot withdraw
    the group's figures, a member who left cannot change the group's sales."""
    if record.recorded_by != actor.person_id:
        raise NotAllowed(NOT_YOURS)
    group_id = getattr(record, "group_id", None)
    household_id = getattr(record, "household_id", None)
    if isinstance(record, (MonthlyFigures, AnnualSummary, Dividend)):
        if actor.role_in(record.group_id) != Role.TREASURER:
            raise NotAllowed(FORMER_TREASURER)
    elif isinstance(record, Meeting):
        if actor.role_in(record.group_id) not in (Role.CHAIR, Role.TREASURER):
            raise NotAllowed(FORMER_CHAIR)
    elif isinstance(record, Visit):
        if actor.officer_id != record.officer_id:
            raise NotAllowed(OFFICER_ONLY)
    elif group_id is not None:
        if actor.role_in(group_id) is None:
            raise NotAllowed(FORMER_MEMBER)
    elif household_id is not None:
        if actor.household_id != household_id:
            raise NotAllowed("ขออภัยค่ะ รายการนี้เป็นของครัวเรือนที่คุณไม่ได้ดูแลแล้วค่ะ")
    elif isinstance(record, Activity) and actor.trainer_id is None and actor.officer_id is None:
        raise NotAllowed("ขออภัยค่ะ การอบรมยกเลิกหรือแก้ไขได้เฉพาะวิทยากรและพัฒนากรค่ะ")


async def undo_last(uow: UnitOfWork, actor: Actor) -> RecordMixin:
    record = await uow.records.last_by(actor.person_id)
    if record is None:
        raise NotFound("ยังไม่มีรายการที่คุณบันทึกไว้ให้ยกเลิกค่ะ")
    await undo(uow, actor, record)
    return record


async def undo(uow: UnitOfWork, actor: Actor, record: RecordMixin, reason: str = "undo") -> None:
    """Withdraws one of the actor's own records, if they still hold the role it needs."""
    if record.withdrawn_at is not None:
        raise NotFound("รายการนี้ถูกยกเลิกไปแล้วค่ะ")
    may_change(actor, record)
    await withdraw(uow, actor.person_id, record, reason=reason)


async def withdraw(
    uow: UnitOfWork, actor_id: int | None, record: RecordMixin, *, reason: str
) -> None:
    before = snapshot(record)
    record.withdrawn_at = utcnow()
    await uow.flush()
    await uow.audit.add(actor_id, reason, entity_name(record), record.id, before, snapshot(record))


async def withdraw_by_source(
    uow: UnitOfWork, actor_id: int | None, source_ref: str, *, reason: str
) -> list[RecordMixin]:
    """Withdraws the records made from one chat message (LINE unsend, Telegram edit), but only
    those the asking person made: an account no longer linked to their maker (unlinked,
    erased, or now someone else's) withdraws nothing."""
    if actor_id is None:
        return []
    found = [r for r in await uow.records.by_source(source_ref) if r.recorded_by == actor_id]
    for record in found:
        await withdraw(uow, actor_id, record, reason=reason)
    return found


# Which fields "แก้ไข" may change, per record kind, and how each value is checked.
EDITABLE: dict[str, tuple[str, ...]] = {
    "sale": ("amount", "quantity", "unit_price", "item", "on_date"),
    "meeting": ("attendees", "topics", "decisions", "on_date"),
    "work_log": ("hours", "quantity", "note", "on_date"),
    "activity": ("attendees", "topics", "on_date"),
    "account_entry": ("amount", "item", "on_date"),
    "visit": ("notes", "suggestions", "on_date"),
}


async def edit_last(
    uow: UnitOfWork, actor: Actor, field: str, value: Any, *, today: date
) -> RecordMixin:
    record = await uow.records.last_by(actor.person_id)
    if record is None:
        raise NotFound("ยังไม่มีรายการที่คุณบันทึกไว้ให้แก้ไขค่ะ")
    return await edit(uow, actor, record, field, value, today=today)


async def edit(
    uow: UnitOfWork,
    actor: Actor,
    record: RecordMixin,
    field: str,
    value: Any,
    *,
    today: date,
    day_cap: Decimal = MAX_HOURS,
) -> RecordMixin:
    """Changes one field of one of the actor's own records (audited, before and after)."""
    kind = entity_name(record)
    if record.withdrawn_at is not None:
        raise NotFound("รายการนี้ถูกยกเลิกไปแล้วค่ะ แก้ไขไม่ได้")
    may_change(actor, record)
    if kind == "monthly_figures":
        raise InvalidInput("ตัวเลขประจำเดือนแก้ไขโดยส่งรายรับ รายจ่าย ใหม่อีกครั้งค่ะ ระบบจะเก็บเป็นฉบับแก้ไข")
    if field not in EDITABLE.get(kind, ()):
        raise InvalidInput("รายการนี้แก้ส่วนนั้นไม่ได้ค่ะ")
    checked = _checked(field, value, today)
    if isinstance(record, WorkLog) and field in ("hours", "on_date") and record.hours is not None:
        hours = checked if field == "hours" else record.hours
        on_date = checked if field == "on_date" else record.on_date
        await within_day_cap(uow, record.person_id, on_date, hours, day_cap, excluding=record.id)
    before = snapshot(record)
    setattr(record, field, checked)
    if (
        isinstance(record, Sale)
        and field in ("quantity", "unit_price")
        and record.quantity
        and record.unit_price
    ):
        record.amount = money(record.quantity * record.unit_price)
    await uow.flush()
    await uow.audit.add(actor.person_id, "edit", kind, record.id, before, snapshot(record))
    return record


def _checked(field: str, value: Any, today: date) -> Any:
    """A new value for one field, checked as when the record was first made."""
    if field in ("amount", "unit_price"):
        return money(value)
    if field in ("quantity", "hours"):
        checked = quantity(value)
        if field == "hours" and checked is not None and checked > MAX_HOURS:
            raise InvalidInput("ชั่วโมงทำงานต่อครั้งต้องไม่เกิน 24 ชั่วโมงค่ะ")
        return checked
    if field == "on_date":
        return day(value, today)
    if field == "attendees":
        if not isinstance(value, int) or not 0 < value <= MAX_ATTENDEES:
            raise InvalidInput("จำนวนคนดูไม่ถูกต้องค่ะ")
        return value
    return text(str(value))
