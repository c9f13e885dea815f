"""Use cases that record what people did: sales, meetings, work, activities, trainings,
household account entries, officer visits and treasurers' monthly figures; and undo / edit
of one's own last record. Every permission is checked here, never only in the chat layer,
and every change is written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect as sa_inspect

from bot.calendar import month_start, previous_month
from bot.services.actors import Actor, GroupRole
from bot.services.errors import InvalidInput, NeedsChoice, NotAllowed, NotFound
from bot.storage.models import (
    AccountEntry,
    Activity,
    AnnualSummary,
    Area,
    Dividend,
    Meeting,
    MonthlyFigures,
    RecordMixin,
    Role,
    Sale,
    TrainingAttendance,
    Visit,
    WorkLog,
    utcnow,
)
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import number, thai_date

MAX_AMOUNT = Decimal("10000000")  # ten million baht: anything above is a typo, not a sale
MAX_QUANTITY = Decimal("1000000")
MAX_HOURS = Decimal("24")
MAX_ATTENDEES = 10000
OLDEST_DAYS = 400  # records may be back-filled for about a year, not further
CENT = Decimal("0.01")

NOT_MEMBER = (
    "ขออภัยค่ะ คุณยังไม่ได้เป็นสมาชิกกลุ่มนี้ จึงบันทึกให้กลุ่มนี้ไม่ได้ค่ะ พิมพ์ เข้ากลุ่ม ตามด้วยรหัสกลุ่ม เพื่อสมัครก่อนนะคะ"
)
NO_GROUP = "ขออภัยค่ะ คุณยังไม่ได้เข้ากลุ่มอาชีพใดเลย พิมพ์ เข้ากลุ่ม ตามด้วยรหัสที่ได้จากพัฒนากร เพื่อเริ่มต้นค่ะ"
TREASURER_ONLY = "ขออภัยค่ะ ตัวเลขประจำเดือนบันทึกได้เฉพาะเหรัญญิกของกลุ่มเท่านั้นค่ะ หากคุณเป็นเหรัญญิก พิมพ์ เข้ากลุ่ม ตามด้วยรหัสเหรัญญิกค่ะ"
OFFICER_ONLY = "ขออภัยค่ะ การบันทึกการเยี่ยมใช้ได้เฉพาะพัฒนากรเท่านั้นค่ะ"
MEETING_ROLES = "ขออภัยค่ะ การประชุมให้ประธานหรือเหรัญญิกของกลุ่มเป็นผู้บันทึกค่ะ"


# --- validation ---------------------------------------------------------------------------


def money(value: Decimal | None, what: str = "จำนวนเงิน", *, allow_zero: bool = False) -> Decimal:
    if value is None:
        raise InvalidInput(f"กรุณาบอก{what}ด้วยค่ะ เช่น 250 บาท")
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero) or value > MAX_AMOUNT:
        raise InvalidInput(f"{what}ดูไม่ถูกต้องค่ะ ต้องมากกว่า 0 และไม่เกิน 10,000,000 บาท")
    return value.quantize(CENT)


def quantity(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite() or value <= 0 or value > MAX_QUANTITY:
        raise InvalidInput("จำนวนดูไม่ถูกต้องค่ะ ต้องมากกว่า 0 และไม่เกิน 1,000,000")
    return value


def day(value: date | None, today: date) -> date:
    if value is None:
        return today
    if value > today:
        raise InvalidInput("วันที่ยังมาไม่ถึงค่ะ กรุณาบอกวันที่ที่ทำจริง เช่น วันนี้ หรือ เมื่อวาน")
    if value < today - timedelta(days=OLDEST_DAYS):
        raise InvalidInput("วันที่เก่าเกินหนึ่งปีค่ะ หากต้องการบันทึกย้อนหลัง กรุณาติดต่อพัฒนากรค่ะ")
    return value


def text(value: str | None, limit: int = 2000) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    return cleaned[:limit] or None


# --- whose group --------------------------------------------------------------------------


def resolve_group(
    actor: Actor,
    group_id: int | None,
    roles: Iterable[str] = tuple(Role),
    refusal: str = NOT_MEMBER,
) -> GroupRole:
    """The group this record is for: the chat's group if given, else the person's only group."""
    allowed = tuple(roles)
    if group_id is not None:
        for g in actor.groups:
            if g.group_id == group_id:
                if g.role not in allowed:
                    raise NotAllowed(refusal)
                return g
        raise NotAllowed(NOT_MEMBER)
    candidates = actor.groups_with(*allowed)
    if not candidates:
        raise NotAllowed(refusal if actor.groups else NO_GROUP)
    if len(candidates) > 1:
        raise NeedsChoice(
            "คุณอยู่หลายกลุ่มค่ะ บันทึกให้กลุ่มไหนคะ",
            [(g.group_id, g.group_name) for g in candidates],
        )
    return candidates[0]


# --- audit snapshots -----------------------------------------------------------------------


def snapshot(record: object) -> dict[str, Any]:
    """Column values as JSON-safe strings, for before/after in the audit log."""
    state = sa_inspect(record)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        value = getattr(record, attr.key)
        out[attr.key] = value if isinstance(value, (int, str, bool, type(None))) else str(value)
    return out


def entity_name(record: RecordMixin) -> str:
    return str(record.__tablename__)  # type: ignore[attr-defined]


async def _save(uow: UnitOfWork, actor: Actor, record: RecordMixin) -> None:
    await uow.records.add(record)
    await uow.audit.add(
        actor.person_id, "create", entity_name(record), record.id, after=snapshot(record)
    )


# --- use cases ----------------------------------------------------------------------------


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
    if group_id is None and not actor.groups and actor.household_id is not None:
        row.household_id = actor.household_id  # a target household's own sale
    else:
        row.group_id = resolve_group(actor, group_id).group_id
    await _save(uow, actor, row)
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
    await _save(uow, actor, row)
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
    if hours is not None and not (0 < hours <= MAX_HOURS):
        raise InvalidInput("ชั่วโมงทำงานต่อครั้งต้องมากกว่า 0 และไม่เกิน 24 ชั่วโมงค่ะ")
    worked_on = day(on_date, today)
    if hours is not None:
        await _within_day_cap(uow, worker, worked_on, hours, day_cap)
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
    await _save(uow, actor, row)
    return row


async def _within_day_cap(
    uow: UnitOfWork,
    person_id: int,
    on_date: date,
    hours: Decimal,
    cap: Decimal,
    excluding: int | None = None,
) -> None:
    already = await uow.records.hours_on(person_id, on_date, excluding=excluding)
    if already + hours > cap:
        person = await uow.people.person(person_id)
        name = person.name if person else ""
        raise InvalidInput(
            f"วันที่ {thai_date(on_date)} บันทึกงานของ{name}ไว้แล้ว {number(already)} ชั่วโมง "
            f"เพิ่มอีก {number(hours)} ชั่วโมงจะเกินวันละ {number(cap)} ชั่วโมงค่ะ "
            "หากรายการเดิมผิด พิมพ์ ยกเลิก หรือ แก้ไข ได้ค่ะ"
        )


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
    if group_id is None and not actor.groups and actor.household_id is not None:
        row.household_id = actor.household_id
    else:
        row.group_id = resolve_group(actor, group_id).group_id
    await _save(uow, actor, row)
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
    await _save(uow, actor, row)
    for household_id in sorted(chosen):
        uow.session.add(TrainingAttendance(activity_id=row.id, household_id=household_id))
    await uow.session.flush()
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
    await _save(uow, actor, row)
    return row


async def _in_district(uow: UnitOfWork, actor: Actor, village_id: int) -> bool:
    village = await uow.session.get(Area, village_id)
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
    await _save(uow, actor, row)
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
        balance=((income_value - expenses_value) if balance is None else _signed_money(balance)),
        on_date=today,
        recorded_by=actor.person_id,
        source_ref=source_ref,
    )
    await _save(uow, actor, row)
    return row


def _signed_money(value: Decimal) -> Decimal:
    if not value.is_finite() or abs(value) > MAX_AMOUNT:
        raise InvalidInput("ยอดคงเหลือดูไม่ถูกต้องค่ะ")
    return value.quantize(CENT)


# --- undo and edit ------------------------------------------------------------------------

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
    await uow.session.flush()
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
    checked: Any
    if field in ("amount", "unit_price"):
        checked = money(value)
    elif field in ("quantity", "hours"):
        checked = quantity(value)
        if field == "hours" and checked is not None and checked > MAX_HOURS:
            raise InvalidInput("ชั่วโมงทำงานต่อครั้งต้องไม่เกิน 24 ชั่วโมงค่ะ")
    elif field == "on_date":
        checked = day(value, today)
    elif field == "attendees":
        if not isinstance(value, int) or not 0 < value <= MAX_ATTENDEES:
            raise InvalidInput("จำนวนคนดูไม่ถูกต้องค่ะ")
        checked = value
    else:
        checked = text(str(value))
    if isinstance(record, WorkLog) and field in ("hours", "on_date") and record.hours is not None:
        hours = checked if field == "hours" else record.hours
        on_date = checked if field == "on_date" else record.on_date
        await _within_day_cap(uow, record.person_id, on_date, hours, day_cap, excluding=record.id)
    before = snapshot(record)
    setattr(record, field, checked)
    if (
        isinstance(record, Sale)
        and field in ("quantity", "unit_price")
        and record.quantity
        and record.unit_price
    ):
        record.amount = money(record.quantity * record.unit_price)
    await uow.session.flush()
    await uow.audit.add(actor.person_id, "edit", kind, record.id, before, snapshot(record))
    return record
