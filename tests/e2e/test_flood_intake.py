"""The flood gate on the webhook path, on both databases: on PostgreSQL the sender's bucket is
a row, counted with the chat's lock before the event is taken
(`InboxRepository.take_admitting`); on SQLite it is in memory. Either way a person sending faster than the gate allows gets their
first reports saved and echoed, one polite notice, and nothing else recorded or lost quietly:
every event is acknowledged and done."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.conversation import SLOW_DOWN
from bot.flood import FloodGate
from bot.storage.models import InboundEvent, InboxStatus, Sale
from tests.support.channel_stack import Stack


@pytest.mark.both_databases
async def test_a_sender_over_the_gate_is_saved_up_to_it_and_told_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await stack.line_member()  # enrolled by chatting, under the usual gate
    other = await stack.line_member()
    monkeypatch.setattr(stack.app.conversation, "_flood", FloodGate(burst=2, per_second=0.0))
    for n in range(4):  # one webhook each, one after the other, as a phone sends them
        event = stack.events.text(
            f"ขายไข่เค็ม{n + 1}ฟอง{5 * (n + 1)}บ.ค่ะ",
            user=user,
            reply_token=stack.line.issue_token(user),
        )
        assert (await stack.post_line(event)).status_code == 200
    event = stack.events.text(
        "ขายไข่เค็ม 9 ฟอง 45 บาท", user=other, reply_token=stack.line.issue_token(other)
    )
    assert (await stack.post_line(event)).status_code == 200
    await stack.settled()

    person = await stack.person_of("line", user)
    async with stack.app.uow() as uow:
        saved = list(
            await uow.session.scalars(
                select(Sale.quantity).where(Sale.recorded_by == person).order_by(Sale.id)
            )
        )
        pending = await uow.session.scalar(
            select(func.count()).where(InboundEvent.status != InboxStatus.DONE)
        )
    assert [int(q) for q in saved if q is not None] == [1, 2]  # the gate's burst
    texts = stack.line.texts(user)
    assert sum("ยอดเงิน" in t for t in texts) == 2
    assert texts.count(SLOW_DOWN) == 1  # told once, not once per message
    assert pending == 0  # acknowledged and done: nothing waits to be handled again
    assert any("9 ฟอง" in t for t in stack.line.texts(other))  # someone else is not held back
