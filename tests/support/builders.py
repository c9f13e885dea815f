"""Test data builders: the smallest district a storage test needs, made in one call, and
records with sensible defaults that a test overrides only where it matters (in the manner of
python-telegram-bot's tests/auxil/). Everything is written through a unit of work, so the
builders work the same on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.app import App
from bot.storage.models import (
    AreaKind,
    Meeting,
    Membership,
    MonthlyFigures,
    OccupationGroup,
    Officer,
    Role,
    Sale,
    Visit,
    WorkLog,
)
from bot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class District:
    """One province > district > village, its officer, and one occupation group in it."""

    province: int
    district: int
    village: int
    officer: int  # officer.id
    officer_person: int  # the officer's person.id (who records visits)
    group: int


async def district(app: App, *, group_name: str = "กลุ่มเลี้ยงไก่ไข่") -> District:
    async with app.uow() as uow:
        province = await uow.groups.area(AreaKind.PROVINCE, "ศรีสะเกษ", None)
        amphoe = await uow.groups.area(AreaKind.DISTRICT, "วังหิน", province.id)
        village = await uow.groups.area(AreaKind.VILLAGE, "บ้านโพธิ์", amphoe.id)
        person = await uow.people.add_person("สมศรี ใจดี")
        officer = Officer(name=person.name, person_id=person.id, district_id=amphoe.id)
        uow.session.add(officer)
        await uow.session.flush()
        group = await add_group(uow, officer.id, village.id, group_name)
        await uow.commit()
        return District(province.id, amphoe.id, village.id, officer.id, person.id, group)


async def add_group(uow: UnitOfWork, officer: int, village: int, name: str) -> int:
    group = OccupationGroup(
        name=name, occupation="เลี้ยงไก่", village_id=village, officer_id=officer,
        founded_on=date(2020, 1, 1),
    )  # fmt: skip
    uow.session.add(group)
    await uow.session.flush()
    return group.id


async def member(
    app: App, group: int, name: str, *, role: Role = Role.MEMBER, left: datetime | None = None
) -> int:
    """A person in the group (or one who was, until `left`); their person.id."""
    async with app.uow() as uow:
        person = await uow.people.add_person(name)
        uow.session.add(Membership(person_id=person.id, group_id=group, role=role, until=left))
        await uow.commit()
        return person.id


def sale(group: int, by: int, on: date, amount: str, *, item: str = "ไข่ไก่", **more: Any) -> Sale:
    return Sale(
        group_id=group, recorded_by=by, on_date=on, item=item, amount=Decimal(amount), **more
    )


def work(group: int, person: int, on: date, **more: Any) -> WorkLog:
    return WorkLog(group_id=group, person_id=person, recorded_by=person, on_date=on, **more)


def meeting(group: int, by: int, on: date, attendees: int) -> Meeting:
    return Meeting(group_id=group, recorded_by=by, on_date=on, attendees=attendees)


def visit(district: District, on: date) -> Visit:
    return Visit(
        officer_id=district.officer, group_id=district.group, recorded_by=district.officer_person,
        on_date=on,
    )  # fmt: skip


def figures(
    group: int, by: int, month: date, *, revision: int = 1, income: str = "1000"
) -> MonthlyFigures:
    return MonthlyFigures(
        group_id=group, recorded_by=by, on_date=month, month=month, revision=revision,
        income=Decimal(income), expenses=Decimal("400"), balance=Decimal(income) - 400,
    )  # fmt: skip


async def save(app: App, *records: Any) -> list[int]:
    """Adds records through the records repository in one unit of work; their ids."""
    async with app.uow() as uow:
        for record in records:
            await uow.records.add(record)
        await uow.commit()
        return [record.id for record in records]
