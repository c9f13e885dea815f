"""A synthetic district for sweep tests and the sweep benchmark: officers, occupation groups
with a chair and a treasurer, trainers, target households, and a couple of months of visits,
meetings, figures and summaries, bulk-loaded with Core executemany (never the ORM row by row).

Deterministic for a given seed. Every person who holds a role has a console chat account, so
every reminder has somewhere to go."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.models import (
    AnnualSummary,
    Area,
    ChatAccount,
    Household,
    Meeting,
    Membership,
    MonthlyFigures,
    OccupationGroup,
    Officer,
    Person,
    Sale,
    Trainer,
    Visit,
)

CHUNK = 10_000
CREATED = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Population:
    officers: int
    groups: int
    households: int
    officer_person_ids: tuple[int, ...]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


async def _next_id(conn: AsyncConnection, model: Any) -> int:
    return int(await conn.scalar(select(func.coalesce(func.max(_table(model).c.id), 0))) or 0) + 1


async def _insert(conn: AsyncConnection, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await conn.execute(_table(model).insert(), rows[start : start + CHUNK])


async def populate(
    engine: AsyncEngine,
    *,
    groups: int,
    officers: int,
    households: int | None = None,
    today: date = date(2025, 10, 20),
    seed: int = 5,
) -> Population:
    """Adds one synthetic district to the database. `today` anchors the history: visits and
    meetings in the previous ~60 days, last month's figures for most groups, last reporting
    year's summary for about half, household sales this month for some."""
    rng = random.Random(seed)
    households = groups // 5 if households is None else households
    async with engine.begin() as conn:
        area_id = await _next_id(conn, Area)
        person_id = await _next_id(conn, Person)
        officer_id = await _next_id(conn, Officer)
        group_id = await _next_id(conn, OccupationGroup)
        trainer_id = await _next_id(conn, Trainer)
        household_id = await _next_id(conn, Household)
        tag = f"s{seed}x{group_id}"

        district = area_id + 1
        villages = max(1, groups // 10)
        await _insert(
            conn,
            Area,
            [
                {
                    "id": area_id,
                    "kind": "province",
                    "name": f"จังหวัดทดสอบ {tag}",
                    "parent_id": None,
                    "district_id": None,
                },
                {
                    "id": district,
                    "kind": "district",
                    "name": f"อำเภอทดสอบ {tag}",
                    "parent_id": area_id,
                    "district_id": None,
                },
            ]
            + [
                {
                    "id": district + 1 + v,
                    "kind": "village",
                    "name": f"บ้านทดสอบ {v + 1}",
                    "parent_id": district,
                    "district_id": district,
                }
                for v in range(villages)
            ],
        )

        people: list[dict[str, Any]] = []
        accounts: list[dict[str, Any]] = []

        def person(name: str) -> int:
            pid = person_id + len(people)
            people.append({"id": pid, "name": name, "created_at": CREATED})
            accounts.append(
                {"channel": "console", "external_id": f"{tag}:{pid}", "person_id": pid,
                 "blocked": False, "reminders_off": False, "created_at": CREATED}
            )  # fmt: skip
            return pid

        officer_rows = []
        officer_people = []
        for o in range(officers):
            pid = person(f"พัฒนากร {o + 1}")
            officer_people.append(pid)
            officer_rows.append(
                {"id": officer_id + o, "name": f"พัฒนากร {o + 1}", "person_id": pid,
                 "district_id": district, "created_at": CREATED}
            )  # fmt: skip
        trainer_rows = [
            {"id": trainer_id + o, "name": f"วิทยากร {o + 1}", "officer_id": officer_id + o,
             "person_id": person(f"วิทยากร {o + 1}"), "created_at": CREATED}
            for o in range(officers)
        ]  # fmt: skip

        group_rows = []
        members = []
        visits = []
        meetings = []
        figures = []
        annual = []
        prev_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        fy_start = date(today.year if today.month >= 10 else today.year - 1, 10, 1)
        for g in range(groups):
            gid = group_id + g
            oid = officer_id + g % officers
            officer_person = officer_people[g % officers]
            founded = today - timedelta(days=rng.randint(30, 1100))
            code = f"{tag}{g}"
            group_rows.append(
                {"id": gid, "name": f"กลุ่มอาชีพที่ {g + 1}", "occupation": "ทดสอบ",
                 "village_id": district + 1 + g % villages, "officer_id": oid, "founded_on": founded,
                 "join_code": f"J{code}"[:16], "settings": {}, "created_at": CREATED}
            )  # fmt: skip
            chair = person(f"ประธาน {g + 1}")
            treasurer = person(f"เหรัญญิก {g + 1}")
            for pid, role in ((chair, "chair"), (treasurer, "treasurer")):
                members.append(
                    {
                        "person_id": pid,
                        "group_id": gid,
                        "role": role,
                        "since": CREATED,
                        "until": None,
                    }
                )
            for _ in range(rng.randint(0, 3)):
                visits.append(
                    {"officer_id": oid, "group_id": gid, "household_id": None, "recorded_by": officer_person,
                     "on_date": today - timedelta(days=rng.randint(0, 60)), "created_at": CREATED}
                )  # fmt: skip
            for _ in range(rng.randint(0, 2)):
                meetings.append(
                    {"group_id": gid, "recorded_by": chair, "attendees": 10,
                     "on_date": today - timedelta(days=rng.randint(0, 45)), "created_at": CREATED}
                )  # fmt: skip
            if rng.random() < 0.6:
                figures.append(
                    {"group_id": gid, "month": prev_month, "revision": 1, "recorded_by": treasurer,
                     "income": Decimal("1000"), "expenses": Decimal("400"), "balance": Decimal("600"),
                     "on_date": prev_month + timedelta(days=33), "created_at": CREATED}
                )  # fmt: skip
            if rng.random() < 0.5:
                annual.append(
                    {"group_id": gid, "year": fy_start.year - 1, "revision": 1, "recorded_by": treasurer,
                     "revenue": Decimal("12000"), "costs": Decimal("5000"), "profit": Decimal("7000"),
                     "dividends": Decimal("0"), "on_date": fy_start, "created_at": CREATED}
                )  # fmt: skip

        household_rows = []
        sales = []
        for h in range(households):
            hid = household_id + h
            o = h % officers
            household_rows.append(
                {"id": hid, "village_id": district + 1 + h % villages, "head_name": f"ครัวเรือนทดสอบ {h + 1}",
                 "occupation": "ปลูกผัก", "trainer_name": f"วิทยากร {o + 1}", "trainer_id": trainer_id + o,
                 "officer_id": officer_id + o, "person_id": None, "created_at": CREATED}
            )  # fmt: skip
            if rng.random() < 0.4:
                sales.append(
                    {"household_id": hid, "group_id": None, "item": "ผัก", "amount": Decimal("100"),
                     "recorded_by": officer_people[o], "on_date": today.replace(day=1),
                     "created_at": CREATED}
                )  # fmt: skip

        await _insert(conn, Person, people)
        await _insert(conn, ChatAccount, accounts)
        await _insert(conn, Officer, officer_rows)
        await _insert(conn, Trainer, trainer_rows)
        await _insert(conn, OccupationGroup, group_rows)
        await _insert(conn, Membership, members)
        await _insert(conn, Household, household_rows)
        await _insert(conn, Visit, visits)
        await _insert(conn, Meeting, meetings)
        await _insert(conn, MonthlyFigures, figures)
        await _insert(conn, AnnualSummary, annual)
        await _insert(conn, Sale, sales)
        if conn.dialect.name == "postgresql":
            for model in (Area, Person, Officer, Trainer, OccupationGroup, Household):
                name = _table(model).name
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                    )
                )
            await conn.execute(text("ANALYZE"))
    return Population(officers, groups, households, tuple(officer_people))
