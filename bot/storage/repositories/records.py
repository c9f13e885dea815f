"""A group's records (sales, work, meetings, visits, figures) and the month they add up to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    ScalarSelect,
    Select,
    Table,
    bindparam,
    case,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from bot.storage.driver import prebuilt
from bot.storage.models import (
    RECORD_MODELS,
    RECORD_TABLES,
    AccountEntry,
    Household,
    Meeting,
    MonthlyFigures,
    OccupationGroup,
    Person,
    RecordMixin,
    Sale,
    TrainingAttendance,
    Visit,
    WorkLog,
)
from bot.storage.repositories.base import _Repository

HOURS = "ชั่วโมง"

# One INSERT … RETURNING every column per record table, built once (`RecordRepository.add`).
_INSERTS: dict[Table, Insert] = {}


def _insert_returning(table: Table) -> Insert:
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = prebuilt(insert(table).returning(*table.c))
    return statement


def _recent_prices(owner: Any) -> Select[Decimal | None, Decimal, Decimal | None]:
    # Prebuilt (one per owner column): read on every sale, to ask about an unusual price.
    return (
        select(Sale.unit_price, Sale.amount, Sale.quantity)
        .where(
            owner == bindparam("owner"),
            Sale.item == bindparam("item"),
            # A price is per unit: eggs by the piece say nothing about eggs by the kilo. (NULL
            # matches NULL: sales given without a unit are compared with each other.)
            Sale.unit.is_not_distinct_from(bindparam("unit", type_=Sale.unit.type)),
            Sale.not_withdrawn(),
            Sale.quantity > 0,
        )
        .order_by(Sale.on_date.desc(), Sale.id.desc())
        .limit(bindparam("limit"))
    )


_GROUP_PRICES = prebuilt(_recent_prices(Sale.group_id))
_HOUSEHOLD_PRICES = prebuilt(_recent_prices(Sale.household_id))


@dataclass(frozen=True, slots=True)
class GroupMonth:
    """The facts of one group's month that summaries and the JSON report show."""

    sales_count: int
    sales_total: Decimal
    sales_by_item: dict[str, Decimal]
    meetings_count: int
    meetings_attendees: int
    work_by_member: dict[str, Decimal]
    figures: MonthlyFigures | None
    visits_count: int
    last_visit: date | None
    # The same work with its units: name -> {unit: amount}, hours under HOURS ("ชั่วโมง").
    work_units: dict[str, dict[str, Decimal]] = field(default_factory=dict)


class RecordRepository(_Repository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        # What this unit of work recorded: `ยกเลิก` right after undoes exactly these.
        self.created: list[RecordMixin] = []

    async def add(self, record: RecordMixin) -> None:
        """The record written now, with its id and defaults (`created_at`) set on it, and the
        object part of this unit of work from then on (a later change to it is an UPDATE).

        A Core INSERT … RETURNING instead of `session.add` and a flush: a sale is written on
        most messages, and the ORM's flush machinery for one new object costs more calls than
        the INSERT itself (with `remember_records`, 4–5 % fewer Python calls per message:
        bench/trace_message.py, BENCHMARKS.md "fourth pass"). It writes what a flush would: the
        attributes that were set, except those set to None (the ORM leaves those out too, so
        a column's default applies), through the same column types. The returned row is set
        on the object, which is then attached as if loaded (`make_transient_to_detached`),
        so nothing on it is left to load lazily, which an async session cannot do.

        Inside a savepoint the ORM's own way is kept: a savepoint rolled back forgets the
        objects its flushes made, and an object attached as loaded would stay behind, holding
        the id of a row that is gone. (After the whole transaction is rolled back, the unit
        of work is over: `UnitOfWork.__aexit__` closes the session either way.)"""
        if self.session.in_nested_transaction():
            self.session.add(record)
            await self.session.flush()
            self.created.append(record)
            return
        mapper = inspect(type(record))
        table = mapper.local_table
        assert isinstance(table, Table)
        given = inspect(record).dict
        values = {}
        for prop in mapper.column_attrs:
            value = given.get(prop.key)
            if value is not None:
                values[prop.columns[0].key] = value
        row = (await self._core(_insert_returning(table), values)).one()
        for column, value in zip(table.c, row, strict=True):
            setattr(record, mapper.get_property_by_column(column).key, value)
        make_transient_to_detached(record)
        self.session.add(record)
        self.created.append(record)

    async def add_attendance(self, attendance: list[TrainingAttendance]) -> None:
        """The households at a training (the training itself was added first)."""
        self.session.add_all(attendance)
        await self.session.flush()

    async def made_by(self, person_id: int) -> dict[str, Sequence[RecordMixin]]:
        """Every record the person made, withdrawn or not, by kind (kinds with none left out)."""
        found: dict[str, Sequence[RecordMixin]] = {}
        for kind, model in RECORD_MODELS.items():
            rows = (
                await self.session.scalars(
                    select(model).where(model.recorded_by == person_id).order_by(model.id)
                )
            ).all()
            if rows:
                found[kind] = rows
        return found

    async def get(self, entity: str, record_id: int) -> RecordMixin | None:
        """A record by its table name ("sale", "work_log"…) and id, withdrawn or not."""
        model = RECORD_TABLES.get(entity)
        if model is None:
            return None
        found: RecordMixin | None = await self.session.get(model, record_id)
        return found

    async def hours_on(
        self, person_id: int, on_date: date, *, excluding: int | None = None
    ) -> Decimal:
        """Hours of work recorded for a person on one day, in every group (withdrawn aside)."""
        query = select(func.coalesce(func.sum(WorkLog.hours), 0)).where(
            WorkLog.person_id == person_id,
            WorkLog.on_date == on_date,
            WorkLog.not_withdrawn(),
        )
        if excluding is not None:
            query = query.where(WorkLog.id != excluding)
        return Decimal(await self.session.scalar(query) or 0)

    async def last_by(self, person_id: int) -> RecordMixin | None:
        """The most recent record this person made and has not withdrawn, of any kind."""
        latest: RecordMixin | None = None
        for model in RECORD_MODELS.values():
            found = await self.session.scalar(
                select(model)
                .where(model.recorded_by == person_id, model.not_withdrawn())
                .order_by(model.created_at.desc(), model.id.desc())
                .limit(1)
            )
            if found is not None and (
                latest is None or (found.created_at, found.id) > (latest.created_at, latest.id)
            ):
                latest = found
        return latest

    async def by_source(self, source_ref: str) -> Sequence[RecordMixin]:
        found: list[RecordMixin] = []
        for model in RECORD_MODELS.values():
            found.extend(
                (
                    await self.session.scalars(
                        select(model).where(model.source_ref == source_ref, model.not_withdrawn())
                    )
                ).all()
            )
        return found

    async def current_figures(self, group_id: int, month: date) -> MonthlyFigures | None:
        return await self.session.scalar(
            select(MonthlyFigures)
            .where(
                MonthlyFigures.group_id == group_id,
                MonthlyFigures.month == month,
                MonthlyFigures.not_withdrawn(),
            )
            .order_by(MonthlyFigures.revision.desc())
            .limit(1)
        )

    async def next_figures_revision(self, group_id: int, month: date) -> int:
        # Withdrawn revisions count too: revision numbers are never reused.
        highest = await self.session.scalar(
            select(func.max(MonthlyFigures.revision)).where(
                MonthlyFigures.group_id == group_id, MonthlyFigures.month == month
            )
        )
        return (highest or 0) + 1

    async def group_month(self, group_id: int, first: date, after_last: date) -> GroupMonth:
        """Sales, meetings, work, figures and visits of one group in [first, after_last)."""
        count, total, by_item = await self._month_sales(group_id, first, after_last)
        meetings, attendees = await self._month_meetings(group_id, first, after_last)
        work, work_units = await self._month_work(group_id, first, after_last)
        visits, last_visit = await self._month_visits(group_id, first, after_last)
        return GroupMonth(
            sales_count=count,
            sales_total=total,
            sales_by_item=by_item,
            meetings_count=meetings,
            meetings_attendees=attendees,
            work_by_member=work,
            figures=await self.current_figures(group_id, first),
            visits_count=visits,
            last_visit=last_visit,
            work_units=work_units,
        )

    async def _month_sales(
        self, group_id: int, first: date, after_last: date
    ) -> tuple[int, Decimal, dict[str, Decimal]]:
        """How many sales, their total, and the total per item (largest first)."""
        in_month_sale = (
            (Sale.group_id == group_id)
            & Sale.not_withdrawn()
            & (Sale.on_date >= first)
            & (Sale.on_date < after_last)
        )
        by_item_rows = await self.session.execute(
            select(Sale.item, func.count(), func.sum(Sale.amount))
            .where(in_month_sale)
            .group_by(Sale.item)
            .order_by(func.sum(Sale.amount).desc(), Sale.item)
        )
        by_item: dict[str, Decimal] = {}
        count = 0
        total = Decimal("0")
        for item, n, amount in by_item_rows:
            value = Decimal(amount or 0)
            by_item[item] = value
            count += int(n)
            total += value
        return count, total, by_item

    async def _month_meetings(
        self, group_id: int, first: date, after_last: date
    ) -> tuple[int, int]:
        """How many meetings, and how many attended them in all."""
        meeting_row = (
            await self.session.execute(
                select(func.count(), func.coalesce(func.sum(Meeting.attendees), 0)).where(
                    Meeting.group_id == group_id,
                    Meeting.not_withdrawn(),
                    Meeting.on_date >= first,
                    Meeting.on_date < after_last,
                )
            )
        ).one()
        return int(meeting_row[0]), int(meeting_row[1] or 0)

    async def _month_work(
        self, group_id: int, first: date, after_last: date
    ) -> tuple[dict[str, Decimal], dict[str, dict[str, Decimal]]]:
        """Work per member, and the same with its units.

        Each log counts its hours, or else what was done (200 ฟอง); the JSON report adds them
        up per member (its contract), the summaries show them with their units."""
        work_rows = await self.session.execute(
            select(
                Person.name,
                WorkLog.unit,
                func.sum(WorkLog.hours),
                func.sum(case((WorkLog.hours.is_(None), WorkLog.quantity))),
            )
            .join(Person, Person.id == WorkLog.person_id)
            .where(
                WorkLog.group_id == group_id,
                WorkLog.not_withdrawn(),
                WorkLog.on_date >= first,
                WorkLog.on_date < after_last,
            )
            .group_by(Person.name, WorkLog.unit)
            .order_by(Person.name, WorkLog.unit)
        )
        work: dict[str, Decimal] = {}
        work_units: dict[str, dict[str, Decimal]] = {}
        for name, unit, hours, done in work_rows:
            per_unit = work_units.setdefault(name, {})
            for key, amount in ((HOURS, hours), (unit or "หน่วย", done)):
                if amount is not None:
                    per_unit[key] = per_unit.get(key, Decimal(0)) + Decimal(amount)
            work[name] = sum(per_unit.values(), Decimal(0))
        return work, work_units

    async def _month_visits(
        self, group_id: int, first: date, after_last: date
    ) -> tuple[int, date | None]:
        """Visits in the month, and the last visit up to its end (in any month)."""
        visit_row = (
            await self.session.execute(
                select(func.count()).where(
                    Visit.group_id == group_id,
                    Visit.not_withdrawn(),
                    Visit.on_date >= first,
                    Visit.on_date < after_last,
                )
            )
        ).one()
        last_visit_ever = await self.session.scalar(
            select(func.max(Visit.on_date)).where(
                Visit.group_id == group_id,
                Visit.not_withdrawn(),
                Visit.on_date < after_last,
            )
        )
        return int(visit_row[0]), last_visit_ever

    async def sales_total(self, group_id: int, first: date, after_last: date) -> Decimal:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(Sale.amount), 0)).where(
                Sale.group_id == group_id,
                Sale.not_withdrawn(),
                Sale.on_date >= first,
                Sale.on_date < after_last,
            )
        )
        return Decimal(total or 0)

    async def usual_sale(self, group_id: int) -> tuple[str, str | None] | None:
        """The item (and its unit) this group sells most often: the example people see."""
        row = (
            await self.session.execute(
                select(Sale.item, func.max(Sale.unit))
                .where(Sale.group_id == group_id, Sale.not_withdrawn())
                .group_by(Sale.item)
                .order_by(func.count().desc(), Sale.item)
                .limit(1)
            )
        ).first()
        return None if row is None else (str(row[0]), row[1])

    async def recent_unit_prices(
        self,
        item: str,
        *,
        unit: str | None,
        group_id: int | None,
        household_id: int | None,
        limit: int = 20,
    ) -> list[Decimal]:
        """Unit prices of the latest sales of this item in this unit by the same group or
        household."""
        statement, owner = (
            (_GROUP_PRICES, group_id) if group_id is not None else (_HOUSEHOLD_PRICES, household_id)
        )
        rows = await self._core(
            statement, {"owner": owner, "item": item, "unit": unit, "limit": limit}
        )
        return [
            Decimal(row.unit_price)
            if row.unit_price is not None
            else Decimal(row.amount) / Decimal(row.quantity or 1)
            for row in rows
        ]

    async def person_sales(
        self, person_id: int, group_id: int, first: date, after_last: date
    ) -> tuple[int, Decimal]:
        row = (
            await self.session.execute(
                select(func.count(), func.coalesce(func.sum(Sale.amount), 0)).where(
                    Sale.recorded_by == person_id,
                    Sale.group_id == group_id,
                    Sale.not_withdrawn(),
                    Sale.on_date >= first,
                    Sale.on_date < after_last,
                )
            )
        ).one()
        return int(row[0]), Decimal(row[1])

    async def household_entries(
        self, household_id: int, first: date, after: date
    ) -> list[tuple[str, int, Decimal]]:
        """(kind, count, total) of a household's account book entries in [first, after)."""
        rows = await self.session.execute(
            select(AccountEntry.kind, func.count(), func.coalesce(func.sum(AccountEntry.amount), 0))
            .where(
                AccountEntry.household_id == household_id,
                AccountEntry.not_withdrawn(),
                AccountEntry.on_date >= first,
                AccountEntry.on_date < after,
            )
            .group_by(AccountEntry.kind)
        )
        return [(kind, int(n), Decimal(total)) for kind, n, total in rows]

    async def groups_last_visited(
        self, officer_id: int, until: date
    ) -> list[tuple[OccupationGroup, date | None]]:
        """The officer's groups with the day of each one's last visit up to `until`."""
        rows = await self.session.execute(
            select(OccupationGroup, self._last_visit(until, Visit.group_id == OccupationGroup.id))
            .where(OccupationGroup.officer_id == officer_id)
            .order_by(OccupationGroup.id)
        )
        return [(group, last) for group, last in rows]

    async def households_last_visited(
        self, officer_id: int, until: date
    ) -> list[tuple[Household, date | None]]:
        """The officer's target households with the day of each one's last visit."""
        rows = await self.session.execute(
            select(Household, self._last_visit(until, Visit.household_id == Household.id))
            .where(Household.officer_id == officer_id)
            .order_by(Household.id)
        )
        return [(household, last) for household, last in rows]

    @staticmethod
    def _last_visit(until: date, of: ColumnElement[bool]) -> ScalarSelect[date]:
        return (
            select(func.max(Visit.on_date))
            .where(Visit.not_withdrawn(), Visit.on_date <= until, of)
            .correlate_except(Visit)
            .scalar_subquery()
        )
