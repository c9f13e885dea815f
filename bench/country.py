"""A synthetic country on PostgreSQL: 77 provinces, 878 districts (each with sub-districts),
75,000 villages, 7,000 officers, 150,000 occupation groups, 1,500,000 target households and
as many people, and a year of their records (sales, work, meetings, visits, monthly figures,
annual summaries, account books, trainings), loaded with COPY (asyncpg
`copy_records_to_table`, binary) into a database migrated with the real schema.

    .venv/bin/python bench/country.py URL --scale 0.1     # 10 % of the country

`--scale` multiplies every count (0.1 = 7,500 villages in 88 districts); the shapes stay the
same: a district has ~85 villages in ~8 sub-districts and ~8 officers; a village ~2 groups of
5–40 members (~10 on average) and ~20 households; ~15 % of the groups are in their first year
(they are visited monthly), ~5 % have no treasurer yet; treasurers send most months' figures
on time, about a fifth late and a few never; most chairs, treasurers, officers and trainers
have a chat account. Deterministic for a given seed. `today` anchors the year of records.

Ids are given here (the database must be freshly migrated and empty) and the sequences are
moved past them at the end, so the bot can keep writing afterwards. The rows are consistent by
construction, so the load skips the foreign-key triggers and builds the secondary indexes once
at the end (the test suite's smoke test checks the keys).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

# The country at 100 % (issue 17).
PROVINCES = 77
DISTRICTS = 878
VILLAGES = 75_000
OFFICERS = 7_000
GROUPS = 150_000
HOUSEHOLDS = 1_500_000
SUBDISTRICTS_PER_DISTRICT = 8  # Thailand has ~7,255 tambon in 878 amphoe
TODAY = date(2025, 10, 20)  # a Monday: the week's digests and the month's reminders fall due
CREATED = datetime(2024, 1, 1, tzinfo=UTC)

SALE_ITEMS = ("ผ้าไหม", "น้ำพริก", "ไข่เค็ม", "ข้าวกล้อง", "ตะกร้าสาน", "ปลาร้า", "ผักปลอดสาร")
OCCUPATIONS = ("ทอผ้า", "แปรรูปอาหาร", "จักสาน", "เลี้ยงไก่", "ปลูกผัก", "ทำขนม")
_MONEY = [Decimal(f"{n * 10}.00") for n in range(1, 501)]  # 10–5,000 baht, made once


@dataclass
class Counts:
    """What was loaded, table by table, and how long the load took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def dsn(url: str) -> str:
    """asyncpg's DSN from the bot's SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def scaled(count: int, scale: float) -> int:
    return max(1, round(count * scale))


class Country:
    """Builds the rows table by table (generators: nothing but ids is kept in memory)."""

    def __init__(self, scale: float, seed: int = 17, today: date = TODAY) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.year_ago = today - timedelta(days=365)
        self.days = [self.year_ago + timedelta(days=d) for d in range(366)]
        self.month_starts = [
            date(today.year - (today.month <= m), (today.month - m - 1) % 12 + 1, 1)
            for m in range(12, 0, -1)
        ]  # the twelve full months before this one, oldest first
        self.districts = scaled(DISTRICTS, scale)
        self.provinces = max(1, min(PROVINCES, round(self.districts * PROVINCES / DISTRICTS)))
        self.villages = max(self.districts, scaled(VILLAGES, scale))
        self.officers = max(self.districts, scaled(OFFICERS, scale))
        self.groups = scaled(GROUPS, scale)
        self.households = scaled(HOUSEHOLDS, scale)
        self.ids: dict[str, int] = {}
        self._plan()

    # --- the places, and who is where -------------------------------------------------

    def _plan(self) -> None:
        """Areas, then which officer, trainer, village and people each group and household has."""
        r = self.rng
        d, s = self.districts, SUBDISTRICTS_PER_DISTRICT
        self.province_ids = list(range(1, self.provinces + 1))
        self.district_ids = list(range(self.provinces + 1, self.provinces + 1 + d))
        first_sub = self.provinces + d + 1
        self.subdistrict_ids = list(range(first_sub, first_sub + d * s))
        first_village = first_sub + d * s
        # village -> (its sub-district, its district): villages spread evenly over districts.
        self.village_sub = [0] * self.villages
        self.village_district = [0] * self.villages
        for v in range(self.villages):
            district = v * d // self.villages
            self.village_district[v] = self.district_ids[district]
            self.village_sub[v] = self.subdistrict_ids[district * s + r.randrange(s)]
        self.village_ids = list(range(first_village, first_village + self.villages))
        # Officers: ~8 a district; each village is looked after by one of its district's.
        self.officer_district = [
            self.district_ids[o * d // self.officers] for o in range(self.officers)
        ]
        by_district: dict[int, list[int]] = {}
        for o, district_id in enumerate(self.officer_district):
            by_district.setdefault(district_id, []).append(o + 1)
        self.village_officer = [
            r.choice(by_district[self.village_district[v]]) for v in range(self.villages)
        ]
        # Trainers: one per 4 villages, from the village's officer; most have signed up.
        self.trainers = max(1, self.villages // 4)
        self.trainer_officer = [
            self.village_officer[t * 4 % self.villages] for t in range(self.trainers)
        ]
        # Households: ~20 a village, each headed by a person (person ids 1..households).
        self.household_village = sorted(r.randrange(self.villages) for _ in range(self.households))
        # Groups: ~2 a village (villages drawn at random, so some have none and some five);
        # members are heads of households of the group's village.
        self.group_village = sorted(r.randrange(self.villages) for _ in range(self.groups))
        # people: households' heads, then officers, then trainers
        self.officer_person0 = self.households + 1
        self.trainer_person0 = self.officer_person0 + self.officers

    # --- rows -------------------------------------------------------------------------

    def areas(self) -> Iterator[tuple[Any, ...]]:
        # id, kind, name, parent_id, district_id
        for i, pid in enumerate(self.province_ids):
            yield pid, "province", f"จังหวัด {i + 1}", None, None
        for i, did in enumerate(self.district_ids):
            province = self.province_ids[i * self.provinces // self.districts]
            yield did, "district", f"อำเภอ {i + 1}", province, None
        for i, sid in enumerate(self.subdistrict_ids):
            district = self.district_ids[i // SUBDISTRICTS_PER_DISTRICT]
            yield (
                sid,
                "subdistrict",
                f"ตำบล {i % SUBDISTRICTS_PER_DISTRICT + 1}",
                district,
                district,
            )
        for v, vid in enumerate(self.village_ids):
            yield vid, "village", f"บ้าน {v + 1}", self.village_sub[v], self.village_district[v]

    def people(self) -> Iterator[tuple[Any, ...]]:
        # id, name, created_at, consented_at
        for h in range(self.households):
            yield h + 1, f"สมาชิก {h + 1}", CREATED, CREATED
        for o in range(self.officers):
            yield self.officer_person0 + o, f"พัฒนากร {o + 1}", CREATED, CREATED
        for t in range(self.trainers):
            yield self.trainer_person0 + t, f"วิทยากร {t + 1}", CREATED, CREATED

    def officer_rows(self) -> Iterator[tuple[Any, ...]]:
        # id, name, person_id, district_id, created_at, session_epoch
        for o in range(self.officers):
            yield (
                o + 1,
                f"พัฒนากร {o + 1}",
                self.officer_person0 + o,
                self.officer_district[o],
                CREATED,
                0,
            )

    def trainer_rows(self) -> Iterator[tuple[Any, ...]]:
        # id, name, officer_id, person_id, created_at
        r = self.rng
        for t in range(self.trainers):
            person = self.trainer_person0 + t if r.random() < 0.8 else None
            yield t + 1, f"วิทยากร {t + 1}", self.trainer_officer[t], person, CREATED

    def household_rows(self) -> Iterator[tuple[Any, ...]]:
        # id, village_id, head_name, occupation, trainer_name, trainer_id, officer_id, person_id, created_at
        for h, v in enumerate(self.household_village):
            trainer = v // 4 % self.trainers
            yield (h + 1, self.village_ids[v], f"สมาชิก {h + 1}", OCCUPATIONS[h % 6],
                   f"วิทยากร {trainer + 1}", trainer + 1, self.village_officer[v], h + 1, CREATED)  # fmt: skip

    def group_rows(self) -> Iterator[tuple[Any, ...]]:
        # id, name, occupation, village_id, officer_id, founded_on, join_code, settings, created_at
        r = self.rng
        self.first_year: set[int] = set()
        for g, v in enumerate(self.group_village):
            if r.random() < 0.15:
                founded = self.today - timedelta(days=r.randint(20, 360))
                self.first_year.add(g + 1)
            else:
                founded = self.today - timedelta(days=r.randint(400, 4000))
            yield (g + 1, f"กลุ่ม{OCCUPATIONS[g % 6]} {g + 1}", OCCUPATIONS[g % 6], self.village_ids[v],
                   self.village_officer[v], founded, f"J{g + 1:07d}", "{}", CREATED)  # fmt: skip

    def memberships(self) -> Iterator[tuple[Any, ...]]:
        """Members are heads of households of the group's village (a village's groups draw on
        its households in turn). Member 1 chairs, member 2 keeps the money (95 % of groups)."""
        r = self.rng
        first_household: dict[int, int] = {}
        count: dict[int, int] = {}
        for h, v in enumerate(self.household_village):
            first_household.setdefault(v, h + 1)
            count[v] = count.get(v, 0) + 1
        self.chair: dict[int, int] = {}
        self.treasurer: dict[int, int] = {}
        self.members: dict[int, tuple[int, int]] = {}  # group -> (first person, how many)
        cursor: dict[int, int] = {}
        mid = 0
        for g, v in enumerate(self.group_village):
            gid = g + 1
            size = min(40, 5 + int(r.expovariate(1 / 7)))
            available = count.get(v, 0)
            if available == 0:
                continue
            start = cursor.get(v, 0)
            people = [
                first_household[v] + (start + k) % available for k in range(min(size, available))
            ]
            cursor[v] = start + len(people)
            self.members[gid] = (people[0], len(people))
            for k, person in enumerate(people):
                role = "member"
                if k == 0:
                    role = "chair"
                    self.chair[gid] = person
                elif k == 1 and r.random() < 0.95:
                    role = "treasurer"
                    self.treasurer[gid] = person
                mid += 1
                yield mid, person, gid, role, None, CREATED, None

    def chat_accounts(self) -> Iterator[tuple[Any, ...]]:
        # id, channel, external_id, person_id, display_name, blocked, reminders_off, created_at, consented_at, linked_at
        r = self.rng
        n = 0

        def account(person: int) -> tuple[Any, ...]:
            nonlocal n
            n += 1
            channel = "line" if n % 3 else "telegram"
            off = r.random() < 0.02
            return (
                n,
                channel,
                f"U{person:010d}",
                person,
                None,
                False,
                off,
                CREATED,
                CREATED,
                CREATED,
            )

        for o in range(self.officers):
            yield account(self.officer_person0 + o)
        for t in range(self.trainers):
            if r.random() < 0.8:
                yield account(self.trainer_person0 + t)
        holders = set(self.chair.values()) | set(self.treasurer.values())
        for person in sorted(holders):
            if r.random() < 0.75:
                yield account(person)
        for h in range(1, self.households + 1):
            if h not in holders and r.random() < 0.2:
                yield account(h)

    # --- a year of records ------------------------------------------------------------

    def _record(self, rid: int, day: date, by: int) -> tuple[Any, ...]:
        # id, on_date, recorded_by, created_at, withdrawn_at, source_ref (1 % withdrawn)
        withdrawn = CREATED if rid % 100 == 0 else None
        return rid, day, by, CREATED, withdrawn, None

    def sales(self) -> Iterator[tuple[Any, ...]]:
        """~20 group sales a year per group, and a sale this month for ~30 % of households."""
        r = self.rng
        rid = 0
        days = self.days
        for gid, (first, size) in self.members.items():
            for _ in range(r.randint(0, 40)):
                rid += 1
                amount = _MONEY[r.randrange(200)]
                yield (*self._record(rid, days[r.randrange(366)], first + r.randrange(size)),
                       gid, None, SALE_ITEMS[rid % 7], None, None, None, amount)  # fmt: skip
        month_days = (self.today - self.today.replace(day=1)).days + 1
        for h in range(1, self.households + 1):
            if r.random() < 0.3:
                rid += 1
                day = self.today - timedelta(days=r.randrange(month_days))
                yield (*self._record(rid, day, h), None, h, SALE_ITEMS[h % 7], None, None, None,
                       _MONEY[r.randrange(50)])  # fmt: skip

    def work(self) -> Iterator[tuple[Any, ...]]:
        r = self.rng
        rid = 0
        for gid, (first, size) in self.members.items():
            for _ in range(r.randint(0, 20)):
                rid += 1
                person = first + r.randrange(size)
                yield (*self._record(rid, self.days[r.randrange(366)], person), gid, person,
                       Decimal(r.randint(1, 8)), None, None, None)  # fmt: skip

    def meetings(self) -> Iterator[tuple[Any, ...]]:
        """Most groups meet most months (a few not at all this month or last)."""
        r = self.rng
        rid = 0
        months = [*self.month_starts, self.today.replace(day=1)]
        for gid, (first, _size) in self.members.items():
            keen = r.random()
            for month in months:
                if r.random() < keen:
                    day = month + timedelta(days=r.randrange(28))
                    if day > self.today:
                        continue
                    rid += 1
                    yield (*self._record(rid, day, first), gid, r.randint(5, 30), None, None)

    def visits(self) -> Iterator[tuple[Any, ...]]:
        """Officers visit first-year groups about monthly, the others every few months, and
        each household once or twice a year."""
        r = self.rng
        rid = 0
        person0 = self.officer_person0
        for g, v in enumerate(self.group_village):
            gid = g + 1
            officer = self.village_officer[v]
            visits = r.randint(6, 12) if gid in self.first_year else r.randint(0, 5)
            for _ in range(visits):
                rid += 1
                yield (*self._record(rid, self.days[r.randrange(366)], person0 + officer - 1),
                       officer, gid, None, None, None)  # fmt: skip
        for h, v in enumerate(self.household_village):
            officer = self.village_officer[v]
            for _ in range(r.choice((0, 1, 1, 2))):
                rid += 1
                yield (*self._record(rid, self.days[r.randrange(366)], person0 + officer - 1),
                       officer, None, h + 1, None, None)  # fmt: skip

    def figures(self) -> Iterator[tuple[Any, ...]]:
        """A treasurer's figures for each past month: ~75 % by the 5th, ~20 % later, ~5 % never
        (last month's may still be missing: the sweep reminds and escalates those)."""
        r = self.rng
        rid = 0
        for gid, treasurer in self.treasurer.items():
            for month in self.month_starts:
                roll = r.random()
                if roll < 0.05:
                    continue
                next_month = (month + timedelta(days=32)).replace(day=1)
                day = next_month + timedelta(
                    days=r.randrange(5) if roll < 0.8 else r.randint(5, 25)
                )
                if day > self.today:
                    continue
                rid += 1
                income = _MONEY[r.randrange(500)]
                costs = _MONEY[r.randrange(100)]
                yield (
                    *self._record(rid, day, treasurer),
                    gid,
                    month,
                    1,
                    income,
                    costs,
                    income - costs,
                )

    def annual(self) -> Iterator[tuple[Any, ...]]:
        """Last reporting year's summary (October–September) for ~70 % of the older groups."""
        r = self.rng
        year = self.today.year - 1 if self.today.month >= 10 else self.today.year - 2
        rid = 0
        for gid, treasurer in self.treasurer.items():
            if gid not in self.first_year and r.random() < 0.7:
                rid += 1
                revenue, costs = _MONEY[r.randrange(500)] * 10, _MONEY[r.randrange(200)] * 10
                day = date(year + 1, 10, 1) + timedelta(days=r.randrange(15))
                if day > self.today:
                    day = self.today
                yield (*self._record(rid, day, treasurer), gid, year, 1, revenue, costs,
                       revenue - costs, Decimal(0))  # fmt: skip

    def account_entries(self) -> Iterator[tuple[Any, ...]]:
        """Household account books: a couple of lines a household over the year."""
        r = self.rng
        rid = 0
        for h in range(1, self.households + 1):
            for _ in range(r.choice((0, 1, 2, 3))):
                rid += 1
                kind = "income" if rid % 3 else "expense"
                yield (*self._record(rid, self.days[r.randrange(366)], h), h, kind, "ค่าใช้จ่าย",
                       _MONEY[r.randrange(100)])  # fmt: skip

    def trainings(self) -> tuple[list[tuple[Any, ...]], list[tuple[int, int]]]:
        """Each trainer's sessions (~6 a year) and the households of the trainer that came."""
        r = self.rng
        by_trainer: dict[int, list[int]] = {}
        for h, v in enumerate(self.household_village):
            by_trainer.setdefault(v // 4 % self.trainers + 1, []).append(h + 1)
        activities: list[tuple[Any, ...]] = []
        attendance: list[tuple[int, int]] = []
        for trainer, households in by_trainer.items():
            recorder = self.trainer_person0 + trainer - 1
            for _ in range(r.randint(3, 9)):
                aid = len(activities) + 1
                came = r.sample(households, min(len(households), r.randint(5, 15)))
                activities.append((*self._record(aid, self.days[r.randrange(366)], recorder),
                                   None, None, "training", len(came), "อบรมอาชีพ"))  # fmt: skip
                attendance.extend((aid, h) for h in came)
        return activities, attendance


RECORD = ["id", "on_date", "recorded_by", "created_at", "withdrawn_at", "source_ref"]
TABLES: list[tuple[str, list[str], str]] = [
    ("area", ["id", "kind", "name", "parent_id", "district_id"], "areas"),
    ("person", ["id", "name", "created_at", "consented_at"], "people"),
    ("officer", ["id", "name", "person_id", "district_id", "created_at", "session_epoch"], "officer_rows"),
    ("trainer", ["id", "name", "officer_id", "person_id", "created_at"], "trainer_rows"),
    ("occupation_group", ["id", "name", "occupation", "village_id", "officer_id", "founded_on",
                          "join_code", "settings", "created_at"], "group_rows"),
    ("household", ["id", "village_id", "head_name", "occupation", "trainer_name", "trainer_id",
                   "officer_id", "person_id", "created_at"], "household_rows"),
    ("membership", ["id", "person_id", "group_id", "role", "committee_role", "since", "until"], "memberships"),
    ("chat_account", ["id", "channel", "external_id", "person_id", "display_name", "blocked",
                      "reminders_off", "created_at", "consented_at", "linked_at"], "chat_accounts"),
    ("sale", [*RECORD, "group_id", "household_id", "item", "quantity", "unit", "unit_price", "amount"], "sales"),
    ("work_log", [*RECORD, "group_id", "person_id", "hours", "quantity", "unit", "note"], "work"),
    ("meeting", [*RECORD, "group_id", "attendees", "topics", "decisions"], "meetings"),
    ("visit", [*RECORD, "officer_id", "group_id", "household_id", "notes", "suggestions"], "visits"),
    ("monthly_figures", [*RECORD, "group_id", "month", "revision", "income", "expenses", "balance"], "figures"),
    ("annual_summary", [*RECORD, "group_id", "year", "revision", "revenue", "costs", "profit",
                        "dividends"], "annual"),
    ("account_entry", [*RECORD, "household_id", "kind", "item", "amount"], "account_entries"),
]  # fmt: skip


async def _copy(
    connection: asyncpg.Connection, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    counted = 0

    def counting() -> Iterator[tuple[Any, ...]]:
        nonlocal counted
        for row in rows:
            counted += 1
            yield row

    await connection.copy_records_to_table(table, columns=columns, records=counting())
    return counted


async def _drop_secondary_indexes(connection: asyncpg.Connection) -> list[str]:
    """Drops the loaded tables' indexes that back no constraint (the primary and unique keys
    stay, so a duplicate still fails the load) and returns the statements that make them
    again: building an index once over the loaded rows is several times faster than
    maintaining it row by row during COPY."""
    tables = [table for table, _columns, _method in TABLES] + ["activity", "training_attendance"]
    rows = await connection.fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes AS i"
        " WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)",
        tables,
    )
    for row in rows:
        await connection.execute(f'DROP INDEX "{row["indexname"]}"')
    return [row["indexdef"] for row in rows]


async def generate(
    url: str, scale: float, *, seed: int = 17, today: date = TODAY, quiet: bool = False
) -> Counts:
    """Loads the synthetic country into the (migrated, empty) database at `url`."""
    started = time.perf_counter()
    country = Country(scale, seed, today)
    counts = Counts()
    connection = await asyncpg.connect(dsn(url))
    try:
        if await connection.fetchval("SELECT count(*) FROM area"):
            raise SystemExit("the database already has areas: give a freshly migrated one")
        async with connection.transaction():
            # The rows are consistent by construction: skip the per-row foreign-key triggers
            # (they were most of the load time). Needs a superuser: the bench's own server.
            await connection.execute("SET LOCAL session_replication_role = replica")
            rebuild = await _drop_secondary_indexes(connection)
            for table, columns, method in TABLES:
                lap = time.perf_counter()
                counts.rows[table] = await _copy(
                    connection, table, columns, getattr(country, method)()
                )
                if not quiet:
                    print(
                        f"  {table}: {counts.rows[table]:,} rows in {time.perf_counter() - lap:.1f} s",
                        flush=True,
                    )
            activities, attendance = country.trainings()
            activity_columns = [*RECORD, "group_id", "household_id", "kind", "attendees", "topics"]
            counts.rows["activity"] = await _copy(
                connection, "activity", activity_columns, activities
            )
            counts.rows["training_attendance"] = await _copy(
                connection, "training_attendance", ["activity_id", "household_id"], attendance
            )
            for statement in rebuild:  # one sorted build each, not a million insertions
                await connection.execute(statement)
            for table, _columns, _method in [*TABLES, ("activity", [], "")]:
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    counts.seconds = time.perf_counter() - started
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="postgresql+asyncpg://… of a freshly migrated, empty database")
    parser.add_argument(
        "--scale", type=float, default=0.1, help="fraction of the country (1 = all)"
    )
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    counts = asyncio.run(generate(args.url, args.scale, seed=args.seed))
    print(f"{counts.total:,} rows in {counts.seconds:.1f} s")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
