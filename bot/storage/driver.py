"""The message path's prebuilt statements sent straight to the driver, past SQLAlchemy's
execution machinery.

A prebuilt Core statement executed through `Connection.execute` costs ~0.10 ms of CPU here,
of which the driver's own work is a twentieth: the rest is the statement's cache key and its
lookup, an execution context, a greenlet switch per driver call and a result object
(bench/trace_message.py, BENCHMARKS.md "fifth pass"). A message sends about nine such
statements. So a statement marked `prebuilt` is compiled once per dialect and set of parameter
names, and then each execution does only what SQLAlchemy's would do to the values and rows —
with SQLAlchemy's own pieces, so the two cannot drift apart:

- Python-side column defaults filled in (`compiled.insert_prefetch`, the same description
  tuples the execution context reads);
- bind processors applied in the compiled positional order (`compiled._bind_processors`,
  `positiontup`; "expanding" IN lists through `_process_parameters_for_postcompile`);
- result processors of the statement's columns (`TypeEngine._cached_result_processor`);
- `before_cursor_execute` listeners called (the benchmarks and tests count statements so);
- a driver error wrapped exactly as SQLAlchemy wraps it (`Connection._handle_dbapi_exception`,
  which also invalidates a connection that was lost).

It runs only where that is safe, and otherwise returns None so the caller takes SQLAlchemy's
path: inside a transaction that already holds its connection (it never begins one: SQLite's
BEGIN IMMEDIATE and PostgreSQL's lazy BEGIN stay SQLAlchemy's), with no ORM change waiting to
be flushed, one parameter set, and a connection this module knows how to drive — a SQLite
connection of a task running its statements on the loop (bot/storage/sqlite_inline.py), or an
asyncpg one. tests/storage/test_driver_path.py compares both paths, statement by statement, on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import time
import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar, cast

from sqlalchemy import Executable, event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import visitors
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.util.concurrency import greenlet_spawn

from bot.storage import sqlite_inline

# The statements marked by `prebuilt`, each with its compiled forms by (dialect, parameter
# names). Only module-level statements are marked: a statement built per call would be
# compiled per call here and kept forever.
_PREBUILT: dict[Executable, dict[tuple[str, tuple[str, ...]], _Compiled | None]] = {}


E = TypeVar("E", bound=Executable)


def prebuilt(statement: E) -> E:
    """Marks a statement built once at import as one the driver path may run."""
    _PREBUILT.setdefault(statement, {})
    return statement


class Fetched:
    """What a statement returned, read whole: its rows and its row count. The message path's
    statements return a row or a few, so nothing is streamed; the methods are the ones of
    SQLAlchemy's `Result` that the repositories use."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Any:
        return iter(self.rows)

    def all(self) -> list[Any]:
        return self.rows

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def one(self) -> Any:
        if not self.rows:
            raise NoResultFound("No row was found when one was required")
        if len(self.rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self.rows[0]

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None


_Processor: TypeAlias = Callable[[Any], Any] | None


@dataclass(slots=True)
class _Compiled:
    """One statement compiled for one dialect and one set of parameter names."""

    compiled: SQLCompiler
    expanding: bool  # has IN lists whose placeholders depend on the values
    # PostgreSQL's INSERT returns the new id unasked (implicit RETURNING): SQLAlchemy keeps it
    # as the inserted primary key, not as rows, and so does this
    rows_hidden: bool
    # (parameter key, scalar default or None, callable default or None) per prefetched column
    defaults: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]
    # the names of the tables it reads or writes, subqueries included (`_fusable`)
    tables: frozenset[str]
    # filled by the first execution: the result columns' processors and the row type
    results: tuple[tuple[_Processor, ...], type] | None = field(default=None)


def _compile(statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled | None:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    if not isinstance(compiled, SQLCompiler) or not compiled.positional:
        return None
    if compiled.update_prefetch or compiled.schema_translate_map or compiled.literal_execute_params:
        return None
    defaults = []
    for column in compiled.insert_prefetch:
        arg, is_scalar, is_callable, is_sentinel = column._default_description_tuple
        if is_sentinel or not (is_scalar or is_callable):
            return None  # a sequence or a SQL default: SQLAlchemy's path knows how
        key = compiled._within_exec_param_key_getter(column)
        defaults.append((key, arg if is_scalar else None, arg if is_callable else None))
    explicit = bool(getattr(compiled.statement, "_returning", ()))
    hidden = bool(compiled.implicit_returning) and not explicit
    tables = frozenset(
        element.name
        for element in visitors.iterate(cast(Any, statement))
        if isinstance(element, TableClause)
    )
    return _Compiled(compiled, bool(compiled.post_compile_params), hidden, tuple(defaults), tables)


def _prepared(
    statement: Executable, dialect: Dialect, parameters: Mapping[str, Any]
) -> _Compiled | None:
    forms = _PREBUILT.get(statement)
    if forms is None:
        return None
    # parameter names sorted as Connection._execute_clauseelement sorts them
    key = (f"{dialect.name}+{dialect.driver}", tuple(sorted(parameters)))
    try:
        return forms[key]
    except KeyError:
        made = forms[key] = _compile(statement, dialect, key[1])
        return made


async def _connection(session: AsyncSession, dialect: Dialect) -> Connection | None:
    """The connection of the session's transaction, begun through SQLAlchemy first when it
    has none yet; None when something waits to be flushed or the driver cannot be driven
    here (SQLAlchemy's path then flushes and runs the statement)."""
    sync = session.sync_session
    if not sync._is_clean() or not _drivable(dialect):
        return None
    if sync.in_nested_transaction():
        # A savepoint sends its SAVEPOINT when it first asks for the connection: a statement
        # sent past it would not be rolled back with it.
        return None
    transaction = sync.get_transaction()
    if transaction is None or not transaction.connections:
        # BEGIN (SQLite's IMMEDIATE with its waits, PostgreSQL's lazy one) stays SQLAlchemy's.
        await session.connection()
        transaction = sync.get_transaction()
        if transaction is None:
            return None
    if not transaction.is_active:
        return None
    connections = transaction.connections  # reading it never acquires one (SQLAlchemy 2.1.7)
    if len(connections) != 1:
        return None
    (connection,) = connections
    if connection.invalidated or connection.closed or connection._echo:
        return None
    return connection


def _values(
    prepared: _Compiled, dialect: Dialect, parameters: Mapping[str, Any]
) -> tuple[str, Any]:
    """The SQL and its positional values, as `DefaultExecutionContext._init_compiled` makes them."""
    compiled = prepared.compiled
    values = compiled.construct_params(parameters, escape_names=False)
    for key, scalar, make in prepared.defaults:
        values[key] = scalar if make is None else make(None)  # our defaults take no context
    processors = cast(Mapping[str, Callable[[Any], Any]], compiled._bind_processors)
    sql: str = compiled.string
    order: Sequence[str] | None = compiled.positiontup
    if prepared.expanding:
        expanded = compiled._process_parameters_for_postcompile(values)
        sql, order = expanded.statement, expanded.positiontup
        processors = {**processors, **expanded.processors}
    assert order is not None
    positional = [
        processors[key](values[key]) if key in processors else values[key] for key in order
    ]
    return sql, dialect.execute_sequence_format(positional)


async def execute(
    session: AsyncSession,
    statement: Executable,
    parameters: Any,
    sending: Callable[[], None] | None = None,
) -> Fetched | None:
    """Runs a `prebuilt` statement on the driver, or returns None when SQLAlchemy's path must
    (see the module's docstring); `sending` is called just before it is sent. Writes deferred
    on the same connection go with it, in the same statement where they can (`defer`). Raises
    what SQLAlchemy's path would raise."""
    ready = await _ready(session, statement, parameters)
    if ready is None:
        return None
    connection, prepared, dialect, run, (sql, values) = ready
    if sending is not None:
        sending()  # before the held writes leave their list: nothing may drop them after
    deferred = _DEFERRED.pop(connection, None)
    carried: list[_Part] = []
    if deferred:
        main = _Part(sql, values, prepared.tables)
        if _fusable([*deferred, main]):
            sql, values = _fused([*deferred, main])
            carried = deferred
        else:
            await _send_deferred(connection, dialect, run, deferred)
    try:
        rows, rowcount, description = await _send(connection, dialect, run, sql, values)
    except Exception as error:
        _hold_again(connection, carried, error)
        raise
    if description is None or prepared.rows_hidden:
        return Fetched([], rowcount)
    results = prepared.results
    if results is None:
        results = prepared.results = _results(prepared.compiled, dialect, description)
    processors, row = results
    if any(processors):
        return Fetched(
            [
                row(*[p(v) if p else v for p, v in zip(processors, raw, strict=True)])
                for raw in rows
            ],
            rowcount,
        )
    return Fetched([row(*raw) for raw in rows], rowcount)


async def _ready(
    session: AsyncSession, statement: Executable, parameters: Any
) -> tuple[Connection, _Compiled, Dialect, _Run, tuple[str, Any]] | None:
    """What sending `statement` on the driver path takes, or None when it cannot go that way."""
    if statement not in _PREBUILT:
        return None
    if isinstance(parameters, list):
        if len(parameters) != 1:
            return None
        parameters = parameters[0]
    bind = session.bind
    if bind is None:
        return None
    dialect = bind.dialect
    prepared = _prepared(statement, dialect, parameters or {})
    if prepared is None:
        return None
    connection = await _connection(session, dialect)
    if connection is None:
        return None
    run = _runner(dialect, connection.connection.dbapi_connection)
    if run is None:
        return None
    return connection, prepared, dialect, run, _values(prepared, dialect, parameters or {})


async def _send(
    connection: Connection, dialect: Dialect, run: _Run, sql: str, values: Any
) -> tuple[Any, int, Any]:
    """One statement to the driver, seen by `before_cursor_execute` listeners as SQLAlchemy's
    path shows it to them (the benchmarks and tests count statements so)."""
    for listener in connection.dispatch.before_cursor_execute:
        listener(connection, None, sql, values, None, False)
    try:
        return cast(
            tuple[Any, int, Any],
            await run(connection.connection.dbapi_connection, sql, values, dialect),
        )
    except dialect.loaded_dbapi.Error as error:
        # Wrapped, and a lost connection invalidated, as SQLAlchemy does (in a greenlet: an
        # invalidation closes the connection through the async adapter). Anything else (a
        # value the driver cannot take, a cancellation) goes up unwrapped, as on its path.
        _schema_changed(dialect, error)
        await greenlet_spawn(_wrapped, connection, error, sql, values)
        raise  # not reached: _wrapped raises


# --- Deferred writes -------------------------------------------------------------------------
#
# On PostgreSQL every statement is a round trip: the message waits for it, and both processes
# pay a wake-up and the protocol's work. Some writes of the message path return nothing anyone
# reads: the audit entry of a record, the account's "last records" for undo. Such a write is
# held (`defer`) and goes with the next statement of its transaction, as a data-modifying WITH
# in front of it ("WITH _w0 AS (INSERT …) INSERT INTO outbox … RETURNING id"): PostgreSQL runs
# it to completion even though nothing refers to it, in the same statement, so it lands or
# fails with that statement and the transaction.
#
# Only where the order cannot matter: the sub-statements of one statement share a snapshot and
# none sees another's changes, so a held write is fused only with statements that touch none
# of its tables (subqueries included), and with nothing that has a WITH of its own. Otherwise
# the held writes go first, on their own. They go before any statement SQLAlchemy executes on
# the connection too (an ORM query or flush, a SAVEPOINT: so a savepoint rolled back never takes
# a held write with it; its `before_execute` hook), before the COMMIT, and before a unit of
# work's `flush` unless told otherwise (`Conversation._answer` answers for a handler's held
# writes itself); a ROLLBACK drops them. A statement that carried them and failed holds them
# again and its error is remembered, so the caller can tell (`carried`).
# `watch` installs those hooks on a PostgreSQL engine; writes are held only on such an engine.
# Not seen by the hooks: `Connection.exec_driver_sql` and work on the raw driver connection
# (the sweep's COPY into the outbox). Nothing of the bot uses them after a held write; code
# that does must call `send_deferred` first. On SQLite, where a statement is a call in
# process, nothing is held.


@dataclass(slots=True, frozen=True)
class _Part:
    sql: str
    values: Any
    tables: frozenset[str]


_DEFERRED: weakref.WeakKeyDictionary[Connection, list[_Part]] = weakref.WeakKeyDictionary()
_FUSED: dict[tuple[str, ...], str | None] = {}  # fused SQL by its parts' SQL; None: cannot be
_FUSED_MOST = 512  # forms kept: the message path makes a few dozen
_PLACEHOLDER = re.compile(r"\$(\d+)")
_QUOTED = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*")""")


async def defer(
    session: AsyncSession,
    statement: Executable,
    parameters: Any,
    sending: Callable[[], None] | None = None,
) -> bool:
    """Holds a `prebuilt` write whose rows and row count nobody reads, to go with the next
    statement of the transaction (see above); False when it cannot be held (SQLite, a
    savepoint, pending ORM changes…) and the caller must send it now. Its values are taken
    now, as if it were sent now; `sending` is called now."""
    # Told apart before `_ready`'s work, which the caller's `core` would do again: SQLite, a
    # read, and an engine without `watch`'s hooks (only its next driver statement would send
    # a write held there).
    bind = session.bind
    if (
        bind is None
        or bind.dialect.driver != "asyncpg"
        or getattr(statement, "is_select", False)
        or bind.sync_engine not in _WATCHED
    ):
        return False
    ready = await _ready(session, statement, parameters)
    if ready is None:
        return False
    connection, prepared, _dialect, _run, (sql, values) = ready
    if prepared.expanding:
        return False
    if sending is not None:
        sending()
    _DEFERRED.setdefault(connection, []).append(_Part(sql, values, prepared.tables))
    return True


def holding(session: AsyncSession) -> bool:
    """Whether the session's transaction has held writes not sent yet."""
    if not _DEFERRED:
        return False
    transaction = session.sync_session.get_transaction()
    return transaction is not None and any(
        _DEFERRED.get(connection) for connection in transaction.connections
    )


async def send_deferred(session: AsyncSession) -> None:
    """The transaction's held writes sent now, in one statement where they can be (before a
    COMMIT: `UnitOfWork.commit`). The commit hook `watch` installs would send them too, one
    by one through SQLAlchemy; this is the quick way."""
    if not _DEFERRED:
        return  # nothing held anywhere: most calls (every flush of SQLite's and of a reader)
    transaction = session.sync_session.get_transaction()
    if transaction is None or session.bind is None:
        return
    for connection in transaction.connections:
        deferred = _DEFERRED.pop(connection, None)
        if deferred:
            dialect = session.bind.dialect
            run = _runner(dialect, connection.connection.dbapi_connection)
            assert run is not None  # held only where the driver path runs
            await _send_deferred(connection, dialect, run, deferred)


async def _send_deferred(
    connection: Connection, dialect: Dialect, run: _Run, deferred: list[_Part]
) -> None:
    if len(deferred) > 1 and _fusable(deferred):
        try:
            await _send(connection, dialect, run, *_fused(deferred))
        except Exception as error:
            _hold_again(connection, deferred, error)
            raise
        return
    for sent, part in enumerate(deferred):
        try:
            await _send(connection, dialect, run, part.sql, part.values)
        except Exception as error:
            _hold_again(connection, deferred[sent:], error)
            raise


def _hold_again(connection: Connection, parts: list[_Part], error: Exception) -> None:
    """Held writes whose statement failed are held again, ahead of any held since. If the
    database saw the statement, its transaction is aborted and the ROLLBACK drops them; but
    a value the driver refused before sending anything leaves the transaction usable, and
    the writes must not vanish from it. (A cancellation is not caught: the transaction is
    then in an unknown state and is rolled back.) The error is remembered as one that held
    writes were in (`carried`)."""
    if parts:
        _DEFERRED[connection] = [*parts, *_DEFERRED.get(connection, [])]
        # Marked on the error itself: a built-in exception (a lost connection's OSError) can
        # be neither weakly referenced nor told apart any other way by the caller.
        setattr(error, _CARRIED, True)


# The mark on errors of statements that carried held writes: the caller tells a held write's
# failure from the failure of the statement it rode with only so (`Conversation._answer`).
_CARRIED = "_sammachip_carried_held_writes"


def carried(error: BaseException) -> bool:
    """Whether `error` is the failure of a statement that held writes were sent with (or
    held writes sent on their own): theirs, possibly."""
    return bool(getattr(error, _CARRIED, False))


def _fusable(parts: Sequence[_Part]) -> bool:
    """Parts that may be one statement: no two touch the same table, the form is known. A
    part with no tables found (a `text()` statement: its tables are not known; a lock,
    which could then be taken before a held write's row lock instead of after it) is never
    fused."""
    seen: set[str] = set()
    for part in parts:
        if not part.tables or not seen.isdisjoint(part.tables):
            return False
        seen |= part.tables
    return _fused_sql(parts) is not None


def _fused(parts: Sequence[_Part]) -> tuple[str, Any]:
    sql = _fused_sql(parts)
    assert sql is not None
    return sql, tuple(value for part in parts for value in part.values)


def _fused_sql(parts: Sequence[_Part]) -> str | None:
    """All but the last part as data-modifying WITH queries in front of the last, their
    placeholders renumbered in order; None when a part is not a plain statement whose
    placeholders (outside quoted literals and names) are exactly $1…$n of its values."""
    key = tuple(part.sql for part in parts)
    try:
        return _FUSED[key]
    except KeyError:
        pass
    pieces: list[str] = []
    offset = 0
    fused: str | None = None
    for index, part in enumerate(parts):
        shifted = _shifted(part.sql, offset, len(part.values))
        if shifted is None:
            break
        offset += len(part.values)
        if index < len(parts) - 1:
            pieces.append(f"_w{index} AS ({shifted})")
        else:
            fused = f"WITH {', '.join(pieces)} {shifted}" if pieces else shifted
    if len(_FUSED) < _FUSED_MOST:
        _FUSED[key] = fused
    return fused


def _shifted(sql: str, offset: int, count: int) -> str | None:
    """`sql` with $k as $(k + offset), or None when it has a WITH of its own, a backslash (an
    escape string's quotes cannot be told apart here) or placeholders other than $1…$count."""
    if sql.lstrip()[:4].upper() == "WITH" or "\\" in sql:
        return None
    pieces = _QUOTED.split(sql)  # quoted literals and names at the odd places, kept as they are
    numbers: set[int] = set()
    for at in range(0, len(pieces), 2):
        numbers.update(int(found) for found in _PLACEHOLDER.findall(pieces[at]))
        pieces[at] = _PLACEHOLDER.sub(lambda m: f"${int(m.group(1)) + offset}", pieces[at])
    if numbers != set(range(1, count + 1)):
        return None
    return "".join(pieces)


_WATCHED: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines with the hooks: `watch`


def watch(engine: Engine) -> None:
    """The hooks that keep held writes in order on a PostgreSQL engine (see above). Writes
    are held only on an engine that has them."""
    _WATCHED.add(engine)
    event.listen(engine, "before_execute", _before_execute)
    event.listen(engine, "commit", _send_now)
    event.listen(engine, "rollback", _drop)


def _before_execute(connection: Connection, *_: Any) -> None:
    _send_now(connection)


def _send_now(connection: Connection) -> None:
    """Held writes sent one by one through SQLAlchemy, before what it is about to send (in
    its greenlet: a sync call). What failed, and what was not sent after it, is held again,
    as on the driver path, and the error remembered (`carried`): an ORM flush that fails
    rolls the transaction back at once, which drops them again."""
    deferred = _DEFERRED.pop(connection, None) or []
    for sent, part in enumerate(deferred):
        try:
            connection.exec_driver_sql(part.sql, part.values)
        except Exception as error:
            _hold_again(connection, deferred[sent:], error)
            raise


def _drop(connection: Connection) -> None:
    _DEFERRED.pop(connection, None)


def _schema_changed(dialect: Dialect, error: BaseException) -> None:
    """What the asyncpg execution context's `handle_dbapi_exception` does (SQLAlchemy's path
    has one; this path passes none to `_handle_dbapi_exception`): a prepared statement that a
    schema change made stale marks every connection's statement cache for renewal, so the
    next try prepares it again instead of failing the same way on that connection."""
    if dialect.driver != "asyncpg":
        return
    dbapi = dialect.loaded_dbapi
    if isinstance(error, dbapi.InvalidCachedStatementError | dbapi.InternalServerError):
        dialect._invalidate_schema_cache()  # type: ignore[attr-defined]


def _wrapped(connection: Connection, error: BaseException, sql: str, values: Any) -> None:
    try:
        raise error  # sys.exc_info() is what SQLAlchemy's handler reads: set it here
    except BaseException:
        connection._handle_dbapi_exception(error, sql, values, None, None)
        raise


def _results(
    compiled: SQLCompiler, dialect: Dialect, description: Sequence[Sequence[Any]]
) -> tuple[tuple[_Processor, ...], type]:
    columns = compiled._result_columns
    if len(columns) == len(description):
        names = [column.keyname for column in columns]
        processors = tuple(
            # the type code SQLAlchemy's cursor description gives: asyncpg's is the type's oid
            column.type._cached_result_processor(
                dialect, getattr(described[1], "oid", described[1])
            )
            for column, described in zip(columns, description, strict=True)
        )
    else:  # a textual statement: the driver's names, its values as they are
        names = [str(described[0]) for described in description]
        processors = tuple(None for _ in description)
    return processors, namedtuple("Row", names, rename=True)


_Run: TypeAlias = Callable[[Any, str, Any, Dialect], Any]


def _drivable(dialect: Dialect) -> bool:
    if dialect.name == "sqlite":
        return sqlite_inline.inline_now()
    return dialect.driver == "asyncpg"


def _runner(dialect: Dialect, adapter: Any) -> _Run | None:
    if dialect.name == "sqlite":
        return _on_sqlite if sqlite_inline.runs_inline(adapter) else None
    if dialect.driver == "asyncpg":
        return _on_asyncpg
    return None


async def _on_sqlite(
    adapter: Any, sql: str, values: Any, _dialect: Any
) -> tuple[list[Any], int, Any]:
    connection = adapter._connection  # the InlineConnection
    if time.monotonic() - connection._turn > sqlite_inline.TURN_EVERY_S:
        await asyncio.sleep(0)  # the loop's turn, as an inline statement gives it
        connection._turn = time.monotonic()
    cursor = connection._connection.cursor()  # sqlite3's own
    try:
        cursor.execute(sql, values)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return rows, cursor.rowcount, description
    finally:
        cursor.close()


# How SQLAlchemy's asyncpg cursor reads a row count from the command's status
_STATUS = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)")


async def _on_asyncpg(adapter: Any, sql: str, values: Any, dialect: Any) -> tuple[Any, int, Any]:
    """What SQLAlchemy's adapter cursor does in `_prepare_and_execute`, awaited directly
    instead of from a greenlet, with the adapter's own pieces: its lock, its transaction
    start, its prepared-statement cache (with the dialect's schema-invalidation time, as an
    execution context gives it) and its error translation. Without the cursor object, the
    deque and the description list that cursor makes on every execution: the description is
    asyncpg's attributes as they are (`_results` reads the type oid from them once per
    statement)."""
    async with adapter._execute_mutex:
        if adapter._transaction is None:
            await adapter._start_transaction()
        try:
            prepared, attributes = await adapter._prepare(
                sql, dialect._invalidate_schema_cache_asof
            )
            rows = await prepared.fetch(*values)
            status = prepared.get_statusmsg()
        except Exception as error:
            adapter._handle_exception(error)
    counted = _STATUS.match(status or "")
    return rows, int(counted.group(1)) if counted else -1, attributes or None
