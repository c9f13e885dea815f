"""SQLAlchemy 2 typed models: the programme's records and the bot's own bookkeeping.

Conventions, so that every record behaves the same way:
- money is NUMERIC(14, 2) mapped to Decimal, never float;
- instants are stored in UTC (`UtcDateTime`), calendar days as DATE in Asia/Bangkok terms;
- records people make (sales, meetings, ...) are never deleted: "undo" sets `withdrawn_at`,
  and every change is written to `audit_log`.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Named constraints make Alembic batch migrations on SQLite deterministic.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(14, 2, asdecimal=True)
Quantity = Numeric(14, 3, asdecimal=True)


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite has no time zones, so reads come back aware in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC instants only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(enum.StrEnum):
    MEMBER = "member"
    TREASURER = "treasurer"
    CHAIR = "chair"


class AreaKind(enum.StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"
    VILLAGE = "village"


class InboxStatus(enum.StrEnum):
    """`inbound_event.status`: stored, not handled yet / handled (or only a dedupe mark) /
    given up after repeated failures (the message is kept for the office)."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class DeliveryStatus(enum.StrEnum):
    """`outbox.status`: waiting to be sent / sent / given up / held (LINE push quota used up) /
    cancelled (reminders turned off before they went out)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    HELD = "held"
    CANCELLED = "cancelled"


class HandoverStatus(enum.StrEnum):
    """`handover.status`: a role changing hands waits for the holder's or the officer's word."""

    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"
    EXPIRED = "expired"


# --- places and people -------------------------------------------------------------------


class Area(Base):
    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("parent_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    # The district a village or sub-district lies in, whatever its parent (a village's parent
    # is its sub-district when one is known): what every district-scoped query reads.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # PDPA: when the person accepted the first-contact notice, and when they asked to be erased.
    consented_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ChatAccount(Base):
    """One person's account on one channel; `external_id` is the platform's user id."""

    __tablename__ = "chat_account"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    # Set when the person blocked/unfollowed the bot: no more pushes to this account.
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Follow-up reminders: `หยุดเตือน` turns them off, `เตือนพรุ่งนี้` snoozes them.
    reminders_off: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders_snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The records this account's latest message made ([[table, id], ...]) and when: `ยกเลิก`
    # right after undoes exactly those; any other message clears them.
    last_records: Mapped[list[list[Any]] | None] = mapped_column(JSON)
    last_record_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # PDPA: when this account accepted the privacy notice; nothing personal is linked before.
    consented_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When this account was linked to its person: the account linked longest confirms erasure.
    linked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ChatRoom(Base):
    """A LINE/Telegram group chat, linked to one occupation group by the group's code."""

    __tablename__ = "chat_room"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("occupation_group.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Officer(Base):
    __tablename__ = "officer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Dashboard sessions and sign-in links carry this number; bumping it (unlink, erase, code
    # rotation, ออกจากระบบทุกเครื่อง) ends every session of the officer at once.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AdminLevel(enum.StrEnum):
    PROVINCE = "province"  # สำนักงานพัฒนาชุมชนจังหวัด: every district of the province
    DISTRICT = "district"  # สำนักงานพัฒนาชุมชนอำเภอ: every group and household of the district


class Administrator(Base):
    """Someone above the officers (a district or province community development office) who
    sees every group below their area, read-only: in chat, on the dashboard, in workbooks."""

    __tablename__ = "administrator"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))  # AdminLevel
    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id"), index=True
    )  # that province/district
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # As Officer.session_epoch: bumping it ends every dashboard session of the administrator.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OccupationGroup(Base):
    __tablename__ = "occupation_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    occupation: Mapped[str] = mapped_column(String(200))
    village_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    founded_on: Mapped[date] = mapped_column(Date)
    # The member join code: shareable (posters), so kept readable; rotated or revoked (NULL) by
    # the officer. Codes that grant a role live in `access_code`, by digest only.
    join_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    # Per-group overrides of the follow-up cadence (scheduler/policy.py reads them).
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Membership(Base):
    """A person's place in a group. Ended memberships are kept (`until`) for the history."""

    __tablename__ = "membership"
    __table_args__ = (Index("ix_membership_group_person", "group_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("occupation_group.id"))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER)
    committee_role: Mapped[str | None] = mapped_column(String(64))
    since: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Trainer(Base):
    """A livelihood trainer (วิทยากรสัมมาชีพ / ปราชญ์ชุมชน) who trains target households."""

    __tablename__ = "trainer"
    __table_args__ = (UniqueConstraint("officer_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Household(Base):
    """A target household of the programme (ครัวเรือนสัมมาชีพ), followed by a trainer and an officer."""

    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    head_name: Mapped[str] = mapped_column(String(200))
    occupation: Mapped[str] = mapped_column(String(200))
    trainer_name: Mapped[str] = mapped_column(String(200))
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("trainer.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- records people make -----------------------------------------------------------------


class RecordMixin:
    """Columns every record shares: who recorded it, from which chat message, and withdrawal."""

    id: Mapped[int] = mapped_column(primary_key=True)
    on_date: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # "channel:message id" of the chat message this record came from (unsend / edit follow it).
    source_ref: Mapped[str | None] = mapped_column(String(160))

    @classmethod
    def not_withdrawn(cls) -> ColumnElement[bool]:
        """The records that stand (not undone, not erased): what every count and sum reads."""
        return cls.withdrawn_at.is_(None)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (
            Index(f"ix_{name}_recorder", "recorded_by", "created_at"),
            Index(f"ix_{name}_source", "source_ref"),
        )


class Sale(RecordMixin, Base):
    __tablename__ = "sale"

    group_id: Mapped[int | None] = mapped_column(ForeignKey("occupation_group.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    item: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    unit: Mapped[str | None] = mapped_column(String(32))
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)


class Meeting(RecordMixin, Base):
    __tablename__ = "meeting"

    group_id: Mapped[int] = mapped_column(ForeignKey("occupation_group.id"), index=True)
    attendees: Mapped[int | None] = mapped_column(Integer)
    topics: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)


class WorkLog(RecordMixin, Base):
    """Work done by one member: the basis of dividends ("ทำมากได้มาก ทำน้อยได้น้อย ไม่ทำไม่ได้")."""

    __tablename__ = "work_log"

    group_id: Mapped[int] = mapped_column(ForeignKey("occupation_group.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    hours: Mapped[Decimal | None] = mapped_column(Quantity)
    quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    unit: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)


class Activity(RecordMixin, Base):
    """Group activities and trainers' sessions with households (kind = training, study_visit, ...)."""

    __tablename__ = "activity"

    group_id: Mapped[int | None] = mapped_column(ForeignKey("occupation_group.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    attendees: Mapped[int | None] = mapped_column(Integer)
    topics: Mapped[str | None] = mapped_column(Text)


class TrainingAttendance(Base):
    """Which target households attended a trainer's session (an `Activity` of kind training)."""

    __tablename__ = "training_attendance"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), primary_key=True)


class AccountEntry(RecordMixin, Base):
    """A household's income-expense book (บัญชีรับ–จ่ายครัวเรือน), other than sales."""

    __tablename__ = "account_entry"

    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # income | expense
    item: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)


class Visit(RecordMixin, Base):
    __tablename__ = "visit"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("occupation_group.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    suggestions: Mapped[str | None] = mapped_column(Text)


class MonthlyFigures(RecordMixin, Base):
    """A treasurer's figures for one month. A resubmission is a new revision; old ones are kept."""

    __tablename__ = "monthly_figures"
    __table_args__ = (UniqueConstraint("group_id", "month", "revision"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("occupation_group.id"))
    month: Mapped[date] = mapped_column(Date)  # first day of the month reported
    revision: Mapped[int] = mapped_column(Integer, default=1)
    income: Mapped[Decimal] = mapped_column(Money)
    expenses: Mapped[Decimal] = mapped_column(Money)
    balance: Mapped[Decimal] = mapped_column(Money)


class AnnualSummary(RecordMixin, Base):
    __tablename__ = "annual_summary"
    __table_args__ = (UniqueConstraint("group_id", "year", "revision"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("occupation_group.id"))
    year: Mapped[int] = mapped_column(Integer)  # CE year in which the reporting year starts
    revision: Mapped[int] = mapped_column(Integer, default=1)
    revenue: Mapped[Decimal] = mapped_column(Money)
    costs: Mapped[Decimal] = mapped_column(Money)
    profit: Mapped[Decimal] = mapped_column(Money)
    dividends: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))


class Dividend(RecordMixin, Base):
    """Profit shared by recorded work ("ทำมากได้มาก ทำน้อยได้น้อย ไม่ทำไม่ได้") for one period."""

    __tablename__ = "dividend"

    group_id: Mapped[int] = mapped_column(ForeignKey("occupation_group.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # exclusive
    total: Mapped[Decimal] = mapped_column(Money)
    total_units: Mapped[Decimal] = mapped_column(Quantity)


class DividendShare(Base):
    __tablename__ = "dividend_share"

    dividend_id: Mapped[int] = mapped_column(ForeignKey("dividend.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    units: Mapped[Decimal] = mapped_column(Quantity)
    amount: Mapped[Decimal] = mapped_column(Money)


# Hot paths at country scale (migration 0012): a district's groups' or households' records of
# a window of days (dashboard, workbooks, roll-ups) and the whole country's records of this
# month (the sweep).
for _name, _table, _columns in (
    ("ix_sale_group_day", Sale, ("group_id", "on_date")),
    ("ix_sale_household_day", Sale, ("household_id", "on_date")),
    ("ix_sale_day", Sale, ("on_date",)),
    ("ix_meeting_group_day", Meeting, ("group_id", "on_date")),
    ("ix_meeting_day", Meeting, ("on_date",)),
    ("ix_visit_group_day", Visit, ("group_id", "on_date")),
    ("ix_visit_household_day", Visit, ("household_id", "on_date")),
    ("ix_visit_day", Visit, ("on_date",)),
    ("ix_work_log_group_day", WorkLog, ("group_id", "on_date")),
    ("ix_monthly_figures_month", MonthlyFigures, ("month",)),
    ("ix_account_entry_household_day", AccountEntry, ("household_id", "on_date")),
    ("ix_account_entry_day", AccountEntry, ("on_date",)),
    ("ix_activity_day", Activity, ("on_date",)),
    ("ix_training_attendance_household", TrainingAttendance, ("household_id",)),
    ("ix_membership_group_role", Membership, ("group_id", "role")),
):
    Index(_name, *(_table.__table__.c[c] for c in _columns))


# The record kinds "undo my last record" and unsend/edit look through, by chat vocabulary name.
RECORD_MODELS: dict[str, type[RecordMixin]] = {
    "sale": Sale,
    "meeting": Meeting,
    "work": WorkLog,
    "activity": Activity,
    "account": AccountEntry,
    "visit": Visit,
    "monthly": MonthlyFigures,
    "annual": AnnualSummary,
    "dividend": Dividend,
}


# The same models by table name: how a record is named in audit entries and in references.
RECORD_TABLES: dict[str, type[RecordMixin]] = {
    model.__tablename__: model  # type: ignore[attr-defined]
    for model in RECORD_MODELS.values()
}


# --- the bot's own bookkeeping -----------------------------------------------------------


class InboundEvent(Base):
    """One row per platform delivery id: a redelivered event finds its row and is dropped.

    It is also the webhook inbox: `serve` stores a delivered event here as `pending` (with the
    normalised message) and answers 2xx once that commit is done; the intake then handles it,
    and the message's own transaction turns the row `done` and clears `message`. Console and
    polled messages are handled at once and written `done` directly."""

    __tablename__ = "inbound_event"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_inbound_event_pending", "status", "next_attempt_at"),
        # Several workers: "is an older event of this chat still pending?" (bot/storage/locks.py)
        Index(
            "ix_inbound_event_chat_pending",
            "channel",
            "chat_id",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(
        String(16), default=InboxStatus.DONE, server_default=InboxStatus.DONE.value
    )
    message: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # A pending row is left alone until then by the other workers' recovery (a lease).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The chat a pending event belongs to: with several workers, a chat's events are handled
    # oldest first (cleared with `message` once handled).
    chat_id: Mapped[str | None] = mapped_column(String(128), nullable=True)


class ConversationState(Base):
    """A guided flow in progress for one chat account in one chat, kept across restarts/workers."""

    __tablename__ = "conversation_state"
    __table_args__ = (UniqueConstraint("chat_account_id", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_account_id: Mapped[int] = mapped_column(ForeignKey("chat_account.id"))
    chat_id: Mapped[str] = mapped_column(String(128))
    flow: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Outbox(Base):
    """Every outgoing message, written in the same transaction as the record it answers."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # Several workers: a chat's rows go out oldest first (OutboxRepository.due).
        Index(
            "ix_outbox_chat_pending",
            "channel",
            "recipient",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(128))  # the platform chat id to send to
    kind: Mapped[str] = mapped_column(String(16), default="reply")  # reply | reminder | push
    chat_account_id: Mapped[int | None] = mapped_column(ForeignKey("chat_account.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # a serialised `Reply`
    reply_token: Mapped[str | None] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    retry_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Reminder(Base):
    """A follow-up reminder that was written; the unique key makes every sweep idempotent."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("kind", "target", "recipient", "period"),
        # เตือนพรุ่งนี้ re-opens a person's reminders of the last day.
        Index("ix_reminder_recipient_created", "recipient", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    # The outbox row that carries it. Deliberately not a foreign key: outbox rows are never
    # deleted, and checking the key cost the 100,000-group sweep about 3 s on PostgreSQL.
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class FloodBucket(Base):
    """One sender's flood-control token bucket, shared by every worker on PostgreSQL (one
    upsert per message, `FloodRepository.admit`). SQLite keeps it in memory (bot/flood.py)."""

    __tablename__ = "flood_bucket"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    sender: Mapped[str] = mapped_column(String(128), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[datetime] = mapped_column(UtcDateTime)
    refused: Mapped[int] = mapped_column(Integer, default=0)  # refusals since the last admit


class PushUsage(Base):
    """Pushes sent per channel per calendar month: LINE counts them against the Official
    Account's monthly quota (replies are free)."""

    __tablename__ = "push_usage"
    __table_args__ = (UniqueConstraint("channel", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM in Asia/Bangkok
    count: Mapped[int] = mapped_column(Integer, default=0)
    exhausted: Mapped[bool] = mapped_column(Boolean, default=False)


class MenuSync(Base):
    """A person's menu to bring up to date on one platform (LINE: the rich menu linked to
    them; Telegram: their chat's command list). Queued in the transaction that changed their
    role, so the change and the work to show it commit together; applied after commit by
    `scheduler/menu_sync.py`, which works out the menu from their roles at that moment, so a
    platform failure never loses a link and a later change always wins.

    Keyed by the platform's user id, not the chat account: an erased person's account is
    deleted, and their menu must still go back to the stranger's (then the row goes too)."""

    __tablename__ = "menu_sync"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_menu_sync_pending", "pending", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    pending: Mapped[bool] = mapped_column(Boolean, default=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # None: due now
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by every queueing
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    applied: Mapped[str | None] = mapped_column(String(128))  # "role@menu" last applied
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StoredFile(Base):
    """Generated images and exports served under PUBLIC_BASE_URL with unguessable, expiring
    names (LINE can only show an image it can fetch over HTTPS).

    Documents (exports, a person's data) are `single_use`: the link works once, briefly. A
    chart is stored with its `spec` and drawn when first fetched, outside any message's
    transaction; `cache_key` (group, month, data version) lets the same chart be reused."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # Whose personal file this is (deleted when they erase their data).
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    single_use: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cache_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    spec: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class VoiceNote(Base):
    """A voice note the bot heard: what it heard (the transcript) and where its audio is kept
    (a `stored_file` owned by the person, deleted by the purge after VOICE_KEEP_DAYS). Once a
    report from it is confirmed, `record_table`/`record_id` name that record: the record keeps
    its transcript and audio this way. Erased with the person's data."""

    __tablename__ = "voice_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    source_ref: Mapped[str | None] = mapped_column(String(160))
    transcript: Mapped[str] = mapped_column(Text)
    seconds: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    audio_key: Mapped[str | None] = mapped_column(String(64))  # None once the audio is gone
    audio_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    record_table: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(Integer)


class AccessCode(Base):
    """A code that grants a role (officer, trainer, household, treasurer, chair) or adds a
    chat account to a person (`account`). Only its SHA-256 digest is kept: the plain code is
    shown once, when issued. Single use; expires; can be revoked."""

    __tablename__ = "access_code"
    __table_args__ = (Index("ix_access_code_target", "kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)  # officer, trainer, household, group or person
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Handover(Base):
    """A role someone holds, asked for with a code by someone else: it changes hands only when
    the holder or the officer confirms in chat."""

    __tablename__ = "handover"
    __table_args__ = (Index("ix_handover_status", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(16)
    )  # treasurer | chair | officer | trainer | household
    target_id: Mapped[int] = mapped_column(Integer)
    from_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    to_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("access_code.id"))
    status: Mapped[str] = mapped_column(String(16), default=HandoverStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class DashboardSecretKind(enum.StrEnum):
    KEY = "key"  # a signing key, when DASHBOARD_SECRET is unset (the oldest signs)
    NONCE = "nonce"  # a sign-in link's nonce, once used
    REVOKED = "revoked"  # a session ended by logging out


class DashboardSecret(Base):
    """What the dashboard's sign-in must remember: its signing keys, the sign-in links already
    used and the sessions ended. The unique key is exactly "seen once": two tabs racing on one
    link insert the same nonce and the second fails."""

    __tablename__ = "dashboard_secret"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Throttle(Base):
    """Counters that must hold across workers: wrong codes per chat account (and the lock
    they earn), code failures per hour for the whole deployment, expensive commands per
    person. One row per (scope, subject), updated under a row lock."""

    __tablename__ = "throttle"
    __table_args__ = (UniqueConstraint("scope", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
