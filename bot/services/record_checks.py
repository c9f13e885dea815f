"""What every record is checked against before it is written: amounts, quantities, dates and
text within bounds; whose group (or household) it is for; a day's hours within the cap. Shared
by recording (bot/services/records.py) and changing records (bot/services/record_changes.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot.services.actors import Actor, GroupRole
from bot.services.errors import InvalidInput, NeedsChoice, NotAllowed
from bot.storage.models import RecordMixin, Role
from bot.storage.snapshots import snapshot as snapshot  # the audit's before/after
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import number, thai_date

MAX_AMOUNT = Decimal("10000000")  # ten million baht: anything above is a typo, not a sale
MAX_QUANTITY = Decimal("1000000")
MAX_HOURS = Decimal("24")
MAX_ATTENDEES = 10000
OLDEST_DAYS = 400  # records may be back-filled for about a year, not further
CENT = Decimal("0.01")
THOUSANDTH = Decimal("0.001")  # quantities and hours: Numeric(14, 3)

NOT_MEMBER = (
    "ขออภัยค่ะ คุณยังไม่ได้เป็นสมาชิกกลุ่มนี้ จึงบันทึกให้กลุ่มนี้ไม่ได้ค่ะ พิมพ์ เข้ากลุ่ม ตามด้วยรหัสกลุ่ม เพื่อสมัครก่อนนะคะ"
)
NO_GROUP = "ขออภัยค่ะ คุณยังไม่ได้เข้ากลุ่มอาชีพใดเลย พิมพ์ เข้ากลุ่ม ตามด้วยรหัสที่ได้จากพัฒนากร เพื่อเริ่มต้นค่ะ"
TREASURER_ONLY = "ขออภัยค่ะ ตัวเลขประจำเดือนบันทึกได้เฉพาะเหรัญญิกของกลุ่มเท่านั้นค่ะ หากคุณเป็นเหรัญญิก พิมพ์ เข้ากลุ่ม ตามด้วยรหัสเหรัญญิกค่ะ"
OFFICER_ONLY = "ขออภัยค่ะ การบันทึกการเยี่ยมใช้ได้เฉพาะพัฒนากรเท่านั้นค่ะ"
MEETING_ROLES = "ขออภัยค่ะ การประชุมให้ประธานหรือเหรัญญิกของกลุ่มเป็นผู้บันทึกค่ะ"


def money(value: Decimal | None, what: str = "จำนวนเงิน", *, allow_zero: bool = False) -> Decimal:
    if value is None:
        raise InvalidInput(f"กรุณาบอก{what}ด้วยค่ะ เช่น 250 บาท")
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero) or value > MAX_AMOUNT:
        raise InvalidInput(f"{what}ดูไม่ถูกต้องค่ะ ต้องมากกว่า 0 และไม่เกิน 10,000,000 บาท")
    return value.quantize(CENT)


def stored_quantity(value: Decimal) -> Decimal:
    """A finite quantity or number of hours rounded as its column keeps it."""
    return value.quantize(THOUSANDTH, rounding=ROUND_HALF_UP)


def quantity(value: Decimal | None) -> Decimal | None:
    """A quantity (or hours) as it is stored: to the column's three decimals, so the echo says
    what was recorded; one that rounds to nothing is refused, not recorded as 0."""
    if value is None:
        return None
    if not value.is_finite() or value <= 0 or value > MAX_QUANTITY:
        raise InvalidInput("จำนวนดูไม่ถูกต้องค่ะ ต้องมากกว่า 0 และไม่เกิน 1,000,000")
    stored = stored_quantity(value)
    if stored == 0:
        raise InvalidInput("จำนวนดูไม่ถูกต้องค่ะ ต้องมากกว่า 0 และไม่เกิน 1,000,000")
    return stored


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


def record_owner(actor: Actor, group_id: int | None) -> tuple[int | None, int | None]:
    """Whose record this is, as (group id, household id): the chat's group or the person's
    only group; a target household's own when it is named by no group and is in none."""
    if group_id is None and not actor.groups and actor.household_id is not None:
        return None, actor.household_id
    return resolve_group(actor, group_id).group_id, None


def entity_name(record: RecordMixin) -> str:
    return str(record.__tablename__)  # type: ignore[attr-defined]


async def save(uow: UnitOfWork, actor: Actor, record: RecordMixin) -> None:
    """A new record, and its audit entry."""
    await uow.records.add(record)
    await uow.audit.add(
        actor.person_id, "create", entity_name(record), record.id, after=snapshot(record)
    )


async def within_day_cap(
    uow: UnitOfWork,
    person_id: int,
    on_date: date,
    hours: Decimal,
    cap: Decimal,
    excluding: int | None = None,
) -> None:
    """One person's hours on one day never add up to more than `cap`, in every group."""
    already = await uow.records.hours_on(person_id, on_date, excluding=excluding)
    if already + hours > cap:
        person = await uow.people.person(person_id)
        name = person.name if person else ""
        raise InvalidInput(
            f"วันที่ {thai_date(on_date)} บันทึกงานของ{name}ไว้แล้ว {number(already)} ชั่วโมง "
            f"เพิ่มอีก {number(hours)} ชั่วโมงจะเกินวันละ {number(cap)} ชั่วโมงค่ะ "
            "หากรายการเดิมผิด พิมพ์ ยกเลิก หรือ แก้ไข ได้ค่ะ"
        )


def signed_money(value: Decimal) -> Decimal:
    if not value.is_finite() or abs(value) > MAX_AMOUNT:
        raise InvalidInput("ยอดคงเหลือดูไม่ถูกต้องค่ะ")
    return value.quantize(CENT)
