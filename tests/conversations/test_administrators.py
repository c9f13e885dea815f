"""Province and district administrators (issue 17) in the chat: registered by the district
office with a single-use code, they link by `ลงทะเบียน CODE`, then see every district of their
province (`สรุปจังหวัด`) or the groups of their district (`สรุปอำเภอ`), never a neighbour's.
Both databases."""

from __future__ import annotations

from datetime import date

from bot.menus import role_of
from bot.services import admin, administrators
from bot.services.actors import load_actor
from bot.services.enrolment_codes import CodeKind, display
from bot.storage.models import Administrator
from tests.support.chat import Chat

PROVINCE_ADMIN = "ประภา ศรีจังหวัด"
DISTRICT_ADMIN = "วิชัย ดูแลอำเภอ"
NEIGHBOUR_ADMIN = "อรุณ อำเภอข้างเคียง"


async def register(chat: Chat, name: str, province: str, district: str | None = None) -> str:
    """What `sammachip administrator add` does: the row and its single-use code."""
    async with chat.app.uow() as uow:
        row = await administrators.add_administrator(
            uow, name=name, province=province, district=district
        )
        code = await admin.issue_code(
            uow, CodeKind.ADMIN, row.id, chat.app.clock.now(), chat.app.settings
        )
        await uow.commit()
    return display(code)


async def link(chat: Chat, name: str, code: str) -> str:
    await chat.text(f"ลงทะเบียน {code}", name)
    return await chat.text("ยินยอม", name)


async def neighbours(chat: Chat) -> None:
    """A second district of ศรีสะเกษ (with a group) and a district of another province."""
    async with chat.app.uow() as uow:
        for name, district, province, group in (
            ("สมปอง ขุขันธ์", "ขุขันธ์", "ศรีสะเกษ", "กลุ่มทอเสื่อกก"),
            ("สมชาย ต่างจังหวัด", "โพธาราม", "ราชบุรี", "กลุ่มทอผ้าบ้านหนองโพ"),
        ):
            officer = await admin.add_officer(uow, name=name, district=district, province=province)
            await admin.create_group(
                uow, name=group, occupation="หัตถกรรม", village=f"บ้าน{district} หมู่ที่ 1",
                officer_id=officer.id, founded=date(2024, 1, 1),
            )  # fmt: skip
        await uow.commit()


async def test_a_province_administrator_sees_every_district_of_the_province(chat: Chat) -> None:
    await neighbours(chat)
    code = await register(chat, PROVINCE_ADMIN, "ศรีสะเกษ")
    linked = await link(chat, PROVINCE_ADMIN, code)
    assert "ผู้ดูแลภาพรวม" in linked

    answer = await chat.text("สรุปจังหวัด", PROVINCE_ADMIN)
    assert answer.startswith("🏛️ สรุปจังหวัดศรีสะเกษ เดือน ต.ค. 2568")
    assert "• อำเภอขุขันธ์: 1 กลุ่ม" in answer and "• อำเภอวังหิน: 2 กลุ่ม" in answer
    assert "ส่งตัวเลข ก.ย. 2568 1/2 กลุ่ม" in answer  # the frog group's demo figures
    assert "ครัวเรือนเป้าหมาย 2" in answer
    assert "โพธาราม" not in answer and "ราชบุรี" not in answer
    assert "สรุปอำเภอ" in answer  # what to type next

    assert (await chat.text("สรุปค่ะ", PROVINCE_ADMIN)).startswith("🏛️ สรุปจังหวัดศรีสะเกษ")
    district = await chat.text("สรุปอำเภอวังหินค่ะ", PROVINCE_ADMIN)
    assert district.startswith("🏛️ สรุปอำเภอวังหิน")
    assert "กลุ่มไข่เค็มสมุนไพรลูกหม่อน" in district and "กลุ่มเลี้ยงกบแบบธรรมชาติ" in district
    # Another province's district is not found (not "refused": nothing to probe).
    other = await chat.text("สรุปอำเภอ โพธาราม", PROVINCE_ADMIN)
    assert "ไม่พบอำเภอโพธารามในจังหวัดศรีสะเกษ" in other and "กลุ่มทอผ้า" not in other
    assert "ขุขันธ์" in other and "วังหิน" in other  # the districts they can see

    async with chat.app.uow() as uow:
        account = await uow.people.account("console", f"guest:{PROVINCE_ADMIN}")
        assert account is not None
        person = account.person_id
        assert person is not None
        assert role_of(await load_actor(uow, person)) == "admin"


async def test_a_district_administrator_sees_their_district_only(chat: Chat) -> None:
    await neighbours(chat)
    await link(chat, DISTRICT_ADMIN, await register(chat, DISTRICT_ADMIN, "ศรีสะเกษ", "วังหิน"))
    mine = await chat.text("สรุปอำเภอค่ะ", DISTRICT_ADMIN)
    assert mine.startswith("🏛️ สรุปอำเภอวังหิน")
    assert "กลุ่มไข่เค็มสมุนไพรลูกหม่อน" in mine and "ตัวเลข ก.ย. 2568 ส่งแล้ว" in mine
    assert "กลุ่มทอเสื่อกก" not in mine
    neighbour = await chat.text("สรุปอำเภอ ขุขันธ์", DISTRICT_ADMIN)
    assert "ไม่พบอำเภอขุขันธ์ในอำเภอวังหิน" in neighbour and "กลุ่มทอเสื่อกก" not in neighbour
    assert (await chat.text("สรุป", DISTRICT_ADMIN)).startswith("🏛️ สรุปอำเภอวังหิน")
    province = await chat.text("สรุปจังหวัด", DISTRICT_ADMIN)
    assert "เฉพาะผู้ดูแลระดับจังหวัด" in province and "สรุปอำเภอ" in province
    assert "ขุขันธ์" not in province


async def test_others_are_refused_and_codes_work_once(chat: Chat) -> None:
    for who in ("member", "treasurer", "officer"):
        refused = await chat.text("สรุปจังหวัด", who)
        assert "เปิดให้เฉพาะสำนักงานพัฒนาชุมชนจังหวัดและอำเภอ" in refused
    # The officer's สรุปอำเภอ is still their district summary.
    assert "สรุปกลุ่มในอำเภอ" in await chat.text("สรุปอำเภอ", "officer")

    code = await register(chat, NEIGHBOUR_ADMIN, "ศรีสะเกษ", "ขุขันธ์")
    await link(chat, NEIGHBOUR_ADMIN, code)
    again = await chat.text(f"ลงทะเบียน {code}", "คนอื่นที่ได้รหัสไป")
    assert "ถูกใช้ไปแล้ว" in again
    async with chat.app.uow() as uow:
        rows = (await uow.session.scalars(__import__("sqlalchemy").select(Administrator))).all()
        assert [(r.name, r.person_id is not None) for r in rows] == [(NEIGHBOUR_ADMIN, True)]


async def test_asked_in_a_group_chat_the_province_goes_to_the_private_chat(chat: Chat) -> None:
    from sqlalchemy import select

    from bot.handlers.private import SENT_PRIVATELY
    from bot.messages import InboundMessage
    from bot.storage.models import Outbox

    await link(chat, PROVINCE_ADMIN, await register(chat, PROVINCE_ADMIN, "ศรีสะเกษ"))
    sender = await chat.account_id(PROVINCE_ADMIN)
    handled = await chat.app.conversation.handle(
        InboundMessage(channel="console", sender_id=sender, chat_id="room-7", text="สรุปจังหวัด",
                       is_group=True, event_id="adm-group-1", message_id="adm-group-1")
    )  # fmt: skip
    assert handled.reply is not None and handled.reply.text.startswith(SENT_PRIVATELY)
    assert "วังหิน" not in handled.reply.text
    async with chat.app.uow() as uow:
        rows = (await uow.session.scalars(select(Outbox).where(Outbox.kind == "push"))).all()
    pushed = [r for r in rows if "สรุปจังหวัดศรีสะเกษ" in r.payload["text"]]
    assert [r.recipient for r in pushed] == [sender]  # the private chat, never room-7
