"""The base of every repository: the session of one unit of work, and the dialect switch."""

from __future__ import annotations

from typing import Any

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

    def _insert(self) -> Any:
        """The dialect's INSERT, for ON CONFLICT (PostgreSQL and SQLite spell it alike)."""
        return pg_insert if self._on_postgres else sqlite_insert
