"""People, their chat accounts and rooms."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.storage.models import (
    ChatAccount,
    Officer,
    Person,
)
from bot.storage.repositories.base import _Repository


class PeopleRepository(_Repository):
    async def account(self, channel: str, external_id: str) -> ChatAccount | None:
        return await self.session.scalar(
            select(ChatAccount).where(
                ChatAccount.channel == channel, ChatAccount.external_id == external_id
            )
        )

    async def ensure_account(
        self, channel: str, external_id: str, display_name: str | None
    ) -> ChatAccount:
        account = await self.account(channel, external_id)
        if account is None:
            account = ChatAccount(
                channel=channel, external_id=external_id, display_name=display_name
            )
            self.session.add(account)
            await self.session.flush()
        elif display_name and account.display_name != display_name:
            account.display_name = display_name
        return account

    async def accounts_of(self, person_id: int) -> Sequence[ChatAccount]:
        """The person's chat accounts, the one linked longest first (an account linked before
        link times were kept comes first)."""
        return (
            await self.session.scalars(
                select(ChatAccount)
                .where(ChatAccount.person_id == person_id)
                .order_by(ChatAccount.linked_at.is_not(None), ChatAccount.linked_at, ChatAccount.id)
            )
        ).all()

    async def person(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def add_person(self, name: str) -> Person:
        person = Person(name=name)
        self.session.add(person)
        await self.session.flush()
        return person

    async def officer(self, officer_id: int) -> Officer | None:
        return await self.session.get(Officer, officer_id)

    async def officer_of(self, person_id: int) -> Officer | None:
        return await self.session.scalar(select(Officer).where(Officer.person_id == person_id))
