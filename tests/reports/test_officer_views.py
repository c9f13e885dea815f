"""What officers need to see (issue 17): the annual summary and a confirmed dividend reach the
group's officer in their private chats (never a group chat), and are in the district workbook
together with the target households' month (visits, account book, trainings), read back with
openpyxl. Through the chat as the treasurer, household, trainer and officer would do it."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.messages import Reply
from bot.reports.export_rows import (
    ANNUAL_HEADERS,
    DATE_FORMAT,
    DIVIDEND_HEADERS,
    HOUSEHOLD_HEADERS,
    MONEY_FORMAT,
    TRAINING_HEADERS,
)
from bot.services.exports import district_workbook, find_district
from bot.storage.models import ChatAccount, ChatRoom, Household, Officer, Outbox
from tests.support.chat import Chat

EGG = "กลุ่มไข่เค็มสมุนไพรลูกหม่อน"
OFFICER = "รัตนา พัฒนกิจ"
OCTOBER = date(2025, 10, 1)  # NOW is 20 Oct 2025 (tests/conftest.py)
OFFICER_LINE = "U" + "0f" * 16


async def give_officer_line(chat: Chat) -> None:
    """The officer also has a LINE private chat with the bot."""
    assert chat.ids is not None
    async with chat.app.uow() as uow:
        officer = await uow.session.get(Officer, chat.ids.officer_id)
        assert officer is not None
        uow.session.add(
            ChatAccount(channel="line", external_id=OFFICER_LINE, person_id=officer.person_id)
        )
        await uow.commit()


async def pushes(chat: Chat) -> list[Outbox]:
    async with chat.app.uow() as uow:
        return list(
            await uow.session.scalars(
                select(Outbox).where(Outbox.kind == "push").order_by(Outbox.id)
            )
        )


async def officer_chats(chat: Chat) -> set[str]:
    assert chat.ids is not None
    async with chat.app.uow() as uow:
        officer = await uow.session.get(Officer, chat.ids.officer_id)
        assert officer is not None and officer.person_id is not None
        return {a.external_id for a in await uow.people.accounts_of(officer.person_id)}


async def test_the_annual_summary_reaches_the_officers_private_chats(chat: Chat) -> None:
    await give_officer_line(chat)
    shown = await chat.text("สรุปปี 2568", "treasurer")
    assert "ส่งสรุปปีนี้ให้พัฒนากรเลยไหม" in shown
    answer = await chat.text("ยืนยัน", "treasurer")
    # What the treasurer is told is now true, and names who got it.
    assert "ส่งสรุปประจำปีให้พัฒนากรแล้วค่ะ" in answer
    assert f"แจ้งคุณ{OFFICER} (พัฒนากร) ทางแชตส่วนตัวแล้ว" in answer

    sent = await pushes(chat)
    assert {row.recipient for row in sent} == await officer_chats(chat)
    assert {row.channel for row in sent} == {"line", "console"}
    async with chat.app.uow() as uow:
        rooms = set(await uow.session.scalars(select(ChatRoom.external_id)))
    assert not rooms & {row.recipient for row in sent}  # never a group chat
    news = Reply.from_payload(sent[0].payload)
    assert news.text.startswith(f"📒 {EGG} ส่งสรุปปี 2568")
    assert "1 ต.ค. 2567 – 30 ก.ย. 2568" in news.text
    assert "กำไร" in news.text and "ส่งโดย มาลี ศรีสุข (เหรัญญิก)" in news.text
    assert news.card is not None and news.card.title == "📒 สรุปปี 2568"

    # Sent again: a revision, and the officer is told it is one.
    await chat.text("สรุปปี 2568", "treasurer")
    await chat.text("ยืนยัน", "treasurer")
    again = Reply.from_payload((await pushes(chat))[-1].payload)
    assert "สรุปปี 2568 (ฉบับแก้ไขที่ 2)" in again.text


async def test_an_officer_without_a_chat_is_not_said_to_have_been_told(chat: Chat) -> None:
    assert chat.ids is not None
    async with chat.app.uow() as uow:
        officer = await uow.session.get(Officer, chat.ids.officer_id)
        assert officer is not None
        await uow.session.execute(
            update(ChatAccount)
            .where(ChatAccount.person_id == officer.person_id)
            .values(blocked=True)
        )
        await uow.commit()
    await chat.text("สรุปปี 2568", "treasurer")
    answer = await chat.text("ยืนยัน", "treasurer")
    assert "บันทึกสรุปประจำปีแล้วค่ะ" in answer and "ส่งสรุปประจำปีให้พัฒนากรแล้ว" not in answer
    assert "พัฒนากรดูได้ในแดชบอร์ด" in answer
    assert await pushes(chat) == []


async def test_a_confirmed_dividend_is_pushed_to_the_officer(chat: Chat) -> None:
    await give_officer_line(chat)
    await chat.text("ปันผล 12,000 บาท ปี 2568", "treasurer")
    answer = await chat.text("ยืนยัน", "treasurer")
    assert "บันทึกการจ่ายปันผลแล้วค่ะ" in answer
    assert f"แจ้งคุณ{OFFICER} (พัฒนากร) ทางแชตส่วนตัวแล้ว" in answer
    to_officer = [r for r in await pushes(chat) if r.recipient in await officer_chats(chat)]
    assert len(to_officer) == 2  # LINE and the console chat, nothing else
    news = Reply.from_payload(to_officer[0].payload)
    assert news.text.startswith(f"🎁 {EGG} จ่ายปันผลปี 2568 แล้วค่ะ")
    assert "รวม 12,000 บาท ให้สมาชิก 3 คน" in news.text
    assert "บันทึกโดย มาลี ศรีสุข (เหรัญญิก)" in news.text


async def test_a_dividend_cancelled_before_confirming_tells_nobody(chat: Chat) -> None:
    await give_officer_line(chat)
    await chat.text("ปันผล 12,000 บาท ปี 2568", "treasurer")
    await chat.text("ยกเลิก", "treasurer")
    assert await pushes(chat) == []


def table(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


async def test_the_workbook_has_annual_summaries_dividends_and_households(chat: Chat) -> None:
    assert chat.ids is not None
    await chat.text("สรุปปี 2568", "treasurer")
    await chat.text("ยืนยัน", "treasurer")
    await chat.text("ปันผล 12,000 บาท ปี 2568", "treasurer")
    await chat.text("ยืนยัน", "treasurer")
    # The households' side, through the chat: the book, a training, an officer's visit.
    assert "บันทึกรายรับ" in await chat.text("ได้เงิน ขายผัก 300 บาท", "household")
    assert "บันทึกรายจ่าย" in await chat.text("จ่าย ค่าเมล็ดผัก 120 บาท", "household")
    assert "บันทึกการอบรม" in await chat.text("อบรมการทำบัญชี คำปุ่น มาเรียน", "trainer")
    async with chat.app.uow() as uow:
        # A head of household whose name would be a formula in a careless spreadsheet.
        await uow.session.execute(
            update(Household)
            .where(Household.head_name == "จันทร์เพ็ญ แสงดี")
            .values(head_name='=HYPERLINK("http://x","จันทร์เพ็ญ")')
        )
        await uow.commit()
    await chat.text("บันทึกการเยี่ยม", "officer")
    await chat.text("ครัวเรือนคำปุ่น…", "officer")
    assert "บันทึกการเยี่ยม" in await chat.text("แปลงผักงามดี", "officer")

    async with chat.app.uow() as uow:
        district = (await find_district(uow, "วังหิน")).id
        data = await district_workbook(uow, district, OCTOBER)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[:5] == ["สรุป", "สรุปประจำปี", "ปันผล", "ครัวเรือนเป้าหมาย", "อบรมครัวเรือน"]

    annual = book["สรุปประจำปี"]
    rows = table(annual)
    assert rows[1] == ANNUAL_HEADERS
    (egg,) = rows[2:]
    assert egg[0] == EGG and egg[2] == 2568 and egg[3] == 1 and egg[8] == "มาลี ศรีสุข"
    assert egg[6] == egg[4] - egg[5]  # profit = revenue - costs, as numbers
    assert annual.cell(row=3, column=5).number_format == MONEY_FORMAT
    assert annual.cell(row=3, column=10).number_format == DATE_FORMAT
    assert egg[9].date() == date(2025, 10, 20)  # a real date cell

    dividend = book["ปันผล"]
    rows = table(dividend)
    assert rows[1] == DIVIDEND_HEADERS
    (paid,) = rows[2:]
    assert paid[0] == EGG and paid[4] == 12000 and paid[5] >= 1
    assert paid[2].date() == date(2024, 10, 1) and paid[3].date() == date(2025, 9, 30)
    assert dividend.cell(row=3, column=3).number_format == DATE_FORMAT

    households = book["ครัวเรือนเป้าหมาย"]
    rows = table(households)
    assert rows[1] == HOUSEHOLD_HEADERS
    by_head = {r[0]: r for r in rows[2:]}
    khampun = by_head["คำปุ่น มีสุข"]
    assert khampun[4] == 1 and khampun[5].date() == date(2025, 10, 20)  # visited, when
    assert (khampun[6], khampun[7], khampun[8]) == (300, 120, 180)
    assert khampun[9] == 2 and khampun[10] == 1  # two book lines, one training
    formula = '=HYPERLINK("http://x","จันทร์เพ็ญ")'
    assert formula in by_head  # kept as typed, as text
    cell = next(c for c in households["A"] if c.value == formula)
    assert cell.data_type == "s" and cell.quotePrefix

    trainings = table(book["อบรมครัวเรือน"])
    assert trainings[1] == TRAINING_HEADERS
    (session,) = trainings[2:]
    assert session[0].date() == date(2025, 10, 20) and session[4] == "คำปุ่น มีสุข"

    # The group's own sheet lists the month's annual summary and dividend with its records.
    kinds = [r[0] for r in table(book[EGG])[2:]]
    assert "สรุปประจำปี" in kinds and "ปันผล" in kinds


async def test_an_empty_month_says_so_on_each_sheet(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        district = (await find_district(uow, "วังหิน")).id
        data = await district_workbook(uow, district, date(2025, 6, 1))
    book = load_workbook(io.BytesIO(data))
    assert "ยังไม่มีกลุ่มที่ส่งสรุปประจำปี" in str(table(book["สรุปประจำปี"]))
    assert "ยังไม่มีกลุ่มที่จ่ายปันผล" in str(table(book["ปันผล"]))
    assert "ไม่มีการอบรมที่บันทึกในเดือนนี้" in str(table(book["อบรมครัวเรือน"]))
    # Households are listed every month, with nothing recorded yet.
    rows = table(book["ครัวเรือนเป้าหมาย"])[2:]
    assert rows and all(r[4] == 0 and r[6] == Decimal(0) for r in rows if r[0])
