"""`sammachip backup FILE` and `sammachip restore FILE [--force]`.

SQLite is copied with SQLite's online backup API (`sqlite3.Connection.backup`): one read
transaction, so the copy is the database as of one instant even while the bot writes (WAL lets
the bot keep writing meanwhile). PostgreSQL is dumped with `pg_dump -Fc` (one snapshot) and
brought back with `pg_restore --clean --if-exists --single-transaction`.

A restore replaces what is there, so it refuses a database that holds any rows unless
`--force` says so; even then the replaced database is first backed up next to the file
(FILE.replaced-YYYYmmddTHHMMSS), so nothing is lost by a mistaken restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from bot.services.errors import InvalidInput

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
PG_BIN_DIRS = (
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
)
# Tables that hold no one's data: a database with rows only here counts as empty.
BOOKKEEPING = frozenset({"alembic_version"})


@dataclass(frozen=True, slots=True)
class Done:
    """What a backup or restore did, said in Thai and English."""

    thai: str
    english: str
    kept: Path | None = None  # where a replaced database was saved first

    def render(self) -> str:
        return f"{self.thai}\n{self.english}\n"


def _refused(thai: str, english: str) -> InvalidInput:
    """A refusal as every command line error is shown: the polite Thai sentence last."""
    return InvalidInput(f"{english}\n{thai}")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise _refused("DATABASE_URL ไม่ได้ชี้ไปที่ไฟล์ SQLite ค่ะ", "DATABASE_URL names no SQLite file.")
    return Path(url.database)


def _describe(url: URL) -> str:
    """The database, named without its password."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database}"
    return f"PostgreSQL {url.database} @ {url.host or 'localhost'}:{url.port or 5432}"


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: on PATH, else the Debian package's directory."""
    found = shutil.which(name)
    if found:
        return found
    for directory in PG_BIN_DIRS:
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    raise _refused(
        f"ไม่พบโปรแกรม {name} ติดตั้งด้วย apt-get install postgresql-client-15 แล้วลองอีกครั้งค่ะ",
        f"{name} not found: install postgresql-client-15.",
    )


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    args = ["-h", url.host or "localhost", "-p", str(url.port or 5432)]
    if url.username:
        args += ["-U", url.username]
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)  # never on the command line (ps shows it)
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise _refused(
            f"{tool} ทำงานไม่สำเร็จ ฐานข้อมูลยังเป็นเหมือนเดิม ดูข้อความด้านบนค่ะ",
            f"{tool} failed; nothing was changed: {done.stderr.strip()[-600:]}",
        )


def backup(database_url: str, target: Path) -> Done:
    """A consistent copy of the database in `target` (written whole, then moved into place)."""
    url = make_url(database_url)
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        if url.get_backend_name() == "sqlite":
            source_path = _sqlite_path(url)
            if not source_path.exists():
                raise _refused(
                    f"ไม่พบไฟล์ฐานข้อมูล {source_path} ค่ะ", f"No database file at {source_path}."
                )
            partial.unlink(missing_ok=True)
            with (
                _closing(sqlite3.connect(source_path, timeout=30)) as source,
                _closing(sqlite3.connect(partial)) as copy,
            ):
                source.backup(copy)  # all pages in one step: one consistent snapshot
        else:
            args, env = _pg_args(url)
            _run([pg_tool("pg_dump"), "-Fc", "-f", str(partial), *args, str(url.database)], env)
        os.chmod(partial, 0o600)  # a backup holds everyone's personal data
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    size = target.stat().st_size
    return Done(
        f"สำรองฐานข้อมูล {_describe(url)} ไว้ที่ {target} แล้วค่ะ ({size:,} ไบต์)",
        f"Backed up {_describe(url)} to {target} ({size:,} bytes).",
    )


class _closing:
    """sqlite3 connections used as context managers commit but do not close."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _kind_of(path: Path) -> str:
    with path.open("rb") as file:
        head = file.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise _refused(
        f"ไฟล์ {path} ไม่ใช่ไฟล์สำรองของ sammachip backup จึงไม่ได้กู้คืนค่ะ",
        f"{path} is not a SQLite or pg_dump -Fc backup; nothing changed.",
    )


def rows_in(database_url: str) -> int:
    """How many rows the database holds outside bookkeeping (0: empty or not created yet)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        if not path.exists():
            return 0
        with _closing(sqlite3.connect(path, timeout=30)) as connection:
            tables = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
                if name not in BOOKKEEPING
            ]
            return sum(
                connection.execute(
                    f'SELECT count(*) FROM (SELECT 1 FROM "{t}" LIMIT 1)'
                ).fetchone()[0]
                for t in tables
            )
    return _pg_rows(url)


def _pg_rows(url: URL) -> int:
    import asyncio

    import asyncpg

    async def count() -> int:
        connection = await asyncpg.connect(
            host=url.host or "localhost", port=url.port or 5432, user=url.username,
            password=url.password, database=url.database,
        )  # fmt: skip
        try:
            tables = await connection.fetch(
                "SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public'"
            )
            total = 0
            for row in tables:
                if row["t"] in BOOKKEEPING:
                    continue
                total += int(
                    await connection.fetchval(
                        f"SELECT count(*) FROM (SELECT 1 FROM {row['t']} LIMIT 1) x"
                    )
                )
            return total
        finally:
            await connection.close()

    return asyncio.run(count())


def restore(database_url: str, source: Path, *, force: bool, now: datetime | None = None) -> Done:
    """Replace the database with the backup in `source`. Refuses a non-empty database without
    `force`; with it, the database being replaced is backed up first."""
    url = make_url(database_url)
    source = source.resolve()
    if not source.is_file():
        raise _refused(f"ไม่พบไฟล์ {source} ค่ะ", f"No such file: {source}.")
    backend = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
    kind = _kind_of(source)
    if kind != backend:
        raise _refused(
            f"ไฟล์ {source.name} เป็นไฟล์สำรองของ {kind} แต่ DATABASE_URL เป็น {backend} จึงไม่ได้กู้คืนค่ะ",
            f"A {kind} backup cannot be restored into {backend}; nothing changed.",
        )
    present = rows_in(database_url)
    kept: Path | None = None
    if present:
        if not force:
            raise _refused(
                f"ฐานข้อมูล {_describe(url)} มีข้อมูลอยู่แล้ว จึงยังไม่ได้กู้คืน หากต้องการแทนที่ข้อมูลเดิม"
                " ให้สั่งอีกครั้งพร้อม --force (ระบบจะสำรองข้อมูลเดิมไว้ก่อน) ค่ะ",
                "The database is not empty; nothing changed. Add --force to replace it (the "
                "current data is backed up first).",
            )
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
        kept = source.with_name(f"{source.name}.replaced-{stamp}")
        backup(database_url, kept)
    if backend == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with (
            _closing(sqlite3.connect(source)) as backup_db,
            _closing(sqlite3.connect(target, timeout=30)) as live,
        ):
            backup_db.backup(live)  # page by page into the live file, under its write lock
    else:
        args, env = _pg_args(url)
        _run(
            [pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", *args, "-d", str(url.database), str(source)],
            env,
        )  # fmt: skip
    thai_kept = f" ข้อมูลเดิมสำรองไว้ที่ {kept}" if kept else ""
    english_kept = f" The data it replaced was saved to {kept}." if kept else ""
    return Done(
        f"กู้คืนฐานข้อมูล {_describe(url)} จากไฟล์ {source} แล้วค่ะ{thai_kept} "
        "ขั้นต่อไป: สั่ง sammachip migrate แล้วเริ่มบอทอีกครั้งนะคะ",
        f"Restored {_describe(url)} from {source}.{english_kept} "
        "Next: run sammachip migrate, then start the bot again.",
        kept,
    )
