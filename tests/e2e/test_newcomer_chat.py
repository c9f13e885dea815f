"""What people read in their first hour (issue 20), through the real chat path: captions that
fit LINE without cutting a word and still choose when typed, the name an officer registered,
reminders described as each person gets them, an officer told who adds households, and
`ข้อมูลของฉัน` as a page a villager can read."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.labels import label_matches, short_label, short_labels
from bot.messages import InboundMessage, Reply
from bot.reports.my_data import CONTENT_TYPE, FILENAME
from bot.services import admin
from bot.services.enrolment_codes import CodeKind
from bot.storage.models import Activity, Household, Membership, Person, Role, Sale, Trainer
from tests.support.chat import Chat

_ids = itertools.count(1)


async def say_as(chat: Chat, sender: str, text: str, display_name: str) -> Reply:
    """A message from a chat account the demo does not know, with its platform display name."""
    handled = await chat.app.conversation.handle(
        InboundMessage(
            channel="console",
            sender_id=sender,
            chat_id=sender,
            text=text,
            event_id=f"n{next(_ids)}",
            display_name=display_name,
        )
    )
    assert handled.reply is not None
    return handled.reply


# --- button captions ----------------------------------------------------------------------


def test_captions_are_shortened_between_words() -> None:
    assert short_label("กลุ่มทอผ้าไหมบ้านนาดี") == "กลุ่มทอผ้าไหมบ้านนา…"
    assert short_label("กลุ่มไข่เค็มสมุนไพรลูกหม่อน") == "กลุ่มไข่เค็มสมุนไพร…"
    assert short_label("กลุ่มเลี้ยงกบแบบธรรมชาติ") == "กลุ่มเลี้ยงกบแบบธรรมชาติ"[:16] + "…"
    assert short_label("สรุป") == "สรุป"
    for text in ("กลุ่มวิสาหกิจชุมชนแปรรูปข้าวกล้องหอมมะลิ", "ก" * 40, "จันทร์เพ็ญ แสงดีมีสุขสบาย"):
        label = short_label(text)
        assert len(label) <= 20 and label.endswith("…") and label_matches(label, text), label
    # Two options that would read the same keep their first and last words instead.
    same = short_labels(["กลุ่มไข่เค็มสมุนไพรลูกหม่อน", "กลุ่มไข่เค็มสมุนไพรบ้านนาดี"])
    assert same == ["กลุ่ม…ลูกหม่อน", "กลุ่ม…บ้านนาดี"]
    assert label_matches(same[0], "กลุ่มไข่เค็มสมุนไพรลูกหม่อน")
    assert not label_matches(same[0], "กลุ่มไข่เค็มสมุนไพรบ้านนาดี")
    assert label_matches("กลุ่มไข่เค็มสมุนไพร...", "กลุ่มไข่เค็มสมุนไพรลูกหม่อน")


async def test_typing_a_shortened_caption_chooses_that_group(chat: Chat) -> None:
    assert chat.ids is not None
    async with chat.app.uow() as uow:
        weaving = await admin.create_group(
            uow, name="กลุ่มทอผ้าไหมบ้านนาดี", occupation="ทอผ้าไหม", village="บ้านนาดี",
            officer_id=chat.ids.officer_id, founded=datetime(2025, 1, 1, tzinfo=UTC).date(),
        )  # fmt: skip
        member = await uow.session.scalar(select(Person).where(Person.name == "บุญมี ใจงาม"))
        assert member is not None
        uow.session.add(Membership(person_id=member.id, group_id=weaving.id, role=Role.MEMBER))
        await uow.commit()
    question = await chat.say("ขายผ้าไหม 1 ผืน 900 บาท")
    assert question is not None and "หลายกลุ่ม" in question.text
    labels = {q.label: q.message for q in question.quick_replies}
    assert labels["กลุ่มทอผ้าไหมบ้านนา…"] == "กลุ่มทอผ้าไหมบ้านนาดี"
    assert labels["กลุ่มไข่เค็มสมุนไพร…"] == "กลุ่มไข่เค็มสมุนไพรลูกหม่อน"
    assert all(len(label) <= 20 for label in labels)
    saved = await chat.text("กลุ่มทอผ้าไหมบ้านนา…")  # typed as shown, ellipsis and all
    assert "บันทึกการขายแล้ว" in saved and "กลุ่มทอผ้าไหมบ้านนาดี" in saved
    assert await chat.count(Sale, Sale.group_id == weaving.id) == 1


# --- names and reminders ------------------------------------------------------------------


async def test_a_trainer_keeps_the_name_the_officer_registered(chat: Chat) -> None:
    assert chat.ids is not None
    async with chat.app.uow() as uow:
        trainer = await admin.add_trainer(
            uow, name="มานพ ปราชญ์ชุมชน", officer_id=chat.ids.officer_id
        )
        household = await admin.add_household(
            uow, village="บ้านโนนดู่ หมู่ที่ 7", head="สายสุนีย์ ใจบุญ", occupation="ทอเสื่อ",
            trainer="มานพ ปราชญ์ชุมชน", officer_id=chat.ids.officer_id,
        )  # fmt: skip
        now, settings = chat.app.clock.now(), chat.app.settings
        codes = (
            await admin.issue_code(uow, CodeKind.TRAINER, trainer.id, now, settings),
            await admin.issue_code(uow, CodeKind.HOUSEHOLD, household.id, now, settings),
        )
        ids = (trainer.id, household.id)
        await uow.commit()
    for sender, display, code in (("manop", "คุณmanop", codes[0]), ("sai", "Sai 🌸", codes[1])):
        await say_as(chat, sender, f"ลงทะเบียน {code}", display)
        welcome = await say_as(chat, sender, "ยินยอม", display)
        assert "ยินดี" in welcome.text or "เชื่อมบัญชี" in welcome.text
    async with chat.app.uow() as uow:
        linked = await uow.session.get(Trainer, ids[0])
        head = await uow.session.get(Household, ids[1])
        assert linked is not None and head is not None
        trainer_person = await uow.people.person(linked.person_id or 0)
        household_person = await uow.people.person(head.person_id or 0)
    assert trainer_person is not None and trainer_person.name == "มานพ ปราชญ์ชุมชน"
    assert household_person is not None and household_person.name == "สายสุนีย์ ใจบุญ"


async def test_turning_reminders_on_names_only_what_the_person_gets(chat: Chat) -> None:
    member = await chat.text("เปิดเตือน", "member")
    assert "ยังไม่มีเรื่องที่บอทต้องเตือนคุณ" in member and "บอทจะเตือนคุณ" not in member
    assert "พิมพ์ สรุป" in member  # what to type next
    snooze = await chat.text("เตือนพรุ่งนี้", "member")
    assert "พรุ่งนี้ (" not in snooze and "ยังไม่มีเรื่องที่บอทต้องเตือนคุณ" in snooze
    wanted = {
        "officer": "แผนเยี่ยมกลุ่มและครัวเรือน",
        "chair": "การประชุมประจำเดือน",
        "treasurer": "ตัวเลขประจำเดือน",
        "trainer": "ครัวเรือนที่ยังไม่มีบันทึกความคืบหน้า",
    }
    for who, topic in wanted.items():
        text = await chat.text("เปิดเตือน", who)
        assert "บอทจะเตือนคุณตามรอบเรื่อง" in text and topic in text, (who, text)
        others = [t for w, t in wanted.items() if w != who and t != topic]
        assert not any(other in text for other in others), (who, text)
    assert "ยังไม่มีเรื่องที่บอทต้องเตือนคุณ" in await chat.text("เปิดเตือน", "household")


async def test_an_officer_without_households_is_told_who_adds_them(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        officer = await admin.add_officer(
            uow, name="สมหญิง ใจดี", district="โพธาราม", province="ราชบุรี"
        )
        code = await admin.issue_code(
            uow, CodeKind.OFFICER, officer.id, chat.app.clock.now(), chat.app.settings
        )
        await uow.commit()
    await say_as(chat, "somying", f"ลงทะเบียน {code}", "somying")
    await say_as(chat, "somying", "ยินยอม", "somying")
    answer = await say_as(chat, "somying", "ครัวเรือนต้นแบบ", "somying")
    assert "สำนักงานพัฒนาชุมชนอำเภอ" in answer.text and "ครัวเรือนต้นแบบ อีกครั้ง" in answer.text
    assert "sammachip" not in answer.text and "household add" not in answer.text


# --- ข้อมูลของฉัน --------------------------------------------------------------------------


async def test_my_data_is_a_thai_page_with_the_office_data_inside(chat: Chat) -> None:
    assert chat.ids is not None
    async with chat.app.uow() as uow:  # free text exactly as someone could have typed it
        member = await uow.session.scalar(select(Person).where(Person.name == "บุญมี ใจงาม"))
        assert member is not None
        uow.session.add(Activity(group_id=chat.ids.egg_group_id, kind="marketing", attendees=2,
                                 topics="<b>พิเศษ</b></script>", on_date=date(2025, 10, 18),
                                 recorded_by=member.id))  # fmt: skip
        await uow.commit()
    answer = await chat.say("ข้อมูลของฉัน")
    assert answer is not None and answer.document is not None
    assert answer.document.filename == FILENAME == "ข้อมูลของฉัน.html"
    async with chat.app.uow() as uow:
        stored = await uow.files.get(answer.document.key, chat.app.clock.now())
    assert stored is not None and stored.content_type == CONTENT_TYPE
    page = stored.data.decode("utf-8")
    assert '<html lang="th">' in page and "ข้อมูลของคุณบุญมี ใจงาม" in page
    assert "กลุ่มไข่เค็มสมุนไพรลูกหม่อน" in page and "สมาชิก" in page
    # Thai labels, Buddhist-Era dates, Bangkok times (09:00 on 20 Oct 2568 is the test's now).
    assert "การขาย (5 รายการ)" in page and "งานที่ทำให้กลุ่ม" in page and "กิจกรรม (1" in page
    assert "20 ต.ค. 2568 เวลา 09:00 น." in page and "5 ต.ค. 2568" in page
    assert "2025-10" not in page.split('id="sammachip-data"')[0]  # no ISO dates for people
    # What a person typed is shown as text, never as markup.
    assert "<b>พิเศษ</b>" not in page and "&lt;b&gt;พิเศษ&lt;/b&gt;" in page
    assert "default-src 'none'" in page  # the page runs nothing and loads nothing
    # The machine-readable data for the office, complete, in the same file.
    block = re.search(
        r'<script type="application/json" id="sammachip-data">(.*?)</script>', page, re.S
    )
    assert block is not None
    data = json.loads(block.group(1))
    assert data["person"]["name"] == "บุญมี ใจงาม" and len(data["records"]["sale"]) == 5
    assert data["records"]["activity"][0]["topics"] == "<b>พิเศษ</b></script>"
