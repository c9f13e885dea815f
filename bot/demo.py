"""A demo district from the field reports (seeds 000-004): an officer of อำเภอวังหิน
จ.ศรีสะเกษ, the salted-egg group of บ้านดวนใหญ่ (in its first year) and the frog-raising group
of บ้านโนนดู่ (mature), their members, a trainer with two target households, and about five
weeks of history. Seeding goes through the same use cases as chat does, and is idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.calendar import previous_month
from bot.services import admin, records
from bot.services.actors import Actor, load_actor
from bot.services.records import SaleInput
from bot.storage.models import ChatAccount, Membership, Officer, Person, Role, utcnow
from bot.storage.unit_of_work import UnitOfWork

OFFICER_NAME = "รัตนา พัฒนกิจ"
DISTRICT = "วังหิน"
PROVINCE = "ศรีสะเกษ"
CONSOLE = "console"

EGG_GROUP = "กลุ่มไข่เค็มสมุนไพรลูกหม่อน"
FROG_GROUP = "กลุ่มเลี้ยงกบแบบธรรมชาติ"
EGG_MEMBERS = (("สมศรี ดวนใหญ่", Role.CHAIR), ("มาลี ศรีสุข", Role.TREASURER),
               ("บุญมี ใจงาม", Role.MEMBER), ("ประไพ ทองดี", Role.MEMBER))  # fmt: skip
FROG_MEMBERS = (("ทองดี โนนดู่", Role.CHAIR), ("สุดา คำภา", Role.TREASURER),
                ("ประเสริฐ บุญมา", Role.MEMBER))  # fmt: skip

# `sammachip console --as ROLE` speaks as these demo people.
PERSONAS = {
    "officer": OFFICER_NAME,
    "chair": "สมศรี ดวนใหญ่",
    "treasurer": "มาลี ศรีสุข",
    "member": "บุญมี ใจงาม",
    "trainer": "บุญเรือง ปราชญ์ชุมชน",
    "household": "คำปุ่น มีสุข",
}


@dataclass(frozen=True, slots=True)
class DemoIds:
    officer_id: int
    egg_group_id: int
    frog_group_id: int
    created: bool


def console_id(person_id: int) -> str:
    return f"demo:{person_id}"


async def _person(uow: UnitOfWork, name: str) -> Person:
    person = await uow.people.add_person(name)
    uow.session.add(
        ChatAccount(
            channel=CONSOLE,
            external_id=console_id(person.id),
            person_id=person.id,
            consented_at=utcnow(),
        )
    )
    await uow.session.flush()
    return person


async def seed(uow: UnitOfWork, today: date) -> DemoIds:
    """Creates the demo district unless it exists. The caller commits."""
    existing = await uow.session.scalar(select(Officer).where(Officer.name == OFFICER_NAME))
    if existing is not None:
        groups = await uow.groups.of_officer(existing.id)
        by_name = {g.name: g.id for g in groups}
        return DemoIds(existing.id, by_name[EGG_GROUP], by_name[FROG_GROUP], created=False)

    officer = await admin.add_officer(uow, name=OFFICER_NAME, district=DISTRICT, province=PROVINCE)
    officer_person = await _person(uow, OFFICER_NAME)
    officer.person_id = officer_person.id

    egg = await admin.create_group(
        uow, name=EGG_GROUP, occupation="ไข่เค็มสมุนไพร", village="บ้านดวนใหญ่ หมู่ที่ 2",
        officer_id=officer.id, founded=today - timedelta(days=240),
    )  # fmt: skip
    frog = await admin.create_group(
        uow, name=FROG_GROUP, occupation="เลี้ยงกบ", village="บ้านโนนดู่ หมู่ที่ 7",
        officer_id=officer.id, founded=today - timedelta(days=730),
    )  # fmt: skip
    people: dict[str, Person] = {}
    for group_id, members in ((egg.id, EGG_MEMBERS), (frog.id, FROG_MEMBERS)):
        for name, role in members:
            person = await _person(uow, name)
            people[name] = person
            uow.session.add(Membership(person_id=person.id, group_id=group_id, role=role))
    await uow.session.flush()

    trainer = await admin.add_trainer(uow, name=PERSONAS["trainer"], officer_id=officer.id)
    for head, occupation in (("คำปุ่น มีสุข", "ปลูกผักปลอดสาร"), ("จันทร์เพ็ญ แสงดี", "เลี้ยงไก่ไข่")):
        household = await admin.add_household(
            uow, village="บ้านดวนใหญ่ หมู่ที่ 2", head=head, occupation=occupation,
            trainer=trainer.name, officer_id=officer.id,
        )  # fmt: skip
        person = await _person(uow, head)
        household.person_id = person.id
    trainer.person_id = (await _person(uow, trainer.name)).id
    await uow.session.flush()

    await _history(uow, today, people, officer_person.id, egg.id, frog.id)
    return DemoIds(officer.id, egg.id, frog.id, created=True)


async def _history(
    uow: UnitOfWork,
    today: date,
    people: dict[str, Person],
    officer_person_id: int,
    egg_id: int,
    frog_id: int,
) -> None:
    async def actor(name: str) -> Actor:
        return await load_actor(uow, people[name].id)

    boonmee, prapai = await actor("บุญมี ใจงาม"), await actor("ประไพ ทองดี")
    somsri, malee = await actor("สมศรี ดวนใหญ่"), await actor("มาลี ศรีสุข")
    prasert, suda = await actor("ประเสริฐ บุญมา"), await actor("สุดา คำภา")
    thongdee = await actor("ทองดี โนนดู่")
    officer = await load_actor(uow, officer_person_id)
    await _weekly_work(uow, today, boonmee, prapai, somsri, prasert)
    await _last_month(uow, today, somsri, thongdee, suda, malee)
    await _visits(uow, today, officer, egg_id, frog_id)


async def _weekly_work(
    uow: UnitOfWork, today: date, boonmee: Actor, prapai: Actor, somsri: Actor, prasert: Actor
) -> None:
    """Five weeks of sales and work in both groups."""
    for weeks_ago in range(5, 0, -1):
        day = today - timedelta(days=7 * weeks_ago + 1)
        qty = Decimal(20 + 5 * weeks_ago)
        await records.record_sale(
            uow, boonmee, SaleInput("ไข่เค็ม", qty * 5, qty, "ฟอง", Decimal(5), day), today=today
        )
        await records.record_sale(
            uow, prapai, SaleInput("ไข่เค็มสมุนไพร", Decimal(360), Decimal(30), "ฟอง", Decimal(12), day),
            today=today,
        )  # fmt: skip
        await records.record_sale(
            uow, prasert, SaleInput("กบ", Decimal(1200), Decimal(10), "กิโลกรัม", Decimal(120), day),
            today=today,
        )  # fmt: skip
        for member, hours in ((boonmee, 6), (prapai, 4), (somsri, 3)):
            await records.record_work(
                uow, member, today=today, on_date=day, hours=Decimal(hours), note="ดองไข่เค็ม"
            )
        await records.record_work(
            uow, prasert, today=today, on_date=day, hours=Decimal(5), note="ให้อาหารกบ"
        )


async def _last_month(
    uow: UnitOfWork, today: date, somsri: Actor, thongdee: Actor, suda: Actor, malee: Actor
) -> None:
    """Last month's meetings and figures, and a recent marketing trip."""
    last_month_day = today.replace(day=1) - timedelta(days=15)
    await records.record_meeting(
        uow, somsri, today=today, on_date=last_month_day, attendees=12,
        topics="แบ่งเวรดองไข่ และราคาขายส่ง", decisions="ขายส่งฟองละ 5 บาท",
    )  # fmt: skip
    await records.record_meeting(
        uow, thongdee, today=today, on_date=last_month_day, attendees=9, topics="ขยายบ่อกบ",
    )  # fmt: skip
    await records.submit_monthly(
        uow, suda, today=today, month=previous_month(today),
        income=Decimal("6000"), expenses=Decimal("2350"),
    )  # fmt: skip
    await records.record_activity(
        uow, malee, today=today, kind="marketing", on_date=today - timedelta(days=12),
        attendees=4, topics="ออกบูธงานกาชาดอำเภอ",
    )  # fmt: skip


async def _visits(uow: UnitOfWork, today: date, officer: Actor, egg_id: int, frog_id: int) -> None:
    """The officer's last visit to each group: one recent, one overdue."""
    await records.record_visit(
        uow, officer, today=today, on_date=today - timedelta(days=10), group_id=egg_id,
        notes="สมาชิกแบ่งงานชัดเจน", suggestions="ทำบัญชีรับจ่ายทุกสัปดาห์",
    )  # fmt: skip
    await records.record_visit(
        uow, officer, today=today, on_date=today - timedelta(days=40), group_id=frog_id,
        notes="บ่อกบสะอาด", suggestions="ติดต่อตลาดในอำเภอเพิ่ม",
    )  # fmt: skip


async def persona_account(uow: UnitOfWork, who: str) -> ChatAccount:
    """The console account to speak as: a demo role (`officer`, `chair`, `treasurer`,
    `member`, `trainer`, `household`), a person's exact name, or else a new name (a stranger
    who must link with a code first). The same `who` always gets the same account: a person
    who already has a console account speaks through it, so nobody gets a second one (and
    reminders, which go to every account of a person, are never printed twice)."""
    name = PERSONAS.get(who.strip().lower(), " ".join(who.split()))
    guest = await uow.people.account(CONSOLE, f"guest:{name}")
    if guest is not None:
        return guest  # this name has spoken before (and may have linked since)
    person_ids = (
        await uow.session.scalars(
            select(Person.id)
            .where(Person.name == name, Person.erased_at.is_(None))
            .order_by(Person.id)
        )
    ).all()
    if person_ids:
        accounts = (
            await uow.session.scalars(
                select(ChatAccount)
                .where(ChatAccount.channel == CONSOLE, ChatAccount.person_id.in_(person_ids))
                .order_by(ChatAccount.id)
            )
        ).all()
        if accounts:
            return accounts[0]
        account = ChatAccount(
            channel=CONSOLE,
            external_id=console_id(person_ids[0]),
            person_id=person_ids[0],
            consented_at=utcnow(),
        )
        uow.session.add(account)
        await uow.session.flush()
        return account
    return await uow.people.ensure_account(CONSOLE, f"guest:{name}", name)
