"""ส่งออก for administrators (issue 17) through the real chat path and the one export service:
a province administrator gets the province workbook, a district administrator their district's,
scoped on the server from the administrator row the chat account is linked to; another
province's data never appears. Asked in a group chat, the file goes to the private chat."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from bot.handlers.private import SENT_PRIVATELY
from bot.messages import InboundMessage, Reply
from bot.reports.files import load
from bot.storage.models import Outbox
from tests.conftest import NOW
from tests.conversations.test_administrators import (
    DISTRICT_ADMIN,
    PROVINCE_ADMIN,
    link,
    neighbours,
    register,
)
from tests.support.chat import Chat


async def workbook_text(chat: Chat, answer: Reply) -> tuple[list[str], str]:
    """The sheet names and every cell's text of the workbook the reply links to."""
    assert answer.document is not None
    fetched = await load(chat.app.uow, answer.document.key, NOW)
    assert fetched is not None
    book = load_workbook(io.BytesIO(fetched.data))
    cells = " ".join(
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True)
        for value in row if value is not None
    )  # fmt: skip
    return book.sheetnames, cells


async def test_a_province_administrator_gets_the_province_workbook(chat: Chat) -> None:
    await neighbours(chat)  # ขุขันธ์ (same province) and โพธาราม, ราชบุรี (another province)
    await link(chat, PROVINCE_ADMIN, await register(chat, PROVINCE_ADMIN, "ศรีสะเกษ"))
    answer = await chat.say("ส่งออก", PROVINCE_ADMIN)
    assert answer is not None and answer.document is not None
    assert answer.text.startswith("📎 รายงานประจำเดือน ต.ค. 2568 จังหวัดศรีสะเกษ")
    assert "2 อำเภอ · กลุ่มอาชีพ 3 กลุ่ม" in answer.text and "ส่งออก ก.ย. 68" in answer.text
    assert answer.document.filename == "สัมมาชีพ-จังหวัดศรีสะเกษ-2568-10.xlsx"
    sheets, cells = await workbook_text(chat, answer)
    assert sheets == ["สรุปจังหวัด", "ขุขันธ์", "วังหิน"]
    assert "กลุ่มทอเสื่อกก" in cells and "กลุ่มไข่เค็มสมุนไพรลูกหม่อน" in cells
    assert "โพธาราม" not in cells and "ราชบุรี" not in cells and "กลุ่มทอผ้า" not in cells

    september = await chat.say("ส่งออก ก.ย.", PROVINCE_ADMIN)
    assert september is not None and september.document is not None
    assert september.document.filename.endswith("2568-09.xlsx")


async def test_a_district_administrator_gets_their_district_only(chat: Chat) -> None:
    await neighbours(chat)
    await link(chat, DISTRICT_ADMIN, await register(chat, DISTRICT_ADMIN, "ศรีสะเกษ", "วังหิน"))
    answer = await chat.say("/export", DISTRICT_ADMIN)
    assert answer is not None and answer.document is not None
    assert "อำเภอวังหิน" in answer.text and "ส่งตัวเลขแล้ว 0/2 กลุ่ม" in answer.text
    assert answer.document.filename == "สัมมาชีพ-อำเภอวังหิน-2568-10.xlsx"
    sheets, cells = await workbook_text(chat, answer)
    assert sheets[0] == "สรุป" and "กลุ่มไข่เค็มสมุนไพรลูกหม่อน" in cells
    assert "กลุ่มทอเสื่อกก" not in cells and "ขุขันธ์" not in cells and "กลุ่มทอผ้า" not in cells


async def test_asked_in_a_group_chat_the_workbook_goes_privately(chat: Chat) -> None:
    await link(chat, PROVINCE_ADMIN, await register(chat, PROVINCE_ADMIN, "ศรีสะเกษ"))
    sender = await chat.account_id(PROVINCE_ADMIN)
    handled = await chat.app.conversation.handle(
        InboundMessage(channel="console", sender_id=sender, chat_id="room-8", text="ส่งออก",
                       is_group=True, event_id="adm-export-1", message_id="adm-export-1")
    )  # fmt: skip
    assert handled.reply is not None and handled.reply.document is None
    assert handled.reply.text.startswith(SENT_PRIVATELY)
    async with chat.app.uow() as uow:
        rows = (await uow.session.scalars(select(Outbox).where(Outbox.recipient == sender))).all()
    pushed = [Reply.from_payload(row.payload) for row in rows]
    assert any(p.document is not None and "จังหวัดศรีสะเกษ" in p.text for p in pushed)
