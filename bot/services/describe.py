"""One line that names a record the way a person would recognise it: what, for whom, how
much, which day, which group. Every undo and every edit says it, so nobody withdraws or
changes a record without seeing which one."""

from __future__ import annotations

from datetime import timedelta

from bot.calendar import BE_OFFSET
from bot.storage.models import (
    AccountEntry,
    Activity,
    AnnualSummary,
    Dividend,
    Meeting,
    MonthlyFigures,
    RecordMixin,
    Sale,
    Visit,
    WorkLog,
)
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import ACTIVITY_KIND_NAMES, baht, number, quantity, thai_date, thai_month


async def describe(uow: UnitOfWork, record: RecordMixin) -> str:
    """ "การขาย ไข่เค็ม 30 ฟอง 150 บาท วันที่ 20 ต.ค. 2568 · กลุ่มไข่เค็มสมุนไพรลูกหม่อน"."""
    words = await _what(uow, record)
    if not isinstance(record, (MonthlyFigures, AnnualSummary, Dividend)):
        words.append(f"วันที่ {thai_date(record.on_date)}")
    line = " ".join(w for w in words if w)
    where = await _where(uow, record)
    return f"{line} · {where}" if where else line


async def _what(uow: UnitOfWork, record: RecordMixin) -> list[str]:
    if isinstance(record, Sale):
        amount = (
            [f"{quantity(record.quantity)} {record.unit or ''}".strip()] if record.quantity else []
        )
        return ["การขาย", record.item, *amount, baht(record.amount)]
    if isinstance(record, WorkLog):
        person = await uow.people.person(record.person_id)
        done = [f"{quantity(record.hours)} ชั่วโมง"] if record.hours is not None else []
        if record.quantity is not None:
            done.append(f"ทำได้ {quantity(record.quantity)} {record.unit or ''}".strip())
        return [f"งานของ {person.name if person else ''}".strip(), *done]
    if isinstance(record, Meeting):
        return ["การประชุม", f"ผู้เข้าประชุม {number(record.attendees)} คน" if record.attendees else "",
                f"เรื่อง {record.topics}" if record.topics else ""]  # fmt: skip
    if isinstance(record, Activity):
        kind = (
            "การอบรม"
            if record.kind == "training"
            else f"กิจกรรม{ACTIVITY_KIND_NAMES.get(record.kind, '')}"
        )
        return [kind, record.topics or ""]
    if isinstance(record, AccountEntry):
        label = "รายรับ" if record.kind == "income" else "รายจ่าย"
        return [label, record.item, baht(record.amount)]
    if isinstance(record, Visit):
        return ["การเยี่ยม"]
    if isinstance(record, MonthlyFigures):
        return [f"ตัวเลขเดือน {thai_month(record.month)}", f"รายรับ {baht(record.income)}",
                f"รายจ่าย {baht(record.expenses)}"]  # fmt: skip
    if isinstance(record, AnnualSummary):
        return [f"สรุปประจำปี {record.year + BE_OFFSET}", f"กำไร {baht(record.profit)}"]
    if isinstance(record, Dividend):
        last_day = record.period_end - timedelta(days=1)  # period_end is exclusive
        return [f"ปันผล {baht(record.total)}", f"({thai_date(record.period_start)} –",
                f"{thai_date(last_day)})"]  # fmt: skip
    return ["รายการ"]


async def _where(uow: UnitOfWork, record: RecordMixin) -> str:
    group_id = getattr(record, "group_id", None)
    if group_id is not None:
        group = await uow.groups.get(group_id)
        return group.name if group else ""
    household_id = getattr(record, "household_id", None)
    if household_id is not None:
        household = await uow.groups.household(household_id)
        return f"ครัวเรือน{household.head_name}" if household else ""
    return ""


async def what_and_where(uow: UnitOfWork, record: RecordMixin) -> tuple[str, str]:
    """The record named without its date ("การขาย ไข่เค็ม 30 ฟอง 150 บาท"), and its group or
    household: two columns of a table that shows the date in a column of its own."""
    words = await _what(uow, record)
    return " ".join(w for w in words if w), await _where(uow, record)
