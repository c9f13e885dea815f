"""Issue 16's replies through the conversation core (console channel, both databases where
storage matters): the summary card with its chart, each member's dividend slip sent to their
own private chat only, the officer's visit plan, join posters and who may have them."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import select

from bot.app import App
from bot.messages import InboundMessage, Reply
from bot.storage.models import ChatAccount, Membership, Outbox, Person, StoredFile
from tests.support.chat import Chat


async def test_the_summary_is_a_card_with_the_chart_as_its_picture(chat: Chat) -> None:
    answer = await chat.say("สรุป", "member")
    assert answer is not None and answer.card is not None
    card = answer.card
    assert card.kind == "summary" and card.hero is not None and card.hero == answer.image
    assert card.title.startswith("📊 สรุปเดือน")
    [group] = card.sections
    assert group.heading == "กลุ่มไข่เค็มสมุนไพรลูกหม่อน"
    labels = [f.label for f in group.fields]
    assert labels[0] == "ยอดขาย" and group.fields[0].strong and "ของคุณ" in labels
    assert "ยอดขาย" in card.alt and len(card.alt) <= 400


async def test_each_member_gets_their_dividend_slip_in_their_own_chat_only(
    app: App, chat: Chat
) -> None:
    assert chat.ids is not None
    async with app.uow() as uow:
        members = (
            await uow.session.execute(
                select(Person.id, Person.name)
                .join(Membership, Membership.person_id == Person.id)
                .where(Membership.group_id == chat.ids.egg_group_id, Membership.until.is_(None))
            )
        ).all()
        for n, (person_id, _name) in enumerate(members):
            uow.session.add(ChatAccount(channel="line", external_id=f"U{n:032x}",
                                        person_id=person_id))  # fmt: skip
        await uow.commit()
    await chat.say("ปันผล 12,000 บาท ปี 2568", "treasurer")
    answer = await chat.say("ยืนยัน", "treasurer")
    assert answer is not None and "ส่งใบแจ้งปันผลให้สมาชิก" in answer.text
    async with app.uow() as uow:
        # The members' LINE chats (the officer's news goes to the officer's console chat).
        rows = list(await uow.session.scalars(
            select(Outbox).where(Outbox.kind == "push", Outbox.channel == "line")))  # fmt: skip
        accounts = {a.external_id: a.person_id for a in await uow.session.scalars(
            select(ChatAccount).where(ChatAccount.channel == "line"))}  # fmt: skip
        names: dict[int | None, str] = dict(
            (await uow.session.execute(select(Person.id, Person.name))).all()
        )
    assert rows, "no slips"
    total = Decimal(0)
    for row in rows:
        slip = Reply.from_payload(row.payload)
        assert row.channel == "line" and row.recipient in accounts  # a private chat (U…)
        assert slip.card is not None and slip.card.kind == "slip"
        fields = {f.label: f.value for f in slip.card.sections[0].fields}
        assert fields["สมาชิก"] == names[accounts[row.recipient]]  # their own, nobody else's
        total += Decimal(fields["ส่วนของคุณ"].replace(",", "").removesuffix(" บาท"))
    assert total == Decimal(12000)
    assert len({r.recipient for r in rows}) == len(rows)


async def test_an_officer_sees_the_visits_due_this_week(chat: Chat) -> None:
    answer = await chat.say("แผนเยี่ยมสัปดาห์นี้", "officer")
    assert answer is not None
    assert answer.text.startswith("แผนเยี่ยมสัปดาห์นี้") or "เยี่ยมครบตามรอบแล้ว" in answer.text
    if answer.card is not None:
        assert answer.card.buttons[0].message == "/visit"
    refused = await chat.say("แผนเยี่ยมสัปดาห์นี้", "member")
    assert refused is not None and "เฉพาะพัฒนากร" in refused.text


async def test_an_officer_asks_for_a_poster_and_gets_a_printable_a4_page(
    app: App, chat: Chat
) -> None:
    from pyzbar.pyzbar import decode

    first = await chat.say("โปสเตอร์", "officer")
    assert first is not None and "ยังทำโปสเตอร์ไม่ได้" in first.text  # no platform known yet
    app.addresses.line_basic_id, app.addresses.telegram_username = "@123abcde", "sammachip_bot"
    pick = await chat.say("โปสเตอร์", "officer")
    assert pick is not None and "กลุ่มไหน" in pick.text
    choice = next(q for q in pick.quick_replies if "ไข่เค็ม" in q.label)
    answer = await chat.say(choice.message, "officer")
    assert answer is not None and answer.image is not None and answer.document is not None
    assert answer.document.filename.endswith(".pdf")
    async with app.uow() as uow:
        png = await uow.session.scalar(select(StoredFile).where(StoredFile.key == answer.image.key))
        pdf = await uow.session.scalar(
            select(StoredFile).where(StoredFile.key == answer.document.key)
        )
    assert png is not None and pdf is not None
    links = sorted(d.data.decode() for d in decode(Image.open(io.BytesIO(png.data))))
    assert links[0].startswith("https://line.me/R/oaMessage/@123abcde/?")
    assert re.fullmatch(r"https://t\.me/sammachip_bot\?start=[A-Z0-9-]{4,20}", links[1])
    assert pdf.data.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[ 0 0 ([0-9.]+) ([0-9.]+) \]", pdf.data)
    assert box is not None  # A4 is 595 × 842 points
    assert abs(float(box.group(1)) - 595.3) < 1 and abs(float(box.group(2)) - 841.9) < 1


@pytest.mark.parametrize("who", ["member", "treasurer", "chair"])
async def test_only_officers_make_posters(chat: Chat, who: str) -> None:
    answer = await chat.say("โปสเตอร์ กลุ่มไข่เค็ม", who)
    assert answer is not None and "เฉพาะพัฒนากร" in answer.text


async def test_a_treasurer_poster_is_refused_in_a_group_chat(app: App, chat: Chat) -> None:
    app.addresses.line_basic_id = "@123abcde"
    officer = await chat.account_id("officer")
    handled = await app.conversation.handle(
        InboundMessage(channel="console", sender_id=officer, chat_id="group-room", is_group=True,
                       addressed=True, text="โปสเตอร์เหรัญญิก กลุ่มไข่เค็ม", event_id="poster-1")
    )  # fmt: skip
    assert handled.reply is not None and "แชตส่วนตัว" in handled.reply.text
    async with app.uow() as uow:
        assert await uow.session.scalar(select(StoredFile)) is None  # nothing was even drawn
