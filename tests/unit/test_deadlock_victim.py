"""A message whose transaction PostgreSQL chose as a deadlock's victim is handled again at once
(bot/web/intake.py `Intake._handle`), not left for the recovery loop's retry time; any other
failure is not retried there."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from bot.conversation import Handled
from bot.messages import InboundMessage
from bot.web.intake import DEADLOCK_RETRIES, Intake, _Job
from tests.conftest import NOW
from tests.support.db_errors import postgres_error


class _Conversation:
    """Fails with the given errors first, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def handle(self, message: InboundMessage, **_: Any) -> Handled:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return Handled("sale", None, outbox_id=41)


def _intake(conversation: _Conversation) -> tuple[Intake, list[int]]:
    counted: list[int] = []
    settings = SimpleNamespace(intake_lanes=1, intake_retry_seconds=30.0, loading_after_seconds=-1)
    app = SimpleNamespace(
        settings=settings,
        engine=SimpleNamespace(dialect=SimpleNamespace(name="postgresql")),
        sender=SimpleNamespace(lease_terms=lambda: None),
        conversation=conversation,
    )
    intake = Intake(app)  # type: ignore[arg-type]

    async def count_failure(event_id: int) -> None:
        counted.append(event_id)

    intake._count_failure = count_failure  # type: ignore[method-assign]
    return intake, counted


def _job() -> _Job:
    message = InboundMessage(
        channel="line", event_id="e1", sender_id="U1", chat_id="U1", kind="text", text="ขายไข่ 5 ฟอง"
    )
    return _Job(7, NOW, message)


async def test_a_deadlock_victim_is_handled_again_at_once_and_answered_once() -> None:
    conversation = _Conversation(postgres_error("40P01"), postgres_error("40001"))
    intake, counted = _intake(conversation)
    lane = intake._lanes[0]
    await intake._handle(_job(), lane)
    assert conversation.calls == 3
    assert lane.replies.qsize() == 1 and lane.replies.get_nowait()[1] == 41
    assert counted == []  # not a failure of the message


async def test_a_victim_again_and_again_is_left_pending_for_later() -> None:
    conversation = _Conversation(*[postgres_error("40P01")] * (DEADLOCK_RETRIES + 1))
    intake, counted = _intake(conversation)
    lane = intake._lanes[0]
    await intake._handle(_job(), lane)
    assert conversation.calls == DEADLOCK_RETRIES + 1
    assert lane.replies.empty()
    assert counted == []  # the database's trouble, not the message's: it stays pending


async def test_any_other_failure_is_not_retried_here() -> None:
    conversation = _Conversation(postgres_error("23505"))
    intake, counted = _intake(conversation)
    lane = intake._lanes[0]
    await intake._handle(_job(), lane)
    assert conversation.calls == 1
    assert lane.replies.empty()
    assert counted == [7]  # counted against the message, tried again later
