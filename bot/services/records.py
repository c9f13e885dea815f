"""Use cases that record what people did: sales, meetings, work, activities, trainings,
household account entries, officer visits and treasurers' monthly figures; and undo / edit
of one's own last record. Every permission is checked here, never only in the chat layer,
and every change is written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.calendar import month_start, previous_month
from bot.services.actors import Actor
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.record_changes import (
    EDITABLE,
    FORMER_CHAIR,
    FORMER_MEMBER,
    FORMER_TREASURER,
    NOT_YOURS,
    edit,
    edit_last,
    may_change,
    undo,
    undo_last,
    withdraw,
    withdraw_by_source,
)
from bot.services.record_checks import (
    CENT,
    MAX_AMOUNT,
    MAX_ATTENDEES,
    MAX_HOURS,
    MAX_QUANTITY,
    MEETING_ROLES,
    NO_GROUP,
    NOT_MEMBER,
    OFFICER_ONLY,
    OLDEST_DAYS,
    TREASURER_ONLY,
    day,
    entity_name,
    money,
    quantity,
    record_owner,
    resolve_group,
    save,
    signed_money,
    snapshot,
    stored_quantity,
    text,
    within_day_cap,
)
from bot.storage.models import (
    AccountEntry,
    Activity,
    Meeting,
    MonthlyFigures,
    Role,
    Sale,
    TrainingAttendance,
    Visit,
    WorkLog,
)
from bot.storage.unit_of_work import UnitOfWork

# The checks and the changes live beside this module; callers may keep importing them from here.
__all__ = [
    "CENT", "EDITABLE", "FORMER_CHAIR", "FORMER_MEMBER", "FORMER_TREASURER", "MAX_AMOUNT",
    "MAX_ATTENDEES", "MAX_HOURS", "MAX_QUANTITY", "MEETING_ROLES", "NOT_MEMBER", "NOT_YOURS",
    "NO_GROUP", "OFFICER_ONLY", "OLDEST_DAYS", "TREASURER_ONLY", "day", "edit", "edit_last",
    "entity_name", "may_change", "money", "quantity", "resolve_group", "snapshot", "text",
    "undo", "undo_last", "withdraw", "withdraw_by_source",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class SaleInput:
    item: str | None
    amount: Decimal | None
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    on_date: date | None = None


async def record_sale(
    uow: UnitOfWork,
    actor: Actor,
    sale: SaleInput,
    *,
    today: date,
    group_id: int | None = None,
    source_ref: str | None = None,
) -> Sale:
    amount = sale.amount
    if amount is None and sale.quantity is not None and sale.unit_price is not None:
        amount = sale.quantity * sale.unit_price
    row = Sale(
        item=text(sale.item, 200) or "สินค้า",
        amount=money(amount, "ยอดขาย"),
        quantity=quantity(sale.quantity),
        unit=text(sale.unit, 32),
        unit_price=None if sale.unit_price is None else money(sale.unit_price, "ราคาต่อหน่วย"),
        on_date=day(sale.on_date, today),
        recorded_by=actor.person_id,
        source_ref=source_ref,
    )
    row.group_id, row.household_id = record_owner(actor, group_id)
    await save(uow, actor, row)
    return row


async def record_meeting(
    uow: UnitOfWork,
    actor: Actor,
    *,
    today: date,
    on_date: date | None,
    attendees: int | None,
    topics: str | None,
    decisions: str | None = None,
    group_id: int | None = None,
    source_ref: str | None = None,
) -> Meeting:
    group = resolve_group(actor, group_id, (Role.CHAIR, Role.TREASURER), MEETING_ROLES)
    if attendees is not None and not 0 < attendees <= MAX_ATTENDEES:
        raise InvalidInput("จำนวนผู้เข้าประชุมดูไม่ถูกต้องค่ะ")
    row = Meeting(
        group_id=group.group_id,
        on_date=day(on_date, today),
        attendees=attendees,
        topics=text(topics),
        decisions=text(decisions),
        recorded_by=actor.person_id,
        source_ref=source_ref,
    )
    await save(uow, actor, row)
    return row


async def record_work(
    uow: UnitOfWork,
    actor: Actor,
    *,
    today: date,
    on_date: date | None,
    hours: Decimal | None,
    amount_done: Decimal | None = None,
    unit: str | None = None,
    note: str | None = None,
    person_id: int | None = None,
    group_id: int | None = None,
    day_cap: Decimal = MAX_HOURS,
    source_ref: str | None = None,
) -> WorkLog:
    """Work is the basis of dividends ("ทำมากได้มาก ทำน้อยได้น้อย"), so whose work it is and how
    much a day can hold are checked here: the worker must be a current member of the group,
    and one person's hours on one day never add up to more than `day_cap`. Whether a member
    may record for another is the chat's to confirm (the audit keeps who recorded it)."""
    group = resolve_group(actor, group_id)
    worker = actor.person_id if person_id is None else person_id
    if worker != actor.person_id:
        members = {p.id: p for _m, p in await uow.groups.members(group.group_id)}
        if worker not in members:
            raise NotAllowed(f"ขออภัยค่ะ คนที่ระบุไม่ได้เป็นสมาชิกของ{group.group_name}ค่ะ")
    if hours is None and amount_done is None:
        raise InvalidInput("กรุณาบอกว่าทำงานกี่ชั่วโมง หรือทำได้เท่าไร เช่น ทำงาน 3 ชั่วโมง ค่ะ")
    if hours is not None:
        if hours.is_finite():
            hours = stored_quantity(hours)  # as stored: a sliver of an hour is refused, not 0
        if not (0 < hours <= MAX_HOURS):
            raise InvalidInput("ชั่วโมงทำงานต่อครั้งต้องมากกว่า 0 และไม่เกิน 24 ชั่วโมงค่ะ")
    worked_on = day(on_date, today)
    if hours is not None:
        await within_day_cap(uow, worker, worked_on, hours, day_cap)
    row = WorkLog(
        group_id=group.group_id,
        person_id=worker,
        hours=hours,
        quantity=quantity(amount_done),
        unit=text(unit, 32),
        note=text(note),
        on_date=worked_on,
        recorded_by=actor.person_id,
        source_ref=source_ref,
    )
    await save(uow, actor, row)
    return row


ACTIVITY_KINDS = ("training", "study_visit", "practice", "production", "marketing", "other")


async def record_activity(
    uow: UnitOfWork,
    actor: Actor,
    *,
    today: date,
    kind: str,
    on_date: date | None,
    attendees: int | None,
    topics: str | None,
    group_id: int | None = None,
    source_ref: str | None = None,
) -> Activity:
    if kind not in ACTIVITY_KINDS:
        kind = "other"
    if attendees is not None and not 0 < attendees <= MAX_ATTENDEES:
        raise InvalidInput("จำนวนผู้เข้าร่วมดูไม่ถูกต้องค่ะ")
    row = Activity(
        kind=kind,
        on_date=day(on_date, today),
        attendees=attendees,
        topics=text(topics),
        recorded_by=actor.person_id,
        source_ref=source_ref,
    )
    row.group_id, row.household_id = record_owner(actor, group_id)
    await save(uow, actor, row)
    return row


async def record_training(
    uow: UnitOfWork,
    actor: Actor,
    *,
    today: date,
    on_date: date | None,
    household_ids: Iterable[int] | None,
    attendees: int | None,
    topics: str | None,
    source_ref: str | None = None,
) -> Activity:
    """A trainer's session with target households (or an officer's, for households they own)."""
    if actor.trainer_id is None and actor.officer_id is None:
        raise NotAllowed("ขออภัยค่ะ การบันทึกการอบรมครัวเรือนใช้ได้เฉพาะวิทยากรและพัฒนากรค่ะ")
    own = {
        h.id
        for h in (
            await uow.groups.households_of_trainer(actor.trainer_id)
            if actor.trainer_id is not None
            else await uow.groups.households_of_officer(actor.officer_id or 0)
        )
    }
    chosen = set(household_ids) if household_ids is not None else own
    if not chosen <= own:
        raise NotAllowed("ขออภัยค่ะ บันทึกได้เฉพาะครัวเรือนที่คุณดูแลเท่านั้นค่ะ")
    row = Activity(
        kind="training",
        on_date=day(on_date, today),
        attendees=attendees if attendees is not None else (len(chosen) or None),
        topics=text(topics),
        recorded_by=actor.person_id,
        source_ref=source_ref,
    )
    await save(uow, actor, row)
    await uow.records.add_attendance(
        [TrainingAttendance(activity_id=row.id, household_id=h) for h in sorted(chosen)]
    )
    return row


async def record_account_entry(
    uow: UnitOfWork,
    actor: Actor,
    *,
    today: date,
    kind: str,
    item: str | None,
    amount: Decimal | None,
    on_date: date | None,
    source_ref: str | None = None,
) -> AccountEntry:
    """A line in a target household's income-expense book (บัญชีรับ–จ่ายครัวเรือน)."""
    if actor.household_id is None:
        raise NotAllowed(
            "ขออภัยค่ะ บัญชีรับ–จ่ายครัวเรือนใช้ได้เฉพาะครัวเรือนเป้าหมายค่ะ พิมพ์ ลงทะเบียน ตามด้วยรหัสครัวเรือนก่อนนะคะ"
        )
    if kind not in ("income", "expense"):
        raise InvalidInput("รายการต้องเป็นรายรับหรือรายจ่ายค่ะ")
    row = AccountEntry(
        household_id=actor.household_id,
        kind=kind,
        item=text(item, 200) or ("รายรับ" if kind == "income" else "รายจ่าย"),
        amount=money(amount),
        on_date=day(on_date, today),
        recorded_by=actor.person_id,
        source_ref=source_ref,
    )
    await save(uow, actor, row)
    return row


async def _in_district(uow: UnitOfWork, actor: Actor, village_id: int) -> bool:
    village = await uow.groups.area_by_id(village_id)
    return village is not None and village.district_id == actor.district_id


async def record_visit(
    uow: UnitOfWork,
    actor: Actor,
    *,
    today: date,
    on_date: date | None,
    group_id: int | None = None,
    household_id: int | None = None,
    notes: str | None = None,
    suggestions: str | None = None,
    source_ref: str | None = None,
) -> Visit:
    if actor.officer_id is None:
        raise NotAllowed(OFFICER_ONLY)
    if (group_id is None) == (household_id is None):
        raise InvalidInput("กรุณาบอกว่าเยี่ยมกลุ่มหรือครัวเรือนไหนค่ะ")
    if group_id is not None:
        group = await uow.groups.get(group_id)
        if group is None or not await _in_district(uow, actor, group.village_id):
            raise NotAllowed("ขออภัยค่ะ กลุ่มนี้ไม่อยู่ในอำเภอที่คุณดูแลค่ะ")
    if household_id is not None:
        household = await uow.groups.household(household_id)
        if household is None or not await _in_district(uow, actor, household.village_id):
            raise NotAllowed("ขออภัยค่ะ ครัวเรือนนี้ไม่อยู่ในอำเภอที่คุณดูแลค่ะ")
    row = Visit(
        officer_id=actor.officer_id,
        group_id=group_id,
        household_id=household_id,
        notes=text(notes),
        suggestions=text(suggestions),
        on_date=day(on_date, today),
        recorded_by=actor.person_id,
        source_ref=source_ref,
    )
    await save(uow, actor, row)
    return row


async def submit_monthly(
    uow: UnitOfWork,
    actor: Actor,
    *,
    today: date,
    month: date | None,
    income: Decimal | None,
    expenses: Decimal | None,
    balance: Decimal | None = None,
    group_id: int | None = None,
    source_ref: str | None = None,
) -> MonthlyFigures:
    """The treasurer's figures for a month (default: last month). A resubmission is a new
    revision; earlier revisions stay, so the history of corrections is never lost."""
    group = resolve_group(actor, group_id, (Role.TREASURER,), TREASURER_ONLY)
    reported = month_start(month) if month else previous_month(today)
    if reported > month_start(today):
        raise InvalidInput("เดือนนี้ยังมาไม่ถึงค่ะ กรุณาบอกเดือนที่ต้องการรายงาน เช่น เดือน ต.ค.")
    income_value = money(income, "รายรับ", allow_zero=True)
    expenses_value = money(expenses, "รายจ่าย", allow_zero=True)
    row = MonthlyFigures(
        group_id=group.group_id,
        month=reported,
        revision=await uow.records.next_figures_revision(group.group_id, reported),
        income=income_value,
        expenses=expenses_value,
        # Without a stated balance, it is the month's income less its expenses.
        balance=((income_value - expenses_value) if balance is None else signed_money(balance)),
        on_date=today,
        recorded_by=actor.person_id,
        source_ref=source_ref,
    )
    await save(uow, actor, row)
    return row
