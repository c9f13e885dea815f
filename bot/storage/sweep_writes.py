"""The follow-up sweep's writes, and the lock that makes one sweep run at a time: which
reminder keys are taken already, ids for the new messages, the reminder rows (COPY on
PostgreSQL) and their outbox rows (COPY on PostgreSQL, executemany on SQLite). The dialect
branches live here so that scheduler/sweep.py is orchestration only.

Idempotency is the unique key (kind, target, recipient, period) of `reminder`: see
`write_reminders` for how a key taken since `existing` looked is found out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import asyncpg
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.bulk import bulk, chunk_size
from bot.storage.models import Outbox, UtcDateTime

Key = tuple[str, str, str, str]  # (kind, target, recipient, period): the reminder's unique key
ReminderRow = tuple[str, str, str, str, int | None]  # the key and the outbox row carrying it
OutboxRow = tuple[int, str, str, int, str]  # id, channel, chat id, chat account, payload JSON

# pg_try_advisory_xact_lock key: "sammachip sweep" (any constant shared by all workers).
ADVISORY_LOCK_KEY = 0x5A3_3AC4_1B5E


async def take_sweep_lock(session: AsyncSession) -> bool:
    """PostgreSQL: the transaction-level advisory lock of the sweep, so that of several
    workers only one sweeps at a time (False: another holds it). SQLite: one process, and the
    sweep's BEGIN IMMEDIATE is the lock; always True."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    got = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:key)").bindparams(key=ADVISORY_LOCK_KEY)
    )
    return bool(got)


# Bulk statements (bot/storage/bulk.py), one per chunk of rows, so 100,000 keys are a few
# round trips, not 100,000 statements.
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


async def existing(session: AsyncSession, keys: Sequence[Key]) -> set[Key]:
    """Which of `keys` have been written already (a read: index lookups, no writes)."""
    found: set[Key] = set()
    size = chunk_size(session)
    for start in range(0, len(keys), size):
        chunk = keys[start : start + size]
        for (indexes,) in await bulk(session, _EXISTING_PG, _EXISTING_SQLITE, chunk):
            if isinstance(indexes, str):  # SQLite's JSON array
                indexes = json.loads(indexes)
            found.update(chunk[int(index)] for index in indexes or ())
    return found


async def outbox_ids(session: AsyncSession, n: int) -> list[int]:
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


async def write_reminders(
    session: AsyncSession, rows: Sequence[ReminderRow], now: datetime
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
                inserted = await bulk(session, _REMINDERS_PG, _REMINDERS_SQLITE, rows, now=now)
                if sum(inserted) < len(rows):
                    raise _KeyTaken
        return None
    except _KeyTaken:
        pass
    won = await bulk(session, _REMINDERS_PG + _WON, _REMINDERS_SQLITE + _WON, rows, now=now)
    return {(kind, target, recipient, period) for kind, target, recipient, period in won}


async def write_outbox(
    session: AsyncSession,
    rows: Iterable[OutboxRow],
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
