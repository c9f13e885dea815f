"""Monthly views of the records: the JSON report of `sammachip report group` and the facts
behind the chat's `สรุป`. What each person may see is decided here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bot.calendar import month_bounds
from bot.services.actors import Actor
from bot.services.errors import NotAllowed, NotFound
from bot.storage.models import OccupationGroup
from bot.storage.repositories import GroupMonth
from bot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class GroupMonthReport:
    group: OccupationGroup
    month: date
    facts: GroupMonth

    def to_json(self) -> dict[str, Any]:
        """Exactly the documented `sammachip report group --json` shape (DESIGN.md)."""
        f = self.facts
        figures = f.figures
        return {
            "group_id": self.group.id,
            "month": self.month.strftime("%Y-%m"),
            "sales": {
                "count": f.sales_count,
                "total": _money(f.sales_total),
                "by_item": {item: _money(v) for item, v in f.sales_by_item.items()},
            },
            "meetings": {"count": f.meetings_count, "attendees": f.meetings_attendees},
            "work": {name: _units(units) for name, units in f.work_by_member.items()},
            "monthly_figures": None
            if figures is None
            else {
                "income": _money(figures.income),
                "expenses": _money(figures.expenses),
                "balance": _money(figures.balance),
            },
            "visits": {
                "count": f.visits_count,
                "last": f.last_visit.isoformat() if f.last_visit else None,
            },
        }


def _money(value: Decimal) -> str:
    return format(Decimal(value).quantize(Decimal("0.01")), "f")


def _units(value: Decimal) -> str:
    normal = Decimal(value).normalize()
    return format(
        normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal, "f"
    )


async def group_month(uow: UnitOfWork, group_id: int, month: date) -> GroupMonthReport:
    group = await uow.groups.get(group_id)
    if group is None:
        raise NotFound(f"ไม่พบกลุ่มรหัส {group_id} ค่ะ")
    first, after = month_bounds(month)
    return GroupMonthReport(group, first, await uow.records.group_month(group.id, first, after))


async def officer_may_see(uow: UnitOfWork, actor: Actor, group: OccupationGroup) -> bool:
    """An officer sees every group of their own district, and no other."""
    if actor.district_id is None:
        return False
    village = await uow.groups.area_by_id(group.village_id)
    return village is not None and village.district_id == actor.district_id


async def visible_group_month(
    uow: UnitOfWork, actor: Actor, group_id: int, month: date
) -> GroupMonthReport:
    report = await group_month(uow, group_id, month)
    if actor.role_in(group_id) is None and not await officer_may_see(uow, actor, report.group):
        raise NotAllowed("ขออภัยค่ะ คุณดูสรุปได้เฉพาะกลุ่มของคุณเองค่ะ")
    return report


async def district_groups(uow: UnitOfWork, actor: Actor) -> list[OccupationGroup]:
    if actor.district_id is None:
        raise NotAllowed("ขออภัยค่ะ สรุปรายอำเภอดูได้เฉพาะพัฒนากรค่ะ")
    return list(await uow.groups.of_district(actor.district_id))


@dataclass(frozen=True, slots=True)
class HouseholdMonth:
    income: Decimal
    expenses: Decimal
    entries: int


async def household_month(uow: UnitOfWork, household_id: int, month: date) -> HouseholdMonth:
    first, after = month_bounds(month)
    rows = await uow.records.household_entries(household_id, first, after)
    totals = {kind: (int(n), Decimal(total)) for kind, n, total in rows}
    income = totals.get("income", (0, Decimal(0)))
    expense = totals.get("expense", (0, Decimal(0)))
    return HouseholdMonth(income[1], expense[1], income[0] + expense[0])
