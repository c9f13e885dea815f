"""The repository contract: what the services rely on each repository in
bot/storage/repositories/ to do, asserted the same on SQLite and on PostgreSQL (in the manner of
aiogram's tests/test_fsm/storage/test_storages.py). Where the two databases get there differently
— PostgreSQL's FOR UPDATE SKIP LOCKED and ON CONFLICT waits, SQLite's single writer — the tests
race two units of work and assert the one outcome both must give."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import pytest

from bot.app import App
from bot.storage.models import (
    Administrator,
    AdminLevel,
    AreaKind,
    ChatRoom,
    DashboardSecretKind,
    DeliveryStatus,
    Household,
    Membership,
    Outbox,
    Role,
    Sale,
    StoredFile,
    Trainer,
)
from bot.storage.repositories import GroupSeat
from bot.storage.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.support import builders
from tests.support.builders import District, figures, meeting, member, sale, save, visit, work

pytestmark = pytest.mark.both_databases  # the rule is in tests/conftest.py

T = TypeVar("T")
OCTOBER, NOVEMBER = date(2025, 10, 1), date(2025, 11, 1)
LEASE = timedelta(minutes=5)


@pytest.fixture
async def place(app: App) -> District:
    return await builders.district(app)


async def in_uow(app: App, work: Callable[[UnitOfWork], Awaitable[T]], commit: bool = True) -> T:
    async with app.uow() as uow:
        result = await work(uow)
        if commit:
            await uow.commit()
        return result


async def while_held(
    app: App,
    first: Callable[[UnitOfWork], Awaitable[T]],
    second: Callable[[UnitOfWork], Awaitable[T]],
) -> tuple[T, T]:
    """`first` in a unit of work that stays open while `second` starts in another one; then
    `first` commits. On PostgreSQL `second` runs against the open transaction (and waits on its
    row locks where it must); on SQLite it waits for the one writer. Either way: both results."""
    async with app.uow() as uow:
        mine = await first(uow)
        other = asyncio.create_task(in_uow(app, second))
        await asyncio.sleep(0.3)  # long enough for `second` to meet the open transaction
        await uow.commit()
    return mine, await other


# --- people ---------------------------------------------------------------------------------


async def test_ensure_account_is_idempotent_and_keeps_the_latest_name(app: App) -> None:
    first = await in_uow(app, lambda uow: uow.people.ensure_account("line", "U1", "สมชาย"))
    again = await in_uow(app, lambda uow: uow.people.ensure_account("line", "U1", "สมชาย ดี"))
    unnamed = await in_uow(app, lambda uow: uow.people.ensure_account("line", "U1", None))
    other = await in_uow(app, lambda uow: uow.people.ensure_account("telegram", "U1", None))

    assert first.id == again.id == unnamed.id != other.id
    found = await in_uow(app, lambda uow: uow.people.account("line", "U1"))
    assert found is not None and found.display_name == "สมชาย ดี"  # a missing name keeps the old
    assert await in_uow(app, lambda uow: uow.people.account("line", "U2")) is None


async def test_a_persons_accounts_come_linked_longest_first(app: App) -> None:
    async def link(uow: UnitOfWork) -> int:
        person = await uow.people.add_person("บุญมี")
        for external_id, linked in (("T", NOW), ("L", NOW - timedelta(days=30)), ("old", None)):
            account = await uow.people.ensure_account("line", external_id, None)
            account.person_id, account.linked_at = person.id, linked
        return person.id

    person = await in_uow(app, link)
    accounts = await in_uow(app, lambda uow: uow.people.accounts_of(person))
    assert [a.external_id for a in accounts] == ["old", "L", "T"]


async def test_an_officer_is_found_by_their_person(app: App, place: District) -> None:
    officer = await in_uow(app, lambda uow: uow.people.officer_of(place.officer_person))
    assert officer is not None and officer.id == place.officer
    assert await in_uow(app, lambda uow: uow.people.officer_of(place.officer_person + 999)) is None


async def test_the_speaker_of_a_message_comes_whole_in_one_read(app: App, place: District) -> None:
    """Account, person with every role, current groups oldest first, the open question of
    this chat and the room's group: what each message is handled with."""
    later = NOW + timedelta(minutes=30)

    async def fill(uow: UnitOfWork) -> dict[str, int]:
        person = place.officer_person  # an officer, and also in two groups
        other = await builders.add_group(uow, place.officer, place.village, "กลุ่มทอผ้า")
        left = await builders.add_group(uow, place.officer, place.village, "กลุ่มที่ออกแล้ว")
        uow.session.add_all([
            Membership(person_id=person, group_id=other, role=Role.MEMBER, since=NOW),
            Membership(person_id=person, group_id=place.group, role=Role.TREASURER,
                       since=NOW - timedelta(days=9)),
            Membership(person_id=person, group_id=left, role=Role.CHAIR,
                       since=NOW - timedelta(days=99), until=NOW - timedelta(days=9)),
        ])  # fmt: skip
        households = [
            Household(village_id=place.village, head_name=person_name, occupation="ทอผ้า",
                      trainer_name="ครูแดง", officer_id=place.officer, person_id=person)
            for person_name in ("นางคำ", "นางคำ 2")
        ]  # fmt: skip
        trainer = Trainer(name="ครูแดง", officer_id=place.officer, person_id=person)
        admin = Administrator(name="อำเภอ", level=AdminLevel.DISTRICT, area_id=place.district,
                              person_id=person)  # fmt: skip
        uow.session.add_all([*households, trainer, admin])
        uow.session.add(ChatRoom(channel="line", external_id="C-room", group_id=place.group))
        uow.session.add(
            ChatRoom(channel="line", external_id="C-gone", group_id=other, active=False)
        )
        account = await uow.people.ensure_account("line", "U-speaker", "สมศรี")
        account.person_id = person
        await uow.flush()
        await uow.conversations.save(account.id, "C-room", "sale", {"item": "ไข่"}, later)
        return {"other": other, "household": households[0].id, "trainer": trainer.id,
                "admin": admin.id, "account": account.id}  # fmt: skip

    ids = await in_uow(app, fill)
    found = await in_uow(
        app, lambda uow: uow.speakers.speaker("line", "U-speaker", "C-room", in_room=True)
    )
    assert found is not None
    assert (found.account.id, found.account.display_name) == (ids["account"], "สมศรี")
    assert found.state is not None and (found.state.flow, found.state.data) == (
        "sale", {"item": "ไข่"}
    )  # fmt: skip
    assert found.roles is not None
    assert tuple(found.roles) == (
        "สมศรี ใจดี", place.officer, place.district, ids["household"], ids["trainer"], ids["admin"]
    )  # fmt: skip
    assert found.groups == (
        GroupSeat(place.group, "กลุ่มเลี้ยงไก่ไข่", Role.TREASURER),
        GroupSeat(ids["other"], "กลุ่มทอผ้า", Role.MEMBER),
    )  # oldest first; the group they left is not there
    assert found.room_group_id == place.group

    async def speaker(chat_id: str, in_room: bool) -> tuple[object, object, int]:
        got = await in_uow(
            app, lambda uow: uow.speakers.speaker("line", "U-speaker", chat_id, in_room=in_room)
        )
        assert got is not None
        return got.state, got.room_group_id, len(got.groups)

    assert await speaker("C-gone", True) == (None, None, 2)  # an inactive room links nobody
    assert await speaker("U-speaker", False) == (None, None, 2)  # their one-to-one chat
    state, room, _ = await speaker("C-room", False)
    assert state is not None and room is None  # the room is read for a group message only
    assert await in_uow(
        app, lambda uow: uow.speakers.speaker("telegram", "U-speaker", "C-room", in_room=True)
    ) is None  # fmt: skip


async def test_a_speaker_linked_to_nobody_has_no_roles(app: App, place: District) -> None:
    await in_uow(app, lambda uow: uow.people.ensure_account("telegram", "42", None))
    found = await in_uow(
        app, lambda uow: uow.speakers.speaker("telegram", "42", "42", in_room=False)
    )
    assert found is not None
    assert (found.roles, found.groups, found.state, found.room_group_id) == (None, (), None, None)


# --- groups ---------------------------------------------------------------------------------


async def test_areas_are_made_once_under_their_parent(app: App, place: District) -> None:
    again = await in_uow(
        app, lambda uow: uow.groups.area(AreaKind.DISTRICT, "วังหิน", place.province)
    )
    province = await in_uow(app, lambda uow: uow.groups.area(AreaKind.PROVINCE, "ศรีสะเกษ", None))
    elsewhere = await in_uow(app, lambda uow: uow.groups.area(AreaKind.DISTRICT, "วังหิน", None))

    assert (again.id, province.id) == (place.district, place.province)
    assert elsewhere.id not in (place.district, place.province)  # same name, another parent
    named = await in_uow(app, lambda uow: uow.groups.areas_named(AreaKind.DISTRICT, "วังหิน"))
    assert len(named) == 2
    within = await in_uow(
        app, lambda uow: uow.groups.areas_within(place.province, AreaKind.DISTRICT)
    )
    assert [a.id for a in within] == [place.district]


async def test_only_current_members_count(app: App, place: District) -> None:
    treasurer = await member(app, place.group, "ข. เหรัญญิก", role=Role.TREASURER)
    kept = await member(app, place.group, "ก. สมาชิก")
    gone = await member(app, place.group, "ค. ลาออก", left=NOW)

    members = await in_uow(app, lambda uow: uow.groups.members(place.group))
    assert [p.id for _, p in members] == [kept, treasurer]  # by name, who left aside
    holders = await in_uow(app, lambda uow: uow.groups.holders(place.group, Role.TREASURER))
    assert [m.person_id for m in holders] == [treasurer]
    assert await in_uow(app, lambda uow: uow.groups.membership(gone, place.group)) is None
    assert await in_uow(app, lambda uow: uow.groups.memberships_of(gone)) == []
    assert await in_uow(app, lambda uow: uow.groups.ever_member(gone))
    assert not await in_uow(app, lambda uow: uow.groups.ever_member(place.officer_person))
    groups = await in_uow(app, lambda uow: uow.groups.of_officer(place.officer))
    assert [g.id for g in groups] == [place.group]


async def test_households_and_group_chats_are_found_by_their_keys(
    app: App, place: District
) -> None:
    async def fill(uow: UnitOfWork) -> tuple[int, int]:
        households = [
            Household(village_id=place.village, head_name=name, occupation="ทอผ้า",
                      trainer_name="ครูแดง", officer_id=place.officer)
            for name in ("นางคำ", "นายทอง")
        ]  # fmt: skip
        uow.session.add_all(households)
        uow.session.add(ChatRoom(channel="line", external_id="C-group", group_id=place.group))
        await uow.session.flush()
        return households[0].id, households[1].id

    first, second = await in_uow(app, fill)
    mine = await in_uow(app, lambda uow: uow.groups.households_of_officer(place.officer))
    assert [h.id for h in mine] == [first, second]
    one = await in_uow(app, lambda uow: uow.groups.household(second))
    assert one is not None and one.head_name == "นายทอง"
    room = await in_uow(app, lambda uow: uow.groups.room("line", "C-group"))
    assert room is not None and room.group_id == place.group
    assert await in_uow(app, lambda uow: uow.groups.room("telegram", "C-group")) is None


# --- records --------------------------------------------------------------------------------


async def test_group_month_adds_money_up_exactly_and_leaves_out_what_does_not_count(
    app: App, place: District
) -> None:
    egg = place.group
    async with app.uow() as uow:
        frog = await builders.add_group(uow, place.officer, place.village, "กลุ่มเลี้ยงกบ")
        await uow.commit()
    somsri = await member(app, egg, "สมศรี")
    withdrawn = sale(egg, somsri, date(2025, 10, 9), "5000.00", withdrawn_at=NOW)
    await save(
        app,
        sale(egg, somsri, date(2025, 10, 1), "0.10"),
        sale(egg, somsri, date(2025, 10, 2), "0.20"),
        sale(egg, somsri, date(2025, 10, 31), "1234567.89"),
        sale(egg, somsri, date(2025, 10, 3), "250.05", item="ปุ๋ยขี้ไก่"),
        withdrawn,
        sale(egg, somsri, date(2025, 9, 30), "999.99"),  # the month before
        sale(egg, somsri, NOVEMBER, "999.99"),  # the month after
        sale(frog, somsri, date(2025, 10, 5), "999.99"),  # another group
        work(egg, somsri, date(2025, 10, 4), hours=Decimal("2.5")),
        work(egg, somsri, date(2025, 10, 5), hours=Decimal("1.25")),
        work(egg, somsri, date(2025, 10, 6), quantity=Decimal("200"), unit="ฟอง"),
        meeting(egg, somsri, date(2025, 10, 7), attendees=12),
        meeting(egg, somsri, date(2025, 10, 8), attendees=9),
        visit(place, date(2025, 9, 15)),
        visit(place, date(2025, 10, 15)),
        figures(egg, somsri, OCTOBER, revision=1, income="1000"),
        figures(egg, somsri, OCTOBER, revision=2, income="1500.50"),
    )

    month = await in_uow(app, lambda uow: uow.records.group_month(egg, OCTOBER, NOVEMBER))
    assert month.sales_total == Decimal("1234818.24")
    assert month.sales_count == 4
    assert month.sales_by_item == {"ไข่ไก่": Decimal("1234568.19"), "ปุ๋ยขี้ไก่": Decimal("250.05")}
    assert list(month.sales_by_item) == ["ไข่ไก่", "ปุ๋ยขี้ไก่"]  # the bigger first
    assert (month.meetings_count, month.meetings_attendees) == (2, 21)
    assert month.work_units == {"สมศรี": {"ชั่วโมง": Decimal("3.75"), "ฟอง": Decimal("200")}}
    assert month.work_by_member == {"สมศรี": Decimal("203.75")}
    assert month.figures is not None and month.figures.revision == 2
    assert month.figures.income == Decimal("1500.50")
    assert (month.visits_count, month.last_visit) == (1, date(2025, 10, 15))
    assert all(type(v) is Decimal for v in [month.sales_total, *month.sales_by_item.values()])

    total = await in_uow(app, lambda uow: uow.records.sales_total(egg, OCTOBER, NOVEMBER))
    mine = await in_uow(app, lambda uow: uow.records.person_sales(somsri, egg, OCTOBER, NOVEMBER))
    assert total == Decimal("1234818.24") and mine == (4, Decimal("1234818.24"))


async def test_an_empty_month_is_zero_not_missing(app: App, place: District) -> None:
    month = await in_uow(app, lambda uow: uow.records.group_month(place.group, OCTOBER, NOVEMBER))
    assert (month.sales_total, month.sales_count, month.sales_by_item) == (Decimal(0), 0, {})
    assert (month.meetings_count, month.meetings_attendees, month.visits_count) == (0, 0, 0)
    assert (month.figures, month.last_visit, month.work_by_member) == (None, None, {})
    total = await in_uow(app, lambda uow: uow.records.sales_total(place.group, OCTOBER, NOVEMBER))
    assert total == Decimal(0)


async def test_hours_of_a_day_and_the_last_record_leave_withdrawn_ones_out(
    app: App, place: District
) -> None:
    somsri = await member(app, place.group, "สมศรี")
    day = date(2025, 10, 4)
    first, second, undone = await save(
        app,
        work(place.group, somsri, day, hours=Decimal("3.5")),
        work(place.group, somsri, day, hours=Decimal("4.25")),
        work(place.group, somsri, day, hours=Decimal("8"), withdrawn_at=NOW),
    )
    hours = await in_uow(app, lambda uow: uow.records.hours_on(somsri, day))
    assert hours == Decimal("7.75")
    less = await in_uow(app, lambda uow: uow.records.hours_on(somsri, day, excluding=second))
    assert less == Decimal("3.5")

    last = await in_uow(app, lambda uow: uow.records.last_by(somsri))
    assert last is not None and last.id == second  # the withdrawn one is not "my last record"
    found = await in_uow(app, lambda uow: uow.records.get("work_log", undone))
    assert found is not None and found.withdrawn_at is not None
    assert await in_uow(app, lambda uow: uow.records.get("no_such_table", first)) is None


async def test_figures_revisions_are_never_reused(app: App, place: District) -> None:
    treasurer = await member(app, place.group, "เหรัญญิก", role=Role.TREASURER)
    withdrawn = figures(place.group, treasurer, OCTOBER, revision=2)
    withdrawn.withdrawn_at = NOW
    await save(app, figures(place.group, treasurer, OCTOBER, revision=1), withdrawn)

    current = await in_uow(app, lambda uow: uow.records.current_figures(place.group, OCTOBER))
    assert current is not None and current.revision == 1
    following = await in_uow(
        app, lambda uow: uow.records.next_figures_revision(place.group, OCTOBER)
    )
    assert following == 3
    fresh = await in_uow(app, lambda uow: uow.records.next_figures_revision(place.group, NOVEMBER))
    assert fresh == 1


async def test_the_usual_sale_and_recent_prices_come_from_standing_sales(
    app: App, place: District
) -> None:
    somsri = await member(app, place.group, "สมศรี")
    await save(
        app,
        sale(place.group, somsri, date(2025, 10, 1), "120", quantity=Decimal(30), unit="ฟอง"),
        sale(
            place.group,
            somsri,
            date(2025, 10, 2),
            "130",
            quantity=Decimal(30),
            unit="ฟอง",
            unit_price=Decimal("4.50"),
        ),
        sale(place.group, somsri, date(2025, 10, 3), "50", item="ปุ๋ยขี้ไก่"),
        sale(place.group, somsri, date(2025, 10, 4), "1", item="กบ", withdrawn_at=NOW),
        sale(place.group, somsri, date(2025, 10, 5), "1", item="กบ", withdrawn_at=NOW),
    )
    assert await in_uow(app, lambda uow: uow.records.usual_sale(place.group)) == ("ไข่ไก่", "ฟอง")
    prices = await in_uow(
        app,
        lambda uow: uow.records.recent_unit_prices(
            "ไข่ไก่", unit="ฟอง", group_id=place.group, household_id=None
        ),
    )
    assert prices == [Decimal("4.50"), Decimal(4)]  # newest first; no unit price: amount/qty
    by_the_kilo = await in_uow(
        app,
        lambda uow: uow.records.recent_unit_prices(
            "ไข่ไก่", unit="กิโลกรัม", group_id=place.group, household_id=None
        ),
    )
    assert by_the_kilo == []  # a price is per unit: the eggs sold by the piece say nothing


async def test_a_new_record_comes_back_whole_and_a_later_change_to_it_is_kept(
    app: App, place: District
) -> None:
    """`RecordRepository.add` writes with one INSERT … RETURNING, not a flush: the record it
    hands back must still be what a flush gave — its id, its default `created_at`, Decimal
    money — and stay the unit of work's own object, so an undo in the same transaction is
    written, and None stays NULL."""
    somsri = await member(app, place.group, "สมศรี")
    day = date(2025, 10, 4)

    async def add_then_withdraw(uow: UnitOfWork) -> tuple[int, int]:
        kept = sale(place.group, somsri, day, "1234.50", quantity=Decimal(30), unit="ฟอง")
        undone = sale(place.group, somsri, day, "99")
        await uow.records.add(kept)
        await uow.records.add(undone)
        assert kept.id and undone.id and kept.id != undone.id
        assert kept.created_at is not None and kept.created_at.utcoffset() == timedelta(0)
        assert kept.amount == Decimal("1234.50") and kept.quantity == Decimal(30)
        assert kept.unit_price is None and kept.withdrawn_at is None
        assert uow.records.created == [kept, undone]
        undone.withdrawn_at = NOW  # written at commit, as for any loaded object
        return kept.id, undone.id

    kept_id, undone_id = await in_uow(app, add_then_withdraw)
    kept = await in_uow(app, lambda uow: uow.records.get("sale", kept_id))
    undone = await in_uow(app, lambda uow: uow.records.get("sale", undone_id))
    assert isinstance(kept, Sale) and isinstance(undone, Sale)
    assert (kept.item, kept.amount, kept.unit, kept.unit_price) == (
        "ไข่ไก่", Decimal("1234.50"), "ฟอง", None,
    )  # fmt: skip
    assert kept.withdrawn_at is None and undone.withdrawn_at is not None
    assert kept.created_at is not None


async def test_a_record_added_in_a_savepoint_that_is_undone_leaves_nothing_behind(
    app: App, place: District
) -> None:
    """The savepoint's rollback forgets the record; the unit of work goes on and its next
    record is written and kept."""
    somsri = await member(app, place.group, "สมศรี")
    day = date(2025, 10, 4)

    async def undone_then_kept(uow: UnitOfWork) -> int:
        with pytest.raises(RuntimeError):
            async with uow.savepoint():
                await uow.records.add(sale(place.group, somsri, day, "11"))
                raise RuntimeError("the step inside the savepoint fails")
        kept = sale(place.group, somsri, day, "22")
        await uow.records.add(kept)
        return kept.id

    kept_id = await in_uow(app, undone_then_kept)
    month = await in_uow(app, lambda uow: uow.records.group_month(place.group, OCTOBER, NOVEMBER))
    assert (month.sales_count, month.sales_total) == (1, Decimal(22))
    assert await in_uow(app, lambda uow: uow.records.get("sale", kept_id)) is not None


async def test_the_records_to_undo_are_remembered_on_the_account_and_forgotten(app: App) -> None:
    """`ยกเลิก`'s memory: one UPDATE, and the unit of work's account sees it at once."""
    account_id = (await in_uow(app, lambda uow: uow.people.ensure_account("line", "U1", None))).id

    async def remember(records: list[list[object]] | None) -> None:
        async with app.uow() as uow:
            account = await uow.people.account("line", "U1")
            assert account is not None
            await uow.speakers.remember_records(account, records, NOW if records else None)
            assert account.last_records == records  # this transaction's object has it
            await uow.commit()

    await remember([["sale", 7], ["work_log", 8]])
    found = await in_uow(app, lambda uow: uow.people.account("line", "U1"))
    assert found is not None and found.id == account_id
    assert found.last_records == [["sale", 7], ["work_log", 8]]
    assert found.last_record_at == NOW
    await remember(None)
    found = await in_uow(app, lambda uow: uow.people.account("line", "U1"))
    assert found is not None and found.last_records is None and found.last_record_at is None


async def test_records_of_one_chat_message_are_found_by_its_reference(
    app: App, place: District
) -> None:
    somsri = await member(app, place.group, "สมศรี")
    day = date(2025, 10, 4)
    ref = "line:msg-1"
    a, b, _, _ = await save(
        app,
        sale(place.group, somsri, day, "120", source_ref=ref),
        work(place.group, somsri, day, hours=Decimal(2), source_ref=ref),
        sale(place.group, somsri, day, "50", source_ref=ref, withdrawn_at=NOW),
        sale(place.group, somsri, day, "70", source_ref="line:msg-2"),
    )
    found = await in_uow(app, lambda uow: uow.records.by_source(ref))
    assert sorted((type(r).__name__, r.id) for r in found) == [("Sale", a), ("WorkLog", b)]


# --- conversations --------------------------------------------------------------------------


async def test_conversation_state_is_saved_replaced_and_cleared(app: App) -> None:
    account = (await in_uow(app, lambda uow: uow.people.ensure_account("line", "U1", None))).id
    later = NOW + timedelta(minutes=30)

    def ask(flow: str, data: dict[str, object]) -> Callable[[UnitOfWork], Awaitable[None]]:
        return lambda uow: uow.conversations.save(account, "C1", flow, data, later)

    await in_uow(app, ask("sale", {"item": "ไข่ไก่", "amount": "1,250.50"}))
    await in_uow(app, ask("confirm", {"item": "ไข่ไก่", "step": 2}))
    state = await in_uow(app, lambda uow: uow.conversations.get(account, "C1"))
    assert state is not None
    assert (state.flow, state.data, state.expires_at) == (
        "confirm", {"item": "ไข่ไก่", "step": 2}, later
    )  # fmt: skip
    assert state.expires_at.tzinfo is not None
    assert await in_uow(app, lambda uow: uow.conversations.get(account, "another chat")) is None

    await in_uow(app, lambda uow: uow.conversations.clear(account, "C1"))
    await in_uow(app, lambda uow: uow.conversations.clear(account, "C1"))  # twice: harmless
    assert await in_uow(app, lambda uow: uow.conversations.get(account, "C1")) is None


async def test_a_delivery_id_is_seen_once_even_by_two_workers_at_once(app: App) -> None:
    assert not await in_uow(app, lambda uow: uow.conversations.seen("line", "ev-1"))
    assert await in_uow(app, lambda uow: uow.conversations.seen("line", "ev-1"))
    assert not await in_uow(app, lambda uow: uow.conversations.seen("telegram", "ev-1"))

    both = await while_held(
        app,
        lambda uow: uow.conversations.seen("line", "ev-2"),
        lambda uow: uow.conversations.seen("line", "ev-2"),
    )
    assert both == (False, True)


# --- inbox ----------------------------------------------------------------------------------


def _events(*ids: str) -> list[tuple[str, str, dict[str, object]]]:
    return [("line", i, {"text": f"ขายไข่ {i}"}) for i in ids]


async def test_the_inbox_drops_a_redelivery(app: App) -> None:
    stored = await in_uow(app, lambda uow: uow.inbox.accept(_events("a", "b"), NOW, LEASE))
    again = await in_uow(app, lambda uow: uow.inbox.accept(_events("b", "c"), NOW, LEASE))
    assert set(stored) == {("line", "a"), ("line", "b")}
    assert set(again) == {("line", "c")}  # b was delivered before: left out
    assert await in_uow(app, lambda uow: uow.inbox.accept([], NOW, LEASE)) == {}

    racing = await while_held(
        app,
        lambda uow: uow.inbox.accept(_events("d"), NOW, LEASE),
        lambda uow: uow.inbox.accept(_events("d"), NOW, LEASE),
    )
    assert sorted(len(r) for r in racing) == [0, 1]  # one worker stores it, the other does not


async def test_an_inbox_event_is_taken_once(app: App) -> None:
    ids = await in_uow(app, lambda uow: uow.inbox.accept(_events("a", "b"), NOW, LEASE))
    a, b = ids[("line", "a")], ids[("line", "b")]
    assert await in_uow(app, lambda uow: uow.inbox.take(a))
    assert not await in_uow(app, lambda uow: uow.inbox.take(a))

    # Two workers handle b at once: the second waits for the first, then finds it done.
    assert await while_held(app, lambda uow: uow.inbox.take(b), lambda uow: uow.inbox.take(b)) == (
        True, False
    )  # fmt: skip


async def test_inbox_due_leases_each_event_to_one_worker(app: App) -> None:
    ids = await in_uow(app, lambda uow: uow.inbox.accept(_events("a", "b", "c"), NOW, LEASE))
    a, b, c = (ids[("line", k)] for k in "abc")
    later = NOW + LEASE + timedelta(seconds=1)
    assert await in_uow(app, lambda uow: uow.inbox.due(NOW, 10, NOW + LEASE, set())) == []

    mine, theirs = await while_held(
        app,
        lambda uow: uow.inbox.due(later, 1, later + LEASE, set()),
        lambda uow: uow.inbox.due(later, 10, later + LEASE, {c}),
    )
    assert [e.id for e in mine] == [a]
    assert [e.id for e in theirs] == [b]  # not a (leased), not c (the caller holds it)
    assert mine[0].message == {"text": "ขายไข่ a"}
    left = await in_uow(app, lambda uow: uow.inbox.due(later, 10, later + LEASE, set()))
    assert [e.id for e in left] == [c]  # a and b are leased until later + LEASE
    assert await in_uow(app, lambda uow: uow.inbox.take(c))


async def test_an_inbox_event_that_keeps_failing_is_set_aside_with_its_message(app: App) -> None:
    ids = await in_uow(app, lambda uow: uow.inbox.accept(_events("a"), NOW, LEASE))
    a = ids[("line", "a")]
    retry = NOW + timedelta(minutes=1)
    assert not await in_uow(app, lambda uow: uow.inbox.failed_attempt(a, retry, 2))
    assert await in_uow(app, lambda uow: uow.inbox.failed_attempt(a, retry, 2))
    assert not await in_uow(app, lambda uow: uow.inbox.failed_attempt(a, retry, 2))  # not pending
    assert not await in_uow(app, lambda uow: uow.inbox.take(a))
    later = NOW + timedelta(days=1)
    assert await in_uow(app, lambda uow: uow.inbox.due(later, 10, later, set())) == []


# --- outbox ---------------------------------------------------------------------------------


def _reply(
    uow: UnitOfWork,
    recipient: str,
    *,
    reply_token: str | None = None,
    kind: str = "reply",
    status: str = DeliveryStatus.PENDING,
    chat_account_id: int | None = None,
) -> Awaitable[Outbox]:
    payload = {"text": f"บันทึกแล้วค่ะ {recipient}"}
    return uow.outbox.add(
        "line", recipient, payload, reply_token, available_at=NOW, status=status, kind=kind,
        chat_account_id=chat_account_id,
    )  # fmt: skip


async def test_outbox_due_is_oldest_first_and_by_channel(app: App) -> None:
    async def fill(uow: UnitOfWork) -> list[int]:
        rows = [await _reply(uow, "U1"), await _reply(uow, "U2")]
        rows.append(await uow.outbox.add("telegram", "42", {"text": "x"}, available_at=NOW))
        rows.append(await _reply(uow, "U3"))
        later = await uow.outbox.add("line", "U4", {"text": "y"}, available_at=NOW + LEASE)
        rows.append(later)
        return [r.id for r in rows]

    one, two, telegram, three, _ = await in_uow(app, fill)
    line = await in_uow(app, lambda uow: uow.outbox.due(NOW, 10, "line"))
    assert [r.id for r in line] == [one, two, three]  # U4 is not due yet
    every = await in_uow(app, lambda uow: uow.outbox.due(NOW, 2))
    assert [r.id for r in every] == [one, two]
    assert [r.id for r in await in_uow(app, lambda uow: uow.outbox.due(NOW, 10, "telegram"))] == [
        telegram
    ]


async def test_an_outbox_row_leased_by_one_sender_is_not_given_to_another(app: App) -> None:
    first, second = await in_uow(app, lambda uow: _two_replies(uow))

    async def lease(uow: UnitOfWork) -> list[int]:
        rows = await uow.outbox.due(NOW, 1)
        for row in rows:
            row.next_attempt_at = NOW + LEASE  # what the sender does with what it leased
        return [r.id for r in rows]

    mine, theirs = await while_held(app, lease, lease)
    assert (mine, theirs) == ([first], [second])
    assert await in_uow(app, lambda uow: uow.outbox.due(NOW, 10)) == []

    await in_uow(app, lambda uow: uow.outbox.mark_sent(first, NOW))
    after_lease = NOW + LEASE
    due = await in_uow(app, lambda uow: uow.outbox.due(after_lease, 10))
    assert [r.id for r in due] == [second]  # a sent row is never due again
    sent = await in_uow(app, lambda uow: uow.outbox.get(first))
    assert sent is not None
    assert (sent.status, sent.sent_at, sent.reply_token) == (DeliveryStatus.SENT, NOW, None)


async def test_a_chats_rows_go_out_one_after_the_other(app: App) -> None:
    """A reply is written leased only while no older row of its chat is unsent; otherwise it
    is written due, and `due` keeps it behind that row, also while that row waits for a
    retry. Marking the older one sent says that its chat has a newer row waiting."""

    async def waiting_for_a_retry(uow: UnitOfWork) -> int:
        row = await _reply(uow, "U1")
        row.attempts, row.next_attempt_at = 1, NOW + LEASE
        return row.id

    def leased(recipient: str) -> Callable[[UnitOfWork], Awaitable[tuple[int, bool]]]:
        return lambda uow: uow.outbox.add_leased(
            "line", recipient, {"text": "ตอบค่ะ"}, "token", now=NOW, created_at=NOW,
            leased_until=NOW + 2 * LEASE, retry_key=f"key-{recipient}", chat_account_id=None,
        )  # fmt: skip

    first = await in_uow(app, waiting_for_a_retry)
    behind, behind_leased = await in_uow(app, leased("U1"))
    elsewhere, elsewhere_leased = await in_uow(app, leased("U2"))
    assert (behind_leased, elsewhere_leased) == (False, True)
    written = await in_uow(app, lambda uow: uow.outbox.get(behind))
    assert written is not None and (written.attempts, written.retry_key) == (0, None)
    assert await in_uow(app, lambda uow: uow.outbox.due(NOW, 10)) == []
    assert await in_uow(app, lambda uow: uow.outbox.due(NOW, 10, only=behind)) == []
    retry = NOW + LEASE
    assert [r.id for r in await in_uow(app, lambda uow: uow.outbox.due(retry, 10))] == [first]
    more = await in_uow(app, lambda uow: uow.outbox.mark_all_sent([first, elsewhere], retry))
    assert more == {first}
    due = await in_uow(app, lambda uow: uow.outbox.due(retry, 10, chat=("line", "U1")))
    assert [r.id for r in due] == [behind]


async def _two_replies(uow: UnitOfWork) -> tuple[int, int]:
    one = await _reply(uow, "U1", reply_token="token-1")
    two = await _reply(uow, "U2")
    return one.id, two.id


async def test_reminders_are_held_cancelled_and_postponed_per_account(app: App) -> None:
    async def fill(uow: UnitOfWork) -> dict[str, int]:
        account = await uow.people.ensure_account("line", "U1", None)
        other = await uow.people.ensure_account("line", "U2", None)
        rows = {
            "held": await _reply(uow, "U1", kind="reminder", status=DeliveryStatus.HELD,
                                 chat_account_id=account.id),
            "waiting": await _reply(uow, "U1", kind="reminder", chat_account_id=account.id),
            "reply": await _reply(uow, "U1", chat_account_id=account.id),
            "theirs": await _reply(uow, "U2", kind="reminder", chat_account_id=other.id),
        }  # fmt: skip
        return {"account": account.id} | {k: v.id for k, v in rows.items()}

    ids = await in_uow(app, fill)
    held = await in_uow(app, lambda uow: uow.outbox.held_reminders(ids["account"]))
    assert [r.id for r in held] == [ids["held"]]

    morning = NOW + timedelta(hours=5)
    await in_uow(app, lambda uow: uow.outbox.postpone_reminders(ids["account"], morning))
    due_now = await in_uow(app, lambda uow: uow.outbox.due(NOW, 10))
    assert {r.id for r in due_now} == {ids["reply"], ids["theirs"]}

    await in_uow(app, lambda uow: uow.outbox.cancel_reminders(ids["account"], "ปิดการเตือน"))
    waiting = await in_uow(app, lambda uow: uow.outbox.get(ids["waiting"]))
    assert waiting is not None and waiting.status == DeliveryStatus.CANCELLED
    assert {r.id for r in await in_uow(app, lambda uow: uow.outbox.due(morning, 10))} == {
        ids["reply"], ids["theirs"]
    }  # fmt: skip


# --- menus ----------------------------------------------------------------------------------


async def test_the_menu_queue_keeps_one_row_per_account_and_counts_each_change(app: App) -> None:
    assert await in_uow(app, lambda uow: uow.menus.queue("line", ["U1", "U2", "U1"])) == 2
    assert await in_uow(app, lambda uow: uow.menus.queue("line", ["U1"])) == 1
    assert await in_uow(app, lambda uow: uow.menus.queue("console", ["U1"])) == 0
    assert await in_uow(app, lambda uow: uow.menus.queue("line", [])) == 0

    due = await in_uow(app, lambda uow: uow.menus.due(NOW, 10, ["line", "telegram"]))
    assert [(r.external_id, r.version) for r in due] == [("U1", 1), ("U2", 0)]
    assert await in_uow(app, lambda uow: uow.menus.due(NOW, 10, ["telegram"])) == []


async def test_a_persons_menus_are_queued_on_every_platform(app: App) -> None:
    async def link(uow: UnitOfWork) -> int:
        person = await uow.people.add_person("บุญมี")
        for channel, external_id in (("line", "U1"), ("telegram", "42"), ("console", "c")):
            account = await uow.people.ensure_account(channel, external_id, None)
            account.person_id = person.id
        return person.id

    person = await in_uow(app, link)
    assert await in_uow(app, lambda uow: uow.menus.queue_person(person)) == 2
    assert await in_uow(app, lambda uow: uow.menus.queue_person(None)) == 0
    due = await in_uow(app, lambda uow: uow.menus.due(NOW, 10, ["line", "telegram"]))
    assert sorted((r.channel, r.external_id) for r in due) == [("line", "U1"), ("telegram", "42")]


async def test_a_menu_leased_by_one_syncer_is_not_given_to_another(app: App) -> None:
    await in_uow(app, lambda uow: uow.menus.queue("line", ["U1", "U2"]))

    async def lease(uow: UnitOfWork) -> list[str]:
        rows = await uow.menus.due(NOW, 1, ["line"])
        for row in rows:
            row.next_attempt_at = NOW + LEASE  # what the menu sync does with what it leased
        return [r.external_id for r in rows]

    assert await while_held(app, lease, lease) == (["U1"], ["U2"])
    assert await in_uow(app, lambda uow: uow.menus.due(NOW, 10, ["line"])) == []
    again = await in_uow(app, lambda uow: uow.menus.due(NOW + LEASE, 10, ["line"]))
    assert [r.external_id for r in again] == ["U1", "U2"]  # a lease runs out: tried again


# --- files ----------------------------------------------------------------------------------


async def _put(uow: UnitOfWork, ttl: timedelta = timedelta(hours=1)) -> StoredFile:
    return await uow.files.put(
        b"%PDF-1.7", "application/pdf", now=NOW, ttl=ttl, filename="รายงาน.pdf", single_use=True
    )


async def test_a_single_use_file_is_used_once_even_by_two_clicks_at_once(app: App) -> None:
    key = (await in_uow(app, _put)).key
    other = (await in_uow(app, _put)).key
    assert await in_uow(app, lambda uow: uow.files.use_once(key, NOW))
    assert not await in_uow(app, lambda uow: uow.files.use_once(key, NOW))
    stored = await in_uow(app, lambda uow: uow.files.get(key, NOW))
    assert stored is not None and stored.data == b"%PDF-1.7" and stored.used_at == NOW

    both = await while_held(
        app, lambda uow: uow.files.use_once(other, NOW), lambda uow: uow.files.use_once(other, NOW)
    )
    assert both == (True, False)


async def test_expired_files_are_gone_and_purged(app: App) -> None:
    old = (await in_uow(app, lambda uow: _put(uow, timedelta(minutes=1)))).key
    kept = (await in_uow(app, lambda uow: _put(uow, timedelta(days=1)))).key
    later = NOW + timedelta(minutes=1)
    assert await in_uow(app, lambda uow: uow.files.get(old, later)) is None
    assert not await in_uow(app, lambda uow: uow.files.use_once(old, later))

    assert await in_uow(app, lambda uow: uow.files.purge(later)) == 1
    assert await in_uow(app, lambda uow: uow.files.purge(later)) == 0
    assert await in_uow(app, lambda uow: uow.files.get(kept, later)) is not None


async def test_a_cached_file_is_one_row_kept_as_long_as_asked(app: App) -> None:
    def ask(at: datetime, ttl: timedelta) -> Callable[[UnitOfWork], Awaitable[StoredFile]]:
        spec = {"chart": "month", "group": 1}
        return lambda uow: uow.files.cached("chart:1", "image/png", spec, now=at, ttl=ttl)

    first = await in_uow(app, ask(NOW, timedelta(hours=1)))
    again = await in_uow(app, ask(NOW + timedelta(minutes=30), timedelta(hours=2)))
    shorter = await in_uow(app, ask(NOW, timedelta(minutes=1)))
    assert first.key == again.key == shorter.key
    assert shorter.expires_at == NOW + timedelta(minutes=150)  # never shortened
    assert first.spec == {"chart": "month", "group": 1} and first.data == b""


# --- audit ----------------------------------------------------------------------------------


async def test_the_audit_trail_keeps_before_and_after_in_order(app: App) -> None:
    async def note(uow: UnitOfWork) -> None:
        who = (await uow.people.add_person("สมศรี")).id
        await uow.audit.add(who, "edit", "sale", 3, {"amount": "1,200.00"}, {"amount": "1,250.50"})
        await uow.audit.add(who, "withdraw", "sale", 3)
        await uow.audit.add(None, "edit", "sale", 4)

    await in_uow(app, note)
    trail = await in_uow(app, lambda uow: uow.audit.for_entity("sale", 3))
    assert [(e.action, e.before, e.after) for e in trail] == [
        ("edit", {"amount": "1,200.00"}, {"amount": "1,250.50"}),
        ("withdraw", None, None),
    ]


# --- dashboard secrets ----------------------------------------------------------------------


async def test_a_dashboard_secret_is_recorded_by_the_first_writer_only(app: App) -> None:
    nonce = DashboardSecretKind.NONCE
    assert not await in_uow(app, lambda uow: uow.dashboard_secrets.record(nonce, "n1"))
    assert await in_uow(app, lambda uow: uow.dashboard_secrets.record(nonce, "n1"))
    assert not await in_uow(
        app, lambda uow: uow.dashboard_secrets.record(DashboardSecretKind.REVOKED, "n1")
    )  # another kind: its own record
    assert await in_uow(app, lambda uow: uow.dashboard_secrets.recorded(nonce, "n1"))
    assert not await in_uow(app, lambda uow: uow.dashboard_secrets.recorded(nonce, "n2"))

    # Two tabs open one sign-in link at once: one of them wins.
    both = await while_held(
        app,
        lambda uow: uow.dashboard_secrets.record(nonce, "n2"),
        lambda uow: uow.dashboard_secrets.record(nonce, "n2"),
    )
    assert both == (False, True)


async def test_dashboard_keys_come_oldest_first(app: App) -> None:
    assert await in_uow(app, lambda uow: uow.dashboard_secrets.keys()) == []
    await in_uow(app, lambda uow: uow.dashboard_secrets.add_key("first"))
    await in_uow(app, lambda uow: uow.dashboard_secrets.add_key("second"))
    assert await in_uow(app, lambda uow: uow.dashboard_secrets.keys()) == ["first", "second"]
