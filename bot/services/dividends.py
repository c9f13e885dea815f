"""Dividends by recorded work: "ทำมากได้มาก ทำน้อยได้น้อย ไม่ทำไม่ได้" (DOMAIN.md, 5 ก).
The profit a treasurer shares is split in proportion to each member's work units in the
period, exact to the satang: largest-remainder rounding makes the parts add up to the total."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from bot.services.actors import Actor
from bot.services.errors import InvalidInput
from bot.services.records import TREASURER_ONLY, money, resolve_group, snapshot
from bot.storage.models import Dividend, DividendShare, Role
from bot.storage.unit_of_work import UnitOfWork

K = TypeVar("K", bound=Hashable)
SATANG = Decimal("0.01")


def split_by_work(total: Decimal, units: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """Each key's share of `total`, proportional to its units, in whole satang summing to
    `total` exactly. No units, no share. Fractions keep the arithmetic exact."""
    satang = int((total / SATANG).to_integral_value())
    if satang < 0:
        raise ValueError("a dividend cannot be negative")
    working = {key: Fraction(value) for key, value in units.items() if value > 0}
    all_units = sum(working.values(), Fraction(0))
    shares: dict[K, int] = dict.fromkeys(units, 0)
    if not working:
        return {key: Decimal(0) for key in units}
    exact = {key: satang * value / all_units for key, value in working.items()}
    for key, value in exact.items():
        shares[key] = value.numerator // value.denominator
    left = satang - sum(shares.values())
    # The satang left over go to the largest remainders; ties to more work, then a stable order.
    order = sorted(exact, key=lambda k: (exact[k] - shares[k], working[k]), reverse=True)
    for key in order[:left]:
        shares[key] += 1
    return {key: Decimal(count) * SATANG for key, count in shares.items()}


@dataclass(frozen=True, slots=True)
class Share:
    person_id: int
    name: str
    units: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class DividendPlan:
    group_id: int
    start: date
    end: date  # exclusive
    total: Decimal
    shares: tuple[Share, ...]

    @property
    def total_units(self) -> Decimal:
        return sum((s.units for s in self.shares), Decimal(0))


async def work_units(uow: UnitOfWork, group_id: int, start: date, end: date) -> dict[int, Decimal]:
    """Work units per person in [start, end): hours, or the quantity made when no hours."""
    return await uow.money.work_units(group_id, start, end)


async def plan_dividend(
    uow: UnitOfWork,
    actor: Actor,
    *,
    group_id: int | None,
    total: Decimal | None,
    start: date,
    end: date,
) -> DividendPlan:
    group = resolve_group(actor, group_id, (Role.TREASURER,), TREASURER_ONLY)
    amount = money(total, "เงินปันผล")
    units = await work_units(uow, group.group_id, start, end)
    names = await uow.money.member_names(group.group_id)
    # Someone who worked in the period and has since left still earned their share.
    names.update(await uow.people.names(set(units) - set(names)))
    everyone = {person_id: units.get(person_id, Decimal(0)) for person_id in names}
    if not any(v > 0 for v in everyone.values()):
        raise InvalidInput(
            "ยังไม่มีงานที่สมาชิกบันทึกไว้ในช่วงนี้ค่ะ จึงยังแบ่งปันผลตามงานไม่ได้ ให้สมาชิกบันทึกงานก่อนนะคะ"
        )
    split = split_by_work(amount, everyone)
    shares = sorted(
        (Share(pid, names[pid], everyone[pid], split[pid]) for pid in everyone),
        key=lambda s: (-s.units, s.name),
    )
    return DividendPlan(group.group_id, start, end, amount, tuple(shares))


async def pay_dividend(
    uow: UnitOfWork, actor: Actor, plan: DividendPlan, *, today: date, source_ref: str | None = None
) -> Dividend:
    resolve_group(actor, plan.group_id, (Role.TREASURER,), TREASURER_ONLY)
    row = Dividend(
        group_id=plan.group_id,
        period_start=plan.start,
        period_end=plan.end,
        total=plan.total,
        total_units=plan.total_units,
        on_date=today,
        recorded_by=actor.person_id,
        source_ref=source_ref,
    )
    await uow.records.add(row)
    await uow.money.add_shares(
        [
            DividendShare(dividend_id=row.id, person_id=s.person_id, units=s.units, amount=s.amount)
            for s in plan.shares
        ]
    )
    await uow.audit.add(actor.person_id, "create", "dividend", row.id, after=snapshot(row))
    return row


async def dividends_paid(uow: UnitOfWork, group_id: int, start: date, end: date) -> Decimal:
    return await uow.money.dividends_paid(group_id, start, end)
