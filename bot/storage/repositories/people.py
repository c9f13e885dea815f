"""People, their chat accounts and rooms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import select

from bot.storage.models import (
    Administrator,
    ChatAccount,
    Household,
    Officer,
    Person,
    Trainer,
)
from bot.storage.repositories.base import _Repository


class RoleIds(NamedTuple):
    """A person's name and the ids of the programme roles they hold (None where none)."""

    name: str
    officer_id: int | None
    district_id: int | None
    household_id: int | None
    trainer_id: int | None
    admin_id: int | None


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

    async def roles_of(self, person_id: int) -> RoleIds | None:
        """The person with their programme roles, in one query (run on every message)."""
        row = (
            await self.session.execute(
                select(
                    Person.name,
                    select(Officer.id).where(Officer.person_id == Person.id).scalar_subquery(),
                    select(Officer.district_id)
                    .where(Officer.person_id == Person.id)
                    .scalar_subquery(),
                    select(Household.id)
                    .where(Household.person_id == Person.id)
                    .order_by(Household.id)
                    .limit(1)
                    .scalar_subquery(),
                    select(Trainer.id).where(Trainer.person_id == Person.id).scalar_subquery(),
                    select(Administrator.id)
                    .where(Administrator.person_id == Person.id)
                    .scalar_subquery(),
                ).where(Person.id == person_id)
            )
        ).one_or_none()
        return None if row is None else RoleIds(*row)

    async def names(self, person_ids: set[int]) -> dict[int, str]:
        if not person_ids:
            return {}
        rows = await self.session.execute(
            select(Person.id, Person.name).where(Person.id.in_(person_ids))
        )
        return {person_id: name for person_id, name in rows}

    async def account_addresses(self, account_ids: list[int]) -> list[tuple[str, str]]:
        """(channel, external id) of each of these chat accounts."""
        rows = await self.session.execute(
            select(ChatAccount.channel, ChatAccount.external_id).where(
                ChatAccount.id.in_(account_ids)
            )
        )
        return [(channel, external_id) for channel, external_id in rows]

    async def external_ids_on(self, channel: str) -> Sequence[str]:
        """Every chat account's id on one platform."""
        return (
            await self.session.scalars(
                select(ChatAccount.external_id).where(ChatAccount.channel == channel)
            )
        ).all()
