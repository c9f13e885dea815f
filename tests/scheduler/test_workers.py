"""Two worker processes sweeping one PostgreSQL at the same moment: each officer gets exactly
one message, with and without the advisory lock (the unique key alone must be enough)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.storage.database import create_engine
from bot.storage.models import ChatAccount, Officer, Outbox, Reminder
from tests.scheduler.synthetic import populate
from tests.support import postgres

ROOT = Path(__file__).resolve().parents[2]
OFFICERS = 30
GROUPS = 300

WORKER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from datetime import UTC, datetime
    from pathlib import Path
    from bot.config import Settings
    from bot.storage.database import create_engine, session_factory
    from scheduler.sweep import sweep

    url, lock, me, other = sys.argv[1], sys.argv[2] == "lock", Path(sys.argv[3]), Path(sys.argv[4])

    async def main() -> None:
        engine = create_engine(url)
        async with engine.connect():
            pass  # connected and warm before the race starts
        me.touch()
        deadline = time.monotonic() + 60
        while not other.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        settings = Settings(_env_file=None, database_url=url)
        async with session_factory(engine)() as session:
            summary = await sweep(session, settings, datetime(2025, 10, 20, 1, 0, tzinfo=UTC), lock=lock)
            await session.commit()
        await engine.dispose()
        print(json.dumps({"written": summary.written, "skipped": summary.skipped}))

    asyncio.run(main())
    """
)


async def _counts(url: str) -> tuple[dict[int | None, int], dict[int | None, int], int]:
    """Messages per officer's chat account, messages per chat account (None: messages to a
    chat without an account), digests written."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            per_account = select(Outbox.chat_account_id, func.count()).group_by(
                Outbox.chat_account_id
            )
            officers = per_account.join(ChatAccount, ChatAccount.id == Outbox.chat_account_id).join(
                Officer, Officer.person_id == ChatAccount.person_id
            )
            to_officers = dict((await conn.execute(officers)).all())
            to_anyone = dict((await conn.execute(per_account)).all())
            digests = await conn.scalar(
                select(func.count()).select_from(Reminder).where(Reminder.kind == "visit_plan")
            )
        return to_officers, to_anyone, int(digests or 0)
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("lock", ["lock", "no-lock"])
def test_two_processes_sweeping_at_once_send_one_digest_per_officer(
    pg_server: postgres.PostgresServer, tmp_path: Path, lock: str
) -> None:
    name = f"workers_{lock.replace('-', '_')}"
    asyncio.run(pg_server.create_database(name, "template_sammachip"))
    url = pg_server.url(name)

    async def load() -> None:
        engine = create_engine(url)
        try:
            await populate(engine, groups=GROUPS, officers=OFFICERS, households=60)
        finally:
            await engine.dispose()

    asyncio.run(load())
    ready = [tmp_path / "a.ready", tmp_path / "b.ready"]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, lock, str(ready[i]), str(ready[1 - i])],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [w.communicate(timeout=120) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err

    to_officers, to_anyone, digests = asyncio.run(_counts(url))
    assert digests == OFFICERS  # every officer has groups due a visit on this Monday
    assert len(to_officers) == OFFICERS
    assert set(to_officers.values()) == {1}, "an officer got more than one message"
    assert set(to_anyone.values()) == {1}, "someone got the same reminders twice"
    written = sorted(json.loads(out)["written"] for out, _ in outputs)
    if lock == "lock":
        assert written[0] == 0  # the second worker found the lock taken, or nothing left
