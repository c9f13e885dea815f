"""The conversation core: one inbound message, one transaction. The dedupe record, the
domain write, the conversation state and the outgoing reply (an outbox row) commit together,
so an acknowledged message is never lost and a redelivered one is never stored twice."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, InterfaceError, InternalError, OperationalError

from bot.addresses import BotAddresses
from bot.clock import Clock
from bot.config import Settings
from bot.flood import FloodGate
from bot.handlers.context import MENU_ONLY, Context, reply
from bot.handlers.pending import with_pending
from bot.messages import Heard, InboundMessage, LeaseTerms, ReadyReply, Reply, live_reply_token
from bot.router import RULES, Rule, dispatch
from bot.services import limits
from bot.services.actors import load_sender
from bot.services.errors import ServiceError
from bot.services.records import entity_name
from bot.storage.database import truncate_wal
from bot.storage.models import ChatAccount
from bot.storage.repositories import PendingEvent
from bot.storage.statements import writes
from bot.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:  # built by the composition root and the edges; the core only calls them
    from bot.channels.base import AudioFetcher
    from bot.channels.voice import Listener

log = logging.getLogger(__name__)

MAX_TEXT = 5000  # longer messages are cut before parsing: no report is that long
# Answers after which a waiting question is asked again in full (the message was no answer).
REASK_AFTER = ("social", "fallback", "help_or_summary")
SORRY = "ขออภัยค่ะ ระบบขัดข้องชั่วคราว รายการนี้ยังไม่ถูกบันทึก กรุณาลองใหม่อีกครั้งนะคะ"
EXPIRED = "รายการที่ค้างไว้หมดเวลาแล้วค่ะ ยังไม่ได้บันทึก"
SLOW_DOWN = (
    "ข้อความมาเร็วมากค่ะ 🙏 ขอพักสักครู่นะคะ ข้อความที่ส่งมาช่วงนี้ยังไม่ได้บันทึก "
    "รอประมาณ 10 วินาทีแล้วส่งรายการที่ต้องการใหม่อีกครั้งค่ะ"
)


@dataclass(frozen=True, slots=True)
class Handled:
    rule: str
    reply: Reply | None
    outbox_id: int | None
    duplicate: bool = False
    earlier: PendingEvent | None = None  # not handled: this older event of the chat goes first
    ready: ReadyReply | None = None  # the reply, written leased: send it now (`lease=`)


class _Settled(Exception):
    """A message's answer decided without its handler's writes: a refusal or a handler bug.
    `clean`: a refusal raised before the handler sent anything that may write, with nothing
    pending in the session (only asked for in `handle_together`)."""

    def __init__(self, rule: str, answer: Reply, *, clean: bool = False) -> None:
        super().__init__(rule)
        self.rule = rule
        self.answer = answer
        self.clean = clean


class Conversation:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        settings: Settings,
        clock: Clock,
        rules: tuple[Rule, ...] = RULES,
        flood: FloodGate | None = None,
        *,
        flood_control: bool = True,
        menus_queued: Callable[[], None] | None = None,
        addresses: BotAddresses | None = None,
        listener: Listener | None = None,
    ) -> None:
        """`flood_control=False` for the operator's own terminal (`sammachip console`): a
        conversation piped in at full speed is answered line by line, never slowed."""
        self._addresses = addresses or BotAddresses()
        self.listener = listener  # None: voice notes are answered "please type"
        self._uow_factory = uow_factory
        self._menus_queued = menus_queued  # wakes the menu sync after a role changed
        self._settings = settings
        self._clock = clock
        self._rules = rules
        self._flood = (
            (flood or FloodGate(settings.flood_burst, settings.flood_per_second))
            if flood_control
            else None
        )

    async def handle(
        self,
        message: InboundMessage,
        *,
        inbox_id: int | None = None,
        received_at: datetime | None = None,
        heard: Heard | None = None,
        lease: LeaseTerms | None = None,
    ) -> Handled:
        """Handles one message in one transaction. From the webhook inbox (`inbox_id`), the
        stored row is turned `done` in that same transaction; otherwise the delivery id is
        recorded here. Either way a redelivery finds it and is dropped. A voice note is
        heard first (`hear`), outside the transaction; the caller may have done that.
        With `lease` (the intake, whose sender sends the reply right after), the reply row
        is written already leased where it may be, and `Handled.ready` carries it."""
        if message.kind == "audio" and heard is None:
            heard = await self.hear(message)
        now = self._clock.now()
        try:
            return await self._once(message, inbox_id, received_at, heard, now, lease)
        except _Settled as settled:
            # The handler refused or failed, so nothing it wrote may stay: its transaction was
            # rolled back whole, and the message is handled again in a new one with that
            # answer and no handler. (A savepoint around every handler did the same at two
            # statements a message; refusals are rare.)
            return await self._once(message, inbox_id, received_at, heard, now, lease, settled)

    async def _once(
        self,
        message: InboundMessage,
        inbox_id: int | None,
        received_at: datetime | None,
        heard: Heard | None,
        now: datetime,
        lease: LeaseTerms | None,
        settled: _Settled | None = None,
    ) -> Handled:
        """`handle` in one transaction; `settled`: the answer is known (see `handle`)."""
        async with self._uow_factory() as uow:
            counted: tuple[bool, bool] | None = None  # the flood admission, when taken with it
            if inbox_id is not None:
                chat = (message.channel, message.chat_id)
                if self._flood is not None and uow.flood.shared:
                    # PostgreSQL: the sender's flood admission with the chat's lock, then the
                    # take with who is speaking (`_context` asks next): two statements
                    taken, counted = await uow.inbox.take_admitting(
                        inbox_id,
                        chat,
                        (message.channel, message.sender_id),
                        (_arrived(received_at, now), self._flood.burst, self._flood.per_second),
                        (message.channel, message.sender_id, message.chat_id, message.is_group),
                    )
                else:
                    taken = await uow.inbox.take(inbox_id, chat)
                if not taken:
                    # Another worker has an older message of this chat still to handle:
                    # that one first (the caller handles it, then tries this one again).
                    earlier = await uow.inbox.earlier(inbox_id, chat)
                    if earlier is not None:
                        return Handled("earlier", None, None, earlier=earlier)
                    return Handled("duplicate", None, None, duplicate=True)
            elif message.event_id and await uow.conversations.seen(
                message.channel, message.event_id
            ):
                return Handled("duplicate", None, None, duplicate=True)
            if heard is not None and heard.outcome == "heard":
                message = replace(message, text=heard.transcript)
            leasing = _Leasing(lease, received_at) if lease is not None else None
            admitted: list[tuple[str, str]] = []
            try:
                answered = await self._admitted(
                    uow, message, now, received_at, heard, leasing, settled, admitted, counted
                )
                await uow.commit()
            except BaseException:
                self._refund(admitted)
                raise
            await self._after_commit(uow, [answered])
            return answered.handled

    async def handle_together(
        self, events: Sequence[StoredEvent], *, lease: LeaseTerms | None = None
    ) -> list[Handled | None] | None:
        """Several stored webhook events of different chats in one transaction: one BEGIN,
        one statement that takes them all, one COMMIT, instead of one of each per message
        (the intake's lane, when it has a backlog). Each message is handled exactly as by
        `handle` (its own context, records, reply), in the order given.

        Returns each event's outcome in that order; None for an event this transaction did
        not take (already handled): the caller handles that one alone. Returns None
        altogether when anything in the batch failed or was refused after a write: the
        transaction was rolled back whole (no message's records, replies or dedupe survive)
        and the caller handles each one alone with `handle`, which answers a refusal or a
        failure for that message only. The chats must be distinct: a chat's messages go in
        order, one transaction each. SQLite only (`InboxRepository.take_many`)."""
        if len({(e.message.channel, e.message.chat_id) for e in events}) != len(events):
            raise ValueError("handle_together: one event per chat")
        admitted: list[tuple[str, str]] = []
        try:
            async with self._uow_factory() as uow:
                taken = await uow.inbox.take_many(
                    [(e.inbox_id, (e.message.channel, e.message.chat_id)) for e in events]
                )
                outcomes: list[_Answered | None] = []
                for event in events:
                    if event.inbox_id not in taken:
                        outcomes.append(None)
                        continue
                    leasing = _Leasing(lease, event.received_at) if lease is not None else None
                    outcomes.append(
                        await self._admitted(
                            uow,
                            event.message,
                            self._clock.now(),
                            event.received_at,
                            None,
                            leasing,
                            None,
                            admitted,
                            together=True,
                        )
                    )
                await uow.commit()
        except _Settled:
            self._refund(admitted)
            return None  # a refusal or a handler failure: each alone, see above
        except Exception as error:  # a database error too (a locked file): each alone
            self._refund(admitted)
            if not database_unavailable(error):
                log.exception("handling %s messages together failed", len(events))
            return None
        except BaseException:  # cancelled: nothing was committed
            self._refund(admitted)
            raise
        await self._after_commit(uow, [o for o in outcomes if o is not None])
        return [o.handled if o is not None else None for o in outcomes]

    async def _admitted(
        self,
        uow: UnitOfWork,
        message: InboundMessage,
        now: datetime,
        received_at: datetime | None,
        heard: Heard | None,
        leasing: _Leasing | None,
        settled: _Settled | None,
        admitted: list[tuple[str, str]],
        counted: tuple[bool, bool] | None = None,
        *,
        together: bool = False,
    ) -> _Answered:
        """The flood gate, then the answer, inside the caller's unit of work (not committed).
        A sender let through the in-memory gate is added to `admitted`, so that a failure
        before the commit gives their token back (`_refund`). `counted`: the shared gate's
        (accepted, tell), when the event was taken with the admission (`take_admitting`)."""
        if self._flood is None:
            return await self._answer(uow, message, now, heard, leasing, settled, together)
        arrived = _arrived(received_at, now)
        sender = (message.channel, message.sender_id)
        if counted is not None:
            accepted, tell = counted
        elif uow.flood.shared:
            # Several workers: the bucket is a row, counted in this transaction (a failure
            # rolls its token back with the rest).
            accepted, tell = await uow.flood.admit(
                sender, arrived, self._flood.burst, self._flood.per_second
            )
        else:
            accepted, tell = self._flood.admit(sender, arrived)
            if accepted:
                admitted.append(sender)
        if not accepted:
            return await self._slow_down(uow, message, now, tell)
        return await self._answer(uow, message, now, heard, leasing, settled, together)

    def _refund(self, admitted: list[tuple[str, str]]) -> None:
        if self._flood is not None:
            for sender in admitted:
                self._flood.refund(sender)
        admitted.clear()

    async def _after_commit(self, uow: UnitOfWork, answered: list[_Answered]) -> None:
        if any(a.erased for a in answered):
            # SQLite keeps old page images in the WAL: fold it in, so the name is gone.
            await truncate_wal(uow.session.bind)
        if uow.menus.queued and self._menus_queued is not None:
            self._menus_queued()

    def listen_with(self, fetcher: AudioFetcher) -> None:
        """A platform client that opened can fetch its voice notes (bot/web/runtime.py)."""
        if self.listener is not None:
            self.listener.register(fetcher)

    def stop_listening(self, channel: str) -> None:
        if self.listener is not None:
            self.listener.unregister(channel)

    async def hear(self, message: InboundMessage) -> Heard:
        """A voice note, fetched and transcribed: only in a one-to-one chat with someone
        linked (group chats are people talking to each other, and nobody's voice goes to a
        transcription server before they joined). The short read that checks this ends
        before the network waits begin."""
        if self.listener is None:
            return Heard("no_stt", seconds=message.media_seconds)
        early = self.listener.precheck(message)
        if message.is_group:
            return Heard("not_heard", seconds=message.media_seconds)
        if early is not None:
            return early
        async with self._uow_factory() as uow:
            sender = await load_sender(
                uow,
                message.channel,
                message.sender_id,
                message.chat_id,
                in_room=False,
                create=False,
            )
            actor = sender.actor if sender is not None else None
            if actor is None or not actor.roles:
                return Heard("not_heard", seconds=message.media_seconds)
            wait = await limits.spend_voice(uow, actor.person_id, self._clock.now(), self._settings)
            await uow.commit()  # the count holds across workers; nothing else is written
        if wait is not None:
            return Heard("too_often", seconds=message.media_seconds, wait_until=wait)
        return await self.listener.hear(message)

    async def _answer(
        self,
        uow: UnitOfWork,
        message: InboundMessage,
        now: datetime,
        heard: Heard | None,
        leasing: _Leasing | None,
        settled: _Settled | None,
        together: bool = False,
    ) -> _Answered:
        """The message of an admitted sender, inside the caller's unit of work, which the
        caller commits."""
        uow.records.created.clear()  # this message's records only (`handle_together`)
        ctx = await self._context(uow, message, now, heard)
        expired = ctx.state is not None and ctx.state.expires_at <= now
        if expired:
            await ctx.drop_flow()
        try:
            rule, answer, made = await self._route(uow, ctx, message, settled, quiet=together)
        except _Settled as refused:
            if not refused.clean:
                raise
            # Together with other chats' messages, a refusal that wrote nothing is answered in
            # this transaction, as `handle` would answer it in a new one: from a fresh
            # context, so nothing the handler set on this one before refusing counts.
            ctx = await self._context(uow, message, now, heard)
            rule, answer, made = refused.rule, refused.answer, []

        # The handler's held writes (its records' audit entries, PostgreSQL) ride with the
        # next statement (`_route`), the reply's INSERT, the read before it or the ORM's
        # flush: a failure of the statement that carried them is answered as the handler's
        # failure, as `_route` answers it.
        holding = uow.holding()
        try:
            answered = await self._reply(
                uow, ctx, message, now, (rule, answer, made), expired, leasing
            )
            if holding:
                await uow.send_held()  # nothing carried them (no reply)
        except Exception as error:
            if not (holding and uow.held_writes_failed(error)) or database_unavailable(error):
                raise
            log.exception("handler failed for %s message", message.channel)
            raise _Settled("error", reply(SORRY, *MENU_ONLY)) from None
        return answered

    async def _reply(
        self,
        uow: UnitOfWork,
        ctx: Context,
        message: InboundMessage,
        now: datetime,
        routed: tuple[str, Reply | None, list[list[object]]],
        expired: bool,
        leasing: _Leasing | None,
    ) -> _Answered:
        """The answer to a handled message (`routed`: its rule, answer and records), written to
        the outbox, and what `ยกเลิก` right after would undo. `expired`: the open question
        had run out (said before the answer)."""
        rule, answer, made = routed
        account = ctx.account
        await _remember_records(uow, ctx, made, now)
        if made and answer is not None and message.is_group and message.quote_ref:
            answer = replace(answer, quote=message.quote_ref)  # the room sees which report
        if not ctx.account_erased:
            answer = with_pending(ctx, answer, reask=rule in REASK_AFTER)
        if answer is not None and expired:
            answer = replace(answer, text=f"{EXPIRED}\n{answer.text}")
        # Only a push quota running out holds reminders (LINE): on a channel the sender knows
        # has none, there are none to look for.
        quota = leasing is None or message.channel in leasing.terms.quota_channels
        if answer is not None and not message.is_group and not ctx.account_erased and quota:
            answer = await _with_held_reminders(uow, account.id, answer, now)
        ready: ReadyReply | None = None
        if leasing is not None and answer is not None and not ctx.account_erased:
            outbox_id, ready = await _enqueue_leased(uow, message, answer, now, account, leasing)
        else:
            outbox_id = await _enqueue(
                uow, message, answer, now, None if ctx.account_erased else account.id,
                kind="erased" if ctx.account_erased else "reply",
            )  # fmt: skip
        return _Answered(Handled(rule, answer, outbox_id, ready=ready), ctx.account_erased)

    async def _context(
        self, uow: UnitOfWork, message: InboundMessage, now: datetime, heard: Heard | None
    ) -> Context:
        """Who sent it, in which room, with which question waiting: what handlers are given."""
        sender = await load_sender(
            uow,
            message.channel,
            message.sender_id,
            message.chat_id,
            in_room=message.is_group,
            display_name=message.display_name,
        )
        assert sender is not None  # made on its first message
        account = sender.account
        if message.kind in ("text", "postback", "follow", "audio") and account.blocked:
            account.blocked = False  # they came back: pushes may resume
        return Context(
            uow=uow,
            message=_bounded(message),
            account=account,
            actor=sender.actor,
            settings=self._settings,
            now=now,
            today=now.astimezone(self._settings.tz).date(),
            state=sender.state,
            room_group_id=sender.room_group_id,
            addresses=self._addresses,
            heard=heard,
        )

    async def _route(
        self,
        uow: UnitOfWork,
        ctx: Context,
        message: InboundMessage,
        settled: _Settled | None,
        *,
        quiet: bool = False,
    ) -> tuple[str, Reply | None, list[list[object]]]:
        """The rule that handles the message and its answer, and the records it made, as
        [entity, id]. A refusal or a failing handler raises `_Settled`: nothing it wrote may
        be kept (`handle` rolls the transaction back and answers in a new one)."""
        if settled is not None:
            return settled.rule, settled.answer, []
        before = writes(uow.session) if quiet else 0
        try:
            rule, answer = await dispatch(ctx, self._rules)
            # What the handler left pending is written now, inside the try: a write that
            # fails (a constraint, a race between workers) is the handler's failure, answered
            # as one, not an error at commit. Its held writes (audit entries) ride with the
            # next statement instead, one round trip fewer; `_answer` answers for them.
            await uow.flush(held=False)
        except ServiceError as refusal:
            # The use case said no: nothing it wrote survives, and the person is told why.
            session = uow.session
            clean = (
                quiet
                and writes(session) == before
                and not (session.new or session.dirty or session.deleted)
            )
            raise _Settled("refused", reply(refusal.message, *MENU_ONLY), clean=clean) from None
        except Exception as error:
            if database_unavailable(error):
                # Not the handler's fault: the whole message fails and nothing of it is
                # kept (not even the dedupe row), so the webhook answers 5xx and the
                # platform's redelivery stores it once the database is back.
                raise
            if not quiet:  # together: handled again alone, which logs it (`handle_together`)
                log.exception("handler failed for %s message", message.channel)
            raise _Settled("error", reply(SORRY, *MENU_ONLY)) from None
        return rule, answer, [[entity_name(r), r.id] for r in uow.records.created]

    async def _slow_down(
        self, uow: UnitOfWork, message: InboundMessage, now: datetime, tell: bool
    ) -> _Answered:
        """A flooding sender: the delivery is acknowledged (so it is not redelivered), nothing
        is processed, and the person is told once to wait and resend."""
        answer = Reply(SLOW_DOWN) if tell else None
        outbox_id = await _enqueue(uow, message, answer, now, None)
        return _Answered(Handled("flood", answer, outbox_id), erased=False)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A webhook event stored in the inbox, to be handled (`Conversation.handle_together`)."""

    message: InboundMessage
    inbox_id: int
    received_at: datetime


@dataclass(frozen=True, slots=True)
class _Answered:
    """A message answered inside a transaction not yet committed."""

    handled: Handled
    erased: bool  # the person erased their data: the WAL is folded in after the commit


async def _enqueue(
    uow: UnitOfWork,
    message: InboundMessage,
    answer: Reply | None,
    now: datetime,
    account_id: int | None,
    kind: str = "reply",
) -> int | None:
    """The reply as an outbox row, in the message's transaction; the sender sends it."""
    if answer is None:
        return None
    row = await uow.outbox.add(
        message.channel,
        message.chat_id,
        answer.to_payload(),
        message.reply_token,
        available_at=now,
        chat_account_id=account_id,
        kind=kind,
    )
    return row.id


@dataclass(frozen=True, slots=True)
class _Leasing:
    terms: LeaseTerms
    received_at: datetime | None  # when the webhook was stored: the reply token's age


async def _enqueue_leased(
    uow: UnitOfWork,
    message: InboundMessage,
    answer: Reply,
    now: datetime,
    account: ChatAccount,
    leasing: _Leasing,
) -> tuple[int | None, ReadyReply | None]:
    """The reply as an outbox row written already leased, so that the intake sends it right
    after the commit with no lease transaction; the ordinary row (sent by a lease) where a
    check the lease makes cannot be made here without a query.

    What the lease checks, here: a private chat's recipient is the sender, whose account is
    loaded (`blocked`, cleared above when they write again); a group chat has no account
    (`OutboxRepository.recipient_blocked` never finds one) and the bot is in the room the
    message came from. The push quota matters only if the reply must be pushed on a channel
    with a quota: that row is written the ordinary way. Per-chat order: `add_leased`.

    The reply token's age counts from when the webhook was stored (`received_at`), not from
    now: an event handled late (a backlog after a restart) has an older token than its
    handling time says. The row's `created_at` is that moment, so that a sender that takes
    the row after a crash judges the token by its real age: if this process died between
    the commit and the first offer, the retry (after the short reply lease) offers a token
    that is still valid, so LINE takes it, or, once it is past its TTL, pushes instead. A
    token offered while young is refused only if it was used, which is what makes "refused
    on a later attempt" mean "delivered" (scheduler/sender.py)."""
    terms = leasing.terms
    if not message.is_group and account.blocked:
        return await _enqueue(uow, message, answer, now, account.id), None
    born = now
    if message.reply_token and leasing.received_at is not None:
        born = min(leasing.received_at, now)
    token = live_reply_token(message.reply_token, born, now, terms.token_ttl)
    if token is None and message.channel in terms.quota_channels:
        return await _enqueue(uow, message, answer, now, account.id), None
    leased_until = now + (terms.reply_lease if token else terms.push_lease)
    retry_key = str(uuid.uuid4())
    outbox_id, leased = await uow.outbox.add_leased(
        message.channel,
        message.chat_id,
        answer.to_payload(),
        message.reply_token,
        now=now,
        created_at=born,
        leased_until=leased_until,
        retry_key=retry_key,
        chat_account_id=account.id,
    )
    if not leased:  # an older reply of the chat is unsent: this one waits its turn
        return outbox_id, None
    ready = ReadyReply(
        outbox_id=outbox_id,
        channel=message.channel,
        recipient=message.chat_id,
        reply=answer,
        reply_token=token,
        retry_key=retry_key,
        created_at=born,
        leased_until=leased_until,
    )
    return outbox_id, ready


async def _with_held_reminders(
    uow: UnitOfWork, account_id: int, answer: Reply, now: datetime
) -> Reply:
    """Reminders held back because the LINE monthly push quota is used up ride along with the
    person's next reply, which costs no quota; they are then done."""
    held = await uow.outbox.held_reminders(account_id)
    if not held:
        return answer
    notes = [Reply.from_payload(row.payload).text for row in held]
    await uow.outbox.deliver_held([row.id for row in held], now)
    return replace(answer, text="\n\n".join([answer.text, *(f"🔔 {note}" for note in notes)]))


async def _remember_records(
    uow: UnitOfWork, ctx: Context, made: list[list[object]], now: datetime
) -> None:
    """`ยกเลิก` right after a record means exactly the records of the message before it; any
    other message in between clears that (only a change is written)."""
    if ctx.account_erased or ctx.keep_last_records:
        return
    if made:
        await uow.speakers.remember_records(ctx.account, made, now)
    elif ctx.account.last_records is not None:
        await uow.speakers.remember_records(ctx.account, None, None)


def _arrived(received_at: datetime | None, now: datetime) -> datetime:
    """When the flood gate counts a message: when it arrived, not when it is handled (a
    backlog worked off after a restart is not a flood)."""
    return min(received_at, now) if received_at is not None else now


# PostgreSQL's "deadlock detected" and "could not serialize": the transaction was chosen as
# the victim, through no fault of the message. asyncpg's errors reach SQLAlchemy as plain
# DBAPIErrors, so they are told apart by their SQLSTATE.
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def chosen_as_victim(error: BaseException) -> bool:
    """PostgreSQL aborted the transaction to break a deadlock or a serialization conflict with
    another one: nothing of it was kept, and the same work in a new transaction waits for the
    other one and then, most likely, goes through."""
    return isinstance(error, DBAPIError) and (
        getattr(error.orig, "pgcode", None) in _TRANSIENT_SQLSTATES
    )


def database_unavailable(error: BaseException) -> bool:
    """A lost connection, a locked SQLite file, a driver in a broken state or a transaction
    PostgreSQL aborted as a deadlock's victim: transient, so the message must be retried
    rather than answered with "ระบบขัดข้อง" and marked as seen."""
    if not isinstance(error, DBAPIError):
        return False
    if chosen_as_victim(error):
        return True
    return error.connection_invalidated or isinstance(
        error, (OperationalError, InterfaceError, InternalError)
    )


def _bounded(message: InboundMessage) -> InboundMessage:
    if len(message.text) <= MAX_TEXT:
        return message
    return replace(message, text=message.text[:MAX_TEXT])
