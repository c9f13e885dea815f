"""Erasure confirmed on the account linked longest, what it leaves behind (nothing that names
the person), private answers asked for in group chats, single-use files and the purge."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.messages import InboundMessage, Reply
from bot.reports.files import load
from bot.services import privacy
from bot.storage.models import AuditLog, ChatAccount, InboundEvent, Outbox, Person, Sale, StoredFile
from scheduler.jobs import purge
from tests.support.chat import Chat

_ids = itertools.count(1)


async def second_account(chat: Chat, who: str, external: str) -> None:
    """`who` adds a second console account through เพิ่มบัญชี."""
    code = (await chat.text("เพิ่มบัญชี", who)).split("\n")[1]
    await chat.text(f"ลงทะเบียน {code}", external)
    await chat.text("ยินยอม", external)


@pytest.mark.both_databases
async def test_erase_from_a_second_account_is_confirmed_on_the_first(chat: Chat) -> None:
    await second_account(chat, "member", "บุญมีเครื่องที่สอง")
    asked = await chat.text("ลบข้อมูลของฉัน", "บุญมีเครื่องที่สอง")
    assert "ยืนยันจากบัญชีแรก" in asked
    # The second account cannot confirm it itself.
    assert "เรียบร้อย" not in await chat.text("ยืนยันลบ", "บุญมีเครื่องที่สอง")
    assert await chat.count(Person, Person.erased_at.is_not(None)) == 0
    first = await chat.account_id("member")
    async with chat.app.uow() as uow:
        pushed = (
            await uow.session.scalars(
                select(Outbox).where(Outbox.recipient == first, Outbox.kind == "push")
            )
        ).all()
    assert any("มีคำขอลบข้อมูลส่วนตัว" in Reply.from_payload(p.payload).text for p in pushed)
    assert "เรียบร้อยแล้ว" in await chat.text("ยืนยันลบค่ะ", "member")
    assert await chat.count(Person, Person.erased_at.is_not(None)) == 1
    assert await chat.count(ChatAccount, ChatAccount.external_id == "guest:บุญมีเครื่องที่สอง") == 0


@pytest.mark.both_databases
async def test_an_officer_is_erased_by_the_district_office_not_in_chat(chat: Chat) -> None:
    assert "สำนักงานพัฒนาชุมชนอำเภอ" in await chat.text("ลบข้อมูลของฉัน", "officer")
    assert await chat.count(Person, Person.erased_at.is_not(None)) == 0


@pytest.mark.both_databases
async def test_erasure_leaves_no_copy_of_the_name(chat: Chat, database_url: str) -> None:
    name = "สมหญิง ลบได้จริง"
    async with chat.app.uow() as uow:
        group = await uow.groups.get(chat.ids.egg_group_id)
    assert group is not None
    for text in (f"เข้ากลุ่ม {group.join_code}", "ยินยอม", f"ชื่อ {name}", "ขายไข่เค็ม 10 ฟอง 50 บาท"):
        await as_guest(chat, text)
    await as_guest(chat, "ทำงาน 2 ชั่วโมง")
    await chat.text("สรุป", "chair")  # the chair's summary names the member's work
    await as_guest(chat, "ข้อมูลของฉัน")
    await as_guest(chat, "ลบข้อมูลของฉัน")
    assert "เรียบร้อยแล้ว" in await as_guest(chat, "ยืนยันลบ")
    await chat.app.sender.drain()
    escaped = json.dumps(name)[1:-1]
    async with chat.app.uow() as uow:
        audit = (await uow.session.scalars(select(AuditLog))).all()
        outbox = (await uow.session.scalars(select(Outbox))).all()
        people = (await uow.session.scalars(select(Person.name))).all()
        refs = (
            await uow.session.scalars(
                select(Sale.source_ref).where(
                    Sale.recorded_by.in_(select(Person.id).where(Person.erased_at.is_not(None)))
                )
            )
        ).all()
        files = await uow.session.scalar(
            select(func.count())
            .select_from(StoredFile)
            .where(StoredFile.filename == "my-data.json")
        )
    assert name not in people
    assert not any(name in json.dumps([a.before, a.after], ensure_ascii=False) for a in audit)
    assert not any(name in json.dumps(o.payload, ensure_ascii=False) for o in outbox)
    assert set(refs) == {None} and files == 0
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        for part in (path, path.with_name(path.name + "-wal")):
            if part.exists():
                raw = part.read_bytes()
                assert name.encode() not in raw and escaped.encode() not in raw, part.name


async def as_guest(chat: Chat, text: str, sender: str = "guest-to-erase") -> str:
    """One message from a console account that is not a demo persona."""
    chat.clock.instant += timedelta(seconds=2)
    handled = await chat.app.conversation.handle(
        InboundMessage(
            channel="console",
            sender_id=sender,
            chat_id=sender,
            text=text,
            event_id=f"guest-{next(_ids)}",
            message_id=f"guest-m-{next(_ids)}",
            display_name="คนจะลบ",
        )
    )
    assert handled.reply is not None
    return handled.reply.text


async def say_in_room(chat: Chat, text: str, who: str) -> tuple[str, list[Outbox]]:
    sender = await chat.account_id(who)
    handled = await chat.app.conversation.handle(
        InboundMessage(
            channel="console",
            sender_id=sender,
            chat_id="room-9",
            text=text,
            is_group=True,
            event_id=f"room-{next(_ids)}",
        )
    )
    assert handled.reply is not None
    async with chat.app.uow() as uow:
        pushed = (
            await uow.session.scalars(
                select(Outbox).where(Outbox.recipient == sender, Outbox.kind == "push")
            )
        ).all()
    return handled.reply.text, list(pushed)


@pytest.mark.parametrize(
    ("text", "who", "private_part"),
    [
        ("ส่งออก", "officer", "รายงานประจำเดือน"),
        ("ข้อมูลของฉัน", "member", "ข้อมูลของคุณ"),
        ("ครัวเรือนต้นแบบ", "officer", "ครัวเรือนต้นแบบ"),
        ("สรุป", "officer", "สรุปกลุ่มในอำเภอ"),
        ("ลบข้อมูลของฉัน", "member", "ต้องการลบข้อมูลส่วนตัว"),
        ("แดชบอร์ด", "officer", "token="),
        ("เพิ่มบัญชี", "member", "รหัสสำหรับเพิ่มบัญชี"),
    ],
)
async def test_private_answers_never_go_into_a_group_chat(
    chat: Chat, text: str, who: str, private_part: str
) -> None:
    in_group, pushed = await say_in_room(chat, text, who)
    assert "แชตส่วนตัว" in in_group and private_part not in in_group
    assert any(private_part in Reply.from_payload(p.payload).text for p in pushed)


@pytest.mark.both_databases
async def test_documents_are_single_use_and_purged(chat: Chat) -> None:
    answer = await chat.say("ข้อมูลของฉัน")
    assert answer is not None and answer.document is not None
    key = answer.document.key
    async with chat.app.uow() as uow:
        assert await uow.files.use_once(key, chat.app.clock.now())
        assert not await uow.files.use_once(key, chat.app.clock.now())  # once only
        await uow.commit()
    later = chat.app.clock.now() + timedelta(minutes=16)
    assert await load(chat.app.uow, key, later) is None  # 15 minutes
    done = await purge(chat.app, later)
    assert done.files >= 1
    assert await chat.count(StoredFile, StoredFile.key == key) == 0


@pytest.mark.both_databases
async def test_expensive_commands_have_their_own_rate(chat: Chat) -> None:
    chat.app.settings.expensive_per_minute = 2
    assert "บันทึกรายการต่อ" in await chat.text("สรุป", "chair")
    assert "บันทึกรายการต่อ" in await chat.text("สรุป", "chair")
    assert "บ่อยเกินไป" in await chat.text("สรุป", "chair")
    assert "บันทึกรายการต่อ" in await chat.text("สรุป", "treasurer")  # per person


@pytest.mark.both_databases
async def test_inbound_copies_are_cleared(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        waiting = await uow.session.scalar(
            select(func.count()).select_from(InboundEvent).where(InboundEvent.message.is_not(None))
        )
    assert not waiting
    assert privacy.erased_key("123:456:7").startswith("erased:")
