"""The platform APIs failing: down for a while then back (every queued reply and reminder
delivered once), and answering 429 with a retry-after (honoured to the second, nothing
dropped). In-process stack (tests/support/channel_stack.py) with its fixed clock, so the
sender's backoff is walked through in simulated minutes rather than waited for."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.storage.database import session_factory
from bot.storage.models import ChatAccount, Officer, Outbox, utcnow
from scheduler.sweep import sweep
from tests.reliability.harness import echoes, figures, link_many, sale_text, shows
from tests.support.channel_stack import Stack
from tests.support.fake_line import FakeLine, user_id
from tests.support.fake_telegram import FakeTelegram
from tests.support.live_server import until

LINE_USERS = 10
TELEGRAM_USERS = 10
PER_USER = 2


def platform_down(line: FakeLine, telegram: FakeTelegram, calls: int = 400) -> None:
    for _ in range(calls):
        line.plan("reply", 500, {"message": "Internal server error"})
        line.plan("push", 503, {"message": "Service unavailable"})
        telegram.plan("sendMessage", 502)


def platform_back(line: FakeLine, telegram: FakeTelegram) -> None:
    for fake in (line, telegram):
        with fake._lock:
            for planned in fake._script.values():
                planned.clear()


def next_monday_0800_bangkok(after: datetime) -> datetime:
    day = after.astimezone(UTC).date() + timedelta(days=1)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)


async def link_officer(stack: Stack, line_id: str, telegram_id: str) -> None:
    async with stack.app.uow() as uow:
        officer = await uow.session.get(Officer, stack.ids.officer_id)
        assert officer is not None and officer.person_id is not None
        for channel, external in (("line", line_id), ("telegram", telegram_id)):
            uow.session.add(
                ChatAccount(
                    channel=channel,
                    external_id=external,
                    person_id=officer.person_id,
                    consented_at=utcnow(),
                )
            )
        await uow.commit()


async def outbox(stack: Stack, *where: Any) -> list[Outbox]:
    async with stack.app.uow() as uow:
        return list(await uow.session.scalars(select(Outbox).where(*where).order_by(Outbox.id)))


async def drain_until_empty(stack: Stack, step: timedelta, rounds: int = 40) -> int:
    """Walks the clock forward and drains until nothing is pending on the two platforms."""
    for n in range(rounds):
        await stack.app.sender.drain(limit=500)
        rows = await outbox(
            stack, Outbox.status == "pending", Outbox.channel.in_(("line", "telegram"))
        )
        if not rows:
            return n
        stack.clock.instant += step
    raise AssertionError("outbox rows still pending after the platform came back")


async def test_platform_down_then_back_delivers_every_reply_and_reminder_once(
    stack: Stack,
) -> None:
    url = str(stack.app.settings.database_url)
    line_users = [user_id() for _ in range(LINE_USERS)]
    telegram_users = [str(8_100_000 + n) for n in range(TELEGRAM_USERS)]
    await link_many(url, "line", line_users)
    await link_many(url, "telegram", telegram_users)
    await link_officer(stack, "U" + "0" * 31 + "1", "8199999")
    stack.clock.instant = next_monday_0800_bangkok(stack.clock.now())

    platform_down(stack.line, stack.telegram)
    sent: list[tuple[str, str, int]] = []  # channel, chat, event number
    n = 0
    for _ in range(PER_USER):
        for user in line_users:
            token = stack.line.issue_token(user)
            response = await stack.post_line(
                stack.events.text(sale_text(n), user=user, reply_token=token)
            )
            assert response.status_code == 200
            sent.append(("line", user, n))
            n += 1
        for chat in telegram_users:
            update = stack.updates.message(sale_text(n), user_id=int(chat))
            assert (await stack.post_telegram(update)).status_code == 200
            sent.append(("telegram", chat, n))
            n += 1
    # The weekly sweep runs while the platforms are still down.
    async with session_factory(stack.app.engine)() as session:
        summary = await sweep(session, stack.app.settings, stack.clock.now())
        await session.commit()
    reminders = await outbox(
        stack, Outbox.kind == "reminder", Outbox.channel.in_(("line", "telegram"))
    )
    assert reminders, f"the sweep wrote no reminder for the linked officer: {summary}"
    # Every immediate send failed: nothing reached anyone, everything is queued. Each
    # person's first reply was tried; their later ones wait behind it, so that they arrive
    # in the order they were written (OutboxRepository.due).
    await until(lambda: len(stack.line.calls) >= LINE_USERS, what="the failed LINE replies")
    await stack.app.sender.drain(limit=500)
    failed_calls = len(stack.line.calls) + stack.telegram.count("sendMessage")
    assert stack.line.delivered == [] and stack.telegram.sent == []
    queued = await outbox(
        stack, Outbox.status == "pending", Outbox.channel.in_(("line", "telegram"))
    )

    stack.clock.instant += timedelta(minutes=30)  # the outage lasts half an hour
    platform_back(stack.line, stack.telegram)
    rounds = await drain_until_empty(stack, timedelta(minutes=16))

    per_event: Counter[int] = Counter()
    for channel, chat, number in sent:
        texts = stack.line.texts(chat) if channel == "line" else stack.telegram.texts(chat)
        per_event[number] = sum(1 for t in texts if echoes(t, number))
    delivered_reminders = Counter(
        {
            r.id: sum(
                1
                for t in (
                    stack.line.texts(r.recipient)
                    if r.channel == "line"
                    else stack.telegram.texts(r.recipient)
                )
                if shows(t, r.payload["text"])
            )
            for r in reminders
        }
    )
    numbers = figures(
        "platform API down, then back",
        events_sent=len(sent),
        acknowledged=len(sent),
        reminders_written=len(reminders),
        failed_calls_while_down=failed_calls,
        queued_while_down=len(queued),
        drain_rounds_after_recovery=rounds,
        replies_delivered=sum(1 for c in per_event.values() if c),
        reminders_delivered=sum(1 for c in delivered_reminders.values() if c),
        duplicates=sum(c - 1 for c in per_event.values() if c > 1)
        + sum(c - 1 for c in delivered_reminders.values() if c > 1),
        failed_for_good=len(await outbox(stack, Outbox.status == "failed")),
    )
    assert numbers["queued_while_down"] == len(sent) + len(reminders)
    assert numbers["replies_delivered"] == len(sent)
    assert numbers["reminders_delivered"] == len(reminders)
    assert numbers["duplicates"] == 0 and numbers["failed_for_good"] == 0


async def test_429_retry_after_is_honoured_and_nothing_is_dropped(stack: Stack) -> None:
    url = str(stack.app.settings.database_url)
    line_users = [user_id() for _ in range(5)]
    telegram_users = [str(8_200_000 + n) for n in range(5)]
    await link_many(url, "line", line_users)
    await link_many(url, "telegram", telegram_users)
    for _ in range(5):
        stack.line.plan(
            "reply", 429, {"message": "Too many requests"}, headers={"Retry-After": "7"}
        )
        stack.telegram.plan("sendMessage", 429, retry_after=7)
    for n, (user, chat) in enumerate(zip(line_users, telegram_users, strict=True)):
        token = stack.line.issue_token(user)
        assert (
            await stack.post_line(stack.events.text(sale_text(n), user=user, reply_token=token))
        ).status_code == 200
        assert (
            await stack.post_telegram(stack.updates.message(sale_text(10 + n), user_id=int(chat)))
        ).status_code == 200
    await until(
        lambda: len(stack.line.calls) == 5 and stack.telegram.count("sendMessage") == 5,
        what="the throttled first attempts",
    )
    throttled_at = stack.clock.now()
    for _ in range(200):
        rows = await outbox(stack, Outbox.channel.in_(("line", "telegram")))
        if all(r.last_error for r in rows[-10:]):
            break
        await stack.app.sender.drain(limit=0)  # yields to the background senders
    rows = (await outbox(stack, Outbox.channel.in_(("line", "telegram"))))[-10:]
    assert all(r.status == "pending" and r.attempts == 0 for r in rows)  # 429 is no attempt
    assert {r.next_attempt_at - throttled_at for r in rows} == {timedelta(seconds=7)}

    stack.clock.instant = throttled_at + timedelta(seconds=6)
    early = await stack.app.sender.drain(limit=500)
    calls_before_due = len(stack.line.calls) + stack.telegram.count("sendMessage")
    stack.clock.instant = throttled_at + timedelta(seconds=7)
    due = await stack.app.sender.drain(limit=500)
    line_texts = [t for u in line_users for t in stack.line.texts(u)]
    telegram_texts = [t for c in telegram_users for t in stack.telegram.texts(c)]
    numbers = figures(
        "429 with retry-after",
        events_sent=10,
        acknowledged=10,
        throttled=10,
        sent_before_retry_after=early.sent,
        calls_before_retry_after=calls_before_due - 10,
        sent_when_due=due.sent,
        replies_delivered=sum(1 for n in range(5) if any(echoes(t, n) for t in line_texts))
        + sum(1 for n in range(10, 15) if any(echoes(t, n) for t in telegram_texts)),
        duplicates=len(line_texts) + len(telegram_texts) - 10,
    )
    assert numbers["sent_before_retry_after"] == 0 and numbers["calls_before_retry_after"] == 0
    assert numbers["replies_delivered"] == 10 and numbers["duplicates"] == 0
