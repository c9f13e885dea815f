"""The follow-up sweep: gather the facts for every group and household with a handful of
set-based queries, ask the policy what is due, and write the reminders and their outbox rows
in one transaction.

Idempotency is the unique key (kind, target, recipient, period) of `reminder`: the sweep
leaves out the keys already written, writes the reminder rows before their messages, and only
the rows it actually inserted get a message (when a key was taken since it looked, the insert
is redone with ON CONFLICT DO NOTHING RETURNING to learn which). A second sweep the same day, a
sweep on another worker at the same moment, or a late sweep after downtime therefore sends
nothing twice, while anything still due that was never written is written now. On PostgreSQL
the sweep also takes a transaction-level advisory lock, so of several workers only one does the
work at a time.

One message per person per sweep: everything newly due for a person (an officer's digest and
follow-ups, a chair's meeting reminder...) is put into one outbox row per chat account that
may receive it (not blocked, reminders not turned off, not snoozed). A person whose every
account is snoozed is left for the first sweep after the snooze, so "remind me tomorrow"
means what it says. A reminder whose recipient has no chat account at all is recorded anyway
(so it is not re-evaluated forever) and counted in the summary.
"""

from __future__ import annotations

import gc
import json
import logging
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg
from sqlalchemy import (
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    select,
    text,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.storage.models import (
    AccountEntry,
    Activity,
    AnnualSummary,
    Household,
    Meeting,
    Membership,
    MonthlyFigures,
    OccupationGroup,
    Officer,
    Outbox,
    Sale,
    Trainer,
    TrainingAttendance,
    UtcDateTime,
    Visit,
)
from scheduler import compose, policy
from scheduler.policy import Cadence, Due, GroupFacts, HouseholdFacts, Moment, Schedule, VisitDue

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: "sammachip sweep" (any constant shared by all workers).
ADVISORY_LOCK_KEY = 0x5A3_3AC4_1B5E


@dataclass
class SweepSummary:
    """What one sweep did, printed by `sammachip remind` as JSON."""

    at: str
    skipped: bool = False  # another worker holds the sweep lock
    groups: int = 0
    households: int = 0
    due: int = 0  # reminders due now (snoozed ones aside), written before or by this sweep
    written: int = 0  # new reminder rows
    by_kind: dict[str, int] = field(default_factory=dict)
    messages: int = 0  # outbox rows written (one per person per chat account)
    recipients: int = 0  # people who get a message
    deferred: int = 0  # messages held until the quiet hours end
    no_chat_account: int = 0  # reminders recorded for someone with no linked chat account
    turned_off: int = 0  # reminders recorded for someone who said หยุดเตือน or blocked the bot
    snoozed: int = 0  # reminders left for after a snooze (เตือนพรุ่งนี้)
    unassigned: int = 0  # reminders for a role nobody holds (a group with no treasurer...)
    sent: int = 0  # filled in by run(): messages the sender delivered right away
    failed: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # time spent per phase

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


Key = tuple[str, str, str, str]  # (kind, target, recipient, period): the reminder's unique key


@dataclass(slots=True)
class _Recipient:
    """A person reminders may go to: their name, and their chat accounts by state."""

    name: str
    accounts: list[tuple[int, str, str]] = field(default_factory=list)  # id, channel, chat id
    snoozed: bool = False  # some account may receive reminders but is snoozed
    has_accounts: bool = False  # any chat account at all, even blocked or turned off


class _Candidate(NamedTuple):
    key: Key  # its recipient is "person:12", or "officer:7" for an officer with no person
    due: Due
    person_id: int | None


def _candidate(due: Due, recipient: str, person_id: int | None) -> _Candidate:
    return _Candidate((due.kind, due.target, recipient, due.period), due, person_id)


# --- facts ------------------------------------------------------------------------------

_NONE: frozenset[int] = frozenset()
_EMPTY_JSON = frozenset({"{}", "null", ""})


async def _read(session: AsyncSession, statement: Any) -> Any:
    """Runs a SELECT on the session's connection: plain rows, no ORM bookkeeping per row."""
    connection = await session.connection()
    return (await connection.execute(statement)).all()


def _in_month(column: Any, moment: Moment) -> Any:
    return and_(column >= moment.month_start, column <= moment.today)


async def group_facts(
    session: AsyncSession, moment: Moment
) -> list[tuple[GroupFacts, dict[str, Any] | None]]:
    """Every group with its visit, meeting, figures and annual-summary facts, in two queries."""
    visits = (
        select(Visit.group_id.label("group_id"), func.max(Visit.on_date).label("last"))
        .where(Visit.group_id.is_not(None), Visit.not_withdrawn())
        .where(Visit.on_date <= moment.today)
        .group_by(Visit.group_id)
        .subquery()
    )
    meetings = (
        select(
            Meeting.group_id.label("group_id"),
            func.max(case((Meeting.on_date >= moment.month_start, 1), else_=0)).label("this"),
            func.max(case((Meeting.on_date < moment.month_start, 1), else_=0)).label("prev"),
        )
        .where(Meeting.not_withdrawn())
        .where(Meeting.on_date >= moment.prev_month_start, Meeting.on_date <= moment.today)
        .group_by(Meeting.group_id)
        .subquery()
    )
    figures = (
        select(MonthlyFigures.group_id.label("group_id"))
        .where(MonthlyFigures.not_withdrawn())
        .where(MonthlyFigures.month == moment.prev_month_start)
        .where(MonthlyFigures.on_date <= moment.today)
        .group_by(MonthlyFigures.group_id)
        .subquery()
    )
    g = OccupationGroup
    rows = await _read(
        session,
        select(
            g.id,
            g.name,
            g.officer_id,
            g.founded_on,
            cast(g.settings, String),  # decoded only when there is something in it
            visits.c.last,
            meetings.c.this,
            meetings.c.prev,
            figures.c.group_id,
        )
        .outerjoin(visits, visits.c.group_id == g.id)
        .outerjoin(meetings, meetings.c.group_id == g.id)
        .outerjoin(figures, figures.c.group_id == g.id)
        .order_by(g.id),
    )
    annual: dict[int, set[int]] = defaultdict(set)
    for group_id, year in await _read(
        session,
        select(AnnualSummary.group_id, AnnualSummary.year)
        .where(AnnualSummary.not_withdrawn(), AnnualSummary.year >= moment.today.year - 2)
        .where(AnnualSummary.on_date <= moment.today)
        .distinct(),
    ):
        annual[group_id].add(year)
    found = []
    for gid, name, officer_id, founded, raw, last, this, prev, figs in rows:
        facts = GroupFacts(
            gid, name, officer_id, founded, last, bool(this), bool(prev), figs is not None,
            frozenset(annual[gid]) if gid in annual else _NONE,
        )  # fmt: skip
        overrides = json.loads(raw) if raw and raw not in _EMPTY_JSON else None
        found.append((facts, overrides if isinstance(overrides, dict) and overrides else None))
    return found


async def household_facts(session: AsyncSession, moment: Moment) -> list[HouseholdFacts]:
    """Every target household with its last visit and whether it has a record this month."""
    visits = (
        select(Visit.household_id.label("household_id"), func.max(Visit.on_date).label("last"))
        .where(Visit.household_id.is_not(None), Visit.not_withdrawn())
        .where(Visit.on_date <= moment.today)
        .group_by(Visit.household_id)
        .subquery()
    )
    progress = union(
        *(
            select(model.household_id.label("household_id")).where(
                model.household_id.is_not(None),
                model.not_withdrawn(),
                _in_month(model.on_date, moment),
            )
            for model in (Sale, AccountEntry, Activity, Visit)
        ),
        select(TrainingAttendance.household_id)
        .join(Activity, Activity.id == TrainingAttendance.activity_id)
        .where(Activity.not_withdrawn(), _in_month(Activity.on_date, moment)),
    ).subquery()
    rows = await _read(
        session,
        select(
            Household.id,
            Household.head_name,
            Household.officer_id,
            Trainer.person_id,
            visits.c.last,
            progress.c.household_id,
        )
        .outerjoin(Trainer, Trainer.id == Household.trainer_id)
        .outerjoin(visits, visits.c.household_id == Household.id)
        .outerjoin(progress, progress.c.household_id == Household.id)
        .order_by(Household.id),
    )
    return [
        HouseholdFacts(hid, name, officer_id, trainer is not None, last, active is not None)
        for hid, name, officer_id, trainer, last, active in rows
    ]


_PEOPLE_PG = """
SELECT p.id, p.name, a.id, a.channel, a.external_id, a.blocked OR a.reminders_off,
       a.reminders_snoozed_until > :now
FROM person AS p LEFT JOIN chat_account AS a ON a.person_id = p.id
WHERE p.erased_at IS NULL AND p.id = ANY(CAST(string_to_array(:ids, chr(31)) AS int[]))
"""
_PEOPLE_SQLITE = """
SELECT p.id, p.name, a.id, a.channel, a.external_id, a.blocked OR a.reminders_off,
       a.reminders_snoozed_until > :now
FROM person AS p LEFT JOIN chat_account AS a ON a.person_id = p.id
WHERE p.erased_at IS NULL AND p.id IN (SELECT json_extract(value, '$[0]') FROM json_each(:rows))
"""


async def _recipients(
    session: AsyncSession, person_ids: Iterable[int], now: datetime
) -> dict[int, _Recipient]:
    """The people among `person_ids` who may be reminded, with the chat accounts a reminder
    may go to now (not blocked, reminders on, not snoozed). Erased people are left out."""
    ids = [(pid,) for pid in sorted(set(person_ids))]
    found: dict[int, _Recipient] = {}
    rows = await _bulk(session, _PEOPLE_PG, _PEOPLE_SQLITE, ids, now=now)
    for pid, name, account, channel, chat_id, off, snoozed in sorted(rows, key=_by_account):
        person = found.get(pid)
        if person is None:
            person = found[pid] = _Recipient(name)
        if account is None:
            continue
        person.has_accounts = True
        if off:
            continue
        if snoozed:
            person.snoozed = True
        else:
            person.accounts.append((account, channel, chat_id))
    return found


def _by_account(row: Any) -> tuple[int, int]:
    return (row[0], row[2] or 0)


# --- evaluation -------------------------------------------------------------------------


@dataclass
class _Plan:
    candidates: list[_Candidate] = field(default_factory=list)
    visits: dict[int, list[VisitDue]] = field(default_factory=dict)  # officer id -> digest
    unassigned: int = 0


async def evaluate(
    session: AsyncSession, settings: Settings, moment: Moment, summary: SweepSummary
) -> _Plan:
    base = Cadence.from_settings(settings)
    schedule = Schedule.from_settings(settings)
    groups = await group_facts(session, moment)
    households = await household_facts(session, moment)
    summary.groups, summary.households = len(groups), len(households)

    officers = {
        oid: pid for oid, pid in await _read(session, select(Officer.id, Officer.person_id))
    }
    holders: dict[tuple[int, str], list[int]] = defaultdict(list)
    for group_id, role, person_id in await _read(
        session,
        select(Membership.group_id, Membership.role, Membership.person_id)
        .where(Membership.until.is_(None))
        .where(Membership.role.in_((policy.CHAIR, policy.TREASURER)))
        .order_by(Membership.group_id, Membership.person_id),
    ):
        holders[(group_id, role)].append(person_id)
    trainers: dict[int, int] = {
        hid: pid
        for hid, pid in await _read(
            session,
            select(Household.id, Trainer.person_id)
            .join(Trainer, Trainer.id == Household.trainer_id)
            .where(Trainer.person_id.is_not(None)),
        )
        if pid is not None
    }

    plan = _Plan()
    base_rules = policy.Rules(base, moment)
    overridden: dict[str, policy.Rules] = {}

    def to_officer(due: Due, officer_id: int) -> None:
        person: int | None = officers.get(officer_id)
        recipient = f"person:{person}" if person is not None else f"officer:{officer_id}"
        plan.candidates.append(_candidate(due, recipient, person))

    visits: dict[int, list[VisitDue]] = defaultdict(list)
    for facts, overrides in groups:
        rules = base_rules
        if overrides:
            key = repr(sorted(overrides.items()))
            if key not in overridden:
                overridden[key] = policy.Rules(base.override(overrides), moment)
            rules = overridden[key]
        if not rules.cadence.enabled:
            continue
        visit = policy.visit_due(facts, rules.cadence, moment)
        if visit is not None:
            visits[facts.officer_id].append(visit)
        for due in rules.group(facts):
            if due.role == policy.OFFICER:
                if due.kind == policy.FIGURES_LATE and not holders.get(
                    (facts.group_id, policy.TREASURER)
                ):
                    due = due._replace(nobody_reminded=True)
                to_officer(due, facts.officer_id)
                continue
            people = holders.get((facts.group_id, due.role), [])
            if not people:
                plan.unassigned += 1
            for person_id in people:
                plan.candidates.append(_candidate(due, f"person:{person_id}", person_id))

    for household in households:
        if schedule.digest_households:
            visit = policy.household_visit_due(household, moment)
            if visit is not None:
                visits[household.officer_id].append(visit)
        for due in policy.household_reminders(household, base, moment):
            if due.role == policy.TRAINER:
                trainer = trainers[household.household_id]
                plan.candidates.append(_candidate(due, f"person:{trainer}", trainer))
            else:
                to_officer(due, household.officer_id)

    for officer_id, items in visits.items():
        digest = policy.digest_due(officer_id, items, moment, schedule)
        if digest is not None:
            plan.visits[officer_id] = policy.order_visits(items)
            to_officer(digest, officer_id)
    return plan


# --- writing ----------------------------------------------------------------------------

# Bulk statements, one per chunk of rows, so 100,000 keys are a few round trips, not 100,000
# statements. PostgreSQL: each column travels as one text, its values joined by U+001F and split
# by `string_to_array` (see `_joined`), the rows rebuilt by `unnest`. SQLite: the rows travel as
# one JSON document, read by `json_each`.
_EXISTING_PG = """
SELECT array_agg(v.n - 1)
FROM unnest(string_to_array(:kinds, chr(31)), string_to_array(:targets, chr(31)),
            string_to_array(:recipients, chr(31)), string_to_array(:periods, chr(31)))
     WITH ORDINALITY AS v(kind, target, recipient, period, n)
JOIN reminder AS r
  ON r.kind = v.kind AND r.target = v.target AND r.recipient = v.recipient AND r.period = v.period
"""
# Both answer one row: the indexes (in the chunk) of the keys already written, as one array or
# one JSON text rather than a row each (a repeat sweep finds every key).
_EXISTING_SQLITE = """
SELECT json_group_array(j.key)
FROM json_each(:rows) AS j
JOIN reminder AS r
  ON r.kind = json_extract(j.value, '$[0]') AND r.target = json_extract(j.value, '$[1]')
 AND r.recipient = json_extract(j.value, '$[2]') AND r.period = json_extract(j.value, '$[3]')
"""
_REMINDERS_PG = """
INSERT INTO reminder (kind, target, recipient, period, outbox_id, created_at)
SELECT v.kind, v.target, v.recipient, v.period, v.outbox_id, :now
FROM unnest(string_to_array(:kinds, chr(31)), string_to_array(:targets, chr(31)),
            string_to_array(:recipients, chr(31)), string_to_array(:periods, chr(31)),
            CAST(string_to_array(:outbox_ids, chr(31), '') AS int[]))
     AS v(kind, target, recipient, period, outbox_id)
ON CONFLICT (kind, target, recipient, period) DO NOTHING
"""
_REMINDERS_SQLITE = """
INSERT INTO reminder (kind, target, recipient, period, outbox_id, created_at)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
       json_extract(value, '$[3]'), json_extract(value, '$[4]'), :now
FROM json_each(:rows) WHERE true
ON CONFLICT (kind, target, recipient, period) DO NOTHING
"""
# Added to the two above when some key was taken since `existing` looked: what comes back is
# exactly the rows this sweep inserted, i.e. the reminders it won.
_WON = "\nRETURNING kind, target, recipient, period"
# SQLite: large payloads parse faster as executemany parameters than through json_each.
_OUTBOX_SQLITE = """
INSERT INTO outbox (id, channel, recipient, kind, chat_account_id, payload, status, attempts,
                    next_attempt_at, created_at)
VALUES (?, ?, ?, 'reminder', ?, ?, 'pending', 0, ?, ?)
"""
_OUTBOX_COLUMNS = [
    "id", "channel", "recipient", "kind", "chat_account_id", "payload", "status", "attempts",
    "next_attempt_at", "created_at",
]  # fmt: skip
_REMINDER_COLUMNS = ["kind", "target", "recipient", "period", "outbox_id", "created_at"]


def _chunk(session: AsyncSession) -> int:
    """Rows per statement: PostgreSQL takes arrays of any length; SQLite parses one JSON text."""
    return 200_000 if session.get_bind().dialect.name == "postgresql" else 20_000


_COLUMNS = re.compile(r"string_to_array\(:(\w+),")
_SEPARATOR = "\x1f"  # ASCII unit separator: in no key, id or period the sweep makes


def _joined(values: Sequence[Any]) -> str:
    """One column of a PostgreSQL bulk statement as one text: asyncpg encodes a text[]
    parameter element by element, with type checks for each (about 0.3 s for 200,000 keys of
    four columns), while one long text costs a copy. None becomes "" (the statements' NULL)."""
    parts = [
        value if isinstance(value, str) else "" if value is None else str(value) for value in values
    ]
    joined = _SEPARATOR.join(parts)
    if joined.count(_SEPARATOR) != len(parts) - 1:
        raise ValueError("a bulk value contains the column separator U+001F")
    return joined


async def _bulk(
    session: AsyncSession, pg: str, lite: str, rows: Sequence[Sequence[Any]], **scalars: Any
) -> list[Any]:
    """Runs one of the statements above over `rows` (tuples in the statement's array order),
    chunk by chunk, and returns what it returns. `scalars` are instants bound as such."""
    if not rows:
        return []
    postgres = session.get_bind().dialect.name == "postgresql"
    names = _COLUMNS.findall(pg)
    statement = text(pg if postgres else lite).bindparams(
        *(bindparam(name, value=value, type_=UtcDateTime()) for name, value in scalars.items())
    )
    returned: list[Any] = []
    size = _chunk(session)
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        params: dict[str, Any]
        if postgres:
            params = {name: _joined([row[i] for row in chunk]) for i, name in enumerate(names)}
        else:
            params = {"rows": json.dumps(chunk, ensure_ascii=False)}
        result = await session.execute(statement, params)
        if result.returns_rows:  # type: ignore[attr-defined]
            returned.extend(result.all())
        else:
            returned.append(result.rowcount)  # type: ignore[attr-defined]
    return returned


async def existing(session: AsyncSession, keys: Sequence[Key]) -> set[Key]:
    """Which of `keys` have been written already (a read: index lookups, no writes)."""
    found: set[Key] = set()
    size = _chunk(session)
    for start in range(0, len(keys), size):
        chunk = keys[start : start + size]
        for (indexes,) in await _bulk(session, _EXISTING_PG, _EXISTING_SQLITE, chunk):
            if isinstance(indexes, str):  # SQLite's JSON array
                indexes = json.loads(indexes)
            found.update(chunk[int(index)] for index in indexes or ())
    return found


async def _outbox_ids(session: AsyncSession, n: int) -> list[int]:
    """Ids for `n` new outbox rows, drawn before any row is written so that the reminders can
    be written first, already pointing at the message that will carry them. PostgreSQL: from
    the table's sequence (one array, one round trip). SQLite: above the highest id; the sweep
    holds SQLite's write lock (BEGIN IMMEDIATE), so nobody else inserts until it commits."""
    if not n:
        return []
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # The sequence is looked up once (an InitPlan): as a plain argument of nextval() the
        # name would be resolved again for every row, which cost more than the nextval calls.
        drawn = await connection.scalar(
            text(
                "SELECT array_agg(nextval((SELECT CAST(pg_get_serial_sequence('outbox', 'id')"
                " AS regclass)))) FROM generate_series(1, :n)"
            ),
            {"n": n},
        )
        return [int(i) for i in drawn]
    top = int(await connection.scalar(select(func.coalesce(func.max(Outbox.id), 0))) or 0)
    return list(range(top + 1, top + 1 + n))


class _KeyTaken(Exception):
    """The fast reminder insert met a key written since `existing` looked."""


async def _write_reminders(
    session: AsyncSession, rows: Sequence[tuple[str, str, str, str, int | None]], now: datetime
) -> set[Key] | None:
    """Inserts the reminder rows (key, outbox id). Returns None when every key was new, which
    is always the case under the advisory lock (this sweep's `existing` ran after taking it);
    otherwise the keys this sweep won, the others having been written by a sweep without the
    lock since `existing` looked.

    The fast insert runs in a savepoint. PostgreSQL: COPY, which has no ON CONFLICT but also
    no per-row speculative insertion (that was half the reminder write at 100,000 groups); a
    taken key makes it fail on the unique key instead. SQLite: INSERT … ON CONFLICT DO NOTHING,
    whose row count tells. Either way the savepoint is rolled back and the careful insert
    (ON CONFLICT DO NOTHING RETURNING) says which rows are ours. Racing sweeps write the same
    keys in the same order (evaluation order), so they queue behind each other on the first
    key instead of deadlocking."""
    if not rows:
        return None
    try:
        async with session.begin_nested():
            connection = await session.connection()
            if connection.dialect.name == "postgresql":
                raw = await connection.get_raw_connection()
                try:
                    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                        "reminder",
                        columns=_REMINDER_COLUMNS,
                        records=((*row, now) for row in rows),
                    )
                except asyncpg.UniqueViolationError as error:
                    raise _KeyTaken from error
            else:
                inserted = await _bulk(session, _REMINDERS_PG, _REMINDERS_SQLITE, rows, now=now)
                if sum(inserted) < len(rows):
                    raise _KeyTaken
        return None
    except _KeyTaken:
        pass
    won = await _bulk(session, _REMINDERS_PG + _WON, _REMINDERS_SQLITE + _WON, rows, now=now)
    return {(kind, target, recipient, period) for kind, target, recipient, period in won}


async def _write_outbox(
    session: AsyncSession,
    rows: Iterable[tuple[int, str, str, int, str]],
    next_attempt: datetime,
    now: datetime,
) -> None:
    """Inserts the messages (id, channel, chat id, chat account, payload JSON). PostgreSQL:
    COPY (binary), consuming `rows` as it sends them, so that the texts still to be composed
    are composed while the server inserts the rows before them (two cores busy, not one after
    the other). SQLite: executemany."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            "outbox",
            columns=_OUTBOX_COLUMNS,
            records=(
                (outbox_id, channel, chat_id, "reminder", account, payload, "pending", 0,
                 next_attempt, now)
                for outbox_id, channel, chat_id, account, payload in rows
            ),
        )  # fmt: skip
        return
    stamp = UtcDateTime().dialect_impl(connection.dialect).bind_processor(connection.dialect)
    assert stamp is not None
    when, created = stamp(next_attempt), stamp(now)
    await connection.exec_driver_sql(_OUTBOX_SQLITE, [(*row, when, created) for row in rows])


@dataclass
class _Message:
    """One person's message of this sweep, and the outbox rows that carry it (one per chat
    account the person may receive reminders on, in `person.accounts` order)."""

    person: _Recipient
    items: list[_Candidate]
    outbox_ids: list[int] = field(default_factory=list)


def _compose(items: Sequence[_Candidate], person: _Recipient, plan: _Plan, moment: Moment) -> str:
    visits: list[VisitDue] = []
    for c in items:
        if c.due.kind in (policy.VISIT_PLAN, policy.VISIT_FOLLOWUP):
            visits = plan.visits.get(int(c.due.target.split(":")[1]), [])
    reply = compose.message(person.name, [c.due for c in items], visits, moment.today)
    return compose.payload_json(reply)


def _outbox_rows(
    messages: Iterable[_Message], plan: _Plan, moment: Moment
) -> Iterator[tuple[int, str, str, int, str]]:
    """Each message's outbox rows (id, channel, chat id, chat account, payload JSON), its text
    composed only when its rows are asked for."""
    for message in messages:
        payload = _compose(message.items, message.person, plan, moment)
        for outbox_id, account in zip(message.outbox_ids, message.person.accounts, strict=True):
            yield outbox_id, account[1], account[2], account[0], payload


async def sweep(
    session: AsyncSession, settings: Settings, now: datetime, *, lock: bool = True
) -> SweepSummary:
    """Evaluate and write every reminder due at `now`. The caller commits the session: the
    reminders and their outbox rows are one transaction, so a sweep that fails half-way
    writes nothing and the next one does it all."""
    # A sweep makes millions of short-lived objects and no reference cycles; the cyclic
    # garbage collector would rescan them all again and again (half the CPU at 100,000
    # groups). Reference counting still frees everything; the collector resumes after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return await _sweep(session, settings, now, lock=lock)
    finally:
        if collecting:
            gc.enable()


async def _sweep(
    session: AsyncSession, settings: Settings, now: datetime, *, lock: bool
) -> SweepSummary:
    moment = Moment.of(now, settings.tz)
    schedule = Schedule.from_settings(settings)
    summary = SweepSummary(at=now.isoformat())
    if lock and session.get_bind().dialect.name == "postgresql":
        got = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)").bindparams(key=ADVISORY_LOCK_KEY)
        )
        if not got:
            summary.skipped = True
            return summary

    clock = _Stopwatch(summary.seconds)
    plan = await evaluate(session, settings, moment, summary)
    summary.unassigned = plan.unassigned
    clock.lap("facts")

    # What is due and not yet written: one entry per key.
    due: dict[Key, _Candidate] = {}
    for candidate in plan.candidates:
        due.setdefault(candidate.key, candidate)
    summary.due = len(due)
    for key in await existing(session, list(due)):
        del due[key]
    clock.lap("dedupe")

    people = await _recipients(session, (c.person_id for c in due.values() if c.person_id), now)
    messages: dict[str, _Message] = {}
    unsent: list[_Candidate] = []  # recorded, with nobody to send them to
    for candidate in due.values():  # in evaluation order: groups by id, households, digests
        person = people.get(candidate.person_id) if candidate.person_id else None
        if person is not None and not person.accounts and person.snoozed:
            summary.snoozed += 1  # left for the first sweep after the snooze
        elif person is None or not person.accounts:
            unsent.append(candidate)
            if person is not None and person.has_accounts:
                summary.turned_off += 1
            else:
                summary.no_chat_account += 1
        else:
            recipient = candidate.key[2]
            message = messages.get(recipient)
            if message is None:
                message = messages[recipient] = _Message(person, [])
            message.items.append(candidate)
    summary.due -= summary.snoozed

    hold_until = policy.quiet_until(moment, schedule)
    next_attempt = (hold_until or moment.local).astimezone(now.tzinfo)
    ids = await _outbox_ids(session, sum(len(m.person.accounts) for m in messages.values()))
    start = 0
    reminder_rows: list[tuple[str, str, str, str, int | None]] = []
    for message in messages.values():
        message.outbox_ids = ids[start : start + len(message.person.accounts)]
        start += len(message.outbox_ids)
        first = min(message.outbox_ids)
        reminder_rows.extend((*c.key, first) for c in message.items)
    reminder_rows.extend((*c.key, None) for c in unsent)
    clock.lap("compose")

    # The reminders first, each pointing at its message: only once they are in is it known
    # what this sweep won, so a message never has to be taken back.
    won = await _write_reminders(session, reminder_rows, now)
    if won is None:
        summary.written = len(reminder_rows)
        kinds = Counter(row[0] for row in reminder_rows)
    else:
        # A sweep without the lock wrote some of these since we looked: its messages say
        # them; ours keep only what this sweep won, and one left with nothing is not sent.
        for message in messages.values():
            message.items = [c for c in message.items if c.key in won]
        summary.written = len(won)
        kinds = Counter(key[0] for key in won)
        log.info("sweep: another worker wrote some of these reminders first; dropped from ours")
    sent = [m for m in messages.values() if m.items]
    if sent:
        await _write_outbox(session, _outbox_rows(sent, plan, moment), next_attempt, now)
    summary.by_kind = dict(sorted(kinds.items()))
    summary.recipients = len(sent)
    summary.messages = sum(len(m.outbox_ids) for m in sent)
    summary.deferred = summary.messages if hold_until is not None else 0
    clock.lap("write")
    log.info("sweep at %s: %s", summary.at, summary.to_json())
    return summary


class _Stopwatch:
    def __init__(self, laps: dict[str, float]) -> None:
        self._laps = laps
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self._laps[name] = round(now - self._last, 3)
        self._last = now
