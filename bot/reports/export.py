"""The district monthly workbook officers send upward (Excel), and its summary as CSV.

Workbook: a summary sheet "สรุป" with one row per occupation group of the district (members,
meetings, officer visits, sales, the treasurer's figures and whether they came on time); the
annual summaries and dividends the treasurers sent ("สรุปประจำปี", "ปันผล"); the target
households' month (officer visits, account book, trainings: "ครัวเรือนเป้าหมาย") and the
month's training sessions ("อบรมครัวเรือน"); then one sheet per group listing that group's
records of the month. Thai headers, dates as real
date cells shown in the Buddhist Era ("15 ต.ค. 2568", so sorting and filtering go by the
date), money as numbers formatted '#,##0.00', the header row frozen.

Every figure comes from a handful of set-based queries over all the groups at once (a group
sub-select, never one query per group), so a district of a hundred groups costs the same
dozen statements as one of two.

Definitions (also in docs/reports.md):
- members: memberships of the group still active (not ended) when the export is made;
- meetings, officer visits, sales: records of the month that were not withdrawn;
- income, expenses, balance: the current (highest, not withdrawn) revision of the month's
  MonthlyFigures;
- on time: the month's first revision was created by the end of the `due_day` (10th) of the
  following month, Bangkok time; a later correction keeps the first submission's time. If
  every revision was withdrawn the figures count as not submitted.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from bot.calendar import BANGKOK, BE_OFFSET, add_months, month_start
from bot.reports import programme
from bot.reports.programme import AnnualRow, DividendRow, HouseholdRow, TrainingRow
from bot.services.errors import InvalidInput, NotFound
from bot.storage.models import (
    Activity,
    Area,
    AreaKind,
    Meeting,
    Membership,
    MonthlyFigures,
    OccupationGroup,
    Officer,
    Person,
    Sale,
    Visit,
    WorkLog,
)
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import ACTIVITY_KIND_NAMES as KIND_NAMES
from bot.wording import baht, number, thai_date, thai_month, thai_sort_key

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIGURES_DUE_DAY = 10  # Settings.figures_escalate_day: figures are late after the 10th

ON_TIME = "ส่งแล้ว/ตรงเวลา"
LATE = "ส่งช้า"
MISSING = "ยังไม่ส่ง"

MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
QUANTITY_FORMAT = "#,##0.###"
# Dates are real date cells (sorting and filtering go by the date) shown in the Thai Buddhist
# calendar: [$-107041E] = Western digits (01), Thai Buddhist calendar (07), Thai locale (041E),
# so Excel shows "3 ธ.ค. 2569". An application without that calendar shows the same date in
# its own.
DATE_FORMAT = "[$-107041E]d mmm yyyy"
DATETIME_FORMAT = '[$-107041E]d mmm yyyy hh:mm "น."'
SUMMARY_SHEET = "สรุป"
MAX_SHEET_NAME = 31  # Excel's limit
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

SUMMARY_HEADERS = (
    "กลุ่มอาชีพ",
    "หมู่บ้าน",
    "อาชีพ",
    "สมาชิก (คน)",
    "ประชุม (ครั้ง)",
    "พัฒนากรเยี่ยม (ครั้ง)",
    "ยอดขาย (บาท)",
    "รายรับ (บาท)",
    "รายจ่าย (บาท)",
    "คงเหลือ (บาท)",
    "ส่งตัวเลขประจำเดือน",
    "วันที่ส่ง",
)
DISTRICT_HEADER = "อำเภอ"
RECORD_HEADERS = (
    "ประเภท",
    "วันที่",
    "รายการ",
    "จำนวน",
    "หน่วย",
    "ราคาต่อหน่วย (บาท)",
    "จำนวนเงิน (บาท)",
    "รายรับ (บาท)",
    "รายจ่าย (บาท)",
    "คงเหลือ (บาท)",
    "ผู้บันทึก / ผู้ทำ",
    "รายละเอียด",
    "บันทึกเมื่อ",
)
ANNUAL_SHEET = "สรุปประจำปี"
DIVIDEND_SHEET = "ปันผล"
HOUSEHOLD_SHEET = "ครัวเรือนเป้าหมาย"
TRAINING_SHEET = "อบรมครัวเรือน"
PROGRAMME_SHEETS = (ANNUAL_SHEET, DIVIDEND_SHEET, HOUSEHOLD_SHEET, TRAINING_SHEET)
ANNUAL_HEADERS = (
    "กลุ่มอาชีพ",
    "หมู่บ้าน",
    "ปี (พ.ศ.)",
    "ฉบับที่",
    "รายรับรวม (บาท)",
    "รายจ่ายรวม (บาท)",
    "กำไร (บาท)",
    "ปันผลที่จ่ายแล้ว (บาท)",
    "ส่งโดย",
    "วันที่ส่ง",
)
DIVIDEND_HEADERS = (
    "กลุ่มอาชีพ",
    "หมู่บ้าน",
    "ตั้งแต่",
    "ถึง",
    "ปันผลรวม (บาท)",
    "สมาชิกที่ได้รับ (คน)",
    "งานรวม (หน่วย)",
    "บันทึกโดย",
    "วันที่จ่าย",
)
HOUSEHOLD_HEADERS = (
    "หัวหน้าครัวเรือน",
    "หมู่บ้าน",
    "อาชีพ",
    "วิทยากร",
    "พัฒนากรเยี่ยม (ครั้ง)",
    "เยี่ยมล่าสุด",
    "รายรับ (บาท)",
    "รายจ่าย (บาท)",
    "คงเหลือ (บาท)",
    "รายการในบัญชีรับ–จ่าย",
    "เข้าอบรม (ครั้ง)",
)
TRAINING_HEADERS = (
    "วันที่",
    "ผู้บันทึก (วิทยากร/พัฒนากร)",
    "เรื่อง",
    "ผู้เข้าร่วม (คน)",
    "ครัวเรือนเป้าหมายที่เข้าร่วม",
)
# Number format per column (by header index) of those sheets; others are text or dates.
_ANNUAL_FORMATS = dict.fromkeys((4, 5, 6, 7), MONEY_FORMAT)
_DIVIDEND_FORMATS = {4: MONEY_FORMAT, 5: COUNT_FORMAT, 6: QUANTITY_FORMAT}
_HOUSEHOLD_FORMATS = {4: COUNT_FORMAT, 6: MONEY_FORMAT, 7: MONEY_FORMAT, 8: MONEY_FORMAT,
                      9: COUNT_FORMAT, 10: COUNT_FORMAT}  # fmt: skip
_TRAINING_FORMATS = {3: COUNT_FORMAT}

# Number format per record column (by header index); others are text.
_RECORD_FORMATS = {3: QUANTITY_FORMAT, 5: MONEY_FORMAT, 6: MONEY_FORMAT, 7: MONEY_FORMAT,
                   8: MONEY_FORMAT, 9: MONEY_FORMAT}  # fmt: skip


# --- the facts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SummaryRow:
    district_id: int
    district: str
    group_id: int
    group: str
    village: str
    occupation: str
    members: int
    meetings: int
    visits: int
    sales: Decimal
    income: Decimal | None
    expenses: Decimal | None
    balance: Decimal | None
    status: str  # ON_TIME | LATE | MISSING
    submitted_at: datetime | None  # the first revision's creation (UTC)


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One line of a group's sheet; columns as RECORD_HEADERS."""

    kind: str
    on_date: date
    item: str
    quantity: Decimal | int | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    income: Decimal | None = None
    expenses: Decimal | None = None
    balance: Decimal | None = None
    who: str | None = None
    detail: str | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DistrictInfo:
    id: int
    name: str
    province: str | None


@dataclass
class ExportData:
    month: date
    districts: list[DistrictInfo]
    rows: list[SummaryRow]
    records: dict[int, list[RecordRow]] = field(default_factory=dict)
    tz: ZoneInfo = BANGKOK
    due_day: int = FIGURES_DUE_DAY

    # A district column on the summary: for an export of every district, or of several.
    with_district: bool = False
    # What officers need to see beyond the groups' month (bot/reports/programme.py).
    annuals: list[AnnualRow] = field(default_factory=list)
    dividends: list[DividendRow] = field(default_factory=list)
    households: list[HouseholdRow] = field(default_factory=list)
    trainings: list[TrainingRow] = field(default_factory=list)


def submission_deadline(
    month: date, due_day: int = FIGURES_DUE_DAY, tz: ZoneInfo = BANGKOK
) -> datetime:
    """The first instant after which the month's figures are late: the end of `due_day` of the
    following month in local time (10 Nov 2025 24:00 Bangkok for October 2025)."""
    day_after_due = add_months(month_start(month), 1) + timedelta(days=due_day)
    return datetime.combine(day_after_due, time(0), tzinfo=tz)


def submission_status(
    first_created: datetime | None,
    month: date,
    due_day: int = FIGURES_DUE_DAY,
    tz: ZoneInfo = BANGKOK,
) -> str:
    if first_created is None:
        return MISSING
    return ON_TIME if first_created < submission_deadline(month, due_day, tz) else LATE


# --- districts ----------------------------------------------------------------------------


def _clean_district_name(name: str) -> str:
    cleaned = " ".join(name.split())
    for prefix in ("อำเภอ", "อ."):
        if cleaned.startswith(prefix):
            cleaned = cleaned.removeprefix(prefix).strip()
    return cleaned


async def find_district(uow: UnitOfWork, name: str) -> Area:
    """The district (Area of kind district) called `name` ("วังหิน", "อำเภอวังหิน", "อ.วังหิน"),
    or with that numeric id. Raises NotFound / InvalidInput with a Thai message."""
    wanted = _clean_district_name(name)
    if wanted.isdigit():
        area = await uow.groups.area_by_id(int(wanted))
        if area is not None and area.kind == AreaKind.DISTRICT:
            return area
    found = list(await uow.groups.areas_named(AreaKind.DISTRICT, wanted))
    if not found:
        raise NotFound(f"ไม่พบอำเภอ {name} กรุณาตรวจชื่ออำเภออีกครั้งค่ะ")
    if len(found) > 1:
        ids = ", ".join(str(area.id) for area in found)
        raise InvalidInput(f"มีอำเภอชื่อ {wanted} หลายแห่ง (รหัส {ids}) กรุณาระบุเป็นรหัสอำเภอแทนค่ะ")
    return found[0]


async def _districts(uow: UnitOfWork, district_ids: Sequence[int] | None) -> list[DistrictInfo]:
    """The districts asked for, or every district that has at least one group."""
    district, province, village = aliased(Area), aliased(Area), aliased(Area)
    query = (
        select(district.id, district.name, province.name)
        .outerjoin(province, province.id == district.parent_id)
        .where(district.kind == AreaKind.DISTRICT)
        .order_by(district.name, district.id)
    )
    if district_ids is not None:
        query = query.where(district.id.in_(list(district_ids)))
    else:
        with_groups = (
            select(village.parent_id)
            .join(OccupationGroup, OccupationGroup.village_id == village.id)
            .distinct()
        )
        query = query.where(district.id.in_(with_groups))
    found = [DistrictInfo(i, n, p) for i, n, p in await uow.session.execute(query)]
    return sorted(found, key=lambda d: (thai_sort_key(d.name), d.id))


# --- collecting -----------------------------------------------------------------------------


def _in_month(model: Any, ids: Select[int], first: date, after: date) -> tuple[Any, ...]:
    """A group record of one of these groups, in [first, after), not withdrawn."""
    return (
        model.group_id.in_(ids),
        model.not_withdrawn(),
        model.on_date >= first,
        model.on_date < after,
    )


def _group_ids(district_ids: Sequence[int]) -> Select[int]:
    village = aliased(Area)
    return (
        select(OccupationGroup.id)
        .join(village, village.id == OccupationGroup.village_id)
        .where(village.parent_id.in_(list(district_ids)))
    )


async def collect(
    uow: UnitOfWork,
    district_ids: Sequence[int] | None,
    month: date,
    *,
    records: bool = True,
    due_day: int = FIGURES_DUE_DAY,
    tz: ZoneInfo = BANGKOK,
    fiscal_start_month: int = 10,
) -> ExportData:
    """Everything the workbook shows for these districts (None: every district with groups)."""
    first = month_start(month)
    after = add_months(first, 1)
    districts = await _districts(uow, district_ids)
    data = ExportData(first, districts, [], tz=tz, due_day=due_day)
    data.with_district = district_ids is None or len(districts) != 1
    if not districts:
        return data
    names = {d.id: d.name for d in districts}
    ids = _group_ids(list(names))

    village = aliased(Area)
    groups = (
        await uow.session.execute(
            select(OccupationGroup, village.name, village.parent_id)
            .join(village, village.id == OccupationGroup.village_id)
            .where(OccupationGroup.id.in_(ids))
        )
    ).all()

    async def per_group(query: Select[Any, Any]) -> dict[int, Any]:
        return {gid: value for gid, value in await uow.session.execute(query)}

    members = await per_group(
        select(Membership.group_id, func.count())
        .where(Membership.group_id.in_(ids), Membership.until.is_(None))
        .group_by(Membership.group_id)
    )
    meetings = await per_group(
        select(Meeting.group_id, func.count())
        .where(*_in_month(Meeting, ids, first, after))
        .group_by(Meeting.group_id)
    )
    visits = await per_group(
        select(Visit.group_id, func.count())
        .where(*_in_month(Visit, ids, first, after))
        .group_by(Visit.group_id)
    )
    sales = await per_group(
        select(Sale.group_id, func.sum(Sale.amount))
        .where(*_in_month(Sale, ids, first, after))
        .group_by(Sale.group_id)
    )
    revisions: dict[int, list[tuple[MonthlyFigures, str]]] = defaultdict(list)
    for figures, recorder in await uow.session.execute(
        select(MonthlyFigures, Person.name)
        .join(Person, Person.id == MonthlyFigures.recorded_by)
        .where(MonthlyFigures.group_id.in_(ids), MonthlyFigures.month == first)
        .order_by(MonthlyFigures.group_id, MonthlyFigures.revision)
    ):
        revisions[figures.group_id].append((figures, recorder))

    for group, village_name, parent_id in groups:
        district_id = int(parent_id or 0)  # never 0: the group sub-select named the district
        kept = [f for f, _ in revisions[group.id] if f.withdrawn_at is None]
        current = kept[-1] if kept else None
        submitted = min(f.created_at for f, _ in revisions[group.id]) if current else None
        data.rows.append(
            SummaryRow(
                district_id=district_id,
                district=names[district_id],
                group_id=group.id,
                group=group.name,
                village=village_name,
                occupation=group.occupation,
                members=int(members.get(group.id, 0)),
                meetings=int(meetings.get(group.id, 0)),
                visits=int(visits.get(group.id, 0)),
                sales=Decimal(sales.get(group.id) or 0),
                income=current.income if current else None,
                expenses=current.expenses if current else None,
                balance=current.balance if current else None,
                status=submission_status(submitted, first, due_day, tz),
                submitted_at=submitted,
            )
        )
    data.rows.sort(
        key=lambda r: (
            thai_sort_key(r.district), r.district_id, thai_sort_key(r.village),
            thai_sort_key(r.group), r.group_id,
        )
    )  # fmt: skip
    if records:
        data.records = await _records(uow, ids, first, after, revisions)
        await _programme(uow, data, list(names), ids, first, after, fiscal_start_month)
    return data


async def _programme(
    uow: UnitOfWork,
    data: ExportData,
    district_ids: list[int],
    ids: Select[int],
    first: date,
    after: date,
    fiscal_start_month: int,
) -> None:
    """The annual summaries and dividends known at the end of the month, the households' month
    and its trainings; the month's annual summaries and dividends also go on the group sheets."""
    data.annuals = await programme.annual_summaries(uow, ids, fiscal_start_month, before=after)
    data.dividends = await programme.dividends(uow, ids, before=after)
    data.households = await programme.households(uow, district_ids, first, after)
    data.trainings = await programme.trainings(uow, district_ids, first, after)
    for annual in data.annuals:
        if first <= annual.on_date < after:
            data.records[annual.group_id].append(RecordRow(
                "สรุปประจำปี", annual.on_date, f"สรุปปี {annual.be_year} ฉบับที่ {annual.revision}",
                income=annual.revenue, expenses=annual.costs, who=annual.sender,
                detail=f"กำไร {baht(annual.profit)} · ปันผลที่จ่ายแล้ว {baht(annual.dividends)}",
                recorded_at=annual.created_at,
            ))  # fmt: skip
    for dividend in data.dividends:
        if first <= dividend.on_date < after:
            data.records[dividend.group_id].append(RecordRow(
                "ปันผล", dividend.on_date,
                f"ปันผล {thai_date(dividend.period_start)} – {thai_date(dividend.period_last)}",
                dividend.members_paid, "คน", amount=dividend.total, who=dividend.sender,
                detail=f"แบ่งตามงาน รวม {number(dividend.total_units)} หน่วย",
                recorded_at=dividend.created_at,
            ))  # fmt: skip


async def _records(
    uow: UnitOfWork,
    ids: Select[int],
    first: date,
    after: date,
    revisions: dict[int, list[tuple[MonthlyFigures, str]]],
) -> dict[int, list[RecordRow]]:
    """Each group's records of the month, one query per record kind for all groups."""
    out: dict[int, list[RecordRow]] = defaultdict(list)

    sale_rows = await uow.session.execute(
        select(Sale, Person.name).join(Person, Person.id == Sale.recorded_by)
        .where(*_in_month(Sale, ids, first, after)).order_by(Sale.on_date, Sale.id)
    )  # fmt: skip
    for sale, who in sale_rows:
        assert sale.group_id is not None
        out[sale.group_id].append(RecordRow(
            "ขาย", sale.on_date, sale.item, sale.quantity, sale.unit, sale.unit_price,
            sale.amount, who=who, recorded_at=sale.created_at,
        ))  # fmt: skip

    meeting_rows = await uow.session.execute(
        select(Meeting, Person.name).join(Person, Person.id == Meeting.recorded_by)
        .where(*_in_month(Meeting, ids, first, after)).order_by(Meeting.on_date, Meeting.id)
    )  # fmt: skip
    for meeting, who in meeting_rows:
        out[meeting.group_id].append(RecordRow(
            "ประชุม", meeting.on_date, meeting.topics or "ประชุมกลุ่ม", meeting.attendees,
            "คน" if meeting.attendees is not None else None, who=who,
            detail=f"มติ: {meeting.decisions}" if meeting.decisions else None,
            recorded_at=meeting.created_at,
        ))  # fmt: skip

    work_rows = await uow.session.execute(
        select(WorkLog, Person.name).join(Person, Person.id == WorkLog.person_id)
        .where(*_in_month(WorkLog, ids, first, after)).order_by(WorkLog.on_date, WorkLog.id)
    )  # fmt: skip
    for work, who in work_rows:
        amount, unit = (
            (work.hours, "ชั่วโมง") if work.hours is not None else (work.quantity, work.unit)
        )
        out[work.group_id].append(RecordRow(
            "งาน", work.on_date, work.note or "ทำงานให้กลุ่ม", amount, unit, who=who,
            recorded_at=work.created_at,
        ))  # fmt: skip

    activity_rows = await uow.session.execute(
        select(Activity, Person.name).join(Person, Person.id == Activity.recorded_by)
        .where(*_in_month(Activity, ids, first, after)).order_by(Activity.on_date, Activity.id)
    )  # fmt: skip
    for activity, who in activity_rows:
        assert activity.group_id is not None
        kind = KIND_NAMES.get(activity.kind, activity.kind)
        out[activity.group_id].append(RecordRow(
            "กิจกรรม", activity.on_date, f"{kind}: {activity.topics}" if activity.topics else kind,
            activity.attendees, "คน" if activity.attendees is not None else None, who=who,
            recorded_at=activity.created_at,
        ))  # fmt: skip

    visit_rows = await uow.session.execute(
        select(Visit, Officer.name).join(Officer, Officer.id == Visit.officer_id)
        .where(*_in_month(Visit, ids, first, after)).order_by(Visit.on_date, Visit.id)
    )  # fmt: skip
    for visit, who in visit_rows:
        assert visit.group_id is not None
        out[visit.group_id].append(RecordRow(
            "พัฒนากรเยี่ยม", visit.on_date, visit.notes or "เยี่ยมติดตามกลุ่ม", who=who,
            detail=f"ข้อเสนอแนะ: {visit.suggestions}" if visit.suggestions else None,
            recorded_at=visit.created_at,
        ))  # fmt: skip

    for group_id, figures_list in revisions.items():
        kept = [f.id for f, _ in figures_list if f.withdrawn_at is None]
        for figures, who in figures_list:
            state = (
                "ยกเลิกแล้ว" if figures.withdrawn_at is not None
                else "ฉบับปัจจุบัน" if figures.id == kept[-1]
                else "มีฉบับใหม่กว่าแทนแล้ว"
            )  # fmt: skip
            out[group_id].append(RecordRow(
                "ตัวเลขประจำเดือน", figures.on_date,
                f"ตัวเลขเดือน {thai_month(figures.month)} ฉบับที่ {figures.revision}",
                income=figures.income, expenses=figures.expenses, balance=figures.balance,
                who=who, detail=state, recorded_at=figures.created_at,
            ))  # fmt: skip
    return out


# --- rendering ------------------------------------------------------------------------------


def thai_datetime(value: datetime, tz: ZoneInfo = BANGKOK) -> str:
    local = value.astimezone(tz)
    return f"{thai_date(local.date())} {local:%H:%M} น."


def visible_length(text: str) -> int:
    """Characters that take room: Thai vowels and tone marks above or below a consonant
    (category Mn) take none."""
    return sum(1 for char in text if unicodedata.category(char) != "Mn")


def sheet_names(names: Sequence[str], taken: Sequence[str] = (SUMMARY_SHEET,)) -> list[str]:
    """Excel sheet names for these groups: no []:*?/\\ characters, at most 31 characters,
    unique (Excel compares them case-insensitively), never clashing with `taken`."""
    used = {name.casefold() for name in taken}
    out: list[str] = []
    for raw in names:
        base = _BAD_SHEET_CHARS.sub(" ", " ".join(raw.split())).strip("' ") or "กลุ่ม"
        candidate = base[:MAX_SHEET_NAME].rstrip()
        counter = 2
        while candidate.casefold() in used:
            suffix = f" ({counter})"
            candidate = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
            counter += 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def _summary_values(row: SummaryRow, data: ExportData, with_district: bool) -> list[Any]:
    values: list[Any] = [
        row.group,
        row.village,
        row.occupation,
        row.members,
        row.meetings,
        row.visits,
        row.sales,
        row.income,
        row.expenses,
        row.balance,
        row.status,
        row.submitted_at.astimezone(data.tz).date() if row.submitted_at else None,
    ]
    return [row.district, *values] if with_district else values


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    """An instant as the wall-clock time in `tz`, without zone: what a spreadsheet cell holds."""
    return value.astimezone(tz).replace(tzinfo=None)


def _record_values(row: RecordRow, tz: ZoneInfo) -> list[Any]:
    return [
        row.kind,
        row.on_date,
        row.item,
        row.quantity,
        row.unit,
        row.unit_price,
        row.amount,
        row.income,
        row.expenses,
        row.balance,
        row.who,
        row.detail,
        _local(row.recorded_at, tz) if row.recorded_at else None,
    ]


def _title(data: ExportData) -> str:
    month = thai_month(data.month)
    if len(data.districts) == 1:
        d = data.districts[0]
        where = f"อำเภอ{d.name}" + (f" จังหวัด{d.province}" if d.province else "")
    else:
        where = f"{len(data.districts)} อำเภอ"
    return f"สรุปกลุ่มอาชีพ สัมมาชีพชุมชน {where} เดือน {month}"


def render_workbook(data: ExportData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.worksheet.hyperlink import Hyperlink

    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = SUMMARY_SHEET
    with_district = data.with_district
    headers = [DISTRICT_HEADER, *SUMMARY_HEADERS] if with_district else list(SUMMARY_HEADERS)
    money_columns = {headers.index(h) for h in SUMMARY_HEADERS[6:10]}
    count_columns = {headers.index(h) for h in SUMMARY_HEADERS[3:6]}
    formats = {
        **dict.fromkeys(money_columns, MONEY_FORMAT),
        **dict.fromkeys(count_columns, COUNT_FORMAT),
    }
    body = [_summary_values(row, data, with_district) for row in data.rows]
    total: list[Any] = [None] * len(headers)
    total[0] = "รวม"
    for column in sorted(money_columns | count_columns):
        total[column] = sum((v[column] for v in body if v[column] is not None), Decimal(0))
        if column in count_columns:
            total[column] = int(total[column])
    status_column = headers.index(SUMMARY_HEADERS[10])
    submitted = sum(1 for row in data.rows if row.status != MISSING)
    total[status_column] = f"ส่งแล้ว {submitted}/{len(data.rows)} กลุ่ม"
    notes = [
        f"ส่งตรงเวลา = ส่งตัวเลขฉบับแรกภายในวันที่ {data.due_day} {thai_month(add_months(data.month, 1))}"
        " (เวลาประเทศไทย) · สมาชิก = สมาชิกที่ยังอยู่ในกลุ่ม ณ วันที่ออกรายงาน",
        "สร้างโดย Sammachip Bot",
    ]
    _table(summary, _title(data), headers, body, formats, total=total, notes=notes)

    _programme_sheets(workbook, data)
    names = sheet_names([row.group for row in data.rows], (SUMMARY_SHEET, *PROGRAMME_SHEETS))
    group_column = headers.index(SUMMARY_HEADERS[0]) + 1
    for index, (row, name) in enumerate(zip(data.rows, names, strict=True)):
        sheet = workbook.create_sheet(name)
        lines = [_record_values(r, data.tz) for r in _ordered(data.records.get(row.group_id, []))]
        title = f"{row.group} · {row.village} · อำเภอ{row.district} · เดือน {thai_month(data.month)}"
        empty = ["ไม่มีรายการที่บันทึกในเดือนนี้"] if not lines else []
        _table(sheet, title, list(RECORD_HEADERS), lines, _RECORD_FORMATS, notes=empty)
        cell = summary.cell(row=3 + index, column=group_column)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{name}'!A1", display=row.group)
        cell.style = "Hyperlink"
        cell.quotePrefix = row.group.startswith(FORMULA_STARTS)  # the style reset it

    workbook.properties.creator = "Sammachip Bot"
    workbook.properties.title = _title(data)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _programme_sheets(workbook: Any, data: ExportData) -> None:
    """The annual summaries, dividends, households and trainings sheets (after "สรุป")."""
    districts = {d.id: d.name for d in data.districts}
    month = thai_month(data.month)

    def sheet(
        name: str, title: str, headers: tuple[str, ...], body: list[list[Any]],
        formats: dict[int, str], empty: str, districts_of: list[int],
    ) -> None:  # fmt: skip
        shift = 1 if data.with_district else 0
        if data.with_district:
            body = [
                [districts.get(d, ""), *values]
                for d, values in zip(districts_of, body, strict=True)
            ]
        _table(
            workbook.create_sheet(name), title,
            [DISTRICT_HEADER, *headers] if shift else list(headers), body,
            {column + shift: f for column, f in formats.items()},
            notes=[] if body else [empty],
        )  # fmt: skip

    sheet(
        ANNUAL_SHEET, f"สรุปประจำปีที่เหรัญญิกส่ง (ฉบับล่าสุดของแต่ละปี ถึงสิ้นเดือน {month})",
        ANNUAL_HEADERS,
        [[a.group, a.village, a.be_year, a.revision, a.revenue, a.costs, a.profit, a.dividends,
          a.sender, a.on_date] for a in data.annuals],
        _ANNUAL_FORMATS, "ยังไม่มีกลุ่มที่ส่งสรุปประจำปี", [a.district_id for a in data.annuals],
    )  # fmt: skip
    sheet(
        DIVIDEND_SHEET, f"การจ่ายปันผลที่เหรัญญิกยืนยันแล้ว (ถึงสิ้นเดือน {month})",
        DIVIDEND_HEADERS,
        [[d.group, d.village, d.period_start, d.period_last, d.total, d.members_paid,
          d.total_units, d.sender, d.on_date] for d in data.dividends],
        _DIVIDEND_FORMATS, "ยังไม่มีกลุ่มที่จ่ายปันผล", [d.district_id for d in data.dividends],
    )  # fmt: skip
    sheet(
        HOUSEHOLD_SHEET, f"ครัวเรือนเป้าหมาย เดือน {month}", HOUSEHOLD_HEADERS,
        [[h.head, h.village, h.occupation, h.trainer, h.visits, h.last_visit, h.income,
          h.expenses, h.balance, h.entries, h.trainings] for h in data.households],
        _HOUSEHOLD_FORMATS, "ยังไม่มีครัวเรือนเป้าหมายในอำเภอนี้",
        [h.district_id for h in data.households],
    )  # fmt: skip
    sheet(
        TRAINING_SHEET, f"การอบรมครัวเรือนเป้าหมาย เดือน {month}", TRAINING_HEADERS,
        [[t.on_date, t.trainer, t.topics, t.attendees, ", ".join(t.households)]
         for t in data.trainings],
        _TRAINING_FORMATS, "ไม่มีการอบรมที่บันทึกในเดือนนี้",
        [t.district_id for t in data.trainings],
    )  # fmt: skip


# The order a group's sheet lists records in: by kind as the programme reports them, then date.
_KIND_ORDER = ("ขาย", "ประชุม", "งาน", "กิจกรรม", "พัฒนากรเยี่ยม", "ตัวเลขประจำเดือน", "สรุปประจำปี", "ปันผล")


def _ordered(rows: list[RecordRow]) -> list[RecordRow]:
    return sorted(rows, key=lambda r: (_KIND_ORDER.index(r.kind), r.on_date))


def _table(
    sheet: Worksheet,
    title: str,
    headers: list[str],
    body: list[list[Any]],
    formats: dict[int, str],
    *,
    total: list[Any] | None = None,
    notes: Sequence[str] = (),
) -> None:
    """Row 1 the title, row 2 the headers (frozen with the title), then the body."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    put(sheet, 1, 1, title).font = Font(bold=True, size=13)
    header_fill = PatternFill("solid", start_color="E8F5E9")
    thin = Side(style="thin", color="A5D6A7")
    for column, header in enumerate(headers, start=1):
        cell = put(sheet, 2, column, header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.border = Border(bottom=thin)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    rows = [*body, total] if total is not None else list(body)
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            cell = put(sheet, 3 + offset, column, value)
            if column - 1 in formats and isinstance(value, (int, Decimal)):
                cell.number_format = formats[column - 1]
            elif isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            if total is not None and offset == len(body):
                cell.font = Font(bold=True)
                cell.border = Border(top=thin)
    after = 3 + len(rows) + 1
    for offset, note in enumerate(notes):
        put(sheet, after + offset, 1, note).font = Font(italic=True, color="666666")

    last_column = get_column_letter(len(headers))
    sheet.freeze_panes = "A3"
    if body:
        sheet.auto_filter.ref = f"A2:{last_column}{2 + len(body)}"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]
    for column, header in enumerate(headers, start=1):
        widest = max(
            [min(visible_length(header), 14)]
            + [_display_width(values[column - 1], formats.get(column - 1)) for values in rows]
        )
        sheet.column_dimensions[get_column_letter(column)].width = max(8, min(widest + 2, 48))
    sheet.row_dimensions[2].height = 32


# What a spreadsheet program reads as the start of a formula (or of a DDE/command injection):
# a text cell or CSV field starting with one of these is written as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def put(sheet: Worksheet, row: int, column: int, value: Any) -> Any:
    """Writes one cell. Text is always a text cell, never a formula, whatever people typed
    (a member named '=HYPERLINK(…)', a meeting topic '@SUM(…)'): openpyxl would store a
    string starting with '=' as a formula. Characters Excel cannot hold are dropped."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # shown as typed; Excel keeps it text when edited too
    else:
        cell.value = value
    return cell


def csv_text(text: str) -> str:
    """A CSV field that a spreadsheet will not run: a leading = + - @ tab or CR gets an
    apostrophe in front (the OWASP recommendation; Excel hides it)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _display_width(value: Any, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal) and number_format == MONEY_FORMAT:
        return len(f"{value:,.2f}")
    if isinstance(value, (int, Decimal)):
        return len(number(value))
    if isinstance(value, datetime):
        return visible_length(f"{thai_date(value.date())} {value:%H:%M} น.")
    if isinstance(value, date):
        return visible_length(thai_date(value))
    return visible_length(str(value))


def render_summary_csv(data: ExportData) -> bytes:
    """The summary sheet as CSV: UTF-8 with a byte-order mark (so Excel reads the Thai), CRLF
    lines, the district in the first column, money as plain decimals ("1234.50")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_text(h) for h in (DISTRICT_HEADER, *SUMMARY_HEADERS)])
    for row in data.rows:
        values = _summary_values(row, data, with_district=True)
        writer.writerow(["" if v is None else _csv_value(v) for v in values])
    return out.getvalue().encode("utf-8-sig")


def _csv_value(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.01")), "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return thai_date(value)  # the CSV is read as text: Buddhist-Era, as on every page
    return csv_text(str(value))


# --- the public API -------------------------------------------------------------------------


async def _district(uow: UnitOfWork, district_id: int) -> Area:
    area = await uow.groups.area_by_id(district_id)
    if area is None or area.kind != AreaKind.DISTRICT:
        raise NotFound(f"ไม่พบอำเภอรหัส {district_id} ค่ะ")
    return area


async def district_workbook(
    uow: UnitOfWork, district_id: int, month: date, *, due_day: int = FIGURES_DUE_DAY,
    tz: ZoneInfo = BANGKOK, fiscal_start_month: int = 10,
) -> bytes:  # fmt: skip
    """The district's monthly workbook (.xlsx bytes)."""
    await _district(uow, district_id)
    data = await collect(
        uow, [district_id], month, due_day=due_day, tz=tz, fiscal_start_month=fiscal_start_month
    )
    return render_workbook(data)


async def district_summary_csv(
    uow: UnitOfWork, district_id: int, month: date, *, due_day: int = FIGURES_DUE_DAY,
    tz: ZoneInfo = BANGKOK,
) -> bytes:  # fmt: skip
    """The workbook's summary sheet as CSV bytes (UTF-8 with BOM)."""
    await _district(uow, district_id)
    data = await collect(uow, [district_id], month, records=False, due_day=due_day, tz=tz)
    return render_summary_csv(data)


def export_filename(district: str, month: date, suffix: str = ".xlsx") -> str:
    """A file name like สัมมาชีพ-อำเภอวังหิน-2568-10.xlsx (Buddhist-Era year, sorts by month)."""
    safe = re.sub(r"[\\/:*?\"<>|\s]+", "", district)
    return f"สัมมาชีพ-อำเภอ{safe}-{month.year + BE_OFFSET}-{month.month:02d}{suffix}"
