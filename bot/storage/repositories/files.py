"""Stored files (exports, posters) and their single-use links."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from bot.storage.models import (
    StoredFile,
)
from bot.storage.repositories.base import _Repository


class FileRepository(_Repository):
    """Generated images and exports, named by an unguessable key and kept until they expire."""

    async def put(
        self,
        data: bytes,
        content_type: str,
        *,
        now: datetime,
        ttl: timedelta,
        filename: str | None = None,
        owner_person_id: int | None = None,
        single_use: bool = False,
        spec: dict[str, Any] | None = None,
    ) -> StoredFile:
        stored = StoredFile(
            key=secrets.token_urlsafe(24),
            content_type=content_type,
            filename=filename,
            data=data,
            created_at=now,
            expires_at=now + ttl,
            owner_person_id=owner_person_id,
            single_use=single_use,
            spec=spec,
        )
        self.session.add(stored)
        await self.session.flush()
        return stored

    async def get(self, key: str, now: datetime) -> StoredFile | None:
        return await self.session.scalar(
            select(StoredFile).where(StoredFile.key == key, StoredFile.expires_at > now)
        )

    async def cached(
        self, cache_key: str, content_type: str, spec: dict[str, Any], *, now: datetime,
        ttl: timedelta, filename: str | None = None,
    ) -> StoredFile:  # fmt: skip
        """The file stored under `cache_key`, made (empty, with its `spec` to draw it from) if
        there is none yet, and kept for at least `ttl` more. One INSERT … ON CONFLICT DO
        NOTHING: two workers asking at once share one row."""
        await self.session.execute(
            self._insert()(StoredFile)
            .values(
                key=secrets.token_urlsafe(24), content_type=content_type, filename=filename,
                data=b"", created_at=now, expires_at=now + ttl, cache_key=cache_key,
                spec=spec, single_use=False,
            )
            .on_conflict_do_nothing(index_elements=["cache_key"])
        )  # fmt: skip
        stored = await self.session.scalar(
            select(StoredFile)
            .where(StoredFile.cache_key == cache_key)
            .execution_options(populate_existing=True)
        )
        assert stored is not None
        if stored.expires_at < now + ttl:
            stored.expires_at = now + ttl
        return stored

    async def use_once(self, key: str, now: datetime) -> bool:
        """Marks a single-use file fetched; False if it was already, or has expired."""
        result = await self.session.execute(
            update(StoredFile)
            .where(StoredFile.key == key, StoredFile.used_at.is_(None), StoredFile.expires_at > now)
            .values(used_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def revoke_links(self, person_id: int) -> int:
        """Deletes the single-use files (download links) sent to this person: the account they
        went to is no longer theirs (unlinked), so the links stop working now, not in 15 min."""
        result = await self.session.execute(
            delete(StoredFile).where(
                StoredFile.owner_person_id == person_id, StoredFile.single_use.is_(True)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge(self, now: datetime) -> int:
        """Deletes the files whose time is up (the periodic purge)."""
        result = await self.session.execute(delete(StoredFile).where(StoredFile.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)
