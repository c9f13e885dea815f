"""Whole conversations through the real path (message -> core -> database -> outbox -> sender),
one per report kind, checking both what the person reads and what is stored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import ColumnElement, select

from bot.messages import InboundMessage
from bot.storage.models import (
    AccountEntry,
    Activity,
    AuditLog,
    Base,
    ConversationState,
    InboundEvent,
    Meeting,
    MonthlyFigures,
    Outbox,
    Sale,
    TrainingAttendance,
    Visit,
    WorkLog,
)
from tests.support.chat import Chat

M = TypeVar("M", bound=Base)


async def rows(chat: Chat, model: type[M], *where: ColumnElement[bool]) -> list[M]:
    async with chat.app.uow() as uow:
        query = select(model).where(*where).order_by(model.__table__.c.id)
        return list((await uow.session.scalars(query)).all())


async def test_a_sale_typed_in_one_line_is_saved_and_echoed(chat: Chat) -> None:
    before = await chat.count(Sale)
    answer = await chat.say("ขายไข่เค็ม50ฟอง250บ.")
    assert answer is not None
    assert "บันทึกการขายแล้ว" in answer.text and "250 บาท" in answer.text and "50 ฟอง" in answer.text
    assert "20 ต.ค. 2568" in answer.text  # Buddhist-Era date of "today"
    assert [q.label for q in answer.quick_replies][:2] == ["ยกเลิก", "แก้ไข"]
    sales = await rows(chat, Sale)
    assert len(sales) == before + 1
    assert (sales[-1].item, sales[-1].quantity, sales[-1].amount) == (
        "ไข่เค็ม",
        Decimal(50),
        Decimal(250),
    )


async def test_the_done_when_of_the_core_issue(chat: Chat) -> None:
    await chat.say("ขายไข่เค็ม 30 ฟอง 300 บาท")
    summary = await chat.text("สรุป")
    assert "ต.ค. 2568" in summary
    # Demo history has this member's sales on 6 and 13 Oct (30 and 25 eggs at 5 baht) + today's 300.
    assert "ของคุณ: ขาย 3 รายการ รวม 575 บาท" in summary


async def test_a_sale_without_amount_asks_only_for_the_amount(chat: Chat) -> None:
    before = await chat.count(Sale)
    question = await chat.text("ขายไข่เค็ม 30 ฟอง")
    assert "กี่บาท" in question
    assert await chat.count(Sale) == before  # nothing saved while a part is missing
    answer = await chat.text("ฟองละ 5")
    assert "รวม 150 บาท" in answer
    assert await chat.count(Sale) == before + 1


async def test_an_ambiguous_number_is_asked_not_guessed(chat: Chat) -> None:
    before = await chat.count(Sale)
    question = await chat.text("ขายไข่เค็ม 30 ฟอง ร้อยห้า")
    assert "กี่บาท" in question
    assert await chat.count(Sale) == before
    assert "รวม 150 บาท" in await chat.text("150")


async def test_a_guided_flow_can_be_cancelled_at_any_step(chat: Chat) -> None:
    before = await chat.count(Sale)
    assert "ขายอะไร" in await chat.text("/sale")
    assert "กี่บาท" in await chat.text("ไข่เค็ม")
    answer = await chat.text("ยกเลิก")
    assert "ไม่มีอะไรถูกบันทึก" in answer
    assert await chat.count(Sale) == before
    assert await chat.count(ConversationState) == 0


async def test_an_abandoned_flow_expires_politely(chat: Chat) -> None:
    from datetime import timedelta

    await chat.say("/sale")
    chat.clock.instant += timedelta(hours=2)
    answer = await chat.text("สวัสดี")
    assert answer.startswith("รายการที่ค้างไว้หมดเวลาแล้ว")


async def test_a_member_cannot_submit_monthly_figures_in_chat(chat: Chat) -> None:
    answer = await chat.text("รายรับ 5,000 รายจ่าย 1,000")
    assert "เฉพาะเหรัญญิก" in answer
    assert await chat.count(MonthlyFigures) == 1  # only the demo's own


async def test_treasurer_figures_are_confirmed_then_saved_as_revisions(chat: Chat) -> None:
    question = await chat.say("รายรับ 12,500 รายจ่าย 4,000 เดือน ก.ย.", "treasurer")
    assert question is not None
    assert "รายรับ 12,500 บาท" in question.text and "คงเหลือ 8,500 บาท" in question.text
    assert "ก.ย. 2568" in question.text
    assert [q.label for q in question.quick_replies] == ["ยืนยัน", "ยกเลิก"]
    assert await chat.count(MonthlyFigures) == 1
    saved = await chat.text("ยืนยัน", "treasurer")
    assert "บันทึกตัวเลขประจำเดือนแล้ว" in saved
    again = await chat.text("รายรับ 13,000 รายจ่าย 4,000 เดือน ก.ย.", "treasurer")
    assert "ฉบับที่ 1" in again  # the treasurer is told this will be a revision
    assert "ฉบับแก้ไขที่ 2" in await chat.text("ยืนยัน", "treasurer")
    figures = await rows(chat, MonthlyFigures, MonthlyFigures.month == date(2025, 9, 1),
                         MonthlyFigures.group_id == chat.ids.egg_group_id)  # fmt: skip
    assert [(f.revision, f.income) for f in figures] == [(1, Decimal(12500)), (2, Decimal(13000))]


async def test_treasurer_without_a_month_reports_last_month(chat: Chat) -> None:
    question = await chat.text("/monthly", "treasurer")
    assert "รายรับ" in question
    assert "รายจ่าย" in await chat.text("8000", "treasurer")
    summary = await chat.text("3,500", "treasurer")
    assert "ก.ย. 2568" in summary and "คงเหลือ 4,500 บาท" in summary
    await chat.say("ยืนยัน", "treasurer")
    assert await chat.count(MonthlyFigures) == 2


async def test_a_meeting_by_the_chair(chat: Chat) -> None:
    answer = await chat.text("ประชุมกลุ่มเมื่อวาน สมาชิกมา 12 คน เรื่องแบ่งเวรดองไข่", "chair")
    assert "บันทึกการประชุมแล้ว" in answer and "12 คน" in answer and "19 ต.ค. 2568" in answer
    meeting = (await rows(chat, Meeting))[-1]
    assert (meeting.attendees, meeting.on_date) == (12, date(2025, 10, 19))
    assert meeting.topics and "แบ่งเวร" in meeting.topics


async def test_a_meeting_by_a_member_is_refused(chat: Chat) -> None:
    before = await chat.count(Meeting)
    assert "ประธาน" in await chat.text("ประชุม สมาชิกมา 10 คน")
    assert await chat.count(Meeting) == before


async def test_work_hours_are_recorded_for_the_sender(chat: Chat) -> None:
    before = await chat.count(WorkLog)
    answer = await chat.text("ทำงาน 3 ชั่วโมง")
    assert "บันทึกงานแล้ว" in answer and "3 ชั่วโมง" in answer
    assert await chat.count(WorkLog) == before + 1
    assert "ชั่วโมง" in await chat.text("/work")
    assert "บันทึกงานแล้ว" in await chat.text("4")


async def test_an_activity_asks_its_kind_and_saves_it(chat: Chat) -> None:
    answer = await chat.text("กิจกรรม ศึกษาดูงานกลุ่มทอผ้า สมาชิกไป 8 คน")
    assert "บันทึกกิจกรรมแล้ว" in answer and "ศึกษาดูงาน" in answer
    activity = (await rows(chat, Activity))[-1]
    assert activity.kind == "study_visit"


async def test_an_officer_logs_a_visit_to_a_named_group(chat: Chat) -> None:
    answer = await chat.text("เยี่ยมกลุ่มไข่เค็ม สมาชิกขยัน แนะนำให้ทำบัญชีทุกสัปดาห์", "officer")
    assert "บันทึกการเยี่ยมแล้ว" in answer and "ข้อเสนอแนะ: ทำบัญชีทุกสัปดาห์" in answer
    visit = (await rows(chat, Visit))[-1]
    assert visit.group_id == chat.ids.egg_group_id
    assert visit.on_date == date(2025, 10, 20)


async def test_an_officer_visit_without_a_target_asks_which(chat: Chat) -> None:
    reply = await chat.say("/visit", "officer")
    assert reply is not None and "ไหน" in reply.text
    assert all(len(q.label) <= 20 for q in reply.quick_replies)  # LINE's limit
    assert "กลุ่มเลี้ยงกบแบบธรรมชาติ" in [q.message for q in reply.quick_replies]
    assert "ผลการเยี่ยม" in await chat.text("กลุ่มเลี้ยงกบแบบธรรมชาติ", "officer")
    assert "บันทึกการเยี่ยมแล้ว" in await chat.text("บ่อกบสะอาดดี", "officer")
    assert (await rows(chat, Visit))[-1].group_id == chat.ids.frog_group_id


async def test_a_member_cannot_log_a_visit(chat: Chat) -> None:
    before = await chat.count(Visit)
    assert "เฉพาะพัฒนากร" in await chat.text("เยี่ยมกลุ่มไข่เค็ม")
    assert await chat.count(Visit) == before


async def test_a_household_keeps_its_account_book(chat: Chat) -> None:
    assert "รายรับ" in await chat.text("ได้เงินขายผัก 200", "household")
    assert "รายจ่าย" in await chat.text("จ่ายค่าอาหารไก่ 350", "household")
    entries = await rows(chat, AccountEntry)
    assert [(e.kind, e.item, e.amount) for e in entries] == [
        ("income", "ผัก", Decimal(200)),
        ("expense", "ค่าอาหารไก่", Decimal(350)),  # account books keep ค่า (issue 13)
    ]
    summary = await chat.text("สรุป", "household")
    assert "รายรับ 200 บาท" in summary and "รายจ่าย 350 บาท" in summary


async def test_a_member_has_no_household_book(chat: Chat) -> None:
    assert "ครัวเรือนเป้าหมาย" in await chat.text("จ่ายค่าอาหารไก่ 350")
    assert await chat.count(AccountEntry) == 0


async def test_a_trainer_logs_a_training_for_named_households(chat: Chat) -> None:
    answer = await chat.text("อบรมการทำบัญชีครัวเรือน คำปุ่น มาเรียน", "trainer")
    assert "บันทึกการอบรมแล้ว" in answer and "1 ครัวเรือน" in answer
    assert await chat.count(TrainingAttendance) == 1
    assert "วิทยากร" in await chat.text("อบรมการทำบัญชี")  # a member may not


async def test_undo_from_chat_withdraws_and_audits(chat: Chat) -> None:
    await chat.say("ขายไข่เค็ม 10 ฟอง 50 บาท")
    answer = await chat.text("ยกเลิก")
    assert "ยกเลิกแล้ว" in answer and "การขาย ไข่เค็ม 10 ฟอง 50 บาท" in answer
    sale = (await rows(chat, Sale))[-1]
    assert sale.withdrawn_at is not None
    assert [
        a.action
        for a in await rows(
            chat, AuditLog, AuditLog.entity == "sale", AuditLog.entity_id == sale.id
        )
    ] == [
        "create",
        "undo",
    ]


async def test_edit_in_one_line(chat: Chat) -> None:
    await chat.say("ขายไข่เค็ม 10 ฟอง 50 บาท")
    answer = await chat.text("แก้ไข ยอดเงิน 60")
    assert "แก้ไขยอดเงินจาก 50 บาท เป็น 60 บาท แล้ว" in answer and "ไข่เค็ม" in answer
    assert (await rows(chat, Sale))[-1].amount == Decimal(60)


async def test_help_lists_what_this_person_can_do(chat: Chat) -> None:
    member = await chat.say("เมนู")
    treasurer = await chat.say("/help", "treasurer")
    officer = await chat.say("ช่วยเหลือ", "officer")
    assert member and treasurer and officer
    assert "ส่งตัวเลขเดือน" not in [q.label for q in member.quick_replies]
    assert "ส่งตัวเลขเดือน" in [q.label for q in treasurer.quick_replies]
    assert "บันทึกการเยี่ยม" in [q.label for q in officer.quick_replies]
    for reply in (member, treasurer, officer):
        assert len(reply.quick_replies) <= 13
        assert all(len(q.label) <= 20 for q in reply.quick_replies)


async def test_an_officer_summary_covers_the_district(chat: Chat) -> None:
    summary = await chat.text("สรุป", "officer")
    assert "กลุ่มไข่เค็มสมุนไพรลูกหม่อน" in summary and "กลุ่มเลี้ยงกบแบบธรรมชาติ" in summary
    assert "10 ต.ค. 2568" in summary  # last visit to the egg group


async def test_a_named_month_summary(chat: Chat) -> None:
    summary = await chat.text("สรุปเดือน ก.ย.", "treasurer")
    assert "ก.ย. 2568" in summary


async def test_a_stranger_is_told_how_to_link_and_can_join_with_a_code(chat: Chat) -> None:
    assert "ลงทะเบียน" in await chat.text("ขายไข่ 10 ฟอง 50 บาท", "นายใหม่")
    assert await chat.count(Sale, Sale.item == "ไข่") == 0
    async with chat.app.uow() as uow:
        group = await uow.groups.get(chat.ids.egg_group_id)
    assert group is not None
    notice = await chat.say(f"เข้ากลุ่ม {group.join_code}", "นายใหม่")
    assert notice is not None and "ความเป็นส่วนตัว" in notice.text
    assert [q.label for q in notice.quick_replies] == ["ยินยอม", "ไม่ยินยอม"]
    welcome = await chat.text("ยินยอม", "นายใหม่")
    assert "บันทึกความยินยอมแล้ว" in welcome
    assert "สมาชิกของกลุ่มไข่เค็มสมุนไพรลูกหม่อน" in welcome
    assert "บันทึกการขายแล้ว" in await chat.text("ขายไข่ 10 ฟอง 50 บาท", "นายใหม่")


async def test_negations_and_laughter_store_nothing(chat: Chat) -> None:
    before = await chat.count(Sale)
    assert "ยังไม่มีรายการ" in await chat.text("วันนี้ไม่ได้ขายเลย")
    await chat.say("555")
    assert await chat.count(Sale) == before


async def test_a_redelivered_message_is_stored_and_answered_once(chat: Chat) -> None:
    sender = await chat.account_id("member")
    message = InboundMessage(channel="console", sender_id=sender, chat_id=sender,
                             text="ขายไข่เค็ม 10 ฟอง 50 บาท", event_id="same-event")  # fmt: skip
    before = await chat.count(Sale)
    first = await chat.app.conversation.handle(message)
    second = await chat.app.conversation.handle(message)
    assert first.outbox_id is not None and second.duplicate and second.outbox_id is None
    assert await chat.count(Sale) == before + 1
    assert await chat.count(InboundEvent, InboundEvent.external_id == "same-event") == 1


async def test_hostile_input_gets_a_polite_reply_and_no_record(chat: Chat) -> None:
    before = await chat.count(Sale)
    for text in (
        "ก" * 10_000,
        "😀" * 500,
        "\x00\x07\u200b",
        "'; DROP TABLE sale; --",
        "ขาย -500 บาท",
    ):
        answer = await chat.say(text)
        assert answer is not None and answer.text  # always a reply in a private chat
        assert "Traceback" not in answer.text
    assert await chat.count(Sale) == before
    assert await chat.count(Outbox, Outbox.status == "sent") >= 5


async def test_an_absurd_amount_is_refused_kindly(chat: Chat) -> None:
    before = await chat.count(Sale)
    answer = await chat.text("ขายไข่เค็ม 10 ฟอง 50000000 บาท")
    assert "ขอโทษ" in answer or "ไม่ถูกต้อง" in answer or "กี่บาท" in answer
    assert await chat.count(Sale) == before


async def test_a_flood_is_slowed_politely_without_delaying_others(chat: Chat) -> None:
    sender = await chat.account_id("member")
    other = await chat.account_id("chair")
    outcomes = []
    for n in range(100):  # a hundred messages within the same second
        handled = await chat.app.conversation.handle(
            InboundMessage(
                channel="console",
                sender_id=sender,
                chat_id=sender,
                text="ขายไข่เค็ม 1 ฟอง 5 บาท",
                event_id=f"flood-{n}",
            )
        )
        outcomes.append(handled)
    saved = [h for h in outcomes if h.rule == "report"]
    told = [h for h in outcomes if h.rule == "flood" and h.reply is not None]
    assert len(saved) == 10  # the burst
    assert len(told) == 1 and told[0].reply is not None
    assert "ส่งรายการที่ต้องการใหม่" in told[0].reply.text
    assert await chat.count(InboundEvent, InboundEvent.external_id.like("flood-%")) == 100
    # Someone else in the same second is served as usual.
    handled = await chat.app.conversation.handle(
        InboundMessage(
            channel="console", sender_id=other, chat_id=other, text="สรุป", event_id="other-1"
        )
    )
    assert handled.rule == "summary"


async def test_a_person_can_see_their_own_data(chat: Chat) -> None:
    import json

    answer = await chat.say("ข้อมูลของฉัน")
    assert answer is not None and answer.document is not None
    assert "บุญมี ใจงาม" in answer.text and "ขาย 5 รายการ" in answer.text
    async with chat.app.uow() as uow:
        stored = await uow.files.get(answer.document.key, chat.app.clock.now())
    assert stored is not None
    # A Thai page for the person; the machine-readable data for the office inside it.
    page = stored.data.decode()
    assert "ข้อมูลของคุณบุญมี ใจงาม" in page
    block = page.split('id="sammachip-data">')[1].split("</script>")[0]
    data = json.loads(block)
    assert data["person"]["name"] == "บุญมี ใจงาม" and len(data["records"]["sale"]) == 5


async def test_erasure_anonymises_the_person_and_keeps_group_totals(chat: Chat) -> None:
    from datetime import date

    from bot.services.reports import group_month
    from bot.storage.models import ChatAccount, Membership, Person

    async with chat.app.uow() as uow:
        before = (await group_month(uow, chat.ids.egg_group_id, date(2025, 10, 1))).to_json()
    question = await chat.say("ลบข้อมูลของฉัน")
    assert question is not None and question.quick_replies[0].label == "ยืนยันลบ"
    assert "ลบข้อมูลส่วนตัวของคุณเรียบร้อยแล้ว" in await chat.text("ยืนยันลบ")
    async with chat.app.uow() as uow:
        after = (await group_month(uow, chat.ids.egg_group_id, date(2025, 10, 1))).to_json()
        names = (await uow.session.scalars(select(Person.name))).all()
        erased = await uow.session.scalar(select(Person).where(Person.erased_at.is_not(None)))
        assert erased is not None
        accounts = await uow.session.scalar(
            select(ChatAccount).where(ChatAccount.person_id == erased.id)
        )
        active = await uow.session.scalar(
            select(Membership).where(Membership.person_id == erased.id, Membership.until.is_(None))
        )
        trail = await uow.audit.for_entity("person", erased.id)
    assert "บุญมี ใจงาม" not in names
    assert accounts is None and active is None
    assert after["sales"] == before["sales"]  # the group's totals are untouched
    assert "บุญมี ใจงาม" not in after["work"] and sum(map(float, after["work"].values())) == sum(
        map(float, before["work"].values())
    )
    assert [t.action for t in trail] == ["erase"]


async def test_declining_the_privacy_notice_links_nothing(chat: Chat) -> None:
    from bot.storage.models import ChatAccount, Person

    async with chat.app.uow() as uow:
        group = await uow.groups.get(chat.ids.egg_group_id)
    assert group is not None
    people = await chat.count(Person)
    await chat.say(f"เข้ากลุ่ม {group.join_code}", "คนลังเล")
    assert "ไม่มีข้อมูลส่วนตัวของคุณถูกเก็บไว้" in await chat.text("ไม่ยินยอม", "คนลังเล")
    assert await chat.count(Person) == people
    assert await chat.count(ChatAccount, ChatAccount.consented_at.is_not(None),
                            ChatAccount.external_id == "guest:คนลังเล") == 0  # fmt: skip


async def test_a_member_without_a_known_name_can_give_it(chat: Chat) -> None:
    from bot.storage.models import Person

    async with chat.app.uow() as uow:
        group = await uow.groups.get(chat.ids.egg_group_id)
        account = await uow.people.ensure_account("console", "no-name", None)
        await uow.commit()
    assert group is not None
    for text in (f"เข้ากลุ่ม {group.join_code}", "ยินยอม"):
        handled = await chat.app.conversation.handle(
            InboundMessage(channel="console", sender_id="no-name", chat_id="no-name", text=text)
        )
    assert handled.reply is not None and "ชื่อ สมศรี ใจดี" in handled.reply.text
    handled = await chat.app.conversation.handle(
        InboundMessage(
            channel="console", sender_id="no-name", chat_id="no-name", text="ชื่อ จันทร์ดี มีสุข"
        )
    )
    assert handled.reply is not None and "บันทึกชื่อ จันทร์ดี มีสุข แล้ว" in handled.reply.text
    async with chat.app.uow() as uow:
        stored = await uow.people.account("console", "no-name")
        assert stored is not None
        person = await uow.session.get(Person, stored.person_id)
    assert person is not None and person.name == "จันทร์ดี มีสุข" and person.consented_at is not None
    assert account.id == stored.id


async def test_a_visit_naming_only_the_group_asks_for_the_notes(chat: Chat) -> None:
    before = await chat.count(Visit)
    assert "ผลการเยี่ยม" in await chat.text("/visit กลุ่มเลี้ยงกบ", "officer")
    assert await chat.count(Visit) == before
    assert "บันทึกการเยี่ยมแล้ว" in await chat.text("บ่อกบสะอาด สมาชิกขยัน", "officer")
    visit = (await rows(chat, Visit))[-1]
    assert visit.group_id == chat.ids.frog_group_id and visit.notes == "บ่อกบสะอาด สมาชิกขยัน"


async def test_reminder_words_work_in_the_middle_of_a_question(chat: Chat) -> None:
    from bot.storage.models import ChatAccount

    assert "ขายอะไร" in await chat.text("/sale")
    answer = await chat.text("หยุดเตือน")
    # The command is done, and the question it interrupted is still there, offered again.
    assert answer.startswith("ปิดการแจ้งเตือนแล้ว") and "ยังค้างอยู่: การขาย" in answer
    member = await chat.account_id("member")
    async with chat.app.uow() as uow:
        account = await uow.people.account("console", member)
    assert isinstance(account, ChatAccount) and account.reminders_off


async def test_held_reminders_ride_along_with_the_next_reply(chat: Chat) -> None:
    from bot.messages import Reply as BotReply

    sender = await chat.account_id("treasurer")
    async with chat.app.uow() as uow:
        account = await uow.people.account("console", sender)
        assert account is not None
        row = await uow.outbox.add(
            "console", sender, BotReply("อย่าลืมส่งตัวเลขเดือน ก.ย. นะคะ").to_payload(),
            available_at=chat.app.clock.now(), kind="reminder", chat_account_id=account.id,
            status="held",
        )  # fmt: skip
        await uow.commit()
    answer = await chat.text("สรุป", "treasurer")
    assert "🔔 อย่าลืมส่งตัวเลขเดือน ก.ย. นะคะ" in answer
    async with chat.app.uow() as uow:
        held = await uow.outbox.get(row.id)
    assert held is not None and held.status == "sent"
    assert "🔔" not in await chat.text("สรุป", "treasurer")  # delivered once
