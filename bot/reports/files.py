"""Reading a generated file for the platforms and the web: a chart stored as a spec is drawn
here, on first fetch, in a worker thread and outside any transaction (so drawing never holds
the database, nor SQLite's one writer, while other people's messages wait); the picture is
then kept for the next fetch."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from bot.storage.models import StoredFile
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Loaded:
    data: bytes
    content_type: str
    filename: str | None
    single_use: bool
    used: bool


async def load(uow_factory: Callable[[], UnitOfWork], key: str, now: datetime) -> Loaded | None:
    """The file under `key` if it has not expired, drawn first if it is a chart spec."""
    async with uow_factory() as uow:
        stored = await uow.files.get(key, now)
        if stored is None:
            return None
        found = Loaded(
            stored.data, stored.content_type, stored.filename, stored.single_use,
            stored.used_at is not None,
        )  # fmt: skip
        spec = dict(stored.spec) if stored.spec and not stored.data else None
    if spec is None:
        return found
    from bot.reports.charts import render_spec

    png = await asyncio.to_thread(render_spec, spec)
    async with uow_factory() as uow:
        await uow.session.execute(
            update(StoredFile)
            .where(StoredFile.key == key, StoredFile.spec.is_not(None))
            .values(data=png, spec=None)
        )
        await uow.commit()
    return Loaded(png, found.content_type, found.filename, found.single_use, found.used)
