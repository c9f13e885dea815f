"""Helpers for the scheduler tests: Bangkok wall-clock instants, who received what, and
records logged directly (the facts the sweep reads), so these tests do not depend on how the
conversation understands a sentence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import App
from bot.channels.base import Outgoing
from bot.demo import PERSONAS, console_id
from bot.storage.models import (
    AnnualSummary,
    Household,
    Meeting,
    MonthlyFigures,
    OccupationGroup,
    Officer,
    Person,
    Visit,
)

BKK = ZoneInfo("Asia/Bangkok")


def bkk(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> datetime:
    """A Bangkok wall-clock time as the UTC instant clocks hold."""
    return datetime(year, month, day, hour, minute, tzinfo=BKK).astimezone(UTC)


@dataclass
class Demo:
    """The demo district's people and records, by the names the tests use."""

    app: App
    officer_id: int
    officer_person: int
    egg: int
    frog: int
    households: list[int]
    chat_ids: dict[str, str]  # persona or person name -> console chat id

    def to(self, sent: list[Outgoing], who: str) -> list[str]:
        """The texts `who` (a persona such as "officer", or a person's name) received."""
        chat_id = self.chat_ids[PERSONAS.get(who, who)]
        return [m.reply.text for m in sent if m.recipient == chat_id]

    async def log(self, model: type, **values: object) -> None:
        async with self.app.uow() as uow:
            uow.session.add(model(recorded_by=self.officer_person, **values))
            await uow.commit()

    async def visit(
        self, on: date, *, group: int | None = None, household: int | None = None
    ) -> None:
        await self.log(
            Visit, officer_id=self.officer_id, group_id=group, household_id=household, on_date=on
        )

    async def meeting(self, group: int, on: date) -> None:
        await self.log(Meeting, group_id=group, on_date=on, attendees=10)

    async def figures(self, group: int, month: date, on: date) -> None:
        await self.log(
            MonthlyFigures, group_id=group, month=month, on_date=on,
            income=Decimal(1000), expenses=Decimal(400), balance=Decimal(600),
        )  # fmt: skip

    async def annual(self, group: int, year: int, on: date) -> None:
        await self.log(
            AnnualSummary, group_id=group, year=year, on_date=on,
            revenue=Decimal(12000), costs=Decimal(5000), profit=Decimal(7000),
        )  # fmt: skip

    async def everything_up_to_date(self, on: date) -> None:
        """Visits, meetings, figures, summaries and household follow-up all logged by `on`."""
        previous = (on.replace(day=1) - timedelta(days=1)).replace(day=1)
        for group in (self.egg, self.frog):
            await self.visit(on, group=group)
            await self.meeting(group, on)
            await self.annual(group, 2024, on)
        await self.figures(self.egg, previous, on)
        for household in self.households:
            await self.visit(on, household=household)


async def demo(app: App) -> Demo:
    """Ids of the seeded demo district (the `chat` fixture seeds it as of Monday 2025-10-20)."""
    async with app.uow() as uow:
        officer = await uow.session.scalar(select(Officer).order_by(Officer.id).limit(1))
        assert officer is not None and officer.person_id is not None
        groups = {
            g.name: g.id
            for g in await uow.session.scalars(select(OccupationGroup).order_by(OccupationGroup.id))
        }
        households = list(await uow.session.scalars(select(Household.id).order_by(Household.id)))
        people = {p.name: p.id for p in await uow.session.scalars(select(Person))}
    from bot.demo import EGG_GROUP, FROG_GROUP

    return Demo(
        app=app,
        officer_id=officer.id,
        officer_person=officer.person_id,
        egg=groups[EGG_GROUP],
        frog=groups[FROG_GROUP],
        households=households,
        chat_ids={name: console_id(pid) for name, pid in people.items()},
    )
