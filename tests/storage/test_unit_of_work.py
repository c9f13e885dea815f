"""The unit of work and repositories, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from bot.app import App
from bot.storage.models import InboundEvent, MonthlyFigures, Person, Sale

pytestmark = pytest.mark.both_databases  # the rule is in tests/conftest.py


async def test_nothing_is_kept_unless_committed(app: App) -> None:
    async with app.uow() as uow:
        await uow.people.add_person("ไม่ถูกบันทึก")
        # leaving the block without commit() rolls back
    async with app.uow() as uow:
        assert (await uow.session.scalars(select(Person))).all() == []


async def test_an_exception_rolls_back_everything(app: App) -> None:
    with pytest.raises(RuntimeError):
        async with app.uow() as uow:
            await uow.people.add_person("ครึ่งทาง")
            raise RuntimeError("boom")
    async with app.uow() as uow:
        assert (await uow.session.scalars(select(Person))).all() == []


async def test_committed_work_is_kept(app: App) -> None:
    async with app.uow() as uow:
        await uow.people.add_person("สมศรี")
        await uow.commit()
    async with app.uow() as uow:
        names = (await uow.session.scalars(select(Person.name))).all()
    assert names == ["สมศรี"]


async def test_what_follows_a_commit_is_kept_only_if_committed_too(app: App) -> None:
    """A unit of work ends as it was left: after its last commit it lets go of its objects
    (still readable) and its connection; after writes that followed a commit, it rolls
    those back."""
    pool = app.engine.sync_engine.pool
    async with app.uow() as uow:
        kept = await uow.people.add_person("สมศรี")
        await uow.commit()
        await uow.people.add_person("ไม่ถูกบันทึก")
    async with app.uow() as uow:
        other = await uow.people.add_person("สมชาย")
        await uow.commit()
    assert inspect(other).detached and other.name == "สมชาย"  # readable, in no session
    assert pool.checkedout() == 0  # type: ignore[attr-defined]
    async with app.uow() as uow:
        names = (await uow.session.scalars(select(Person.name).order_by(Person.id))).all()
    assert names == [kept.name, "สมชาย"]


async def test_a_delivery_id_is_seen_once(app: App) -> None:
    async with app.uow() as uow:
        assert await uow.conversations.seen("line", "evt-1") is False
        await uow.commit()
    async with app.uow() as uow:
        assert await uow.conversations.seen("line", "evt-1") is True
        assert await uow.conversations.seen("telegram", "evt-1") is False


async def test_the_database_refuses_a_second_row_for_one_delivery(app: App) -> None:
    async with app.uow() as uow:
        uow.session.add(InboundEvent(channel="line", external_id="evt-2"))
        await uow.commit()
    with pytest.raises(IntegrityError):
        async with app.uow() as uow:
            uow.session.add(InboundEvent(channel="line", external_id="evt-2"))
            await uow.commit()


async def test_money_round_trips_as_exact_decimal(app: App) -> None:
    async with app.uow() as uow:
        person = await uow.people.add_person("มาลี")
        sale = Sale(item="ไข่เค็ม", amount=Decimal("1234567.89"), on_date=app.clock.now().date(),
                    recorded_by=person.id)  # fmt: skip
        await uow.records.add(sale)
        await uow.commit()
    async with app.uow() as uow:
        amount = await uow.session.scalar(select(Sale.amount))
    assert amount == Decimal("1234567.89")
    assert isinstance(amount, Decimal)


async def test_instants_come_back_in_utc(app: App) -> None:
    async with app.uow() as uow:
        person = await uow.people.add_person("บุญมี")
        await uow.commit()
    async with app.uow() as uow:
        stored = await uow.session.get(Person, person.id)
    offset = stored.created_at.utcoffset() if stored is not None else None
    assert stored is not None and offset is not None
    assert offset.total_seconds() == 0


async def test_figures_revisions_are_unique_per_group_and_month(chat: object, app: App) -> None:
    async with app.uow() as uow:
        existing = (await uow.session.scalars(select(MonthlyFigures))).all()
        assert len(existing) == 1
        duplicate = MonthlyFigures(
            group_id=existing[0].group_id, month=existing[0].month, revision=existing[0].revision,
            income=Decimal(1), expenses=Decimal(1), balance=Decimal(0),
            on_date=existing[0].on_date, recorded_by=existing[0].recorded_by,
        )  # fmt: skip
        uow.session.add(duplicate)
        with pytest.raises(IntegrityError):
            await uow.commit()
