"""The base of every repository: the session of one unit of work, and the dialect switch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import CursorResult, Executable
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _on_postgres(self) -> bool:
        bind = self.session.bind
        return bind is not None and bind.dialect.name == "postgresql"

    async def _core(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> CursorResult[*tuple[Any, ...]]:
        """A Core statement on the unit of work's connection, past the ORM: for the message
        path's statements, prebuilt once with bind parameters. The ORM's per-statement work
        (entity loading, bulk-update synchronisation, autoflush) costs 3–4× the statement
        itself there (bench/trace_message.py). Pending ORM changes are flushed first, so the
        statement sees them as an ORM query would."""
        await self.session.flush()
        connection = await self.session.connection()
        return await connection.execute(statement, parameters)

    def _insert(self) -> Any:
        """The dialect's INSERT, for ON CONFLICT (PostgreSQL and SQLite spell it alike)."""
        return pg_insert if self._on_postgres else sqlite_insert
