"""PostgreSQL advisory locks shared by every worker (no-ops on SQLite: one process, one writer).

Why advisory locks and not a task-queue library: the inbox and the outbox already are durable
queues in our own tables, written in the same transaction as the record they belong to. A queue
library (procrastinate, pgqueuer…) would add a second copy of every event, its own schema and
worker loop, and still need a per-chat lock. A transaction-level advisory lock is one statement,
released by the COMMIT or ROLLBACK that ends the message's transaction (a killed worker's
connection closes and PostgreSQL frees it), so nothing can be left locked.
"""

from __future__ import annotations

import zlib

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.driver import prebuilt
from bot.storage.statements import core

# The first key of the two-key form: one namespace per use. The two-key and the one-key
# (bigint, used by the sweep) spaces do not overlap in PostgreSQL.
CHAT_NAMESPACE = 0x53_41_4D_01  # "SAM" + 1: one chat's webhook events
MIGRATE_NAMESPACE = 0x53_41_4D_02  # "SAM" + 2: schema upgrades (key 0)
FILE_NAMESPACE = 0x53_41_4D_03  # "SAM" + 3: building one requested file (bot/reports/files.py)


# Built once: taken on every message with several workers.
_LOCK = prebuilt(text("SELECT pg_advisory_xact_lock(:namespace, :key)"))


def chat_key(channel: str, chat_id: str) -> int:
    """A chat's lock key: CRC-32 as a signed int4. Two chats sharing a key only wait for
    each other now and then; correctness never depends on the key being unique."""
    return _int4(f"{channel}:{chat_id}")


def _int4(name: str) -> int:
    value = zlib.crc32(name.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def chat_lock(channel: str, chat_id: str) -> dict[str, int]:
    """The parameters (`namespace`, `key`) of a chat's lock, for a statement that takes it
    (`lock_chat`; `InboxRepository.take_admitting` takes it with the sender's admission)."""
    return {"namespace": CHAT_NAMESPACE, "key": chat_key(channel, chat_id)}


async def lock_chat(session: AsyncSession, channel: str, chat_id: str) -> None:
    """Until this transaction ends, no other worker handles a message of this chat: it waits
    here. On SQLite there is one process and its intake keeps a chat in one lane."""
    bind = session.bind
    if bind is None or bind.dialect.name != "postgresql":
        return
    await core(session, _LOCK, chat_lock(channel, chat_id))


async def lock_file(session: AsyncSession, key: str) -> None:
    """PostgreSQL only: until this transaction ends, no other worker builds the file under
    `key`. The key's CRC, not the key itself, is what PostgreSQL sees (the key is the
    download's credential)."""
    await core(session, _LOCK, {"namespace": FILE_NAMESPACE, "key": _int4(key)})


def lock_migrations(connection: Connection) -> None:
    """Several workers starting at once each run `migrate`: on PostgreSQL they take turns
    (until the migration's transaction ends), and the later ones find the schema current."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, 0)").bindparams(
                namespace=MIGRATE_NAMESPACE
            )
        )
