"""The webhook intake of `serve`: store first, answer 2xx, handle right after.

A platform expects a quick answer (LINE and Telegram both redeliver a webhook that is slow or
fails), and one message's handling is a few dozen SQL statements. So the web server does the
one thing that must happen before the 2xx — make the events durable — and the rest follows:

1. **Store** (`Intake.accept`): every request waiting at the same moment shares one INSERT and
   one COMMIT (group commit) into `inbound_event` as `pending` rows with the normalised message.
   The unique (channel, delivery id) key drops redeliveries. Only after that commit does the
   webhook answer 2xx, so an acknowledged event is never lost; if the commit fails the answer
   is 5xx and the platform redelivers.
2. **Handle** (lanes): each chat maps to one lane, an asyncio queue worked in order, so one
   person's messages are handled in the order they came while other chats go on in parallel.
   `Conversation.handle(inbox_id=…)` turns the row `done` in the same transaction as the
   record and the reply, so an event is handled once even if two workers pick it up. With
   several workers on PostgreSQL that transaction first locks the chat (an advisory lock) and
   takes the event only if no older event of the chat is pending; otherwise the older one is
   handled first, here (`_process`), so the order holds across workers too. With a backlog on
   SQLite, the lane handles queued events of different chats several per transaction
   (`_process_queued`, `Conversation.handle_together`), and each alone if that fails.
3. **Send**: each lane hands its committed replies to its own sender task, which sends each
   chat's in order and different chats' side by side (a send is mostly a platform round trip). A
   reply is written already leased in the message's transaction (`Handled.ready`), so it is
   sent with no lease transaction; its "sent" mark is group-committed with the marks of the
   other lanes' sends (scheduler/sender.py).

On SQLite these tasks run their statements on the event loop rather than in aiosqlite's
thread (bot/storage/sqlite_inline.py): short statements on a cached file, where the thread
hand-offs cost more than the work.

Rows that a crash, a restart or a database outage left `pending` are picked up by the
recovery loop: at start-up all of them, later those whose retry time has passed. An event whose
handling keeps failing for reasons other than the database is set `failed` after a few tries
(kept, with its message, for the operator) instead of blocking its lane forever.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import uuid
import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from bot.conversation import Handled, StoredEvent, chosen_as_victim, database_unavailable
from bot.messages import Heard, InboundMessage, ReadyReply
from bot.storage.repositories import PendingEvent
from bot.storage.sqlite_inline import on_the_loop
from bot.web.runtime import Channels, while_busy

if TYPE_CHECKING:  # built by the composition root; only its type is needed here
    from bot.app import App

log = logging.getLogger(__name__)

# While webhooks are arriving, handling waits for a quiet moment, at most this long per event:
# a platform waits for its 2xx, a reply can wait a moment, and handling never stops entirely.
MAX_DEFER_S = 0.1
MAX_SENDING = 32  # replies being sent at once (different chats; a chat's go one by one)
MAX_ROWS_PER_COMMIT = 500  # one INSERT's rows (7 values each; SQLite allows 32,766)
# A deadlock's victim (PostgreSQL) is tried again at once, this many times: storing a batch,
# and handling one message.
DEADLOCK_RETRIES = 3
MAX_FAILURES = 5  # handling attempts (not counting database outages) before `failed`
# A backlog's messages of different chats handled in one transaction, at most this many: the
# first of them waits for the others' handling before its reply goes out (a few ms each).
MAX_TOGETHER = 16
MAX_QUEUED = 10_000  # events held in memory; more wait in the database for the recovery loop
RECOVER_BATCH = 500
RECOVER_EVERY_S = 5.0
# Several workers: an event whose chat has an older one pending handles that one first (up to
# this deep), and tries itself this many times before leaving it to the recovery loop.
MAX_EARLIER_DEPTH = 8
EARLIER_TRIES = 3


@dataclass(frozen=True, slots=True)
class Accepted:
    """The outcome of storing one webhook's events."""

    stored: int
    duplicates: int


@dataclass(slots=True)
class _Waiting:
    messages: Sequence[InboundMessage]
    done: asyncio.Future[Accepted]


@dataclass(frozen=True, slots=True)
class _Job:
    event_id: int
    received_at: datetime
    message: InboundMessage


@dataclass
class _Lane:
    jobs: asyncio.Queue[_Job] = field(default_factory=asyncio.Queue)
    # A reply written leased (sent as it is) or an outbox id (leased by the sender first).
    # (channel, chat id) and the reply: a ready one, or an outbox id to lease and send.
    replies: asyncio.Queue[tuple[tuple[str, str], ReadyReply | int]] = field(
        default_factory=asyncio.Queue
    )


class Intake:
    def __init__(
        self, app: App, *, lanes: int | None = None, channels: Channels | None = None
    ) -> None:
        self._app = app
        self._channels = channels or Channels()  # for the loading animation while it works
        settings = app.settings
        sqlite = app.engine.dialect.name == "sqlite"
        # SQLite has one writer at a time: more lanes would only queue on its lock.
        count = 1 if sqlite else max(1, lanes or settings.intake_lanes)
        self._lanes = [_Lane() for _ in range(count)]
        # Several chats per transaction on SQLite only (one process, one writer). With several
        # workers on PostgreSQL, two rounds (or a round and a single message) can wait for
        # each other's rows in a circle, and the benches showed no gain there (BENCHMARKS.md
        # "third pass"): each message keeps its own transaction.
        self._together = MAX_TOGETHER if sqlite else 1
        self._retry = timedelta(seconds=settings.intake_retry_seconds)
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._held: set[int] = set()  # ids queued or being handled in this process
        # Chats with a message queued or being handled: its reply will wait for the previous
        # reply's sent mark, so that mark is not kept waiting for others (`_send_one`).
        self._busy_chats: collections.Counter[tuple[str, str]] = collections.Counter()
        self._arriving = 0  # webhook requests being read, checked and stored right now
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._one_at_a_time = asyncio.Lock()
        self._sending = asyncio.Semaphore(MAX_SENDING)
        self._in_flight: set[asyncio.Task[None]] = set()  # replies being sent now

    # --- 1. store ------------------------------------------------------------------------

    def arrive(self) -> None:
        """A webhook request began: while any is in progress, handling defers to it. Always
        paired with `leave()` (try/finally); plain methods, as this runs on every request."""
        self._arriving += 1
        self._quiet.clear()

    def leave(self) -> None:
        self._arriving -= 1
        if not self._arriving:
            self._quiet.set()

    @contextlib.asynccontextmanager
    async def _webhooks_first(self) -> AsyncIterator[None]:
        """Around one handling or sending step. One process has one CPU: under a burst the
        event loop would share its time evenly between storing webhooks and handling them, and
        the platforms would wait for their 2xx behind the handling. So while webhooks are
        arriving, steps go one at a time across all lanes, each after a quiet moment (waiting
        at most MAX_DEFER_S, so handling slows down but never stops); when none are arriving,
        every lane runs freely."""
        if not self._arriving:
            yield
            return
        async with self._one_at_a_time:
            await self._quiet_moment()
            yield

    async def _quiet_moment(self) -> None:
        """Until no webhook is being taken, for MAX_DEFER_S at most."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(MAX_DEFER_S):
                await self._quiet.wait()

    async def accept(self, messages: Sequence[InboundMessage]) -> Accepted:
        """Stores the events of one webhook (durably, with every other request waiting now)
        and returns once they are committed. Raises if they could not be stored."""
        if not messages:
            return Accepted(0, 0)
        waiting = _Waiting(messages, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        for message in messages:  # their chats' waiting sent marks are written now
            self._app.sender.hurry(message.channel, message.chat_id)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        # The commit runs in the writer task, shared by every waiting request: a client that
        # hangs up cancels only its own wait, never the commit.
        return await waiting.done

    async def _write(self) -> None:
        """Commits what is waiting, again and again while more arrives (group commit)."""
        on_the_loop()
        while self._waiting:
            batch: list[_Waiting] = []
            rows = 0
            while self._waiting and (not batch or rows < MAX_ROWS_PER_COMMIT):
                waiting = self._waiting.pop(0)
                batch.append(waiting)
                rows += len(waiting.messages)
            try:
                jobs = await self._store(batch)
            except Exception as error:
                log.warning("webhook events not stored (%s: %s)", type(error).__name__, error)
                for waiting in batch:
                    if not waiting.done.done():
                        waiting.done.set_exception(error)
                continue
            for job in jobs:
                self._queue(job)

    async def _store(self, batch: list[_Waiting]) -> list[_Job]:
        now = self._app.clock.now()
        keyed: list[tuple[str, str, InboundMessage]] = []
        firsts: set[tuple[str, str]] = set()
        for waiting in batch:
            for message in waiting.messages:
                # An event without a delivery id cannot be deduplicated; it still gets a row.
                key = (message.channel, message.event_id or f"local:{uuid.uuid4().hex}")
                if key not in firsts:  # a delivery repeated inside this batch counts once
                    firsts.add(key)
                    keyed.append((*key, message))
        rows = [(channel, external, message.to_record()) for channel, external, message in keyed]
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                async with self._app.uow() as uow:
                    ids = await uow.inbox.accept(rows, now, self._retry)
                    await uow.commit()
                break
            except DBAPIError as error:
                # Two workers storing overlapping batches (the same deliveries, in another
                # order) can wait for each other; PostgreSQL aborts one of them. The rows keep
                # the order the events came in (the recovery handles them in id order), so
                # the loser tries again rather than both sorting their rows.
                if attempt == DEADLOCK_RETRIES or "deadlock" not in str(error.orig).lower():
                    raise
        jobs: list[_Job] = []
        new_by_message: dict[int, int] = {}
        for channel, external, message in keyed:
            event_id = ids.get((channel, external))
            if event_id is not None:
                new_by_message[id(message)] = event_id
                jobs.append(_Job(event_id, now, message))
        for waiting in batch:
            stored = sum(1 for message in waiting.messages if id(message) in new_by_message)
            if not waiting.done.done():
                waiting.done.set_result(
                    Accepted(stored=stored, duplicates=len(waiting.messages) - stored)
                )
        return jobs

    # --- 2. handle and 3. send -----------------------------------------------------------

    def _lane(self, message: InboundMessage) -> _Lane:
        if len(self._lanes) == 1:
            return self._lanes[0]
        key = f"{message.channel}:{message.chat_id}".encode()
        return self._lanes[zlib.crc32(key) % len(self._lanes)]

    def _queue(self, job: _Job) -> None:
        """Into the chat's lane; beyond MAX_QUEUED the event waits in the database instead."""
        if job.event_id in self._held or len(self._held) >= MAX_QUEUED:
            return
        self._held.add(job.event_id)
        self._busy_chats[(job.message.channel, job.message.chat_id)] += 1
        self._lane(job.message).jobs.put_nowait(job)

    async def _work(self, lane: _Lane) -> None:
        on_the_loop()
        while True:
            jobs = [await lane.jobs.get()]
            # A backlog (a market-day burst): what is queued already is handled in rounds of
            # different chats, each round one transaction (`_process_queued`).
            while len(jobs) < self._together and not lane.jobs.empty():
                jobs.append(lane.jobs.get_nowait())
            try:
                await self._process_queued(jobs, lane)
            finally:
                for job in jobs:
                    self._held.discard(job.event_id)
                    chat = (job.message.channel, job.message.chat_id)
                    self._busy_chats[chat] -= 1
                    if self._busy_chats[chat] <= 0:
                        del self._busy_chats[chat]
                    lane.jobs.task_done()

    async def _process_queued(self, jobs: list[_Job], lane: _Lane) -> None:
        """Jobs taken off the lane, in the order they came. Consecutive jobs of different
        chats are handled together, in one transaction (`Conversation.handle_together`); a
        chat's second job, or a voice note (heard first, outside any transaction), ends the
        round, so each chat's messages keep their order."""
        together: list[_Job] = []
        chats: set[tuple[str, str]] = set()
        for job in jobs:
            chat = (job.message.channel, job.message.chat_id)
            if job.message.kind == "audio" or chat in chats:
                await self._round(together, lane)
                together, chats = [], set()
            if job.message.kind == "audio":
                await self._process(job, lane)
                continue
            together.append(job)
            chats.add(chat)
        await self._round(together, lane)

    async def _round(self, jobs: list[_Job], lane: _Lane) -> None:
        """Jobs of different chats: one alone as always; several in one transaction, and
        each alone after all if that fails or leaves one of them untaken."""
        if len(jobs) < 2:
            for job in jobs:
                await self._process(job, lane)
            return
        outcomes: list[Handled | None] | None = None
        try:
            async with self._webhooks_first():
                outcomes = await self._app.conversation.handle_together(
                    [StoredEvent(job.message, job.event_id, job.received_at) for job in jobs],
                    lease=self._app.sender.lease_terms(),
                )
        except Exception:  # what was committed is found taken; the rest is handled alone
            log.exception("%s events handled together: after the commit", len(jobs))
        for n, job in enumerate(jobs):
            handled = outcomes[n] if outcomes is not None else None
            if handled is None:
                await self._process(job, lane)
            else:
                self._reply(job, lane, handled)

    async def _process(self, job: _Job, lane: _Lane, depth: int = 0) -> None:
        """One event; first, on PostgreSQL, any older event of its chat another worker has
        not handled yet (so a chat's messages are handled in the order they came, whichever
        worker stored them). If the older one still waits after that, this one stays pending
        for the recovery loop."""
        # A voice note is fetched and transcribed first: seconds of waiting on the network,
        # outside the quiet-moment turn and outside any transaction.
        heard: Heard | None = None
        if job.message.kind == "audio":
            try:
                heard = await while_busy(
                    self._app,
                    self._channels,
                    job.message,
                    self._app.conversation.hear(job.message),
                )
            except Exception as error:
                await self._failed(job, error)  # stays pending: tried again later
                return
        for _ in range(EARLIER_TRIES):
            async with self._webhooks_first():
                earlier = await self._handle(job, lane, heard)
            if earlier is None:
                return
            if depth < MAX_EARLIER_DEPTH:
                await self._process(_recovered(earlier), lane, depth + 1)

    async def _handle(
        self, job: _Job, lane: _Lane, heard: Heard | None = None
    ) -> PendingEvent | None:
        """Handles the event; returns the chat's older pending event if that must go first.

        A transaction PostgreSQL chose as a deadlock's victim kept nothing, and the other one
        goes on: tried again at once (up to DEADLOCK_RETRIES times), this one waits for it
        and goes through, instead of waiting for the recovery loop's INTAKE_RETRY_SECONDS."""
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                handled = await while_busy(
                    self._app,
                    self._channels,
                    job.message,
                    self._app.conversation.handle(
                        job.message,
                        inbox_id=job.event_id,
                        received_at=job.received_at,
                        heard=heard,
                        lease=self._app.sender.lease_terms(),
                    ),
                )
            except Exception as error:
                if attempt < DEADLOCK_RETRIES and chosen_as_victim(error):
                    log.info("event %s: a deadlock's victim, tried again", job.event_id)
                    continue
                await self._failed(job, error)
                return None
            self._reply(job, lane, handled)
            return handled.earlier
        return None  # not reached: the last attempt returns or fails above

    def _reply(self, job: _Job, lane: _Lane, handled: Handled) -> None:
        """The committed reply, to the lane's sender."""
        chat = (job.message.channel, job.message.chat_id)
        if handled.ready is not None:
            lane.replies.put_nowait((chat, handled.ready))
        elif handled.outbox_id is not None:
            lane.replies.put_nowait((chat, handled.outbox_id))

    async def _failed(self, job: _Job, error: Exception) -> None:
        if database_unavailable(error):
            log.warning("event %s waits for the database: %s", job.event_id, error)
        else:
            log.exception("event %s could not be handled", job.event_id)
            await self._count_failure(job.event_id)

    async def _count_failure(self, event_id: int) -> None:
        with contextlib.suppress(Exception):  # the retry time set at storing still applies
            async with self._app.uow() as uow:
                if await uow.inbox.failed_attempt(
                    event_id, self._app.clock.now() + self._retry, MAX_FAILURES
                ):
                    log.error("event %s failed %s times: set aside", event_id, MAX_FAILURES)
                await uow.commit()

    async def _send(self, lane: _Lane) -> None:
        """The lane's replies, each chat's in order, different chats' at the same time (up to
        MAX_SENDING per process): a send is mostly waiting for the platform, and one at a time
        the lane would answer at most one reply per round trip."""
        on_the_loop()
        chains: dict[tuple[str, str], asyncio.Task[None]] = {}
        while True:
            chat, reply = await lane.replies.get()

            def followed(chat: tuple[str, str] = chat) -> bool:
                """Whether a later message or reply of this chat waits for this one."""
                return chat in self._busy_chats or chains.get(chat) is not asyncio.current_task()

            task = asyncio.create_task(self._send_one(reply, chains.get(chat), followed))
            chains[chat] = task
            self._in_flight.add(task)

            def done(task: asyncio.Task[None], chat: tuple[str, str] = chat) -> None:
                if chains.get(chat) is task:
                    del chains[chat]
                self._in_flight.discard(task)
                lane.replies.task_done()

            task.add_done_callback(done)

    async def _send_one(
        self,
        reply: ReadyReply | int,
        after: asyncio.Task[None] | None,
        followed: Callable[[], bool],
    ) -> None:
        """One reply, once the chat's previous one was tried (whatever became of it). Its
        sent mark may wait to be written with others' (`Sender.send_ready`) unless a later
        message or reply of the same chat waits for it (a member's sales sent one after
        another)."""
        on_the_loop()
        if after is not None:
            await asyncio.wait({after})
        outbox_id = reply if isinstance(reply, int) else reply.outbox_id
        # A place among the replies being sent only once it is this chat's turn: a busy chat
        # waiting on itself (a Telegram group's per-chat limit) holds up no other chat.
        async with self._sending:
            try:
                # Webhooks first at the start only (one step at a time, as `_webhooks_first`):
                # the rest is waiting for the platform, which holds up nobody.
                if self._arriving:
                    async with self._one_at_a_time:
                        await self._quiet_moment()
                if isinstance(reply, int):
                    await self._app.sender.drain(only=reply)
                else:  # written leased in the message's transaction: no lease needed
                    await self._app.sender.send_ready(reply, gather=not followed())
            except Exception:
                log.exception("outbox %s: immediate send failed; the drain retries it", outbox_id)

    # --- recovery ------------------------------------------------------------------------

    async def recover(self, *, everything: bool = False) -> int:
        """Queues pending events left by a crash or an outage: those whose retry time has
        passed, or (at start-up) all of them. Returns how many were queued."""
        if len(self._held) > RECOVER_BATCH:
            return 0  # busy with what is queued; those rows are picked up once it shrinks
        now = self._app.clock.now()
        horizon = now + timedelta(days=36500) if everything else now
        async with self._app.uow() as uow:
            due = await uow.inbox.due(horizon, RECOVER_BATCH, now + self._retry, set(self._held))
            await uow.commit()
        for pending in due:
            self._queue(_recovered(pending))
        return len(due)

    async def _recover_forever(self) -> None:
        on_the_loop()
        first = True
        while True:
            try:
                queued = await self.recover(everything=first)
                first = False
            except Exception as error:
                log.warning("intake recovery failed (%s); trying again", error)
                queued = 0
            if queued < RECOVER_BATCH:
                await asyncio.sleep(min(self._retry.total_seconds(), RECOVER_EVERY_S))

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        for lane in self._lanes:
            self._tasks.append(asyncio.create_task(self._work(lane)))
            self._tasks.append(asyncio.create_task(self._send(lane)))
        self._tasks.append(asyncio.create_task(self._recover_forever()))

    async def idle(self) -> None:
        """Until everything stored so far in this process is handled and its reply tried."""
        while True:
            if self._writer is not None and not self._writer.done():
                await asyncio.wait({self._writer})
            for lane in self._lanes:
                await lane.jobs.join()
                await lane.replies.join()
            if (
                not self._waiting
                and not self._held
                and all(lane.replies.empty() for lane in self._lanes)
            ):
                return

    async def stop(self, grace: float = 5.0) -> None:
        """Finishes what is queued (for up to `grace` seconds), then stops; anything left
        stays pending in the database for the next start."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self.idle()
        stopping = [*self._tasks, *self._in_flight]
        for task in stopping:
            task.cancel()
        for task in stopping:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self._app.sender.settle_marks()


def _recovered(pending: PendingEvent) -> _Job:
    return _Job(pending.id, pending.received_at, InboundMessage.from_record(pending.message))
