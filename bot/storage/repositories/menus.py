"""Which rich menu each chat account has (menu sync)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select

from bot.storage.models import (
    ChatAccount,
    MenuSync,
    utcnow,
)
from bot.storage.repositories.base import _Repository


class MenuRepository(_Repository):
    """The menu sync's queue (see `MenuSync`)."""

    channels = ("line", "telegram")  # the platforms with a menu to keep

    async def queue(self, channel: str, external_ids: Sequence[str]) -> int:
        """Marks these people's menus to be brought up to date (due at once, however often
        they were queued before). Returns how many were queued."""
        if channel not in self.channels or not external_ids:
            return 0
        insert = self._insert()
        values = [
            {"channel": channel, "external_id": e, "pending": True, "version": 0, "attempts": 0,
             "updated_at": utcnow()}
            for e in dict.fromkeys(external_ids)
        ]  # fmt: skip
        statement = insert(MenuSync).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["channel", "external_id"],
            set_={
                "pending": True,
                "next_attempt_at": None,
                "attempts": 0,
                "version": MenuSync.version + 1,
                "updated_at": statement.excluded.updated_at,
            },
        )
        await self.session.execute(statement)
        self.queued = True
        return len(values)

    queued = False  # set once this unit of work queued something: the sync is woken after it

    async def queue_person(self, person_id: int | None) -> int:
        """Every platform account of this person."""
        if person_id is None:
            return 0
        count = 0
        for channel in self.channels:
            ids = (
                await self.session.scalars(
                    select(ChatAccount.external_id).where(
                        ChatAccount.person_id == person_id, ChatAccount.channel == channel
                    )
                )
            ).all()
            count += await self.queue(channel, list(ids))
        return count

    async def due(self, now: datetime, limit: int, channels: Sequence[str]) -> Sequence[MenuSync]:
        query = (
            select(MenuSync)
            .where(
                MenuSync.pending.is_(True),
                MenuSync.channel.in_(list(channels)),
                (MenuSync.next_attempt_at.is_(None)) | (MenuSync.next_attempt_at <= now),
            )
            .order_by(MenuSync.id)
            .limit(limit)
        )
        if self._on_postgres:
            query = query.with_for_update(skip_locked=True)
        return (await self.session.scalars(query)).all()

    async def never_synced(self, channel: str) -> Sequence[str]:
        """Chat accounts on this platform whose menu was never set (new since the last sync)."""
        known = select(MenuSync.external_id).where(MenuSync.channel == channel)
        return (
            await self.session.scalars(
                select(ChatAccount.external_id).where(
                    ChatAccount.channel == channel, ChatAccount.external_id.not_in(known)
                )
            )
        ).all()

    async def waiting_count(self, channels: Sequence[str]) -> int:
        """People whose menu is not up to date: never set, queued, or last failed."""
        known = select(MenuSync.external_id).where(MenuSync.channel == ChatAccount.channel)
        never = await self.session.scalar(
            select(func.count())
            .select_from(ChatAccount)
            .where(ChatAccount.channel.in_(channels), ChatAccount.external_id.not_in(known))
        )
        pending = await self.session.scalar(
            select(func.count())
            .select_from(MenuSync)
            .where(
                MenuSync.channel.in_(channels),
                or_(MenuSync.pending.is_(True), MenuSync.last_error.is_not(None)),
            )
        )
        return int(never or 0) + int(pending or 0)
