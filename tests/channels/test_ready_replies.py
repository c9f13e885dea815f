"""Replies written already leased in the message's transaction and sent with no lease
transaction (`Handled.ready`, `Sender.send_ready`), and the group-committed "sent" marks.

What a person would notice: one answer, never two and never none, also when the process dies
between the commit and the first offer of the LINE reply token, or right after LINE took it;
a reply never overtakes an earlier unsent one of the same chat; an exhausted push quota still
holds a push."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.app import App, build_app
from bot.channels.base import Delivery, Outgoing, QuotaExhausted, ReplyTokenRejected
from bot.clock import FixedClock
from bot.conversation import Handled
from bot.messages import InboundMessage, Reply
from bot.storage.models import Outbox, PushUsage
from scheduler.sender import REPLY_LEASE, REPLY_TOKEN_TTL_S, Sender
from tests.conftest import test_settings as settings_for

_ids = count(1)


@dataclass
class TokenLine:
    """LINE as far as the outbox can tell: a reply token is single-use and dies `lifetime`
    seconds after LINE issued it (with the webhook), and LINE answers the same refusal for a
    used and for a dead token; a push repeated with a retry key it accepted is not delivered
    again (409). `die_after` kills the process right after LINE took a message."""

    clock: FixedClock
    channel: str = "line"
    push_quota: bool = True
    lifetime: float = 55.0
    issued: dict[str, datetime] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (reply | push, chat)
    die_after: bool = False

    def issue(self, at: datetime) -> str:
        token = f"tok-{next(_ids)}"
        self.issued[token] = at
        return token

    async def send(self, message: Outgoing) -> Delivery:
        pushed = 0
        if message.reply_token is not None:
            token = message.reply_token
            age = (self.clock.now() - self.issued[token]).total_seconds()
            if token in self.used or age > self.lifetime:
                raise ReplyTokenRejected("line reply: 400 Invalid reply token")
            self.used.add(token)
            self.delivered.append(("reply", message.recipient))
        else:
            if not message.push_allowed:
                raise QuotaExhausted("line push: monthly limit")
            assert message.retry_key is not None
            if message.retry_key in self.keys:
                return Delivery(pushed=0)  # 409: accepted before
            self.keys.add(message.retry_key)
            self.delivered.append(("push", message.recipient))
            pushed = 1
        if self.die_after:
            self.die_after = False
            raise asyncio.CancelledError  # the process is killed: nothing marked
        return Delivery(pushed=pushed)


@pytest.fixture
async def app(db_url: str, clock: FixedClock) -> AsyncIterator[App]:
    built = build_app(settings_for(db_url), clock=clock)
    yield built
    await built.close()


@pytest.fixture
def line(clock: FixedClock) -> TokenLine:
    return TokenLine(clock)


@pytest.fixture
def sender(app: App, line: TokenLine) -> Sender:
    return Sender(app.uow, {"line": line}, app.clock, tz=app.settings.tz)


def later(clock: FixedClock, seconds: float) -> None:
    clock.instant += timedelta(seconds=seconds)


async def say(
    app: App,
    sender: Sender,
    user: str,
    *,
    token: str | None,
    received_at: datetime | None = None,
    text: str = "สวัสดีค่ะ",
) -> Handled:
    n = next(_ids)
    return await app.conversation.handle(
        InboundMessage(
            channel="line", sender_id=user, chat_id=user, text=text, event_id=f"e{n}",
            message_id=f"m{n}", reply_token=token,
        ),
        received_at=received_at or app.clock.now(),
        lease=sender.lease_terms(),
    )  # fmt: skip


async def row(app: App, outbox_id: int | None) -> Outbox:
    assert outbox_id is not None
    async with app.uow() as uow:
        found = await uow.outbox.get(outbox_id)
        assert found is not None
        return found


@pytest.mark.both_databases
async def test_a_reply_is_written_leased_and_sent_once_with_no_lease(
    app: App, sender: Sender, line: TokenLine, clock: FixedClock
) -> None:
    handled = await say(app, sender, "U1", token=line.issue(clock.now()))
    assert handled.ready is not None
    written = await row(app, handled.outbox_id)
    assert written.attempts == 1 and written.retry_key == handled.ready.retry_key
    assert written.next_attempt_at == clock.instant + REPLY_LEASE
    # Leased to this process: a drain running meanwhile (any worker) does not send it too.
    assert (await sender.drain()).sent == 0
    result = await sender.send_ready(handled.ready)
    assert (result.sent, result.pushed) == (1, 0)
    assert line.delivered == [("reply", "U1")]
    assert (await row(app, handled.outbox_id)).status == "sent"


@pytest.mark.both_databases
async def test_a_crash_between_the_commit_and_the_first_offer_loses_no_reply(
    app: App, sender: Sender, line: TokenLine, clock: FixedClock
) -> None:
    """The row was committed leased, the process died before offering the token: after the
    short reply lease, the token (still alive) is offered and delivers the reply."""
    handled = await say(app, sender, "U1", token=line.issue(clock.now()))
    assert handled.ready is not None  # ...and never sent: the process is gone
    later(clock, REPLY_LEASE.total_seconds())
    assert (await sender.drain()).sent == 1
    assert line.delivered == [("reply", "U1")]


@pytest.mark.both_databases
async def test_a_late_handled_events_token_is_judged_by_its_real_age_after_a_crash(
    app: App, sender: Sender, line: TokenLine, clock: FixedClock
) -> None:
    """A backlog: the event was stored 45 s before it was handled, and the process died
    before the first offer. By the retry LINE has let the token die; judged by the handling
    time it would look young, be offered, refused, and taken for an earlier delivery (the
    reply lost). Judged from the webhook's arrival, it is past its TTL: pushed."""
    received = clock.now()
    token = line.issue(received)
    later(clock, 45)
    handled = await say(app, sender, "U1", token=token, received_at=received)
    assert handled.ready is not None and handled.ready.reply_token == token
    later(clock, REPLY_LEASE.total_seconds())
    assert clock.now() - received > timedelta(seconds=REPLY_TOKEN_TTL_S)
    result = await sender.drain()
    assert (result.sent, result.pushed) == (1, 1)
    assert line.delivered == [("push", "U1")]


@pytest.mark.both_databases
async def test_a_crash_right_after_line_took_the_reply_sends_nothing_twice(
    app: App, sender: Sender, line: TokenLine, clock: FixedClock
) -> None:
    handled = await say(app, sender, "U1", token=line.issue(clock.now()))
    assert handled.ready is not None
    line.die_after = True
    with pytest.raises(asyncio.CancelledError):
        await sender.send_ready(handled.ready)
    assert (await row(app, handled.outbox_id)).status == "pending"  # never marked
    later(clock, REPLY_LEASE.total_seconds())
    result = await sender.drain()  # the token is refused: the earlier attempt delivered it
    assert (result.sent, result.pushed) == (1, 0)
    assert line.delivered == [("reply", "U1")]


@pytest.mark.both_databases
async def test_a_token_dead_on_its_first_offer_is_pushed_unless_the_quota_is_gone(
    app: App, sender: Sender, line: TokenLine, clock: FixedClock
) -> None:
    month = clock.now().astimezone(app.settings.tz).strftime("%Y-%m")
    async with app.uow() as uow:
        uow.session.add(PushUsage(channel="line", month=month, count=500, exhausted=True))
        await uow.commit()
    token = line.issue(clock.now())
    line.used.add(token)  # a redelivered event's token, spent long ago
    handled = await say(app, sender, "U1", token=token)
    assert handled.ready is not None
    result = await sender.send_ready(handled.ready)
    # The write did not ask the quota (a reply costs none); the push does, and is held.
    assert (result.sent, result.held) == (0, 1)
    assert line.delivered == []
    assert (await row(app, handled.outbox_id)).status == "held"


@pytest.mark.both_databases
@pytest.mark.parametrize("quota_left", [False, True], ids=["quota-used-up", "quota-left"])
async def test_a_token_that_aged_out_while_the_reply_waited_asks_the_push_quota(
    app: App, sender: Sender, line: TokenLine, clock: FixedClock, quota_left: bool
) -> None:
    """A backlog: the event is handled 40 s after its webhook came, so its token is still
    young and the reply is written leased; then the reply waits 11 s in the lane behind
    others, and by its send the token is past its TTL. The push that replaces it asks the
    month's quota as a lease would: used up, the reply is held and LINE is not called."""
    month = clock.now().astimezone(app.settings.tz).strftime("%Y-%m")
    async with app.uow() as uow:
        uow.session.add(PushUsage(channel="line", month=month, count=500, exhausted=not quota_left))
        await uow.commit()
    received = clock.now()
    token = line.issue(received)
    later(clock, 40)
    handled = await say(app, sender, "U1", token=token, received_at=received)
    assert handled.ready is not None and handled.ready.reply_token == token
    later(clock, 11)  # the lease has not run out yet; the token has
    assert clock.now() - received > timedelta(seconds=REPLY_TOKEN_TTL_S)
    result = await sender.send_ready(handled.ready)
    if quota_left:
        assert (result.sent, result.pushed, result.held) == (1, 1, 0)
        assert line.delivered == [("push", "U1")]
        assert (await row(app, handled.outbox_id)).status == "sent"
    else:
        assert (result.sent, result.held) == (0, 1)
        assert line.delivered == []
        assert (await row(app, handled.outbox_id)).status == "held"


@pytest.mark.both_databases
async def test_a_reply_that_must_be_pushed_on_a_quota_channel_is_leased_the_ordinary_way(
    app: App, sender: Sender, line: TokenLine
) -> None:
    handled = await say(app, sender, "U1", token=None)
    assert handled.ready is None and handled.outbox_id is not None
    assert (await row(app, handled.outbox_id)).attempts == 0
    assert (await sender.drain(only=handled.outbox_id)).pushed == 1
    assert line.delivered == [("push", "U1")]


@pytest.mark.both_databases
async def test_a_reply_does_not_overtake_an_earlier_unsent_one_of_its_chat(
    app: App, sender: Sender, line: TokenLine, clock: FixedClock
) -> None:
    async with app.uow() as uow:  # an earlier answer, waiting for a retry
        earlier = await uow.outbox.add(
            "line", "U1", Reply("ก่อน").to_payload(), available_at=clock.now()
        )
        earlier.attempts, earlier.next_attempt_at = 1, clock.now() + timedelta(seconds=30)
        await uow.commit()
    handled = await say(app, sender, "U1", token=line.issue(clock.now()))
    written = await row(app, handled.outbox_id)
    # Written due, not leased; the lease holds it behind the older row (on SQLite too: a row
    # waiting for a retry is in no lane, so the lanes alone would let this one overtake it).
    assert handled.ready is None and written.attempts == 0
    assert (await sender.drain(only=handled.outbox_id)).sent == 0
    assert line.delivered == []
    # The retry pushes the older one (it has no token), then replies with this one at once.
    later(clock, 30)
    assert (await sender.drain()).sent == 2
    assert line.delivered == [("push", "U1"), ("reply", "U1")]


@pytest.mark.both_databases
async def test_replies_delivered_together_are_marked_sent_in_one_statement(
    app: App, sender: Sender, line: TokenLine, clock: FixedClock
) -> None:
    ready = []
    for user in ("U1", "U2", "U3"):
        handled = await say(
            app, sender, user, token=None if user == "U3" else line.issue(clock.now())
        )
        ready.append(handled)
    assert ready[2].ready is None
    statements: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(app.engine.sync_engine, "before_cursor_execute", record)
    try:
        results = await asyncio.gather(
            sender.send_ready(ready[0].ready),  # type: ignore[arg-type]
            sender.send_ready(ready[1].ready),  # type: ignore[arg-type]
        )
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", record)
    assert [r.sent for r in results] == [1, 1]
    marks = [s for s in statements if s.lstrip().upper().startswith("UPDATE OUTBOX")]
    assert len(marks) == 1 and len(statements) <= 3  # (BEGIN,) one UPDATE … IN, (COMMIT)
    for handled in ready[:2]:
        assert (await row(app, handled.outbox_id)).status == "sent"
    # A push is still counted for the month when marked.
    assert (await sender.drain(only=ready[2].outbox_id)).pushed == 1
    month = clock.now().astimezone(app.settings.tz).strftime("%Y-%m")
    async with app.uow() as uow:
        usage = await uow.session.scalar(
            select(PushUsage).where(PushUsage.channel == "line", PushUsage.month == month)
        )
        assert usage is not None and usage.count == 1


@pytest.mark.both_databases
async def test_while_replies_go_out_steadily_their_marks_are_gathered_into_one_transaction(
    app: App, line: TokenLine, clock: FixedClock
) -> None:
    """A quiet moment's reply is marked sent at once; the replies right after it are marked
    together, once enough of them are waiting (here three; the window is made long so that
    only the count can end it), in one UPDATE and one COMMIT. A drain's row, whose next row
    waits for its mark, is marked at once even then, with the others waiting."""
    sender = Sender(
        app.uow, {"line": line}, app.clock, tz=app.settings.tz, mark_window=60.0, mark_batch=3
    )
    ready = []
    for user in ("U1", "U2", "U3", "U4", "U5"):
        handled = await say(app, sender, user, token=line.issue(clock.now()))
        assert handled.ready is not None
        ready.append(handled.ready)
    due = [await say(app, sender, user, token=None) for user in ("U6", "U7")]  # pushed by a drain
    statements: list[str] = []
    commits: list[int] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    def committed(_c: Any) -> None:
        commits.append(len(statements))

    def marks() -> int:
        return len([s for s in statements if s.lstrip().upper().startswith("UPDATE OUTBOX")])

    event.listen(app.engine.sync_engine, "before_cursor_execute", record)
    event.listen(app.engine.sync_engine, "commit", committed)
    try:
        async with asyncio.timeout(10):  # a mark that waited out the window would fail here
            first = await sender.send_ready(ready[0])
            assert marks() == 1  # quiet: at once
            later_ones = [asyncio.create_task(sender.send_ready(r)) for r in ready[1:3]]
            await asyncio.sleep(0.05)  # sent, and waiting for a third mark to join them
            assert not any(task.done() for task in later_ones) and marks() == 1
            commits.clear()
            results = [first, *await asyncio.gather(*later_ones, sender.send_ready(ready[3]))]
            assert marks() == 2 and len(commits) == 1  # three marks, one UPDATE, one COMMIT
            waiting = asyncio.create_task(sender.send_ready(ready[4]))
            await asyncio.sleep(0.05)
            assert not waiting.done()  # busy: gathering again
            drained = await sender.drain()  # one row after the other: none waits the window
            results.append(await waiting)
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", record)
        event.remove(app.engine.sync_engine, "commit", committed)
    assert [r.sent for r in results] == [1, 1, 1, 1, 1] and drained.sent == 2
    for handled_ready in ready:
        assert (await row(app, handled_ready.outbox_id)).status == "sent"
    for handled in due:
        assert (await row(app, handled.outbox_id)).status == "sent"


@pytest.mark.both_databases
async def test_a_new_message_of_its_chat_has_a_gathered_mark_written_at_once(
    app: App, line: TokenLine, clock: FixedClock
) -> None:
    """While marks are gathered (the window made long), a new message of another chat
    changes nothing; a new message of the chat of a waiting mark has it written now, so the
    reply to it is not written behind a row still unmarked."""
    sender = Sender(app.uow, {"line": line}, app.clock, tz=app.settings.tz, mark_window=60.0)
    ready = []
    for user in ("U1", "U2"):
        handled = await say(app, sender, user, token=line.issue(clock.now()))
        assert handled.ready is not None
        ready.append(handled.ready)
    async with asyncio.timeout(10):
        await sender.send_ready(ready[0])  # quiet: marked at once
        waiting = asyncio.create_task(sender.send_ready(ready[1]))
        await asyncio.sleep(0.05)
        sender.hurry("line", "U9")
        await asyncio.sleep(0.05)
        assert not waiting.done()
        sender.hurry("line", "U2")
        assert (await waiting).sent == 1
    assert (await row(app, ready[1].outbox_id)).status == "sent"


@pytest.mark.both_databases
async def test_held_reminders_still_ride_along_with_a_reply_written_leased(
    app: App, sender: Sender, line: TokenLine, clock: FixedClock
) -> None:
    async with app.uow() as uow:
        account = await uow.people.ensure_account("line", "U1", None)
        held = await uow.outbox.add(
            "line", "U1", Reply("อย่าลืมส่งรายงานนะคะ").to_payload(), available_at=clock.now(),
            status="held", kind="reminder", chat_account_id=account.id,
        )  # fmt: skip
        await uow.commit()
    handled = await say(app, sender, "U1", token=line.issue(clock.now()))
    assert handled.ready is not None
    assert "อย่าลืมส่งรายงานนะคะ" in handled.ready.reply.text
    assert (await row(app, held.id)).status == "sent"
    assert (await sender.send_ready(handled.ready)).sent == 1
    assert line.delivered == [("reply", "U1")]
