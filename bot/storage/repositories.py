"""Repositories: the only place that writes SQL for the services. Each takes the unit of
work's session, so everything it does belongs to that one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import (
    RECORD_MODELS,
    RECORD_TABLES,
    Area,
    AuditLog,
    ChatAccount,
    ChatRoom,
    ConversationState,
    DashboardSecret,
    DashboardSecretKind,
    DeliveryStatus,
    Household,
    InboundEvent,
    InboxStatus,
    Meeting,
    Membership,
    MenuSync,
    MonthlyFigures,
    OccupationGroup,
    Officer,
    Outbox,
    Person,
    RecordMixin,
    Reminder,
    Sale,
    StoredFile,
    Visit,
    WorkLog,
    utcnow,
)


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _on_postgres(self) -> bool:
        bind = self.session.bind
        return bind is not None and bind.dialect.name == "postgresql"

    def _insert(self) -> Any:
        """The dialect's INSERT, for ON CONFLICT (PostgreSQL and SQLite spell it alike)."""
        return pg_insert if self._on_postgres else sqlite_insert


class PeopleRepository(_Repository):
    async def account(self, channel: str, external_id: str) -> ChatAccount | None:
        return await self.session.scalar(
            select(ChatAccount).where(
                ChatAccount.channel == channel, ChatAccount.external_id == external_id
            )
        )

    async def ensure_account(
        self, channel: str, external_id: str, display_name: str | None
    ) -> ChatAccount:
        account = await self.account(channel, external_id)
        if account is None:
            account = ChatAccount(
                channel=channel, external_id=external_id, display_name=display_name
            )
            self.session.add(account)
            await self.session.flush()
        elif display_name and account.display_name != display_name:
            account.display_name = display_name
        return account

    async def accounts_of(self, person_id: int) -> Sequence[ChatAccount]:
        """The person's chat accounts, the one linked longest first (an account linked before
        link times were kept comes first)."""
        return (
            await self.session.scalars(
                select(ChatAccount)
                .where(ChatAccount.person_id == person_id)
                .order_by(ChatAccount.linked_at.is_not(None), ChatAccount.linked_at, ChatAccount.id)
            )
        ).all()

    async def person(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def add_person(self, name: str) -> Person:
        person = Person(name=name)
        self.session.add(person)
        await self.session.flush()
        return person

    async def officer(self, officer_id: int) -> Officer | None:
        return await self.session.get(Officer, officer_id)

    async def officer_of(self, person_id: int) -> Officer | None:
        return await self.session.scalar(select(Officer).where(Officer.person_id == person_id))


class GroupRepository(_Repository):
    async def get(self, group_id: int) -> OccupationGroup | None:
        return await self.session.get(OccupationGroup, group_id)

    async def memberships_of(self, person_id: int) -> Sequence[tuple[Membership, OccupationGroup]]:
        rows = await self.session.execute(
            select(Membership, OccupationGroup)
            .join(OccupationGroup, OccupationGroup.id == Membership.group_id)
            .where(Membership.person_id == person_id, Membership.until.is_(None))
            .order_by(Membership.since)
        )
        return [(m, g) for m, g in rows]

    async def ever_member(self, person_id: int) -> bool:
        """Whether the person was in a group once (left it, or handed their role over)."""
        found = await self.session.scalar(
            select(Membership.id).where(Membership.person_id == person_id).limit(1)
        )
        return found is not None

    async def membership(self, person_id: int, group_id: int) -> Membership | None:
        return await self.session.scalar(
            select(Membership).where(
                Membership.person_id == person_id,
                Membership.group_id == group_id,
                Membership.until.is_(None),
            )
        )

    async def holders(self, group_id: int, role: str) -> Sequence[Membership]:
        return (
            await self.session.scalars(
                select(Membership).where(
                    Membership.group_id == group_id,
                    Membership.role == role,
                    Membership.until.is_(None),
                )
            )
        ).all()

    async def members(self, group_id: int) -> Sequence[tuple[Membership, Person]]:
        rows = await self.session.execute(
            select(Membership, Person)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.group_id == group_id, Membership.until.is_(None))
            .order_by(Person.name)
        )
        return [(m, p) for m, p in rows]

    async def of_officer(self, officer_id: int) -> Sequence[OccupationGroup]:
        return (
            await self.session.scalars(
                select(OccupationGroup)
                .where(OccupationGroup.officer_id == officer_id)
                .order_by(OccupationGroup.id)
            )
        ).all()

    async def households_of_officer(self, officer_id: int) -> Sequence[Household]:
        return (
            await self.session.scalars(
                select(Household).where(Household.officer_id == officer_id).order_by(Household.id)
            )
        ).all()

    async def household(self, household_id: int) -> Household | None:
        return await self.session.get(Household, household_id)

    async def households_of_trainer(self, trainer_id: int) -> Sequence[Household]:
        return (
            await self.session.scalars(
                select(Household).where(Household.trainer_id == trainer_id).order_by(Household.id)
            )
        ).all()

    async def room(self, channel: str, external_id: str) -> ChatRoom | None:
        return await self.session.scalar(
            select(ChatRoom).where(ChatRoom.channel == channel, ChatRoom.external_id == external_id)
        )

    async def area(self, kind: str, name: str, parent_id: int | None) -> Area:
        """The area with this name under `parent_id`, created if new."""
        found = await self.session.scalar(
            select(Area).where(
                Area.kind == kind,
                Area.name == name,
                Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id,
            )
        )
        if found is None:
            found = Area(kind=kind, name=name, parent_id=parent_id)
            self.session.add(found)
            await self.session.flush()
        return found

    async def area_by_id(self, area_id: int) -> Area | None:
        return await self.session.get(Area, area_id)

    async def areas_named(self, kind: str, name: str) -> Sequence[Area]:
        return (
            await self.session.scalars(select(Area).where(Area.kind == kind, Area.name == name))
        ).all()

    async def areas_within(self, parent_id: int, kind: str) -> Sequence[Area]:
        """The areas of `kind` directly under `parent_id` (a province's districts)."""
        return (
            await self.session.scalars(
                select(Area).where(Area.kind == kind, Area.parent_id == parent_id)
            )
        ).all()


HOURS = "ชั่วโมง"


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
        self.session.add(record)
        await self.session.flush()
        self.created.append(record)

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

        # Each log counts its hours, or else what was done (200 ฟอง); the JSON report adds them
        # up per member (its contract), the summaries show them with their units.
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

        visit_row = (
            await self.session.execute(
                select(func.count(), func.max(Visit.on_date)).where(
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
        return GroupMonth(
            sales_count=count,
            sales_total=total,
            sales_by_item=by_item,
            meetings_count=int(meeting_row[0]),
            meetings_attendees=int(meeting_row[1] or 0),
            work_by_member=work,
            figures=await self.current_figures(group_id, first),
            visits_count=int(visit_row[0]),
            last_visit=last_visit_ever,
            work_units=work_units,
        )

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
        self, item: str, *, group_id: int | None, household_id: int | None, limit: int = 20
    ) -> list[Decimal]:
        """Unit prices of the latest sales of this item by the same group or household."""
        owner = (
            Sale.group_id == group_id if group_id is not None else Sale.household_id == household_id
        )
        rows = await self.session.execute(
            select(Sale.unit_price, Sale.amount, Sale.quantity)
            .where(owner, Sale.item == item, Sale.not_withdrawn(), Sale.quantity > 0)
            .order_by(Sale.on_date.desc(), Sale.id.desc())
            .limit(limit)
        )
        return [
            Decimal(price) if price is not None else Decimal(amount) / Decimal(quantity or 1)
            for price, amount, quantity in rows
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


class ConversationRepository(_Repository):
    async def get(self, account_id: int, chat_id: str) -> ConversationState | None:
        return await self.session.scalar(
            select(ConversationState).where(
                ConversationState.chat_account_id == account_id,
                ConversationState.chat_id == chat_id,
            )
        )

    async def save(
        self,
        account_id: int,
        chat_id: str,
        flow: str,
        data: dict[str, Any],
        expires_at: datetime,
    ) -> None:
        state = await self.get(account_id, chat_id)
        if state is None:
            state = ConversationState(chat_account_id=account_id, chat_id=chat_id)
            self.session.add(state)
        state.flow = flow
        state.data = dict(data)  # a new object, so the JSON column is seen as changed
        state.expires_at = expires_at
        state.updated_at = utcnow()
        await self.session.flush()

    async def clear(self, account_id: int, chat_id: str) -> None:
        state = await self.get(account_id, chat_id)
        if state is not None:
            await self.session.delete(state)
            await self.session.flush()

    async def seen(self, channel: str, external_id: str) -> bool:
        """Records a platform delivery id; False the first time, True for a redelivery.

        One statement, INSERT … ON CONFLICT DO NOTHING: the unique key decides, so two workers
        racing on one delivery cannot both store it (on PostgreSQL the second waits for the
        first to commit, then finds the row)."""
        statement = (
            self._insert()(InboundEvent)
            .values(channel=channel, external_id=external_id, received_at=utcnow())
            .on_conflict_do_nothing(index_elements=["channel", "external_id"])
            .returning(InboundEvent.id)
        )
        return await self.session.scalar(statement) is None


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """A stored webhook event waiting to be handled (see `InboxRepository`)."""

    id: int
    received_at: datetime
    message: dict[str, Any]


class InboxRepository(_Repository):
    """The webhook inbox: `inbound_event` rows with status `pending` and the message."""

    async def accept(
        self, events: Sequence[tuple[str, str, dict[str, Any]]], now: datetime, lease: timedelta
    ) -> dict[tuple[str, str], int]:
        """Stores (channel, delivery id, message) rows as pending in one statement; returns the
        new rows' ids by key. A key already stored (a redelivery) is left out: the unique key
        decides, also against another worker inserting the same delivery at the same time."""
        if not events:
            return {}
        # Core on the table (no ORM bookkeeping) and one parameter set per row: the statement
        # is compiled once and cached, whatever the batch size; the driver sends it as
        # multi-row VALUES ("insertmanyvalues"), RETURNING only the rows it inserted.
        table = InboundEvent.__table__
        statement = (
            self._insert()(table)
            .on_conflict_do_nothing(index_elements=["channel", "external_id"])
            .returning(table.c.id, table.c.channel, table.c.external_id)
        )
        lease_until = now + lease
        rows = (
            await self.session.execute(
                statement,
                [
                    {
                        "channel": channel,
                        "external_id": external_id,
                        "received_at": now,
                        "status": "pending",
                        "message": message,
                        "next_attempt_at": lease_until,
                        "attempts": 0,
                    }
                    for channel, external_id, message in events
                ],
            )
        ).all()
        return {(row.channel, row.external_id): row.id for row in rows}

    async def take(self, event_id: int) -> bool:
        """Marks a pending event done inside the transaction that handles it; False if it is
        not pending any more (another worker handled it first: skip it). On PostgreSQL a
        second worker's UPDATE waits for the first to commit and then matches nothing."""
        result = await self.session.execute(
            update(InboundEvent)
            .where(InboundEvent.id == event_id, InboundEvent.status == InboxStatus.PENDING)
            .values(status=InboxStatus.DONE, message=None, next_attempt_at=None)
        )
        return bool(getattr(result, "rowcount", 0))

    async def due(
        self, before: datetime, limit: int, lease_until: datetime, skip: set[int]
    ) -> list[PendingEvent]:
        """Pending events whose retry time is before `before` (a crash, a worker gone, an
        outage), oldest first, except those in `skip` (already queued by the caller); each is
        given the new retry time `lease_until`, so other workers leave it alone meanwhile."""
        query = (
            select(InboundEvent)
            .where(
                InboundEvent.status == InboxStatus.PENDING, InboundEvent.next_attempt_at <= before
            )
            .order_by(InboundEvent.id)
            .limit(limit)
        )
        if skip:
            query = query.where(InboundEvent.id.not_in(skip))
        if self._on_postgres:
            query = query.with_for_update(skip_locked=True)
        rows = list(await self.session.scalars(query))
        for row in rows:
            row.next_attempt_at = lease_until
        await self.session.flush()
        return [PendingEvent(row.id, row.received_at, dict(row.message or {})) for row in rows]

    async def failed_attempt(self, event_id: int, retry_at: datetime, limit: int) -> bool:
        """Counts a failed handling; at `limit` failures the event is set aside as `failed`
        (kept with its message for the operator). True if it was set aside."""
        row = await self.session.get(InboundEvent, event_id)
        if row is None or row.status != InboxStatus.PENDING:
            return False
        row.attempts += 1
        row.next_attempt_at = retry_at
        if row.attempts >= limit:
            row.status = InboxStatus.FAILED
            row.next_attempt_at = None
            return True
        return False


class OutboxRepository(_Repository):
    async def add(
        self,
        channel: str,
        recipient: str,
        payload: dict[str, Any],
        reply_token: str | None = None,
        *,
        available_at: datetime,
        status: str = "pending",
        retry_key: str | None = None,
        kind: str = "reply",
        chat_account_id: int | None = None,
    ) -> Outbox:
        row = Outbox(
            channel=channel,
            recipient=recipient,
            payload=payload,
            reply_token=reply_token,
            status=status,
            retry_key=retry_key,
            kind=kind,
            chat_account_id=chat_account_id,
            # The caller's clock, not the system's: tests and `remind --at` move time.
            next_attempt_at=available_at,
            created_at=available_at,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def due(self, now: datetime, limit: int, channel: str | None = None) -> Sequence[Outbox]:
        query = (
            select(Outbox)
            .where(Outbox.status == DeliveryStatus.PENDING, Outbox.next_attempt_at <= now)
            .order_by(Outbox.id)
            .limit(limit)
        )
        if channel is not None:
            query = query.where(Outbox.channel == channel)
        if self._on_postgres:
            # Any number of senders can drain the outbox; each row goes to exactly one of them.
            query = query.with_for_update(skip_locked=True)
        return (await self.session.scalars(query)).all()

    async def get(self, outbox_id: int) -> Outbox | None:
        return await self.session.get(Outbox, outbox_id)

    async def held_reminders(self, chat_account_id: int) -> Sequence[Outbox]:
        """Reminders waiting because the LINE push quota ran out (status "held")."""
        return (
            await self.session.scalars(
                select(Outbox)
                .where(
                    Outbox.chat_account_id == chat_account_id,
                    Outbox.kind == "reminder",
                    Outbox.status == DeliveryStatus.HELD,
                )
                .order_by(Outbox.id)
                .limit(5)
            )
        ).all()

    async def mark_sent(self, outbox_id: int, at: datetime) -> None:
        await self.session.execute(
            update(Outbox)
            .where(Outbox.id == outbox_id)
            .values(status=DeliveryStatus.SENT, sent_at=at, reply_token=None)
        )

    def _waiting_reminders(self, chat_account_id: int) -> ColumnElement[bool]:
        return and_(
            Outbox.chat_account_id == chat_account_id,
            Outbox.kind == "reminder",
            Outbox.status == DeliveryStatus.PENDING,
        )

    async def cancel_reminders(self, chat_account_id: int, reason: str) -> None:
        """Reminders written for this account but not sent yet (quiet hours) are not sent."""
        await self.session.execute(
            update(Outbox)
            .where(self._waiting_reminders(chat_account_id))
            .values(status=DeliveryStatus.CANCELLED, last_error=reason)
        )

    async def postpone_reminders(self, chat_account_id: int, until: datetime) -> None:
        """Reminders waiting for this account go out at `until` instead of earlier."""
        await self.session.execute(
            update(Outbox)
            .where(self._waiting_reminders(chat_account_id), Outbox.next_attempt_at < until)
            .values(next_attempt_at=until)
        )

    async def reopen_reminders(self, chat_account_id: int, person_id: int, since: datetime) -> None:
        """Forgets the reminders sent to this account since `since`, so the next sweep asks
        again about whatever is still due (what was done meanwhile is not reminded)."""
        sent = select(Outbox.id).where(
            Outbox.chat_account_id == chat_account_id,
            Outbox.kind == "reminder",
            Outbox.status == DeliveryStatus.SENT,
        )
        await self.session.execute(
            delete(Reminder).where(
                Reminder.recipient == f"person:{person_id}",
                Reminder.created_at >= since,
                Reminder.outbox_id.in_(sent),
            )
        )


class MenuRepository(_Repository):
    """The menu sync's queue (see `MenuSync`)."""

    channels = ("line", "telegram")  # the platforms with a menu to keep

    async def queue(self, channel: str, external_ids: Sequence[str]) -> int:
        """Marks these people's menus to be brought up to date (due at once, however often
        they were queued before). Returns how many were queued."""
        if channel not in self.channels or not external_ids:
            return 0
        insert = self._insert()
        values = [
            {"channel": channel, "external_id": e, "pending": True, "version": 0, "attempts": 0,
             "updated_at": utcnow()}
            for e in dict.fromkeys(external_ids)
        ]  # fmt: skip
        statement = insert(MenuSync).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["channel", "external_id"],
            set_={
                "pending": True,
                "next_attempt_at": None,
                "attempts": 0,
                "version": MenuSync.version + 1,
                "updated_at": statement.excluded.updated_at,
            },
        )
        await self.session.execute(statement)
        self.queued = True
        return len(values)

    queued = False  # set once this unit of work queued something: the sync is woken after it

    async def queue_person(self, person_id: int | None) -> int:
        """Every platform account of this person."""
        if person_id is None:
            return 0
        count = 0
        for channel in self.channels:
            ids = (
                await self.session.scalars(
                    select(ChatAccount.external_id).where(
                        ChatAccount.person_id == person_id, ChatAccount.channel == channel
                    )
                )
            ).all()
            count += await self.queue(channel, list(ids))
        return count

    async def due(self, now: datetime, limit: int, channels: Sequence[str]) -> Sequence[MenuSync]:
        query = (
            select(MenuSync)
            .where(
                MenuSync.pending.is_(True),
                MenuSync.channel.in_(list(channels)),
                (MenuSync.next_attempt_at.is_(None)) | (MenuSync.next_attempt_at <= now),
            )
            .order_by(MenuSync.id)
            .limit(limit)
        )
        if self._on_postgres:
            query = query.with_for_update(skip_locked=True)
        return (await self.session.scalars(query)).all()


class FileRepository(_Repository):
    """Generated images and exports, named by an unguessable key and kept until they expire."""

    async def put(
        self,
        data: bytes,
        content_type: str,
        *,
        now: datetime,
        ttl: timedelta,
        filename: str | None = None,
        owner_person_id: int | None = None,
        single_use: bool = False,
        spec: dict[str, Any] | None = None,
    ) -> StoredFile:
        stored = StoredFile(
            key=secrets.token_urlsafe(24),
            content_type=content_type,
            filename=filename,
            data=data,
            created_at=now,
            expires_at=now + ttl,
            owner_person_id=owner_person_id,
            single_use=single_use,
            spec=spec,
        )
        self.session.add(stored)
        await self.session.flush()
        return stored

    async def get(self, key: str, now: datetime) -> StoredFile | None:
        return await self.session.scalar(
            select(StoredFile).where(StoredFile.key == key, StoredFile.expires_at > now)
        )

    async def cached(
        self, cache_key: str, content_type: str, spec: dict[str, Any], *, now: datetime,
        ttl: timedelta, filename: str | None = None,
    ) -> StoredFile:  # fmt: skip
        """The file stored under `cache_key`, made (empty, with its `spec` to draw it from) if
        there is none yet, and kept for at least `ttl` more. One INSERT … ON CONFLICT DO
        NOTHING: two workers asking at once share one row."""
        await self.session.execute(
            self._insert()(StoredFile)
            .values(
                key=secrets.token_urlsafe(24), content_type=content_type, filename=filename,
                data=b"", created_at=now, expires_at=now + ttl, cache_key=cache_key,
                spec=spec, single_use=False,
            )
            .on_conflict_do_nothing(index_elements=["cache_key"])
        )  # fmt: skip
        stored = await self.session.scalar(
            select(StoredFile)
            .where(StoredFile.cache_key == cache_key)
            .execution_options(populate_existing=True)
        )
        assert stored is not None
        if stored.expires_at < now + ttl:
            stored.expires_at = now + ttl
        return stored

    async def use_once(self, key: str, now: datetime) -> bool:
        """Marks a single-use file fetched; False if it was already, or has expired."""
        result = await self.session.execute(
            update(StoredFile)
            .where(StoredFile.key == key, StoredFile.used_at.is_(None), StoredFile.expires_at > now)
            .values(used_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def purge(self, now: datetime) -> int:
        """Deletes the files whose time is up (the periodic purge)."""
        result = await self.session.execute(delete(StoredFile).where(StoredFile.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)


class AuditRepository(_Repository):
    async def add(
        self,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditLog(
                actor_id=actor_id,
                action=action,
                entity=entity,
                entity_id=entity_id,
                before=before,
                after=after,
            )
        )
        await self.session.flush()

    async def for_entity(self, entity: str, entity_id: int) -> Sequence[AuditLog]:
        return (
            await self.session.scalars(
                select(AuditLog)
                .where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
                .order_by(AuditLog.id)
            )
        ).all()


class DashboardSecretRepository(_Repository):
    """The dashboard's signing keys, used sign-in nonces and ended sessions."""

    async def keys(self) -> list[str]:
        return list(
            await self.session.scalars(
                select(DashboardSecret.value)
                .where(DashboardSecret.kind == DashboardSecretKind.KEY)
                .order_by(DashboardSecret.id)
            )
        )

    async def add_key(self, secret: str) -> None:
        self.session.add(DashboardSecret(kind=DashboardSecretKind.KEY, value=secret))
        await self.session.flush()

    async def recorded(self, kind: DashboardSecretKind, value: str) -> bool:
        found = await self.session.scalar(
            select(DashboardSecret.id).where(
                DashboardSecret.kind == kind, DashboardSecret.value == value
            )
        )
        return found is not None

    async def record(self, kind: DashboardSecretKind, value: str) -> bool:
        """Records `value` once; False the first time, True if it was already there. One
        statement, INSERT … ON CONFLICT DO NOTHING: the unique key decides a race."""
        statement = (
            self._insert()(DashboardSecret)
            .values(kind=kind, value=value, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["kind", "value"])
            .returning(DashboardSecret.id)
        )
        return await self.session.scalar(statement) is None
