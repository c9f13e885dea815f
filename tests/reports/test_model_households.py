"""Model-household ranking on crafted records: the evidence per criterion, the per-criterion
ranks, the composite and its tie-break, and what is left out (other districts, withdrawn
records, records outside the 12 months)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import event

from bot.app import App
from bot.reports.model_households import competition_ranks, rank_model_households
from bot.services import admin
from bot.storage.models import AccountEntry, Activity, Household, Sale
from bot.storage.unit_of_work import UnitOfWork

END = date(2025, 10, 1)  # window: Nov 2024 - Oct 2025; latest 6 months from May 2025


def test_equal_values_share_the_better_rank() -> None:
    assert competition_ranks({1: 5, 2: 3, 3: 5, 4: 1}) == {1: 1, 3: 1, 2: 3, 4: 4}
    assert competition_ranks({}) == {}


async def book(
    uow: UnitOfWork,
    household: Household,
    kind: str,
    day: date,
    amount: str,
    *,
    withdrawn: bool = False,
) -> None:
    assert household.person_id is not None
    uow.session.add(
        AccountEntry(
            household_id=household.id,
            kind=kind,
            item=kind,
            amount=Decimal(amount),
            on_date=day,
            recorded_by=household.person_id,
            withdrawn_at=datetime(2025, 10, 1, tzinfo=UTC) if withdrawn else None,
        )
    )


async def test_households_are_ranked_per_village_with_their_evidence(app: App) -> None:
    async with app.uow() as uow:
        officer = await admin.add_officer(
            uow, name="พัฒนากร", district="เมืองทดสอบ", province="ทดสอบ"
        )
        elsewhere = await admin.add_officer(
            uow, name="อีกอำเภอ", district="อำเภออื่น", province="ทดสอบ"
        )

        for officer_id in (officer.id, elsewhere.id):
            await admin.add_trainer(uow, name="ครูสมบัติ", officer_id=officer_id)

        async def household(village: str, head: str, officer_id: int = officer.id) -> Household:
            h = await admin.add_household(uow, village=village, head=head, occupation="ปลูกผัก",
                                          trainer="ครูสมบัติ", officer_id=officer_id)  # fmt: skip
            h.person_id = (await uow.people.add_person(head)).id
            return h

        h1 = await household("บ้านก", "หนึ่ง")
        h2 = await household("บ้านก", "สอง")
        h3 = await household("บ้านก", "สาม")
        await household("บ้านข", "สี่")
        h5 = await household("บ้านค", "ห้า", elsewhere.id)
        await uow.session.flush()
        # หนึ่ง: 2,000 before, 6,000 in the latest 6 months, 1,500 expenses, 5 months with records.
        for day, amount in ((date(2024, 12, 3), "1000"), (date(2025, 1, 9), "1000"),
                            (date(2025, 6, 1), "3000"), (date(2025, 8, 30), "3000")):  # fmt: skip
            await book(uow, h1, "income", day, amount)
        await book(uow, h1, "expense", date(2025, 7, 15), "1500")
        # สอง: a 500 baht sale in September, activities in March and April; an old income.
        uow.session.add(Sale(household_id=h2.id, item="ผัก", amount=Decimal(500),
                             on_date=date(2025, 9, 2), recorded_by=h2.person_id))  # fmt: skip
        for day in (date(2025, 3, 1), date(2025, 4, 2)):
            uow.session.add(Activity(household_id=h2.id, kind="production", on_date=day,
                                     recorded_by=h2.person_id))  # fmt: skip
        await book(uow, h2, "income", date(2024, 10, 31), "9999")  # before the window
        # สาม: income fell from 10,000 to 8,000; 1,000 expenses; a withdrawn and a later entry.
        await book(uow, h3, "income", date(2024, 11, 1), "10000")
        await book(uow, h3, "income", date(2025, 10, 31), "8000")
        await book(uow, h3, "expense", date(2024, 11, 20), "1000")
        await book(uow, h3, "income", date(2025, 2, 14), "50000", withdrawn=True)
        await book(uow, h3, "income", date(2025, 11, 1), "70000")  # after the window
        await book(uow, h5, "income", date(2025, 9, 1), "99999")  # another district
        await uow.commit()

    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(app.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with app.uow() as uow:
            villages = await rank_model_households(uow, officer.district_id, END)
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 4  # households, book entries, sales, activities

    assert [v.village for v in villages] == ["บ้านก", "บ้านข"]
    first = villages[0].households
    assert [r.evidence.head_name for r in first] == ["หนึ่ง", "สาม", "สอง"]
    one, three, two = first
    assert (one.place, one.growth_rank, one.net_rank, one.regularity_rank, one.score) == (
        1,
        1,
        2,
        1,
        4,
    )
    # สาม and สอง both score 7; สาม's larger net income breaks the tie.
    assert (three.place, three.growth_rank, three.net_rank, three.regularity_rank) == (2, 3, 1, 3)
    assert (two.place, two.growth_rank, two.net_rank, two.regularity_rank) == (3, 2, 3, 2)
    assert three.score == two.score == 7

    e = one.evidence
    assert (e.income_previous, e.income_recent, e.growth, e.growth_percent) == (
        Decimal(2000),
        Decimal(6000),
        Decimal(4000),
        Decimal(200),
    )
    assert (e.income_total, e.expenses_total, e.net, e.active_months) == (
        Decimal(8000),
        Decimal(1500),
        Decimal(6500),
        5,
    )
    e = two.evidence
    assert (e.income_previous, e.income_recent, e.growth_percent, e.net, e.active_months) == (
        Decimal(0),
        Decimal(500),
        None,
        Decimal(500),
        3,
    )
    e = three.evidence
    assert (e.growth, e.growth_percent, e.net, e.active_months) == (
        Decimal(-2000),
        Decimal(-20),
        Decimal(17000),
        2,
    )

    (four,) = villages[1].households
    assert (four.place, four.score, four.evidence.net, four.evidence.active_months) == (
        1,
        3,
        Decimal(0),
        0,
    )
