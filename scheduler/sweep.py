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
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.storage.sweep_reads import (
    Recipient,
    group_facts,
    household_facts,
    officer_people,
    recipients,
    role_holders,
)
from bot.storage.sweep_writes import (
    Key,
    OutboxRow,
    ReminderRow,
    existing,
    outbox_ids,
    take_sweep_lock,
    write_outbox,
    write_reminders,
)
from scheduler import compose, policy
from scheduler.policy import Cadence, Due, GroupFacts, HouseholdFacts, Moment, Schedule, VisitDue

log = logging.getLogger(__name__)


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


class _Candidate(NamedTuple):
    key: Key  # its recipient is "person:12", or "officer:7" for an officer with no person
    due: Due
    person_id: int | None


def _candidate(due: Due, recipient: str, person_id: int | None) -> _Candidate:
    return _Candidate((due.kind, due.target, recipient, due.period), due, person_id)


# --- evaluation: what is due, for whom -----------------------------------------------------


@dataclass
class _Plan:
    candidates: list[_Candidate] = field(default_factory=list)
    visits: dict[int, list[VisitDue]] = field(default_factory=dict)  # officer id -> digest
    unassigned: int = 0


class _Evaluation:
    """Asks the policy about every group and household, with who holds which role, and
    collects the candidates in evaluation order (groups by id, households, digests)."""

    def __init__(
        self,
        settings: Settings,
        moment: Moment,
        officers: dict[int, int | None],
        holders: dict[tuple[int, str], list[int]],
        trainers: dict[int, int],
    ) -> None:
        self.base = Cadence.from_settings(settings)
        self.schedule = Schedule.from_settings(settings)
        self.moment = moment
        self.officers, self.holders, self.trainers = officers, holders, trainers
        self.base_rules = policy.Rules(self.base, moment)
        self.overridden: dict[str, policy.Rules] = {}
        self.visits: dict[int, list[VisitDue]] = defaultdict(list)
        self.plan = _Plan()

    def to_officer(self, due: Due, officer_id: int) -> None:
        person = self.officers.get(officer_id)
        recipient = f"person:{person}" if person is not None else f"officer:{officer_id}"
        self.plan.candidates.append(_candidate(due, recipient, person))

    def rules_for(self, overrides: dict[str, Any] | None) -> policy.Rules:
        """The rules with the group's own cadence overrides (made once per distinct set)."""
        if not overrides:
            return self.base_rules
        key = repr(sorted(overrides.items()))
        if key not in self.overridden:
            cadence = self.base.override(overrides)
            self.overridden[key] = policy.Rules(cadence, self.moment)
        return self.overridden[key]

    def group(self, facts: GroupFacts, overrides: dict[str, Any] | None) -> None:
        rules = self.rules_for(overrides)
        if not rules.cadence.enabled:
            return
        visit = policy.visit_due(facts, rules.cadence, self.moment)
        if visit is not None:
            self.visits[facts.officer_id].append(visit)
        for due in rules.group(facts):
            if due.role == policy.OFFICER:
                if due.kind == policy.FIGURES_LATE and not self.holders.get(
                    (facts.group_id, policy.TREASURER)
                ):
                    due = due._replace(nobody_reminded=True)
                self.to_officer(due, facts.officer_id)
                continue
            people = self.holders.get((facts.group_id, due.role), [])
            if not people:
                self.plan.unassigned += 1
            for person_id in people:
                self.plan.candidates.append(_candidate(due, f"person:{person_id}", person_id))

    def household(self, household: HouseholdFacts) -> None:
        if self.schedule.digest_households:
            visit = policy.household_visit_due(household, self.moment)
            if visit is not None:
                self.visits[household.officer_id].append(visit)
        for due in policy.household_reminders(household, self.base, self.moment):
            if due.role == policy.TRAINER:
                trainer = self.trainers[household.household_id]
                self.plan.candidates.append(_candidate(due, f"person:{trainer}", trainer))
            else:
                self.to_officer(due, household.officer_id)

    def digests(self) -> None:
        for officer_id, items in self.visits.items():
            digest = policy.digest_due(officer_id, items, self.moment, self.schedule)
            if digest is not None:
                self.plan.visits[officer_id] = policy.order_visits(items)
                self.to_officer(digest, officer_id)


async def evaluate(
    session: AsyncSession, settings: Settings, moment: Moment, summary: SweepSummary
) -> _Plan:
    groups = await group_facts(session, moment)
    households, trainers = await household_facts(session, moment)
    summary.groups, summary.households = len(groups), len(households)
    evaluation = _Evaluation(
        settings,
        moment,
        await officer_people(session),
        await role_holders(session),
        trainers,
    )
    for facts, overrides in groups:
        evaluation.group(facts, overrides)
    for household in households:
        evaluation.household(household)
    evaluation.digests()
    return evaluation.plan


# --- messages: one per person, one outbox row per chat account ----------------------------


@dataclass
class _Message:
    """One person's message of this sweep, and the outbox rows that carry it (one per chat
    account the person may receive reminders on, in `person.accounts` order)."""

    person: Recipient
    items: list[_Candidate]
    outbox_ids: list[int] = field(default_factory=list)


def _compose(items: Sequence[_Candidate], person: Recipient, plan: _Plan, moment: Moment) -> str:
    visits: list[VisitDue] = []
    for c in items:
        if c.due.kind in (policy.VISIT_PLAN, policy.VISIT_FOLLOWUP):
            visits = plan.visits.get(int(c.due.target.split(":")[1]), [])
    reply = compose.message(person.name, [c.due for c in items], visits, moment.today)
    return compose.payload_json(reply)


def _outbox_rows(messages: Iterable[_Message], plan: _Plan, moment: Moment) -> Iterator[OutboxRow]:
    """Each message's outbox rows (id, channel, chat id, chat account, payload JSON), its text
    composed only when its rows are asked for."""
    for message in messages:
        payload = _compose(message.items, message.person, plan, moment)
        for outbox_id, account in zip(message.outbox_ids, message.person.accounts, strict=True):
            yield outbox_id, account[1], account[2], account[0], payload


@dataclass
class _Addressed:
    """The due reminders sorted by where they go: one message per person with somewhere to
    send it, and those recorded with nobody to send them to."""

    messages: dict[str, _Message] = field(default_factory=dict)
    unsent: list[_Candidate] = field(default_factory=list)


def _address(
    due: Iterable[_Candidate], people: dict[int, Recipient], summary: SweepSummary
) -> _Addressed:
    found = _Addressed()
    for candidate in due:  # in evaluation order: groups by id, households, digests
        person = people.get(candidate.person_id) if candidate.person_id else None
        if person is not None and not person.accounts and person.snoozed:
            summary.snoozed += 1  # left for the first sweep after the snooze
        elif person is None or not person.accounts:
            found.unsent.append(candidate)
            if person is not None and person.has_accounts:
                summary.turned_off += 1
            else:
                summary.no_chat_account += 1
        else:
            recipient = candidate.key[2]
            message = found.messages.get(recipient)
            if message is None:
                message = found.messages[recipient] = _Message(person, [])
            message.items.append(candidate)
    summary.due -= summary.snoozed
    return found


async def _reminder_rows(session: AsyncSession, addressed: _Addressed) -> list[ReminderRow]:
    """Gives every message its outbox ids and returns the reminder rows, each pointing at
    the first row of its message (None: nobody to send it to)."""
    messages = addressed.messages.values()
    ids = await outbox_ids(session, sum(len(m.person.accounts) for m in messages))
    start = 0
    rows: list[ReminderRow] = []
    for message in messages:
        message.outbox_ids = ids[start : start + len(message.person.accounts)]
        start += len(message.outbox_ids)
        first = min(message.outbox_ids)
        rows.extend((*c.key, first) for c in message.items)
    rows.extend((*c.key, None) for c in addressed.unsent)
    return rows


# --- the sweep ---------------------------------------------------------------------------


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
    summary = SweepSummary(at=now.isoformat())
    if lock and not await take_sweep_lock(session):
        summary.skipped = True
        return summary

    clock = _Stopwatch(summary.seconds)
    plan = await evaluate(session, settings, moment, summary)
    summary.unassigned = plan.unassigned
    clock.lap("facts")

    due = await _not_written(session, plan.candidates, summary)
    clock.lap("dedupe")

    people = await recipients(session, (c.person_id for c in due if c.person_id), now)
    addressed = _address(due, people, summary)
    rows = await _reminder_rows(session, addressed)
    clock.lap("compose")

    await _write(session, settings, moment, plan, addressed, rows, summary)
    clock.lap("write")
    log.info("sweep at %s: %s", summary.at, summary.to_json())
    return summary


async def _not_written(
    session: AsyncSession, candidates: Sequence[_Candidate], summary: SweepSummary
) -> list[_Candidate]:
    """What is due and not yet written: one candidate per key, in evaluation order."""
    due: dict[Key, _Candidate] = {}
    for candidate in candidates:
        due.setdefault(candidate.key, candidate)
    summary.due = len(due)
    for key in await existing(session, list(due)):
        del due[key]
    return list(due.values())


async def _write(
    session: AsyncSession,
    settings: Settings,
    moment: Moment,
    plan: _Plan,
    addressed: _Addressed,
    rows: list[ReminderRow],
    summary: SweepSummary,
) -> None:
    """The reminders first, each pointing at its message: only once they are in is it known
    what this sweep won, so a message never has to be taken back. Then the messages."""
    messages = addressed.messages.values()
    won = await write_reminders(session, rows, moment.now)
    if won is None:
        summary.written = len(rows)
        kinds = Counter(row[0] for row in rows)
    else:
        # A sweep without the lock wrote some of these since we looked: its messages say
        # them; ours keep only what this sweep won, and one left with nothing is not sent.
        for message in messages:
            message.items = [c for c in message.items if c.key in won]
        summary.written = len(won)
        kinds = Counter(key[0] for key in won)
        log.info("sweep: another worker wrote some of these reminders first; dropped from ours")
    sent = [m for m in messages if m.items]
    hold_until = policy.quiet_until(moment, Schedule.from_settings(settings))
    next_attempt = (hold_until or moment.local).astimezone(moment.now.tzinfo)
    if sent:
        await write_outbox(session, _outbox_rows(sent, plan, moment), next_attempt, moment.now)
    summary.by_kind = dict(sorted(kinds.items()))
    summary.recipients = len(sent)
    summary.messages = sum(len(m.outbox_ids) for m in sent)
    summary.deferred = summary.messages if hold_until is not None else 0


class _Stopwatch:
    def __init__(self, laps: dict[str, float]) -> None:
        self._laps = laps
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self._laps[name] = round(now - self._last, 3)
        self._last = now
