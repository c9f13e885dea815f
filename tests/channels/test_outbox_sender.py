"""The outbox sender with a scripted transport, on SQLite (leases and counting on PostgreSQL
too): what is retried and when, what is given up, what is held, what is counted, and the flood
limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App, build_app
from bot.channels.base import (
    Blocked,
    Delivery,
    Outgoing,
    Permanent,
    QuotaExhausted,
    Rate,
    RateLimits,
    ReplyTokenRejected,
    Retryable,
    SendError,
    Throttled,
)
from bot.clock import FixedClock
from bot.messages import Reply
from bot.storage.models import ChatAccount, Outbox, PushUsage
from scheduler.sender import (
    LEASE,
    MAX_ATTEMPTS,
    MAX_INLINE_WAIT_S,
    REPLY_LEASE,
    REPLY_TOKEN_TTL_S,
    RateLimiter,
    Sender,
    TokenBucket,
)
from tests.conftest import test_settings as settings_for


@dataclass
class FakeTime:
    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@dataclass
class Scripted:
    """A transport whose sends fail or succeed as the test says, in order."""

    channel: str = "telegram"
    script: list[SendError | Delivery] = field(default_factory=list)
    sent: list[Outgoing] = field(default_factory=list)
    tried: list[Outgoing] = field(default_factory=list)
    limits: RateLimits = field(default_factory=RateLimits)

    def is_group(self, recipient: str) -> bool:
        return recipient.startswith("-")

    async def send(self, message: Outgoing) -> Delivery | None:
        self.tried.append(message)
        outcome = self.script.pop(0) if self.script else Delivery()
        if isinstance(outcome, SendError):
            raise outcome
        self.sent.append(message)
        return outcome


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def app(db_url: str, clock: FixedClock) -> AsyncIterator[App]:
    built = build_app(settings_for(db_url), clock=clock)
    yield built
    await built.close()


def sender_for(
    app: App,
    transport: Scripted,
    time_: FakeTime,
    *,
    reply_token_ttl: float = REPLY_TOKEN_TTL_S,
    max_inline_wait: float = MAX_INLINE_WAIT_S,
) -> Sender:
    return Sender(
        app.uow, {transport.channel: transport}, app.clock, tz=app.settings.tz,
        limiter=RateLimiter(time_.monotonic), sleep=time_.sleep,
        reply_token_ttl=reply_token_ttl, max_inline_wait=max_inline_wait,
    )  # fmt: skip


async def add(app: App, recipient: str = "501", *, channel: str = "telegram", token: str | None = None,
              text: str = "สวัสดีค่ะ") -> int:  # fmt: skip
    async with app.uow() as uow:
        row = await uow.outbox.add(
            channel, recipient, Reply(text).to_payload(), token, available_at=app.clock.now()
        )
        await uow.commit()
        return row.id


async def row(app: App, outbox_id: int) -> Outbox:
    async with app.uow() as uow:
        found = await uow.outbox.get(outbox_id)
        assert found is not None
        return found


def later(clock: FixedClock, seconds: float) -> None:
    clock.instant += timedelta(seconds=seconds)


@pytest.mark.both_databases
async def test_a_5xx_is_retried_with_backoff_and_delivered_exactly_once(
    app: App, clock: FixedClock, time_: FakeTime
) -> None:
    transport = Scripted(script=[Retryable("telegram: NetworkError: Internal Server Error")])
    sender = sender_for(app, transport, time_)
    outbox_id = await add(app)
    first = await sender.drain(only=outbox_id)
    assert (first.sent, first.retried) == (0, 1)
    pending = await row(app, outbox_id)
    assert pending.status == "pending" and pending.attempts == 1
    assert clock.instant < pending.next_attempt_at <= clock.instant + timedelta(seconds=2)
    assert (await sender.drain()).sent == 0  # not due yet
    later(clock, 3)
    assert (await sender.drain()).sent == 1
    assert (await sender.drain()).sent == 0
    assert len(transport.sent) == 1 and len(transport.tried) == 2
    assert (await row(app, outbox_id)).status == "sent"


async def test_retry_after_is_waited_exactly_and_uses_no_attempt(
    app: App, clock: FixedClock, time_: FakeTime
) -> None:
    transport = Scripted(script=[Throttled("telegram: RetryAfter", 7.0)])
    sender = sender_for(app, transport, time_)
    outbox_id, next_one = await add(app), await add(app, text="อีกข้อความ")
    assert (await sender.drain()).retried == 1
    assert len(transport.tried) == 1  # the same chat waits too, untried
    throttled = await row(app, outbox_id)
    assert throttled.next_attempt_at == clock.instant + timedelta(seconds=7)
    assert throttled.attempts == 0
    assert (await row(app, next_one)).attempts == 0
    later(clock, 6)
    assert (await sender.drain()).sent == 0  # nothing to that chat before the wait is over
    later(clock, 1)
    assert (await sender.drain()).sent == 2
    assert [m.outbox_id for m in transport.sent] == [outbox_id, next_one]


async def test_a_permanent_failure_is_recorded_and_not_retried(
    app: App, clock: FixedClock, time_: FakeTime
) -> None:
    transport = Scripted(script=[Permanent("telegram: BadRequest: chat not found")])
    sender = sender_for(app, transport, time_)
    outbox_id = await add(app)
    assert (await sender.drain(only=outbox_id)).failed == 1
    failed = await row(app, outbox_id)
    assert failed.status == "failed" and failed.last_error == "telegram: BadRequest: chat not found"
    later(clock, 3600)
    await sender.drain()
    assert len(transport.tried) == 1


async def test_retries_stop_after_the_last_attempt(
    app: App, clock: FixedClock, time_: FakeTime
) -> None:
    transport = Scripted(script=[Retryable("timeout")] * MAX_ATTEMPTS)
    sender = sender_for(app, transport, time_)
    outbox_id = await add(app)
    for _ in range(MAX_ATTEMPTS + 2):
        await sender.drain()
        later(clock, 3600)
    assert len(transport.tried) == MAX_ATTEMPTS
    assert (await row(app, outbox_id)).status == "failed"


async def test_a_person_who_blocked_the_bot_gets_no_more_pushes(app: App, time_: FakeTime) -> None:
    async with app.uow() as uow:
        await uow.people.ensure_account("telegram", "501", "บุญมี")
        await uow.commit()
    transport = Scripted(script=[Blocked("telegram: Forbidden: bot was blocked by the user")])
    sender = sender_for(app, transport, time_)
    await sender.drain(only=await add(app, "501"))
    async with app.uow() as uow:
        account = await uow.people.account("telegram", "501")
        assert account is not None and account.blocked
    reminder = await add(app, "501", text="อย่าลืมส่งตัวเลขนะคะ")
    await sender.drain()
    assert len(transport.tried) == 1  # the reminder was not even attempted
    assert (await row(app, reminder)).status == "failed"


async def test_an_exhausted_line_quota_holds_pushes_without_asking_again(
    app: App, clock: FixedClock, time_: FakeTime
) -> None:
    transport = Scripted(
        channel="line",
        script=[QuotaExhausted("line push: 429 You have reached your monthly limit.")],
    )
    sender = sender_for(app, transport, time_)
    first = await add(app, "U1", channel="line")
    assert (await sender.drain(only=first)).held == 1
    assert (await row(app, first)).status == "held"
    async with app.uow() as uow:
        usage = await uow.session.scalar(select(PushUsage).where(PushUsage.channel == "line"))
        assert usage is not None and usage.exhausted and usage.month == "2025-10"
    await sender.drain(only=await add(app, "U2", channel="line", token="still-valid"))
    assert transport.tried[-1].push_allowed is False  # the transport may only use the reply token
    later(clock, 3600)
    await sender.drain()
    assert len(transport.tried) == 2


@pytest.mark.both_databases
async def test_pushes_are_counted_for_the_month(app: App, time_: FakeTime) -> None:
    transport = Scripted(
        channel="line", script=[Delivery(pushed=1), Delivery(pushed=0), Delivery(pushed=1)]
    )
    sender = sender_for(app, transport, time_)
    for recipient in ("U1", "U2", "U3"):
        await sender.drain(only=await add(app, recipient, channel="line"))
    async with app.uow() as uow:
        usage = await uow.session.scalar(
            select(PushUsage).where(PushUsage.channel == "line", PushUsage.month == "2025-10")
        )
    assert usage is not None and usage.count == 2 and not usage.exhausted


async def test_a_young_reply_token_is_offered_again_on_a_retry_and_never_when_old(
    app: App, clock: FixedClock, time_: FakeTime
) -> None:
    transport = Scripted(channel="line", script=[Retryable("line reply: 500")])
    sender = sender_for(app, transport, time_)
    young = await add(app, "U1", channel="line", token="tok-1")
    await sender.drain(only=young)
    later(clock, 3)
    await sender.drain()
    # Single-use, the token cannot deliver twice: the retry offers it again (no push quota).
    assert [m.reply_token for m in transport.tried] == ["tok-1", "tok-1"]
    assert (await row(app, young)).status == "sent"

    old = await add(app, "U2", channel="line", token="tok-2")
    async with app.uow() as uow:
        stale = await uow.outbox.get(old)
        assert stale is not None
        stale.created_at = clock.instant - timedelta(seconds=55)
        await uow.commit()
    await sender.drain(only=old)
    assert transport.tried[-1].reply_token is None  # about to expire: push straight away


async def test_a_send_offering_a_token_is_leased_briefly_so_a_crash_retries_it_in_time(
    app: App, clock: FixedClock
) -> None:
    with_token = await add(app, "U1", channel="line", token="tok-1")
    without = await add(app, "U2", channel="line")

    class Dies:
        channel = "line"

        async def send(self, message: Outgoing) -> Delivery:
            raise asyncio.CancelledError  # the process is killed mid-send

    sender = Sender(app.uow, {"line": Dies()}, app.clock, tz=app.settings.tz)
    with pytest.raises(asyncio.CancelledError):
        await sender.drain()
    leased = await row(app, with_token)
    assert leased.attempts == 1 and leased.reply_token == "tok-1"  # committed before the send
    assert (
        leased.next_attempt_at
        == clock.instant + REPLY_LEASE
        < clock.instant + timedelta(seconds=REPLY_TOKEN_TTL_S)
    )
    assert (await row(app, without)).attempts == 1
    assert (await row(app, without)).next_attempt_at == clock.instant + LEASE


async def test_a_token_refused_on_a_retry_was_used_by_the_earlier_attempt_so_it_is_delivered(
    app: App, clock: FixedClock, time_: FakeTime
) -> None:
    """The process died after LINE accepted the reply, before the row was marked sent."""
    transport = Scripted(
        channel="line", script=[ReplyTokenRejected("line reply: 400 Invalid reply token")]
    )
    sender = sender_for(app, transport, time_)
    outbox_id = await add(app, "U1", channel="line", token="tok-1")
    async with app.uow() as uow:  # what the killed process left: leased, attempt counted
        crashed = await uow.outbox.get(outbox_id)
        assert crashed is not None
        crashed.attempts, crashed.retry_key = 1, "key-1"
        await uow.commit()
    result = await sender.drain()
    assert (result.sent, result.pushed) == (1, 0)
    assert [(m.reply_token, m.attempts) for m in transport.tried] == [("tok-1", 2)]
    assert (await row(app, outbox_id)).status == "sent"  # not pushed: nothing sent twice


@pytest.mark.both_databases
async def test_a_token_dead_on_first_use_is_forgotten_before_the_push(
    app: App, clock: FixedClock, time_: FakeTime
) -> None:
    transport = Scripted(
        channel="line",
        script=[ReplyTokenRejected("line reply: 400 Invalid reply token"), Retryable("push: 500")],
    )
    sender = sender_for(app, transport, time_)
    outbox_id = await add(app, "U1", channel="line", token="expired")
    await sender.drain(only=outbox_id)
    assert [m.reply_token for m in transport.tried] == ["expired", None]
    pending = await row(app, outbox_id)
    # The push failed, but the token is off the row: a retry's refusal cannot pass for a
    # delivery. The retry pushes again with the same retry key (LINE drops a repeat).
    assert pending.status == "pending" and pending.reply_token is None
    later(clock, 3)
    assert (await sender.drain()).sent == 1
    assert transport.tried[-1].reply_token is None
    assert transport.tried[-1].retry_key == transport.tried[1].retry_key


@pytest.mark.both_databases
async def test_a_dead_token_is_not_pushed_by_an_attempt_that_lost_its_lease(
    app: App, clock: FixedClock, time_: FakeTime
) -> None:
    outbox_id = await add(app, "U1", channel="line", token="tok-1")

    class Overtaken:
        """While this attempt waited on LINE, its lease ran out and another sender took the
        row (and used the token): this attempt's refusal must not turn into a push."""

        channel = "line"
        tried: list[Outgoing] = []  # noqa: RUF012

        async def send(self, message: Outgoing) -> Delivery:
            self.tried.append(message)
            async with app.uow() as uow:
                taken = await uow.outbox.get(outbox_id)
                assert taken is not None
                taken.attempts += 1
                await uow.commit()
            raise ReplyTokenRejected("line reply: 400 Invalid reply token")

    transport = Overtaken()
    sender = Sender(app.uow, {"line": transport}, app.clock, tz=app.settings.tz)
    result = await sender.drain(only=outbox_id)
    assert len(transport.tried) == 1 and result.sent == 0
    assert (await row(app, outbox_id)).reply_token == "tok-1"  # left to the other sender


async def test_the_parts_of_a_message_delivered_before_a_crash_are_not_sent_again(
    app: App, time_: FakeTime
) -> None:
    outbox_id = await add(app, "501", text="ยาว")

    class DiesAfterOnePart:
        channel = "telegram"
        tried: list[Outgoing] = []  # noqa: RUF012

        async def send(self, message: Outgoing) -> Delivery:
            self.tried.append(message)
            if len(self.tried) == 1:
                assert message.on_part is not None
                await message.on_part(1)  # the first part went out
                raise asyncio.CancelledError  # killed while sending the second
            return Delivery(parts=2)

    transport = DiesAfterOnePart()
    sender = Sender(app.uow, {"telegram": transport}, app.clock, tz=app.settings.tz)
    with pytest.raises(asyncio.CancelledError):
        await sender.drain()
    async with app.uow() as uow:  # the lease runs out
        leased = await uow.outbox.get(outbox_id)
        assert leased is not None
        leased.next_attempt_at = app.clock.now()
        await uow.commit()
    assert (await sender.drain()).sent == 1
    assert [m.skip_parts for m in transport.tried] == [0, 1]


async def test_one_chat_gets_about_one_message_a_second(app: App, time_: FakeTime) -> None:
    transport = Scripted(limits=RateLimits(overall=Rate(30, 30), per_chat=Rate(1, 1)))
    sender = sender_for(app, transport, time_)
    for n in range(3):
        await add(app, "501", text=f"ข้อความ {n}")
    await add(app, "502")
    result = await sender.drain()
    assert result.sent == 4
    assert time_.slept == [1.0, 1.0]  # another chat is not held up by 501's limit
    # 501's next message is leased once its previous one is sent, so 502 goes in between.
    assert [m.recipient for m in transport.sent] == ["501", "502", "501", "501"]
    assert [m.reply.text for m in transport.sent if m.recipient == "501"] == [
        f"ข้อความ {n}" for n in range(3)
    ]


async def test_a_group_gets_at_most_twenty_a_minute_and_the_rest_waits_its_turn(
    app: App, clock: FixedClock, time_: FakeTime
) -> None:
    transport = Scripted(limits=RateLimits(per_group=Rate(20 / 60, 20)))
    sender = sender_for(app, transport, time_, max_inline_wait=1.0)
    ids = [await add(app, "-100777", text=f"ข้อความ {n}") for n in range(23)]
    result = await sender.drain()
    # The 21st is given back for the 3 s a token takes; the two after it wait behind it.
    assert (result.sent, result.deferred) == (20, 1)
    deferred = await row(app, ids[20])
    assert deferred.status == "pending" and deferred.attempts == 0
    assert deferred.next_attempt_at == clock.instant + timedelta(seconds=3)
    waiting = await row(app, ids[-1])
    assert waiting.status == "pending" and waiting.attempts == 0
    assert (await sender.drain()).sent == 0  # nothing overtakes the 21st meanwhile
    later(clock, 3)
    time_.now += 3
    assert (await sender.drain()).sent == 1
    assert [m.reply.text for m in transport.sent] == [f"ข้อความ {n}" for n in range(21)]


async def test_rows_no_transport_can_send_do_not_block_the_others(
    app: App, time_: FakeTime
) -> None:
    for _ in range(5):
        await add(app, "demo:1", channel="console")
    wanted = await add(app, "501")
    transport = Scripted()
    assert (await sender_for(app, transport, time_).drain(limit=3)).sent == 1
    assert (await row(app, wanted)).status == "sent"


def test_a_token_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(Rate(per_second=2, burst=2), now=0.0)
    bucket.take(0.0)
    bucket.take(0.0)
    assert bucket.wait(0.0) == pytest.approx(0.5)
    assert bucket.wait(0.5) == 0


async def test_an_unlinked_account_row_is_checked_by_recipient(app: App, time_: FakeTime) -> None:
    async with app.uow() as uow:
        account = await uow.people.ensure_account("telegram", "777", None)
        account.blocked = True
        await uow.commit()
    transport = Scripted()
    await sender_for(app, transport, time_).drain(only=await add(app, "777"))
    assert transport.tried == []
    async with app.uow() as uow:
        assert (
            await uow.session.scalar(
                select(ChatAccount.blocked).where(ChatAccount.external_id == "777")
            )
        ) is True
