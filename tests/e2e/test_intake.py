"""The webhook intake (bot/web/intake.py): events are stored before the 2xx and handled right
after, in order per chat; what a crash or an outage left is handled once after a restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.conversation import Handled
from bot.messages import InboundMessage
from bot.storage.models import InboundEvent, Sale
from tests.support.channel_stack import Stack, running_stack
from tests.support.fake_line import FakeLine, user_id
from tests.support.fake_telegram import FakeTelegram
from tests.support.live_server import until


@pytest.mark.both_databases
async def test_many_webhooks_at_once_are_each_stored_once_and_answered(stack: Stack) -> None:
    """Forty people report at the same moment and LINE redelivers ten of the events while the
    first delivery is still in flight: every 2xx is one stored event, each report is saved
    once and every person gets exactly one answer."""
    users = [await stack.line_member() for _ in range(8)]
    events = [
        stack.events.text(
            f"ขายไข่เค็ม {n + 1} ฟอง {10 * (n + 1)} บาท",
            user=users[n % len(users)],
            reply_token=stack.line.issue_token(users[n % len(users)]),
        )
        for n in range(40)
    ]
    before = len(stack.line.delivered)
    sends = [stack.post_line(event, wait=False) for event in events]
    sends += [stack.post_line(event, wait=False) for event in events[:10]]  # redeliveries
    responses = await asyncio.gather(*sends)
    assert all(r.status_code == 200 for r in responses)
    assert sum(r.json()["duplicates"] for r in responses) == 10
    await stack.settled()
    people = [await stack.person_of("line", user) for user in users]
    assert await stack.count(Sale, Sale.recorded_by.in_(people)) == 40
    assert len(stack.line.delivered) - before == 40


async def test_one_persons_messages_are_handled_in_the_order_they_came(stack: Stack) -> None:
    user = await stack.line_member()
    quantities = [5, 6, 7, 8, 9]
    body = [
        stack.events.text(
            f"ขายไข่เค็ม {q} ฟอง {q * 10} บาท", user=user, reply_token=stack.line.issue_token(user)
        )
        for q in quantities
    ]
    assert (await stack.post_line(*body)).status_code == 200
    person = await stack.person_of("line", user)
    async with stack.app.uow() as uow:
        saved = list(
            await uow.session.scalars(
                select(Sale.quantity).where(Sale.recorded_by == person).order_by(Sale.id)
            )
        )
    assert [int(q) for q in saved if q is not None] == quantities


@pytest.mark.both_databases
async def test_events_stored_before_a_crash_are_handled_once_at_start_up(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram
) -> None:
    """A server died after answering 2xx but before handling: the next start handles the
    stored events (once each, even though the old lease had not run out) and replies."""
    user = user_id()
    async with running_stack(db_url, fake_line, fake_telegram) as stack:
        await stack.line_member(user)
        person = await stack.person_of("line", user)
        message = InboundMessage("line", user, user, "ขายไข่เค็ม 12 ฟอง 120 บาท", event_id="crash-1")
        async with stack.app.uow() as uow:  # what `accept` had committed before the crash
            await uow.inbox.accept(
                [("line", "crash-1", message.to_record())],
                stack.clock.now(),
                timedelta(seconds=30),
            )
            await uow.commit()
    before = len(fake_line.delivered)
    async with running_stack(db_url, fake_line, fake_telegram) as stack:
        await until(lambda: len(fake_line.delivered) > before, what="the reply after restart")
        await stack.settled()
        assert await stack.count(Sale, Sale.recorded_by == person) == 1
        assert await stack.count(InboundEvent, InboundEvent.status == "pending") == 0
        assert "120" in fake_line.texts(user)[-1]


async def test_an_event_that_keeps_failing_is_set_aside_and_does_not_block_others(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stuck, fine = await stack.line_member(), await stack.line_member()
    real = stack.app.conversation.handle

    async def fails_for_one_person(message: InboundMessage, **kwargs: Any) -> Handled:
        if message.sender_id == stuck:
            raise ValueError("a bug in handling this one message")
        return await real(message, **kwargs)

    monkeypatch.setattr(stack.app.conversation, "handle", fails_for_one_person)
    token = stack.line.issue_token(stuck)
    await stack.post_line(stack.events.text("ขายไข่ 3 ฟอง 30 บาท", user=stuck, reply_token=token))
    await stack.post_line(
        stack.events.text("ขายไข่ 4 ฟอง 40 บาท", user=fine, reply_token=stack.line.issue_token(fine))
    )
    assert "40" in stack.line.texts(fine)[-1]  # the other person is answered meanwhile
    intake = stack.web.state.web.intake
    for _ in range(6):  # the retries come due one after another
        stack.clock.instant += timedelta(seconds=stack.app.settings.intake_retry_seconds + 1)
        await intake.recover()
        await stack.handled()
    async with stack.app.uow() as uow:
        row = await uow.session.scalar(select(InboundEvent).where(InboundEvent.attempts > 0))
    assert row is not None and row.status == "failed" and row.message is not None
    assert row.message["text"] == "ขายไข่ 3 ฟอง 30 บาท"  # kept for the operator


async def test_handling_gives_way_to_arriving_webhooks_but_never_stops(stack: Stack) -> None:
    """Under a burst the 2xx goes first; handling slows down but still gets done even if
    webhooks never stop arriving."""
    user = await stack.line_member()
    intake = stack.web.state.web.intake
    intake.arrive()  # a webhook request that stays in progress the whole time
    try:
        token = stack.line.issue_token(user)
        response = await stack.post_line(
            stack.events.text("ขายไข่เค็ม 7 ฟอง 70 บาท", user=user, reply_token=token)
        )
        assert response.status_code == 200
    finally:
        intake.leave()
    person = await stack.person_of("line", user)
    assert await stack.count(Sale, Sale.recorded_by == person) == 1
    assert "70" in stack.line.texts(user)[-1]
