"""The follow-up sweep's reads: every group and household with the facts the policy needs
(scheduler/policy.py), who holds which role, and who may be reminded on which chat account.
A handful of set-based queries for the whole country, read as plain rows (no ORM objects).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.bulk import bulk
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
    Sale,
    Trainer,
    TrainingAttendance,
    Visit,
)
from scheduler.policy import CHAIR, TREASURER, GroupFacts, HouseholdFacts, Moment


@dataclass(slots=True)
class Recipient:
    """A person reminders may go to: their name, and their chat accounts by state."""

    name: str
    accounts: list[tuple[int, str, str]] = field(default_factory=list)  # id, channel, chat id
    snoozed: bool = False  # some account may receive reminders but is snoozed
    has_accounts: bool = False  # any chat account at all, even blocked or turned off


_NONE: frozenset[int] = frozenset()
_EMPTY_JSON = frozenset({"{}", "null", ""})


async def _read(session: AsyncSession, statement: Any) -> Any:
    """Runs a SELECT on the session's connection: plain rows, no ORM bookkeeping per row."""
    connection = await session.connection()
    return (await connection.execute(statement)).all()


def _in_month(column: Any, moment: Moment) -> Any:
    return and_(column >= moment.month_start, column <= moment.today)


def _group_facts_query(moment: Moment) -> Any:
    """Every group with its last visit, meetings this month and last, and whether last
    month's figures are in: one statement, three grouped sub-selects."""
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
    return (
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
        .order_by(g.id)
    )


async def _annual_years(session: AsyncSession, moment: Moment) -> dict[int, set[int]]:
    """group id -> the reporting years (of the last three) whose annual summary is in."""
    annual: dict[int, set[int]] = defaultdict(set)
    for group_id, year in await _read(
        session,
        select(AnnualSummary.group_id, AnnualSummary.year)
        .where(AnnualSummary.not_withdrawn(), AnnualSummary.year >= moment.today.year - 2)
        .where(AnnualSummary.on_date <= moment.today)
        .distinct(),
    ):
        annual[group_id].add(year)
    return annual


async def group_facts(
    session: AsyncSession, moment: Moment
) -> list[tuple[GroupFacts, dict[str, Any] | None]]:
    """Every group with its visit, meeting, figures and annual-summary facts, in two queries,
    and its own cadence overrides (None when it has none)."""
    rows = await _read(session, _group_facts_query(moment))
    annual = await _annual_years(session, moment)
    found = []
    for gid, name, officer_id, founded, raw, last, this, prev, figs in rows:
        facts = GroupFacts(
            gid, name, officer_id, founded, last, bool(this), bool(prev), figs is not None,
            frozenset(annual[gid]) if gid in annual else _NONE,
        )  # fmt: skip
        overrides = json.loads(raw) if raw and raw not in _EMPTY_JSON else None
        found.append((facts, overrides if isinstance(overrides, dict) and overrides else None))
    return found


async def officer_people(session: AsyncSession) -> dict[int, int | None]:
    """officer id -> their person (None: the officer has not linked a chat account yet)."""
    return {oid: pid for oid, pid in await _read(session, select(Officer.id, Officer.person_id))}


async def role_holders(session: AsyncSession) -> dict[tuple[int, str], list[int]]:
    """(group id, chair | treasurer) -> the people holding that role now, by person id."""
    holders: dict[tuple[int, str], list[int]] = defaultdict(list)
    for group_id, role, person_id in await _read(
        session,
        select(Membership.group_id, Membership.role, Membership.person_id)
        .where(Membership.until.is_(None))
        .where(Membership.role.in_((CHAIR, TREASURER)))
        .order_by(Membership.group_id, Membership.person_id),
    ):
        holders[(group_id, role)].append(person_id)
    return holders


async def household_facts(
    session: AsyncSession, moment: Moment
) -> tuple[list[HouseholdFacts], dict[int, int]]:
    """Every target household with its last visit and whether it has a record this month, and
    the person of each household's trainer (for the trainers who have signed up)."""
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
    facts = []
    trainers: dict[int, int] = {}  # household -> its trainer's person, for signed-up trainers
    for hid, name, officer_id, trainer, last, active in rows:
        facts.append(
            HouseholdFacts(hid, name, officer_id, trainer is not None, last, active is not None)
        )
        if trainer is not None:
            trainers[hid] = trainer
    return facts, trainers


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


async def recipients(
    session: AsyncSession, person_ids: Iterable[int], now: datetime
) -> dict[int, Recipient]:
    """The people among `person_ids` who may be reminded, with the chat accounts a reminder
    may go to now (not blocked, reminders on, not snoozed). Erased people are left out."""
    ids = [(pid,) for pid in sorted(set(person_ids))]
    found: dict[int, Recipient] = {}
    rows = await bulk(session, _PEOPLE_PG, _PEOPLE_SQLITE, ids, now=now)
    for pid, name, account, channel, chat_id, off, snoozed in sorted(rows, key=_by_account):
        person = found.get(pid)
        if person is None:
            person = found[pid] = Recipient(name)
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
