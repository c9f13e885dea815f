"""LINE end to end: a signed webhook to the real server → record stored → the reply POSTed to
the (fake) LINE API with the event's reply token, or pushed when the token is no good."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.conversation import Handled
from bot.messages import InboundMessage
from bot.storage.models import (
    AuditLog,
    ChatAccount,
    ChatRoom,
    InboundEvent,
    PushUsage,
    Sale,
)
from bot.storage.repositories import InboxRepository
from tests.support.channel_stack import Stack
from tests.support.fake_line import flex_text, group_id, user_id
from tests.support.live_server import until

SALE = "ขายไข่เค็ม 30 ฟอง 300 บาท"


async def test_a_signed_sale_is_stored_and_answered_with_its_reply_token(stack: Stack) -> None:
    user = await stack.line_member()
    token = stack.line.issue_token(user)
    response = await stack.post_line(stack.events.text(SALE, user=user, reply_token=token))
    assert response.status_code == 200
    person = await stack.person_of("line", user)
    assert await stack.count(Sale, Sale.recorded_by == person, Sale.amount == Decimal(300)) == 1
    await until(lambda: any(c.reply_token == token for c in stack.line.delivered), what="the reply")
    [answer] = [c for c in stack.line.delivered if c.reply_token == token]
    assert answer.endpoint == "reply"
    [card] = answer.messages  # the receipt: one Flex card, the undo and edit buttons on it
    assert card["type"] == "flex" and card["altText"].startswith("✅ บันทึกการขายแล้ว")
    assert "ไข่เค็ม" in flex_text(card["contents"]) and "300 บาท" in flex_text(card["contents"])
    labels = [i["action"]["label"] for i in answer.messages[-1]["quickReply"]["items"]]
    assert "ยกเลิก" in labels
    assert not any(c.endpoint == "push" for c in stack.line.calls)  # replies cost no quota


async def test_a_bad_signature_is_refused_and_nothing_is_stored(stack: Stack) -> None:
    user = user_id()
    event = stack.events.text(SALE, user=user, reply_token=stack.line.issue_token(user))
    events_before, sales_before = await stack.count(InboundEvent), await stack.count(Sale)
    for signature in (None, "bm90IGEgc2lnbmF0dXJl"):
        response = await stack.post_line(event, signature=signature)
        assert response.status_code == 400
    assert await stack.count(InboundEvent) == events_before
    assert await stack.count(Sale) == sales_before
    assert await stack.count(ChatAccount, ChatAccount.external_id == user) == 0
    assert stack.line.calls == []


@pytest.mark.both_databases
async def test_the_same_event_delivered_twice_is_stored_once(stack: Stack) -> None:
    user = await stack.line_member()
    token = stack.line.issue_token(user)
    event = stack.events.text(SALE, user=user, reply_token=token)
    first = await stack.post_line(event)
    redelivered = dict(event, deliveryContext={"isRedelivery": True})
    second = await stack.post_line(redelivered)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["duplicates"] == 1
    person = await stack.person_of("line", user)
    assert await stack.count(Sale, Sale.recorded_by == person) == 1
    await until(lambda: any(c.reply_token == token for c in stack.line.delivered))
    await stack.settled()
    assert len([c for c in stack.line.calls if c.reply_token == token]) == 1


@pytest.mark.both_databases
async def test_an_api_500_is_retried_and_the_reply_arrives_exactly_once(stack: Stack) -> None:
    user = await stack.line_member()
    token = stack.line.issue_token(user)
    stack.line.plan("reply", 500, {"message": "Internal server error"})
    await stack.post_line(stack.events.text(SALE, user=user, reply_token=token))
    row = await stack.settled_or_failed_once()
    assert row.status == "pending" and row.attempts == 1 and "500" in (row.last_error or "")
    stack.clock.instant += timedelta(seconds=5)
    assert (await stack.app.sender.drain()).sent == 1
    assert (await stack.app.sender.drain()).sent == 0
    answers = [t for t in stack.line.texts(user) if "บันทึกการขาย" in t]
    assert len(answers) == 1
    # The token was still young: the retry used it (a reply costs no push quota).
    assert stack.line.delivered[-1].reply_token == token


@pytest.mark.both_databases
async def test_a_reply_waiting_for_a_retry_is_not_overtaken_by_the_next_answer(
    stack: Stack,
) -> None:
    """LINE answers the echo of a first sale with a 500; the person's next sale is answered
    while that echo waits for its retry. They receive the two echoes in the order of their
    messages, not the second sale's first."""
    user = await stack.line_member()
    stack.line.plan("reply", 500, {"message": "Internal server error"})
    first = stack.line.issue_token(user)
    await stack.post_line(stack.events.text(SALE, user=user, reply_token=first))
    row = await stack.settled_or_failed_once()
    assert row.status == "pending" and row.attempts == 1  # waiting for the drain's retry
    second = stack.line.issue_token(user)
    await stack.post_line(
        stack.events.text("ขายไข่เค็ม 12 ฟอง 120 บาท", user=user, reply_token=second)
    )
    echoes = [t for t in stack.line.texts(user) if "บันทึกการขาย" in t]
    assert echoes == []  # the second echo waits behind the first
    stack.clock.instant += timedelta(seconds=5)
    assert (await stack.app.sender.drain()).sent == 2
    await stack.settled()
    echoes = [t for t in stack.line.texts(user) if "บันทึกการขาย" in t]
    assert len(echoes) == 2
    assert "30 ฟอง" in echoes[0] and "12 ฟอง" in echoes[1]
    # Both still answered with their reply tokens (young enough): no push quota spent.
    assert [c.reply_token for c in stack.line.delivered[-2:]] == [first, second]


async def test_a_reply_line_took_but_answered_500_is_not_sent_again(stack: Stack) -> None:
    user = await stack.line_member()
    token = stack.line.issue_token(user)
    stack.line.plan("reply", 500, {"message": "Internal server error"}, accept=True)
    await stack.post_line(stack.events.text(SALE, user=user, reply_token=token))
    row = await stack.settled_or_failed_once()
    assert row.status == "pending" and row.attempts == 1
    stack.clock.instant += timedelta(seconds=5)
    assert (await stack.app.sender.drain()).sent == 1
    # LINE refused the spent token: the first reply got through, so no push follows it.
    assert [c.status for c in stack.line.calls if c.reply_token == token] == [500, 400]
    assert not any(c.endpoint == "push" and c.to == user for c in stack.line.calls)
    assert len([t for t in stack.line.texts(user) if "บันทึกการขาย" in t]) == 1


async def test_an_expired_reply_token_falls_back_to_push_and_counts_against_the_quota(
    stack: Stack,
) -> None:
    user = await stack.line_member()
    token = stack.line.issue_token(user)
    stack.line.expire(token)
    await stack.post_line(stack.events.text(SALE, user=user, reply_token=token))
    await until(
        lambda: any(c.endpoint == "push" and c.to == user for c in stack.line.delivered),
        what="the push",
    )
    assert [c.status for c in stack.line.calls if c.reply_token == token] == [400]
    await stack.settled()
    async with stack.app.uow() as uow:
        usage = await uow.session.scalar(select(PushUsage).where(PushUsage.channel == "line"))
        assert usage is not None and usage.count == 1


async def test_a_slow_line_api_does_not_slow_the_webhook_answer(stack: Stack) -> None:
    user = await stack.line_member()
    token = stack.line.issue_token(user)
    stack.line.plan("reply", 200, delay=1.5)
    started = time.monotonic()
    response = await stack.post_line(
        stack.events.text(SALE, user=user, reply_token=token), wait=False
    )
    answered = time.monotonic() - started
    assert response.status_code == 200 and answered < 1.0
    assert not any(c.reply_token == token for c in stack.line.delivered)  # sent after answering
    await until(
        lambda: any(c.reply_token == token for c in stack.line.delivered), what="the late reply"
    )


async def test_if_the_event_cannot_be_stored_line_gets_a_5xx_and_the_redelivery_is_stored_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await stack.line_member()
    real = InboxRepository.accept
    calls = 0

    async def database_down_once(self: InboxRepository, *args: Any) -> dict[tuple[str, str], int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database is down")
        return await real(self, *args)

    monkeypatch.setattr(InboxRepository, "accept", database_down_once)
    event = stack.events.text(SALE, user=user, reply_token=stack.line.issue_token(user))
    assert (await stack.post_line(event)).status_code == 500
    first = await stack.post_line(event)
    again = await stack.post_line(event)
    assert first.status_code == again.status_code == 200
    assert first.json()["duplicates"] == 0 and again.json()["duplicates"] == 1
    person = await stack.person_of("line", user)
    assert await stack.count(Sale, Sale.recorded_by == person) == 1


async def test_an_event_stored_while_handling_fails_is_handled_later_exactly_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 2xx went out (the event is stored), then the database dropped while handling it:
    the event stays pending and the intake's recovery handles it once the database is back."""
    user = await stack.line_member()
    real = stack.app.conversation.handle
    calls = 0

    async def connection_lost_once(message: InboundMessage, **kwargs: Any) -> Handled:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OperationalError("SELECT 1", {}, ConnectionError("connection lost"))
        return await real(message, **kwargs)

    monkeypatch.setattr(stack.app.conversation, "handle", connection_lost_once)
    event = stack.events.text(SALE, user=user, reply_token=stack.line.issue_token(user))
    assert (await stack.post_line(event)).status_code == 200
    person = await stack.person_of("line", user)
    assert await stack.count(Sale, Sale.recorded_by == person) == 0
    assert await stack.count(InboundEvent, InboundEvent.status == "pending") == 1

    stack.clock.instant += timedelta(seconds=stack.app.settings.intake_retry_seconds + 1)
    intake = stack.web.state.web.intake
    assert await intake.recover() == 1
    await stack.handled()
    assert await stack.count(Sale, Sale.recorded_by == person) == 1
    assert await stack.count(InboundEvent, InboundEvent.status == "pending") == 0
    await stack.post_line(event)  # the platform's own redelivery changes nothing
    assert await stack.count(Sale, Sale.recorded_by == person) == 1
    await until(lambda: any("ไข่" in t for t in stack.line.texts(user)), what="the late reply")


async def test_a_body_over_the_limit_is_refused_with_413(stack: Stack) -> None:
    user = user_id()
    event = stack.events.text("ก" * 30_000, user=user, reply_token="t")  # 90 kB of UTF-8
    response = await stack.post_line(event)
    assert response.status_code == 413
    assert await stack.count(ChatAccount, ChatAccount.external_id == user) == 0


async def test_follow_greets_with_how_to_link_and_unfollow_stops_pushes(stack: Stack) -> None:
    user = user_id()
    token = stack.line.issue_token(user)
    await stack.post_line(stack.events.follow(user=user, reply_token=token))
    await until(lambda: bool(stack.line.texts(user)), what="the greeting")
    assert "ลงทะเบียน" in stack.line.texts(user)[0]

    await stack.post_line(stack.events.unfollow(user=user))
    async with stack.app.uow() as uow:
        account = await uow.people.account("line", user)
        assert account is not None and account.blocked
        reminder = await uow.outbox.add("line", user, {"text": "อย่าลืมบันทึกนะคะ"},
                                        available_at=stack.clock.now(), kind="reminder")  # fmt: skip
        await uow.commit()
    await stack.app.sender.drain()
    assert not any(c.endpoint == "push" and c.to == user for c in stack.line.calls)
    async with stack.app.uow() as uow:
        row = await uow.outbox.get(reminder.id)
        assert row is not None and row.status == "failed"


async def test_unsend_withdraws_the_record_made_from_that_message(stack: Stack) -> None:
    user = await stack.line_member()
    await stack.post_line(
        stack.events.text(
            SALE, user=user, reply_token=stack.line.issue_token(user), message_id="600001"
        )
    )
    person = await stack.person_of("line", user)
    async with stack.app.uow() as uow:
        sale = await uow.session.scalar(select(Sale).where(Sale.recorded_by == person))
    assert sale is not None and sale.withdrawn_at is None
    await stack.post_line(stack.events.unsend("600001", user=user))
    async with stack.app.uow() as uow:
        withdrawn = await uow.session.get(Sale, sale.id)
        trail = await uow.audit.for_entity("sale", sale.id)
    assert withdrawn is not None and withdrawn.withdrawn_at is not None
    assert [a.action for a in trail][-1] == "unsend"
    assert await stack.count(AuditLog, AuditLog.action == "unsend") == 1


async def test_other_events_are_skipped_and_the_rest_of_the_body_still_counts(stack: Stack) -> None:
    user = await stack.line_member()
    token = stack.line.issue_token(user)
    response = await stack.post_line(
        stack.events.sticker(user=user, reply_token=stack.line.issue_token(user)),
        stack.events.member_joined(group=group_id(), user=user, reply_token="m"),
        stack.events.unknown("somethingNew", user=user),
        stack.events.text(SALE, user=user, reply_token=token),
    )
    assert response.status_code == 200 and response.json()["messages"] == 1
    assert await stack.count(Sale, Sale.recorded_by == await stack.person_of("line", user)) == 1


async def test_a_group_chat_is_linked_and_each_record_is_attributed_to_its_sender(
    stack: Stack,
) -> None:
    group = group_id()
    member = await stack.line_member()
    await stack.give_role("line", member, "chair")  # only a chair, treasurer or officer links it
    other_member = await stack.line_member()
    stranger = user_id()

    join_token = stack.line.issue_token(group)
    await stack.post_line(stack.events.join(group=group, reply_token=join_token))
    await until(lambda: bool(stack.line.texts(group)), what="the group greeting")
    assert "เข้ากลุ่ม" in stack.line.texts(group)[0]  # says how to link the chat

    code = await stack.join_code()
    await stack.post_line(stack.events.text(f"เข้ากลุ่ม {code}", user=member, group=group,
                                            reply_token=stack.line.issue_token(group)))  # fmt: skip
    async with stack.app.uow() as uow:
        room = await uow.session.scalar(select(ChatRoom).where(ChatRoom.external_id == group))
    assert room is not None and room.group_id == stack.ids.egg_group_id

    await stack.settled()
    replies_before = len(stack.line.delivered)
    await stack.post_line(
        stack.events.text("ขายไข่เค็ม 10 ฟอง 100 บาท", user=member, group=group, reply_token=stack.line.issue_token(group)),
        stack.events.text("ขายไข่เค็ม 20 ฟอง 200 บาท", user=other_member, group=group, reply_token=stack.line.issue_token(group)),
        stack.events.text("พรุ่งนี้ไปตลาดกันไหมจ๊ะ", user=member, group=group, reply_token=stack.line.issue_token(group)),
        stack.events.text("ขายไข่เค็ม 5 ฟอง 50 บาท", user=stranger, group=group, reply_token=stack.line.issue_token(group)),
    )  # fmt: skip
    await stack.settled()
    assert len(stack.line.delivered) == replies_before + 3  # the chatter got no answer
    first, second = (
        await stack.person_of("line", member),
        await stack.person_of("line", other_member),
    )
    group_sales = select(Sale).where(
        Sale.group_id == stack.ids.egg_group_id, Sale.recorded_by.in_([first, second])
    )
    async with stack.app.uow() as uow:
        sales = {(s.recorded_by, s.amount) for s in await uow.session.scalars(group_sales)}
    assert sales == {(first, Decimal(100)), (second, Decimal(200))}
    invite = stack.line.texts(group)[-1]
    assert "ยังไม่ได้เป็นสมาชิก" in invite and "เข้ากลุ่ม" in invite  # the stranger is invited

    await stack.post_line(stack.events.text("@ผู้ช่วย สวัสดีจ้า", user=member, group=group,
                                            reply_token=stack.line.issue_token(group), mention_self=(0, 8)))  # fmt: skip
    await until(
        lambda: len(stack.line.delivered) == replies_before + 4, what="an answer to a mention"
    )

    assert (await stack.post_line(stack.events.leave(group=group))).status_code == 200
    await stack.settled()
    assert len(stack.line.delivered) == replies_before + 4  # removed from the group: nothing said
