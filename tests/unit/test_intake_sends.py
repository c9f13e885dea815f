"""The intake's sender: each chat's replies in order, different chats' side by side, and a
slow loading indicator never holds up an answer."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

from bot.messages import InboundMessage
from bot.web.intake import Intake
from bot.web.runtime import while_busy


def _intake(sender: Any) -> Intake:
    settings = SimpleNamespace(intake_lanes=1, intake_retry_seconds=30.0)
    app = SimpleNamespace(
        settings=settings, engine=SimpleNamespace(dialect=SimpleNamespace(name="sqlite")),
        sender=sender,
    )  # fmt: skip
    return Intake(app)  # type: ignore[arg-type]


async def test_a_busy_chat_holds_up_no_other_chat_and_keeps_its_own_order() -> None:
    started = time.monotonic()
    sent: list[tuple[str, int, float]] = []

    class Platform:
        async def drain(self, only: int) -> None:
            chat = "B" if only >= 1000 else "A"
            await asyncio.sleep(0.05 if chat == "A" else 0)  # a round trip (or a chat limit)
            sent.append((chat, only, time.monotonic() - started))

    intake = _intake(Platform())
    lane = intake._lanes[0]
    for n in range(1, 61):  # a busy group chat: 60 replies, one after another
        lane.replies.put_nowait((("line", "groupA"), n))
    lane.replies.put_nowait((("line", "userB"), 1000))  # someone else's one reply
    sending = asyncio.create_task(intake._send(lane))
    try:
        await asyncio.wait_for(lane.replies.join(), 20)
    finally:
        sending.cancel()
    b = next(at for chat, _, at in sent if chat == "B")
    assert b < 0.5  # not behind the 3 s of chat A's queue
    assert [n for chat, n, _ in sent if chat == "A"] == list(range(1, 61))


async def test_a_slow_loading_indicator_does_not_hold_up_the_answer() -> None:
    app = SimpleNamespace(settings=SimpleNamespace(loading_after_seconds=0.05))

    async def show(chat_id: str) -> None:
        await asyncio.sleep(3)  # LINE's loading endpoint answering slowly

    channels = SimpleNamespace(indicator=lambda channel: show)

    async def work() -> str:
        await asyncio.sleep(0.1)  # an answer just slower than the delay
        return "answer"

    started = time.monotonic()
    message = InboundMessage(channel="line", sender_id="U1", chat_id="U1", text="สรุป")
    got = await while_busy(app, channels, message, work())  # type: ignore[arg-type]
    assert got == "answer"
    assert time.monotonic() - started < 1.0
