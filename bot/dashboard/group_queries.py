"""What the group page shows (one occupation group: members, this month, the chart, the
treasurer's figures, visits, the timeline), read with a few queries per page. The district
overview's rows are in bot/dashboard/queries.py; who may see a group is decided by
bot/services/reports.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from bot.dashboard.queries import (
    CHART_MONTHS,
    FIGURES_LIMIT,
    TIMELINE_LIMIT,
    VISITS_LIMIT,
    GroupRow,
    _pairs,
    _rows,
)
from bot.reports import programme
from bot.reports.programme import AnnualRow, DividendRow
from bot.reports.queries import sales_by_month
from bot.services import reports
from bot.services.actors import Actor
from bot.services.reports import GroupMonthReport
from bot.storage.models import (
    Activity,
    AnnualSummary,
    Dividend,
    Meeting,
    MonthlyFigures,
    OccupationGroup,
    Officer,
    Person,
    RecordMixin,
    Role,
    Sale,
    Visit,
    WorkLog,
)
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import ACTIVITY_KIND_NAMES as KIND_NAMES
from bot.wording import RECORD_KIND_NAMES, baht, quantity, thai_date, thai_month
from scheduler.policy import Moment

ROLE_NAMES: dict[str, str] = {Role.CHAIR: "ประธาน", Role.TREASURER: "เหรัญญิก", Role.MEMBER: "สมาชิก"}
_ROLE_ORDER: dict[str, int] = {Role.CHAIR: 0, Role.TREASURER: 1, Role.MEMBER: 2}


# --- one group ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberRow:
    name: str
    role: str  # Role value
    role_name: str
    committee_role: str | None
    since: date


@dataclass(frozen=True, slots=True)
class TimelineItem:
    on_date: date
    created_at: datetime
    kind: str  # sale | meeting | work | activity | visit | monthly
    kind_name: str
    text: str
    who: str
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class FiguresRevision:
    month: date
    revision: int
    income: Decimal
    expenses: Decimal
    balance: Decimal
    on_date: date
    created_at: datetime
    who: str
    withdrawn: bool
    current: bool  # the revision that counts for its month


@dataclass(frozen=True, slots=True)
class VisitRow:
    on_date: date
    officer: str
    notes: str | None
    suggestions: str | None


@dataclass(frozen=True, slots=True)
class GroupPage:
    row: GroupRow
    report: GroupMonthReport  # this month
    previous_sales: Decimal  # last month's total, for the change
    members: list[MemberRow]
    months: list[tuple[date, Decimal]]  # CHART_MONTHS, oldest first
    figures: list[FiguresRevision]
    visits: list[VisitRow]
    timeline: list[TimelineItem]
    now: datetime
    annuals: list[AnnualRow] = field(default_factory=list)  # every year, newest first
    dividends: list[DividendRow] = field(default_factory=list)  # with each member's share

    @property
    def group(self) -> OccupationGroup:
        return self.report.group


async def visible_group(uow: UnitOfWork, actor: Actor, group_id: int) -> OccupationGroup | None:
    """The group if this officer may see it; None for another district's group or none at all
    (the pages answer both with the same 404, so ids cannot be probed)."""
    group = await uow.groups.get(group_id)
    if group is None or not await reports.officer_may_see(uow, actor, group):
        return None
    return group


async def group_page(
    uow: UnitOfWork, group: OccupationGroup, settings: Settings, now: datetime
) -> GroupPage:
    moment = Moment.of(now, settings.tz)
    (row,) = await _rows(uow, [group], settings, moment)
    report = await reports.group_month(uow, group.id, moment.month_start)
    previous = moment.prev_month_start
    previous_sales = await uow.records.sales_total(group.id, previous, moment.month_start)
    members = [
        MemberRow(
            name=person.name,
            role=membership.role,
            role_name=ROLE_NAMES.get(membership.role, membership.role),
            committee_role=membership.committee_role,
            since=membership.since.astimezone(settings.tz).date(),
        )
        for membership, person in await uow.groups.members(group.id)
    ]
    members.sort(key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.name))
    return GroupPage(
        row=row,
        report=report,
        previous_sales=previous_sales,
        members=members,
        months=await sales_by_month(uow, group.id, moment.month_start, CHART_MONTHS),
        figures=await _figures(uow, group.id),
        visits=await _visits(uow, group.id),
        timeline=await _timeline(uow, group.id),
        now=now,
        annuals=await programme.annual_summaries(
            uow, _one(group.id), settings.fiscal_year_start_month
        ),
        dividends=await programme.dividends(uow, _one(group.id), with_shares=True),
    )


def _one(group_id: int) -> Any:
    return select(OccupationGroup.id).where(OccupationGroup.id == group_id)


async def _names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return await _pairs(uow, select(Person.id, Person.name).where(Person.id.in_(ids)))


async def _figures(uow: UnitOfWork, group_id: int) -> list[FiguresRevision]:
    rows = (
        await uow.session.scalars(
            select(MonthlyFigures)
            .where(MonthlyFigures.group_id == group_id)
            .order_by(MonthlyFigures.month.desc(), MonthlyFigures.revision.desc())
            .limit(FIGURES_LIMIT)
        )
    ).all()
    names = await _names(uow, {r.recorded_by for r in rows})
    counted: set[date] = set()
    found = []
    for r in rows:
        current = r.withdrawn_at is None and r.month not in counted
        if current:
            counted.add(r.month)
        found.append(
            FiguresRevision(
                month=r.month,
                revision=r.revision,
                income=r.income,
                expenses=r.expenses,
                balance=r.balance,
                on_date=r.on_date,
                created_at=r.created_at,
                who=names.get(r.recorded_by, ""),
                withdrawn=r.withdrawn_at is not None,
                current=current,
            )
        )
    return found


async def _visits(uow: UnitOfWork, group_id: int) -> list[VisitRow]:
    rows = await uow.session.execute(
        select(Visit, Officer.name)
        .join(Officer, Officer.id == Visit.officer_id)
        .where(Visit.group_id == group_id, Visit.not_withdrawn())
        .order_by(Visit.on_date.desc(), Visit.id.desc())
        .limit(VISITS_LIMIT)
    )
    return [VisitRow(v.on_date, name, v.notes, v.suggestions) for v, name in rows]


_TIMELINE_MODELS: tuple[tuple[str, type[RecordMixin]], ...] = (
    ("sale", Sale),
    ("meeting", Meeting),
    ("work", WorkLog),
    ("activity", Activity),
    ("visit", Visit),
    ("monthly", MonthlyFigures),
    ("annual", AnnualSummary),
    ("dividend", Dividend),
)


async def _timeline(uow: UnitOfWork, group_id: int) -> list[TimelineItem]:
    """The group's latest records of every kind, newest first (withdrawn ones marked)."""
    found: list[tuple[str, Any]] = []
    for kind, model in _TIMELINE_MODELS:
        column: Any = model.group_id  # type: ignore[attr-defined]
        records = (
            await uow.session.scalars(
                select(model)
                .where(column == group_id)
                .order_by(model.on_date.desc(), model.id.desc())
                .limit(TIMELINE_LIMIT)
            )
        ).all()
        found.extend((kind, r) for r in records)
    found.sort(key=lambda item: (item[1].on_date, item[1].created_at), reverse=True)
    found = found[:TIMELINE_LIMIT]
    people = {r.recorded_by for _, r in found} | {
        r.person_id for kind, r in found if kind == "work"
    }
    names = await _names(uow, people)
    return [
        TimelineItem(
            on_date=r.on_date,
            created_at=r.created_at,
            kind=kind,
            kind_name=RECORD_KIND_NAMES[kind],
            text=_describe(kind, r, names),
            who=names.get(r.recorded_by, ""),
            withdrawn=r.withdrawn_at is not None,
        )
        for kind, r in found
    ]


def _describe(kind: str, r: Any, names: dict[int, str]) -> str:
    parts: list[str] = []
    if kind == "sale":
        parts.append(r.item)
        if r.quantity is not None:
            parts.append(f"{quantity(r.quantity)} {r.unit or ''}".strip())
        parts.append(baht(r.amount))
    elif kind == "meeting":
        if r.attendees is not None:
            parts.append(f"ผู้เข้าร่วม {r.attendees} คน")
        if r.topics:
            parts.append(f"เรื่อง {r.topics}")
        if r.decisions:
            parts.append(f"มติ {r.decisions}")
    elif kind == "work":
        parts.append(names.get(r.person_id, ""))
        if r.hours is not None:
            parts.append(f"{quantity(r.hours)} ชั่วโมง")
        if r.quantity is not None:
            parts.append(f"{quantity(r.quantity)} {r.unit or ''}".strip())
        if r.note:
            parts.append(r.note)
    elif kind == "activity":
        parts.append(KIND_NAMES.get(r.kind, r.kind))
        if r.topics:
            parts.append(r.topics)
        if r.attendees is not None:
            parts.append(f"{r.attendees} คน")
    elif kind == "visit":
        if r.notes:
            parts.append(r.notes)
        if r.suggestions:
            parts.append(f"คำแนะนำ: {r.suggestions}")
    elif kind == "annual":
        parts.append(f"ฉบับที่ {r.revision}")
        parts.append(f"รายรับ {baht(r.revenue)} รายจ่าย {baht(r.costs)} กำไร {baht(r.profit)}")
    elif kind == "dividend":
        parts.append(f"{thai_date(r.period_start)} – {thai_date(r.period_end - timedelta(days=1))}")
        parts.append(f"รวม {baht(r.total)}")
    elif kind == "monthly":
        parts.append(f"เดือน {thai_month(r.month)} ฉบับที่ {r.revision}")
        parts.append(f"รับ {baht(r.income)} จ่าย {baht(r.expenses)} คงเหลือ {baht(r.balance)}")
    return " · ".join(p for p in parts if p)
