"""The district monthly workbook's queries: what officers send upward (Excel) and its summary as
CSV, read for a month. The rows and headers are in bot/reports/export_rows.py, the writers in
bot/reports/xlsx.py and bot/reports/export_csv.py; bot/services/exports.py puts them together.

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

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from bot.calendar import BANGKOK, add_months, month_start
from bot.reports import programme
from bot.reports.export_rows import (
    FIGURES_DUE_DAY,
    DistrictInfo,
    ExportData,
    RecordRow,
    SummaryRow,
    submission_status,
)
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

# --- districts ----------------------------------------------------------------------------


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
            select(village.district_id)
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
        .where(village.district_id.in_(list(district_ids)))
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
            select(OccupationGroup, village.name, village.district_id)
            .join(village, village.id == OccupationGroup.village_id)
            .where(OccupationGroup.id.in_(ids))
        )
    ).all()
    counts = await _counts(uow, ids, first, after)
    revisions = await _revisions(uow, ids, first)
    for group, village_name, parent_id in groups:
        district_id = int(parent_id or 0)  # never 0: the group sub-select named the district
        data.rows.append(
            _summary_row(group, village_name, district_id, names[district_id], counts,
                         revisions[group.id], first, due_day, tz)
        )  # fmt: skip
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


async def _per_group(uow: UnitOfWork, query: Select[Any, Any]) -> dict[int, Any]:
    return {gid: value for gid, value in await uow.session.execute(query)}


async def _counts(
    uow: UnitOfWork, ids: Select[int], first: date, after: date
) -> dict[str, dict[int, Any]]:
    """Per group: active members, and the month's meetings, officer visits and sales."""
    members = await _per_group(
        uow,
        select(Membership.group_id, func.count())
        .where(Membership.group_id.in_(ids), Membership.until.is_(None))
        .group_by(Membership.group_id),
    )
    meetings = await _per_group(
        uow,
        select(Meeting.group_id, func.count())
        .where(*_in_month(Meeting, ids, first, after))
        .group_by(Meeting.group_id),
    )
    visits = await _per_group(
        uow,
        select(Visit.group_id, func.count())
        .where(*_in_month(Visit, ids, first, after))
        .group_by(Visit.group_id),
    )
    sales = await _per_group(
        uow,
        select(Sale.group_id, func.sum(Sale.amount))
        .where(*_in_month(Sale, ids, first, after))
        .group_by(Sale.group_id),
    )
    return {"members": members, "meetings": meetings, "visits": visits, "sales": sales}


async def _revisions(
    uow: UnitOfWork, ids: Select[int], first: date
) -> dict[int, list[tuple[MonthlyFigures, str]]]:
    """Every revision of the month's figures per group, oldest first, with who recorded it."""
    revisions: dict[int, list[tuple[MonthlyFigures, str]]] = defaultdict(list)
    for figures, recorder in await uow.session.execute(
        select(MonthlyFigures, Person.name)
        .join(Person, Person.id == MonthlyFigures.recorded_by)
        .where(MonthlyFigures.group_id.in_(ids), MonthlyFigures.month == first)
        .order_by(MonthlyFigures.group_id, MonthlyFigures.revision)
    ):
        revisions[figures.group_id].append((figures, recorder))
    return revisions


def _summary_row(
    group: OccupationGroup, village_name: str, district_id: int, district: str,
    counts: dict[str, dict[int, Any]], revisions: list[tuple[MonthlyFigures, str]],
    first: date, due_day: int, tz: ZoneInfo,
) -> SummaryRow:  # fmt: skip
    kept = [f for f, _ in revisions if f.withdrawn_at is None]
    current = kept[-1] if kept else None
    submitted = min(f.created_at for f, _ in revisions) if current else None
    return SummaryRow(
        district_id=district_id,
        district=district,
        group_id=group.id,
        group=group.name,
        village=village_name,
        occupation=group.occupation,
        members=int(counts["members"].get(group.id, 0)),
        meetings=int(counts["meetings"].get(group.id, 0)),
        visits=int(counts["visits"].get(group.id, 0)),
        sales=Decimal(counts["sales"].get(group.id) or 0),
        income=current.income if current else None,
        expenses=current.expenses if current else None,
        balance=current.balance if current else None,
        status=submission_status(submitted, first, due_day, tz),
        submitted_at=submitted,
    )


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

    await _sales_and_meetings(uow, ids, first, after, out)
    await _work_and_activities(uow, ids, first, after, out)
    await _visits(uow, ids, first, after, out)
    _figures(revisions, out)
    return out


async def _sales_and_meetings(
    uow: UnitOfWork, ids: Select[int], first: date, after: date,
    out: dict[int, list[RecordRow]],
) -> None:  # fmt: skip
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


async def _work_and_activities(
    uow: UnitOfWork, ids: Select[int], first: date, after: date,
    out: dict[int, list[RecordRow]],
) -> None:  # fmt: skip
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


async def _visits(
    uow: UnitOfWork, ids: Select[int], first: date, after: date,
    out: dict[int, list[RecordRow]],
) -> None:  # fmt: skip
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


def _figures(
    revisions: dict[int, list[tuple[MonthlyFigures, str]]], out: dict[int, list[RecordRow]]
) -> None:
    """Every revision of the month's figures, marked current, replaced or withdrawn."""
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
