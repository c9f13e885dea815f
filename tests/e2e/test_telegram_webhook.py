"""Telegram end to end: an update POSTed with the secret token → record stored → sendMessage to
the (fake) Bot API; and the same through `sammachip poll`'s long-polling loop."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.channels.base import Inbound
from bot.channels.telegram import poll
from bot.storage.models import ChatRoom, InboundEvent, Outbox, Sale
from bot.web.runtime import Channels, deliver, process
from tests.support.channel_stack import Stack
from tests.support.fake_telegram import BOT_USERNAME
from tests.support.live_server import until

SALE = "ขายไข่เค็ม 30 ฟอง 300 บาท"
GROUP = -1009876543210


async def sales_by(stack: Stack, user: int) -> list[Sale]:
    person = await stack.person_of("telegram", str(user))
    async with stack.app.uow() as uow:
        return list(
            await uow.session.scalars(
                select(Sale).where(Sale.recorded_by == person).order_by(Sale.id)
            )
        )


async def test_a_sale_is_stored_and_answered_with_a_receipt(stack: Stack) -> None:
    user = await stack.telegram_member(601)
    response = await stack.post_telegram(stack.updates.message(SALE, user_id=user))
    assert response.status_code == 200
    [sale] = await sales_by(stack, user)
    assert (sale.item, sale.amount) == ("ไข่เค็ม", Decimal(300))
    await stack.settled()
    answer = stack.telegram.sent[-1]
    assert answer.chat_id == str(user) and "บันทึกการขาย" in (answer.text or "")
    # The receipt is HTML (bold title, the amount in bold) with its buttons inline.
    assert answer.params["parse_mode"] == "HTML" and "<b>300 บาท</b>" in answer.params["raw_text"]
    assert "ยอดเงิน: 300 บาท" in (answer.text or "")
    keyboard = answer.reply_markup
    assert keyboard is not None and "inline_keyboard" in keyboard
    data = [b["callback_data"] for row in keyboard["inline_keyboard"] for b in row]
    assert data[:2] == ["ยกเลิก", "แก้ไข"] and all(len(d.encode()) <= 64 for d in data)


async def test_a_wrong_secret_token_is_refused_and_nothing_is_stored(stack: Stack) -> None:
    before = await stack.count(InboundEvent)
    for secret in (None, "guess"):
        response = await stack.post_telegram(
            stack.updates.message(SALE, user_id=602), secret=secret
        )
        assert response.status_code == 403
    assert await stack.count(InboundEvent) == before
    assert await sales_by(stack, 602) == []
    assert stack.telegram.sent == []


@pytest.mark.both_databases
async def test_the_same_update_twice_is_stored_once(stack: Stack) -> None:
    user = await stack.telegram_member(603)
    update = stack.updates.message(SALE, user_id=user)
    assert (await stack.post_telegram(update)).status_code == 200
    assert (await stack.post_telegram(update)).json()["duplicates"] == 1
    await stack.settled()
    assert len(await sales_by(stack, user)) == 1
    assert len([t for t in stack.telegram.texts(user) if "บันทึกการขาย" in t]) == 1


async def test_an_api_500_then_ok_delivers_exactly_once(stack: Stack) -> None:
    user = await stack.telegram_member(604)
    stack.telegram.plan("sendMessage", 500)
    await stack.post_telegram(stack.updates.message(SALE, user_id=user))
    await stack.settled_or_failed_once()
    stack.clock.instant += timedelta(seconds=5)
    assert (await stack.app.sender.drain()).sent == 1
    assert (await stack.app.sender.drain()).sent == 0
    assert len([t for t in stack.telegram.texts(user) if "บันทึกการขาย" in t]) == 1


async def test_flood_control_waits_the_retry_after_telegram_gave(stack: Stack) -> None:
    user = await stack.telegram_member(605)
    stack.telegram.plan("sendMessage", 429, retry_after=4)
    await stack.post_telegram(stack.updates.message(SALE, user_id=user))
    row = await stack.settled_or_failed_once()
    assert row.next_attempt_at == stack.clock.now() + timedelta(seconds=4)
    stack.clock.instant += timedelta(seconds=3)
    assert (await stack.app.sender.drain()).sent == 0  # not before Telegram said
    stack.clock.instant += timedelta(seconds=1)
    assert (await stack.app.sender.drain()).sent == 1


async def test_an_edited_message_revises_the_record_made_from_it(stack: Stack) -> None:
    user = await stack.telegram_member(606)
    original = stack.updates.message("ขายไข่เค็ม 10 ฟอง 100 บาท", user_id=user)
    await stack.post_telegram(original)
    await stack.post_telegram(stack.updates.edited(original, "ขายไข่เค็ม 12 ฟอง 120 บาท"))
    first, second = await sales_by(stack, user)
    assert first.amount == Decimal(100) and first.withdrawn_at is not None
    assert second.amount == Decimal(120) and second.withdrawn_at is None


async def test_a_button_tap_is_answered_and_handled(stack: Stack) -> None:
    user = await stack.telegram_member(607)
    update = stack.updates.callback("เมนู", user_id=user, chat_id=user)
    await stack.post_telegram(update)
    await until(lambda: bool(stack.telegram.answered), what="the callback answer")
    assert stack.telegram.answered == [update["callback_query"]["id"]]
    await stack.settled()
    assert "ขาย" in stack.telegram.texts(user)[-1]  # the menu, with examples


async def test_a_person_who_blocks_the_bot_gets_no_more_pushes(stack: Stack) -> None:
    user = await stack.telegram_member(608)
    await stack.post_telegram(
        stack.updates.my_chat_member(chat_id=user, user_id=user, old="member", new="kicked")
    )
    async with stack.app.uow() as uow:
        reminder = await uow.outbox.add("telegram", str(user), {"text": "อย่าลืมบันทึกการขายนะคะ"},
                                        available_at=stack.clock.now(), kind="reminder")  # fmt: skip
        await uow.commit()
    sent_before = len(stack.telegram.sent)
    await stack.app.sender.drain()
    assert len(stack.telegram.sent) == sent_before
    async with stack.app.uow() as uow:
        row = await uow.outbox.get(reminder.id)
        assert row is not None and row.status == "failed"

    await stack.post_telegram(stack.updates.message("เมนู", user_id=user))  # they came back
    await stack.settled()
    assert len(stack.telegram.sent) == sent_before + 1


async def test_a_group_chat_is_linked_and_records_are_attributed_to_their_senders(
    stack: Stack,
) -> None:
    alice, bob, stranger = await stack.telegram_member(611), await stack.telegram_member(612), 699
    await stack.give_role("telegram", str(alice), "treasurer")  # may link the group's chat
    await stack.post_telegram(
        stack.updates.my_chat_member(chat_id=GROUP, user_id=alice, old="left", new="member")
    )
    await stack.settled()
    assert "เข้ากลุ่ม" in stack.telegram.texts(GROUP)[-1]  # how to link this chat

    code = await stack.join_code()
    await stack.post_telegram(
        stack.updates.message(f"/join@{BOT_USERNAME} {code}", user_id=alice, chat_id=GROUP)
    )
    async with stack.app.uow() as uow:
        room = await uow.session.scalar(select(ChatRoom).where(ChatRoom.external_id == str(GROUP)))
    assert room is not None and room.group_id == stack.ids.egg_group_id
    await stack.settled()

    before = len(stack.telegram.texts(GROUP))
    for user, text in ((alice, "ขายไข่เค็ม 10 ฟอง 100 บาท"), (bob, "ขายไข่เค็ม 20 ฟอง 200 บาท"),
                       (alice, "เย็นนี้ฝนตกไหมนะ"), (stranger, "ขายไข่เค็ม 5 ฟอง 50 บาท")):  # fmt: skip
        await stack.post_telegram(
            stack.updates.message(text, user_id=user, chat_id=GROUP, first_name="สมชาย")
        )
    await stack.settled()
    answers = stack.telegram.texts(GROUP)[before:]
    assert len(answers) == 3  # two sales echoed, the stranger invited; the chatter ignored
    assert sum("สมชาย" in a and "เข้ากลุ่ม" in a for a in answers) == 1  # the stranger's invite
    assert [s.amount for s in await sales_by(stack, alice)] == [Decimal(100)]
    assert [s.amount for s in await sales_by(stack, bob)] == [Decimal(200)]
    echoes = [
        m for m in stack.telegram.sent if m.chat_id == str(GROUP) and "บันทึกการขาย" in (m.text or "")
    ]
    assert len(echoes) == 2
    assert all(m.reply_markup and "inline_keyboard" in m.reply_markup for m in echoes)

    await stack.post_telegram(stack.updates.mention("สวัสดีจ้า", user_id=bob, chat_id=GROUP))
    await stack.settled()
    assert len(stack.telegram.texts(GROUP)) == before + 4  # addressed: the bot answers


async def test_long_polling_stores_each_update_once_and_confirms_it_only_after_commit(
    stack: Stack,
) -> None:
    app, fake = stack.app, stack.telegram
    channels = await Channels.open(app, only=("telegram",))
    assert channels.telegram is not None
    failures = 1

    async def handle(inbound: Inbound) -> None:
        nonlocal failures
        if failures:  # the database is down for the first update
            failures -= 1
            raise ConnectionError("database is down")
        done = await process(app, inbound)
        await deliver(app, done.outbox_ids, inbound.acks)

    join = stack.updates.message(f"/join {await stack.join_code()}", user_id=620)
    agree = stack.updates.message("ยินยอม", user_id=620)
    sale = stack.updates.message(SALE, user_id=620)
    fake.queue_updates(join, agree, sale)
    polling = asyncio.create_task(poll(channels.telegram, handle, wait_seconds=1, idle_pause=0.01))
    try:
        await until(
            lambda: sale["update_id"] + 1 in fake.offsets,
            within=10,
            what="the offset past the sale",
        )
    finally:
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        await channels.close(app)
    assert fake.count("deleteWebhook") == 1  # getUpdates is refused while a webhook is set
    assert fake.offsets[:2] == [None, None]  # not confirmed while it failed: fetched again
    assert [s.amount for s in await sales_by(stack, 620)] == [Decimal(300)]
    assert len([t for t in fake.texts(620) if "บันทึกการขาย" in t]) == 1
    # (The demo officer is told of the new member on their console account: not sent here.)
    assert await stack.count(Outbox, Outbox.status == "pending", Outbox.channel != "console") == 0
