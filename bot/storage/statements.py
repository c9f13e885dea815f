"""A prebuilt Core statement on a unit of work's connection, in one greenlet.

Its own module, below the repositories, because bot/storage/locks.py needs it too and the
repositories package imports the locks (a lock taken by `InboxRepository.take`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Executable, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from bot.storage import driver
from bot.storage.driver import Fetched

Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None

_WRITES = "sammachip.writes"  # the key in Session.info


class CountingSession(Session):
    """The units of work's session: it counts what it sends that may write (a flush, an ORM
    statement that is not a SELECT, a Core statement through `core` that is not a SELECT),
    so that a message refused before it wrote anything can be answered in the transaction it
    is in instead of rolled back (`Conversation.handle_together`). Counted before sending:
    a write that failed counts too."""


def writes(session: AsyncSession | Session) -> int:
    """How many possibly-writing sends this session has made (see `CountingSession`)."""
    return int(session.info.get(_WRITES, 0))


def _count(session: Session) -> None:
    session.info[_WRITES] = session.info.get(_WRITES, 0) + 1


@event.listens_for(CountingSession, "before_flush")
def _flushing(session: Session, _context: UOWTransaction, _instances: object) -> None:
    _count(session)


@event.listens_for(CountingSession, "do_orm_execute")
def _executing(state: ORMExecuteState) -> None:
    if not state.is_select:
        _count(state.session)


async def core(
    session: AsyncSession, statement: Executable, parameters: Parameters = None
) -> Fetched:
    """Pending ORM changes flushed, then `statement` on the session's connection (a list of
    parameter sets is an executemany), its rows read whole.

    A statement marked `prebuilt` goes straight to the driver when the transaction already
    holds its connection and nothing waits to be flushed (bot/storage/driver.py). Otherwise
    flush, connection and statement run in one `run_sync` call: each awaited AsyncSession
    method starts a greenlet of its own, and three of them cost more than the statement
    (bench/trace_message.py). `_Repository._core` is this."""
    sync = session.sync_session
    writing = not getattr(statement, "is_select", False)
    fetched = await driver.execute(
        session, statement, parameters, (lambda: _count(sync)) if writing else None
    )
    if fetched is not None:
        return fetched
    return await session.run_sync(_flush_and_execute, statement, parameters)


async def write_later(
    session: AsyncSession, statement: Executable, parameters: Mapping[str, Any]
) -> None:
    """`core` for a write whose rows and row count nobody reads: on PostgreSQL it may be held
    to go with the transaction's next statement, in the same round trip (bot/storage/driver.py,
    "Deferred writes"); otherwise it is sent now. Either way it is in the transaction before
    anything after it reads or commits."""
    sync = session.sync_session
    if not await driver.defer(session, statement, parameters, lambda: _count(sync)):
        await core(session, statement, parameters)


def _flush_and_execute(session: Session, statement: Executable, parameters: Parameters) -> Fetched:
    session.flush()
    if not getattr(statement, "is_select", False):
        _count(session)
    result = session.connection().execute(statement, parameters)
    return Fetched(list(result.all()) if result.returns_rows else [], result.rowcount)
