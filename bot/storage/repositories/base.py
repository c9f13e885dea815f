"""The base of every repository: the session of one unit of work, and the dialect switch."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.driver import Fetched
from bot.storage.statements import Parameters, core


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _on_postgres(self) -> bool:
        bind = self.session.bind
        return bind is not None and bind.dialect.name == "postgresql"

    async def _core(self, statement: Executable, parameters: Parameters = None) -> Fetched:
        """A Core statement on the unit of work's connection, past the ORM: for the message
        path's statements, prebuilt once with bind parameters. The ORM's per-statement work
        (entity loading, bulk-update synchronisation, autoflush) costs 3–4× the statement
        itself there (bench/trace_message.py). Pending ORM changes are flushed first, so the
        statement sees them as an ORM query would. (A list of parameter sets is an
        executemany: an INSERT … RETURNING is then sent as one multi-row VALUES.)

        Flush, connection and statement run in one `run_sync` call: each awaited AsyncSession
        method starts a greenlet of its own, and three of them cost more than the statement."""
        return await core(self.session, statement, parameters)

    def _insert(self) -> Any:
        """The dialect's INSERT, for ON CONFLICT (PostgreSQL and SQLite spell it alike)."""
        return pg_insert if self._on_postgres else sqlite_insert
