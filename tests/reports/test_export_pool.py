"""Twenty officers tap twenty fresh workbook links at once: every workbook is built. On
PostgreSQL a build holds the link's advisory lock (bot/reports/files.py `_build`); had it
taken a second connection for the read while holding the first, as many builds as the
worker's pool has connections would wait for each other until the pool's 30 s timeout, every
link would say "not ready", and every message of that worker would wait meanwhile."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from sqlalchemy import select

from bot.reports.files import load
from bot.services import exports
from bot.storage.models import StoredFile
from tests.conftest import NOW
from tests.support.chat import Chat

LINKS = 20  # the PostgreSQL pool of one worker: pool_size 10 + max_overflow 10


@pytest.mark.both_databases
async def test_as_many_distinct_first_fetches_as_the_pool_all_build(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = await chat.say("ส่งออก", "officer")
    assert answer is not None and answer.document is not None
    # Twenty officers' links: the same request under fresh keys.
    async with chat.app.uow() as uow:
        first = await uow.session.scalar(
            select(StoredFile).where(StoredFile.key == answer.document.key)
        )
        assert first is not None
        keys = [secrets.token_urlsafe(24) for _ in range(LINKS)]
        for key in keys:
            uow.session.add(
                StoredFile(
                    key=key, content_type=first.content_type, filename=first.filename,
                    data=b"", expires_at=first.expires_at, single_use=True, spec=first.spec,
                )
            )  # fmt: skip
        await uow.commit()
    real = exports.render_request

    async def slow(*args: Any) -> bytes:
        await asyncio.sleep(0.2)  # the fetches arrive together, as a workbook takes a while
        return await real(*args)

    monkeypatch.setattr(exports, "render_request", slow)
    async with asyncio.timeout(15):
        fetched = await asyncio.gather(*(load(chat.app.uow, key, NOW) for key in keys))
    assert all(f is not None and f.data.startswith(b"PK") for f in fetched)
