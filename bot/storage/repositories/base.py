"""The base of every repository: the session of one unit of work, and the dialect switch."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import Column, Executable, inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from bot.storage.driver import Fetched
from bot.storage.statements import Parameters, core, write_later

T = TypeVar("T")


class _Keys(NamedTuple):
    names: tuple[str, ...]  # the attribute of each column, in the columns' order
    primary: tuple[int, ...]  # where the primary key's columns are


@cache
def _keys(mapper: Mapper[Any], columns: tuple[Column[Any], ...]) -> _Keys:
    names = tuple(mapper.get_property_by_column(column).key for column in columns)
    primary = tuple(columns.index(column) for column in mapper.primary_key)
    return _Keys(names, primary)


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

        A statement marked `prebuilt` goes straight to the driver when nothing waits to be
        flushed (bot/storage/driver.py); otherwise flush, connection and statement run in one
        `run_sync` call: each awaited AsyncSession method starts a greenlet of its own, and
        three of them cost more than the statement."""
        return await core(self.session, statement, parameters)

    async def _write_later(self, statement: Executable, parameters: dict[str, Any]) -> None:
        """A prebuilt write nobody reads back from: on PostgreSQL it goes with the next
        statement, one round trip fewer (`write_later`)."""
        await write_later(self.session, statement, parameters)

    def _loaded(self, entity: type[T], columns: Sequence[Column[Any]], values: Sequence[Any]) -> T:
        """The `entity` object of a row read with Core (its table's `columns`, `values` in the
        same order), as an ORM query would give it: the unit of work's own object when it
        holds that row already (its unloaded attributes filled in, the rest kept, as the ORM
        keeps them), else a new object attached as loaded (`make_transient_to_detached`: no
        history, a later change to it is an UPDATE)."""
        mapper = inspect(entity)
        keys = _keys(mapper, tuple(columns))
        primary = tuple(values[i] for i in keys.primary)
        session = self.session.sync_session
        existing = session.identity_map.get(mapper.identity_key_from_primary_key(primary))
        if existing is not None:
            unloaded = inspect(existing).unloaded
            if unloaded:
                for key, value in zip(keys.names, values, strict=True):
                    if key in unloaded:
                        set_committed_value(existing, key, value)
            return cast(T, existing)
        made = mapper.class_manager.new_instance()
        for key, value in zip(keys.names, values, strict=True):
            set_committed_value(made, key, value)  # as loaded: no set events, no validators
        make_transient_to_detached(made)
        session.add(made)
        return cast(T, made)

    def _insert(self) -> Any:
        """The dialect's INSERT, for ON CONFLICT (PostgreSQL and SQLite spell it alike)."""
        return pg_insert if self._on_postgres else sqlite_insert
