"""Use cases and their permission checks, on SQLite, with the demo district."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services import admin, records, reports
from bot.services.actors import Actor, load_actor
from bot.services.errors import InvalidInput, NeedsChoice, NotAllowed, NotFound
from bot.storage.models import Membership, MonthlyFigures, Person, Sale, Visit
from tests.support.chat import Chat

TODAY = date(2025, 10, 20)


async def actor_named(app: App, name: str) -> Actor:
    async with app.uow() as uow:
        person_id = await uow.session.scalar(select(Person.id).where(Person.name.contains(name)))
        assert person_id is not None, name
        return await load_actor(uow, person_id)


async def test_a_member_records_a_sale_for_their_group(chat: Chat) -> None:
    member = await actor_named(chat.app, "บุญมี")
    async with chat.app.uow() as uow:
        sale = await records.record_sale(
            uow, member, records.SaleInput("ไข่เค็ม", None, Decimal(30), "ฟอง", Decimal(10)),
            today=TODAY,
        )  # fmt: skip
        await uow.commit()
    assert sale.amount == Decimal("300.00")  # quantity x unit price when no total is given
    assert sale.group_id == chat.ids.egg_group_id
    assert sale.on_date == TODAY


async def test_a_member_cannot_submit_monthly_figures_and_nothing_is_stored(chat: Chat) -> None:
    member = await actor_named(chat.app, "บุญมี")
    before = await chat.count(MonthlyFigures)
    async with chat.app.uow() as uow:
        with pytest.raises(NotAllowed, match="เหรัญญิก"):
            await records.submit_monthly(
                uow, member, today=TODAY, month=None, income=Decimal(100), expenses=Decimal(10)
            )
        await uow.commit()
    assert await chat.count(MonthlyFigures) == before


async def test_nobody_logs_for_a_group_they_are_not_in(chat: Chat) -> None:
    frog_member = await actor_named(chat.app, "ประเสริฐ")
    async with chat.app.uow() as uow:
        with pytest.raises(NotAllowed, match="ยังไม่ได้เป็นสมาชิกกลุ่มนี้"):
            await records.record_sale(
                uow, frog_member, records.SaleInput("ไข่เค็ม", Decimal(50)),
                today=TODAY, group_id=chat.ids.egg_group_id,
            )  # fmt: skip


async def test_bad_amounts_and_dates_are_refused(chat: Chat) -> None:
    member = await actor_named(chat.app, "บุญมี")
    bad = [
        records.SaleInput("ไข่", Decimal(-5)),
        records.SaleInput("ไข่", Decimal(0)),
        records.SaleInput("ไข่", Decimal("99999999999")),
        records.SaleInput("ไข่", Decimal("NaN")),
        records.SaleInput("ไข่", Decimal(50), on_date=TODAY + timedelta(days=1)),
        records.SaleInput("ไข่", Decimal(50), on_date=TODAY - timedelta(days=900)),
        records.SaleInput("ไข่", Decimal(50), quantity=Decimal(-3)),
    ]
    async with chat.app.uow() as uow:
        for sale in bad:
            with pytest.raises(InvalidInput):
                await records.record_sale(uow, member, sale, today=TODAY)


async def test_a_quantity_is_kept_and_echoed_as_stored_and_a_sliver_is_refused(
    chat: Chat,
) -> None:
    """Quantities and hours are stored to three decimals: the record (and so its echo) holds
    the stored value, and one that would be stored as 0 is refused, not recorded as 0."""
    member = await actor_named(chat.app, "บุญมี")
    async with chat.app.uow() as uow:
        sale = await records.record_sale(
            uow, member, records.SaleInput("ไข่เค็ม", Decimal(50), Decimal("2.0005"), "กก."),
            today=TODAY,
        )  # fmt: skip
        await uow.commit()
    assert sale.quantity == Decimal("2.001")  # half up, as PostgreSQL's numeric(14, 3) keeps it
    async with chat.app.uow() as uow:
        stored = await uow.records.get("sale", sale.id)
        assert isinstance(stored, Sale) and stored.quantity == Decimal("2.001")
        with pytest.raises(InvalidInput, match="จำนวน"):
            await records.record_sale(
                uow, member, records.SaleInput("ไข่เค็ม", Decimal(50), Decimal("0.0004"), "กก."),
                today=TODAY,
            )  # fmt: skip
        with pytest.raises(InvalidInput, match="ชั่วโมง"):
            await records.record_work(
                uow, member, today=TODAY, hours=Decimal("0.0001"), amount_done=None, unit=None,
                note=None, on_date=None,
            )  # fmt: skip


async def test_resubmitted_figures_are_a_new_revision_and_the_old_one_is_kept(chat: Chat) -> None:
    treasurer = await actor_named(chat.app, "มาลี")
    for income in (Decimal(5000), Decimal(5200)):
        async with chat.app.uow() as uow:
            await records.submit_monthly(
                uow, treasurer, today=TODAY, month=date(2025, 9, 1), income=income,
                expenses=Decimal(1200),
            )  # fmt: skip
            await uow.commit()
    assert chat.ids is not None
    async with chat.app.uow() as uow:
        rows = (
            await uow.session.scalars(
                select(MonthlyFigures)
                .where(MonthlyFigures.group_id == chat.ids.egg_group_id)
                .order_by(MonthlyFigures.revision)
            )
        ).all()
        current = await uow.records.current_figures(rows[0].group_id, date(2025, 9, 1))
    assert [(r.revision, r.income) for r in rows] == [(1, Decimal(5000)), (2, Decimal(5200))]
    assert current is not None and current.income == Decimal(5200)
    assert current.balance == Decimal(4000)


async def test_an_officer_visits_only_groups_of_their_own_district(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        other = await admin.add_officer(
            uow, name="สมชาย ต่างถิ่น", district="ชุมแสง", province="นครสวรรค์"
        )
        other_group = await admin.create_group(
            uow, name="กลุ่มเพาะเห็ด", occupation="เพาะเห็ด", village="บ้านเกยไชย", officer_id=other.id,
            founded=date(2025, 1, 1),
        )  # fmt: skip
        await uow.commit()
    officer = await actor_named(chat.app, "รัตนา")
    async with chat.app.uow() as uow:
        visit = await records.record_visit(
            uow, officer, today=TODAY, on_date=None, group_id=chat.ids.egg_group_id,
            notes="ดี", suggestions=None,
        )  # fmt: skip
        with pytest.raises(NotAllowed, match="อำเภอ"):
            await records.record_visit(
                uow, officer, today=TODAY, on_date=None, group_id=other_group.id, notes="x"
            )
        await uow.commit()
    assert visit.officer_id == chat.ids.officer_id
    member = await actor_named(chat.app, "บุญมี")
    async with chat.app.uow() as uow:
        with pytest.raises(NotAllowed, match="พัฒนากร"):
            await records.record_visit(
                uow,
                member,
                today=TODAY,
                on_date=None,
                group_id=chat.ids.egg_group_id,
            )
        assert (await reports.district_groups(uow, officer))[0].id == chat.ids.egg_group_id
        with pytest.raises(NotAllowed):
            await reports.visible_group_month(uow, officer, other_group.id, TODAY)


async def test_meetings_are_logged_by_chair_or_treasurer_only(chat: Chat) -> None:
    member = await actor_named(chat.app, "บุญมี")
    chair = await actor_named(chat.app, "สมศรี")
    async with chat.app.uow() as uow:
        with pytest.raises(NotAllowed, match="ประธาน"):
            await records.record_meeting(
                uow, member, today=TODAY, on_date=None, attendees=10, topics="x"
            )
        meeting = await records.record_meeting(
            uow, chair, today=TODAY, on_date=None, attendees=10, topics="วางแผนการผลิต"
        )
        await uow.commit()
    assert meeting.attendees == 10


async def test_work_for_another_person_must_be_a_current_member(chat: Chat) -> None:
    """Whether a member may log for another is confirmed in chat; the service makes sure
    the hours go to a current member of the same group, and keeps who recorded them."""
    member = await actor_named(chat.app, "บุญมี")
    prapai = await actor_named(chat.app, "ประไพ")
    frog_member = await actor_named(chat.app, "ประเสริฐ")
    async with chat.app.uow() as uow:
        with pytest.raises(NotAllowed, match="ไม่ได้เป็นสมาชิก"):
            await records.record_work(
                uow, member, today=TODAY, on_date=None, hours=Decimal(2),
                person_id=frog_member.person_id,
            )  # fmt: skip
        log = await records.record_work(
            uow, member, today=TODAY, on_date=None, hours=Decimal(2), person_id=prapai.person_id
        )
        await uow.commit()
    assert log.person_id == prapai.person_id and log.recorded_by == member.person_id


async def test_hours_of_one_day_never_add_up_past_the_cap(chat: Chat) -> None:
    member = await actor_named(chat.app, "บุญมี")
    async with chat.app.uow() as uow:
        await records.record_work(uow, member, today=TODAY, on_date=None, hours=Decimal(20))
        with pytest.raises(InvalidInput, match="เกินวันละ 24 ชั่วโมง"):
            await records.record_work(uow, member, today=TODAY, on_date=None, hours=Decimal(5))
        with pytest.raises(InvalidInput, match="เกินวันละ 8 ชั่วโมง"):
            await records.record_work(
                uow, member, today=TODAY, on_date=TODAY - timedelta(days=1), hours=Decimal(9),
                day_cap=Decimal(8),
            )  # fmt: skip
        await records.record_work(uow, member, today=TODAY, on_date=None, hours=Decimal(4))


async def test_a_person_in_two_groups_is_asked_which(chat: Chat) -> None:
    boonmee = await actor_named(chat.app, "บุญมี")
    async with chat.app.uow() as uow:
        frog = await uow.groups.get(chat.ids.frog_group_id)
        assert frog is not None
        uow.session.add(Membership(person_id=boonmee.person_id, group_id=frog.id, role="member"))
        await uow.commit()
    boonmee = await actor_named(chat.app, "บุญมี")
    async with chat.app.uow() as uow:
        with pytest.raises(NeedsChoice) as asked:
            await records.record_sale(
                uow, boonmee, records.SaleInput("ไข่", Decimal(10)), today=TODAY
            )
    assert len(asked.value.options) == 2


async def test_undo_withdraws_my_last_record_with_an_audit_entry(chat: Chat) -> None:
    member = await actor_named(chat.app, "บุญมี")
    async with chat.app.uow() as uow:
        sale = await records.record_sale(
            uow, member, records.SaleInput("ไข่", Decimal(10)), today=TODAY
        )
        await uow.commit()
    async with chat.app.uow() as uow:
        undone = await records.undo_last(uow, member)
        await uow.commit()
    assert undone.id == sale.id
    async with chat.app.uow() as uow:
        stored = await uow.session.get(Sale, sale.id)
        trail = await uow.audit.for_entity("sale", sale.id)
    assert stored is not None and stored.withdrawn_at is not None
    assert [entry.action for entry in trail] == ["create", "undo"]
    before, after = trail[1].before, trail[1].after
    assert before is not None and after is not None
    assert before["withdrawn_at"] is None and after["withdrawn_at"] is not None


async def test_undo_with_nothing_recorded_says_so(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        person = await uow.people.add_person("ใหม่")
        await uow.commit()
    async with chat.app.uow() as uow:
        with pytest.raises(NotFound):
            await records.undo_last(uow, Actor(person.id, person.name))


async def test_edit_changes_one_field_of_my_last_record(chat: Chat) -> None:
    member = await actor_named(chat.app, "บุญมี")
    async with chat.app.uow() as uow:
        await records.record_sale(
            uow, member, records.SaleInput("ไข่", None, Decimal(10), "ฟอง", Decimal(5)), today=TODAY
        )
        await uow.commit()
    async with chat.app.uow() as uow:
        edited = await records.edit_last(uow, member, "quantity", Decimal(12), today=TODAY)
        await uow.commit()
    assert isinstance(edited, Sale) and edited.amount == Decimal(60)
    async with chat.app.uow() as uow:
        with pytest.raises(InvalidInput):
            await records.edit_last(uow, member, "recorded_by", 1, today=TODAY)


async def test_the_group_report_has_exactly_the_documented_keys(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        report = (
            await reports.group_month(uow, chat.ids.egg_group_id, date(2025, 10, 1))
        ).to_json()
    assert set(report) == {
        "group_id",
        "month",
        "sales",
        "meetings",
        "work",
        "monthly_figures",
        "visits",
    }
    assert set(report["sales"]) == {"count", "total", "by_item"}
    assert set(report["meetings"]) == {"count", "attendees"}
    assert set(report["visits"]) == {"count", "last"}
    assert report["month"] == "2025-10"
    # The demo's October: weeks 1-2 of its history fall in this month (days 6 and 13 of Oct).
    assert report["sales"]["count"] > 0
    assert report["visits"] == {"count": 1, "last": "2025-10-10"}


async def test_visits_are_counted_in_the_report_of_their_month(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        visits = (await uow.session.scalars(select(Visit.on_date).order_by(Visit.on_date))).all()
    assert visits == [date(2025, 9, 10), date(2025, 10, 10)]
