"""`sammachip backup` / `sammachip restore` on SQLite (online backup API) and PostgreSQL
(pg_dump -Fc / pg_restore): what comes back is what was there when the backup was taken, a
restore never silently replaces data, and a backup taken while the bot writes is consistent."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import build_app
from bot.cli import main
from bot.services import admin, backup
from bot.storage.models import Area, AuditLog, Officer
from tests.conftest import test_settings as settings_for

pytestmark = pytest.mark.both_databases  # the rule is in tests/conftest.py

BATCH = 25


def run(url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        *args: str) -> tuple[int, str, str]:  # fmt: skip
    monkeypatch.setenv("DATABASE_URL", url)
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


async def _add_officer(url: str, name: str) -> None:
    app = build_app(settings_for(url))
    try:
        async with app.uow() as uow:
            await admin.add_officer(uow, name=name, district="โพธาราม", province="ราชบุรี")
            await uow.commit()
    finally:
        await app.close()


async def _officers(url: str) -> list[str]:
    app = build_app(settings_for(url))
    try:
        async with app.uow() as uow:
            return list(await uow.session.scalars(select(Officer.name).order_by(Officer.id)))
    finally:
        await app.close()


_fresh = iter(range(10**6))


def empty_database(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of the same kind with nothing in it, not even tables."""
    if database_url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / f'empty{next(_fresh)}.db'}"
    server = request.getfixturevalue("pg_server")
    name = f"empty_{os.getpid()}_{next(_fresh)}"
    asyncio.run(server.create_database(name))
    return str(server.url(name))


def test_restore_brings_back_what_was_there_and_refuses_to_overwrite_without_force(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    asyncio.run(_add_officer(database_url, "นางสมหญิง ใจดี"))
    file = tmp_path / "backups" / "sammachip.backup"
    code, out, err = run(database_url, monkeypatch, capsys, "backup", str(file))
    assert code == 0, err
    assert "สำรองฐานข้อมูล" in out and "Backed up" in out and file.stat().st_size > 0
    assert file.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only

    asyncio.run(_add_officer(database_url, "นายมาทีหลัง"))
    code, out, err = run(database_url, monkeypatch, capsys, "restore", str(file))
    assert code == 2 and "มีข้อมูลอยู่แล้ว" in err and "--force" in err and "Traceback" not in err
    assert err.strip().endswith("ค่ะ")  # the polite Thai line last, like every refusal
    assert asyncio.run(_officers(database_url)) == ["นางสมหญิง ใจดี", "นายมาทีหลัง"]  # untouched

    code, out, err = run(database_url, monkeypatch, capsys, "restore", str(file), "--force")
    assert code == 0, err
    assert "กู้คืนฐานข้อมูล" in out and "Restored" in out and "sammachip migrate" in out
    assert asyncio.run(_officers(database_url)) == ["นางสมหญิง ใจดี"]  # the later one is gone
    # ... but not lost: what the restore replaced was backed up first.
    kept = [p for p in file.parent.iterdir() if ".replaced-" in p.name]
    assert len(kept) == 1 and str(kept[0]) in out
    assert run(database_url, monkeypatch, capsys, "migrate")[0] == 0


def test_restore_into_an_empty_database_and_refusals(
    database_url: str, request: pytest.FixtureRequest, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    asyncio.run(_add_officer(database_url, "นางสมหญิง ใจดี"))
    file = tmp_path / "b.backup"
    assert run(database_url, monkeypatch, capsys, "backup", str(file))[0] == 0
    target = empty_database(database_url, request, tmp_path)
    code, _, err = run(target, monkeypatch, capsys, "restore", str(file))  # no --force needed
    assert code == 0, err
    assert asyncio.run(_officers(target)) == ["นางสมหญิง ใจดี"]

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello", encoding="utf-8")
    code, _, err = run(target, monkeypatch, capsys, "restore", str(not_a_backup), "--force")
    assert code == 2 and "ไม่ใช่ไฟล์สำรอง" in err
    other = "postgresql+asyncpg://x@127.0.0.1:1/x" if database_url.startswith("sqlite") else (
        f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
    )  # fmt: skip
    code, _, err = run(other, monkeypatch, capsys, "restore", str(file))
    assert code == 2 and "nothing changed" in err
    code, _, err = run(database_url, monkeypatch, capsys, "restore", str(tmp_path / "nope"))
    assert code == 2 and "ไม่พบไฟล์" in err
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(file.read_bytes()[:200])  # cut short, as a failed copy leaves it
    code, _, err = run(target, monkeypatch, capsys, "restore", str(damaged), "--force")
    assert code == 2 and err.strip().endswith("ค่ะ") and "Traceback" not in err
    assert asyncio.run(_officers(target)) == ["นางสมหญิง ใจดี"]  # still there
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    code, _, err = run(database_url, monkeypatch, capsys, "backup", str(blocked / "x.backup"))
    assert code == 2 and "เขียนไฟล์" in err and err.strip().endswith("ค่ะ")


async def _write_batches(url: str, stop: threading.Event, written: list[int]) -> None:
    """The bot at work: each transaction adds BATCH villages and one audit row saying so."""
    app = build_app(settings_for(url))
    try:
        batch = 0
        while not stop.is_set() or batch < 3:
            async with app.uow() as uow:
                district = await uow.groups.area("district", "โพธาราม", None)
                for n in range(BATCH):
                    uow.session.add(
                        Area(kind="village", name=f"b{batch}-{n}", parent_id=district.id)
                    )
                    await uow.session.flush()
                await uow.audit.add(None, "batch", "area", batch, after={"n": BATCH})
                await uow.commit()
            batch += 1
            written.append(batch)
            await asyncio.sleep(0)
    finally:
        await app.close()


async def _batches(url: str) -> tuple[int, int]:
    app = build_app(settings_for(url))
    try:
        async with app.uow() as uow:
            villages = await uow.session.scalar(
                select(func.count()).select_from(Area).where(Area.kind == "village")
            )
            batches = await uow.session.scalar(
                select(func.count()).select_from(AuditLog).where(AuditLog.action == "batch")
            )
            return int(villages or 0), int(batches or 0)
    finally:
        await app.close()


def test_a_backup_taken_while_the_bot_writes_is_consistent(
    database_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    stop = threading.Event()
    written: list[int] = []
    writer = threading.Thread(
        target=lambda: asyncio.run(_write_batches(database_url, stop, written)), daemon=True
    )
    writer.start()
    files = []
    try:
        while len(written) < 3:  # the writer is under way
            threading.Event().wait(0.01)
        for n in range(3):
            file = tmp_path / f"during{n}.backup"
            backup.backup(database_url, file)
            files.append((file, len(written)))
    finally:
        stop.set()
        writer.join(timeout=120)
    total = asyncio.run(_batches(database_url))[1]
    seen = []
    for file, _ in files:
        target = empty_database(database_url, request, tmp_path)
        backup.restore(target, file, force=False)
        villages, batches = asyncio.run(_batches(target))
        # Every transaction is in the copy whole or not at all.
        assert villages == batches * BATCH, (villages, batches)
        seen.append(batches)
    assert seen[0] >= 3 and seen == sorted(seen)
    assert total > seen[0]  # writes went on while the backups were taken
