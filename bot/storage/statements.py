"""A prebuilt Core statement on a unit of work's connection, in one greenlet.

Its own module, below the repositories, because bot/storage/locks.py needs it too and the
repositories package imports the locks (a lock taken by `InboxRepository.take`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import CursorResult, Executable
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


async def core(
    session: AsyncSession, statement: Executable, parameters: Parameters = None
) -> CursorResult[*tuple[Any, ...]]:
    """Pending ORM changes flushed, then `statement` on the session's connection (a list of
    parameter sets is an executemany). Flush, connection and statement run in one `run_sync`
    call: each awaited AsyncSession method starts a greenlet of its own, and three of them cost
    more than the statement (bench/trace_message.py). `_Repository._core` is this."""
    return await session.run_sync(_flush_and_execute, statement, parameters)


def _flush_and_execute(
    session: Session, statement: Executable, parameters: Parameters
) -> CursorResult[*tuple[Any, ...]]:
    session.flush()
    return session.connection().execute(statement, parameters)
