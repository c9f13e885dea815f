"""What a handler receives: the message, the person, the open unit of work, the day, and the
conversation state. Handlers name these dependencies instead of reaching for globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.addresses import BotAddresses
from bot.config import Settings
from bot.labels import short_labels
from bot.messages import REPLY_LIMITS, Heard, InboundMessage, QuickReply, Reply
from bot.nlu.result import Parsed
from bot.services.actors import Actor
from bot.storage.models import ChatAccount, ConversationState
from bot.storage.unit_of_work import UnitOfWork
from bot.vocabulary import Command, command_of

AFTER_RECORD = (
    QuickReply("ยกเลิก"),
    QuickReply("แก้ไข"),
    QuickReply("สรุป"),
    QuickReply("เมนู"),
)
CONFIRM = (QuickReply("ยืนยัน"), QuickReply("ยกเลิก"))
MENU_ONLY = (QuickReply("เมนู"),)


@dataclass
class Context:
    """The message being handled and everything a handler may use.

    The open question (`state`, loaded at the start) and what this message does to it:
    - answering it (`resuming`): the flow moves on or ends;
    - a new report while it waits: the new report is handled as what it is, and the open
      question is set aside (or, for a restatement of the same report, `replacing` it); when
      the new report is saved at once, the open question simply stays; when the new report
      asks a question of its own, the open one rides along as its `aside` and comes back once
      the new one is done;
    - a command (สรุป, เมนู…): the open question stays and is offered again after the answer.
    """

    uow: UnitOfWork
    message: InboundMessage
    account: ChatAccount
    actor: Actor | None
    settings: Settings
    now: datetime
    today: date
    state: ConversationState | None = None
    room_group_id: int | None = None  # the occupation group a group chat is linked to
    parse_cache: dict[str, Parsed] = field(default_factory=dict)
    command_cache: dict[str, Command | None] = field(default_factory=dict)
    account_erased: bool = False  # set when the person erased their data in this message
    flow_saved: bool = False  # a flow was started or moved on in this message
    resuming: bool = False  # this message answers the open question
    replacing: bool = False  # this message restates the open report: it replaces it
    saved_flow: dict[str, Any] | None = None  # the flow saved in this message (flow, data)
    restored: dict[str, Any] | None = None  # a set-aside flow that came back in this message
    flow_ended: bool = False  # the open question was ended in this message
    keep_last_records: bool = False  # this message does not stand between a record and undo
    addresses: BotAddresses = field(default_factory=BotAddresses)  # the bot on each platform
    heard: Heard | None = None  # a voice note: what fetching and transcribing it gave
    # A voice note heard and stored in this message: {"note": voice_note id, "heard": text}.
    # A report it starts or answers is always shown and confirmed before it is saved.
    voice: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def person_id(self) -> int | None:
        return self.actor.person_id if self.actor else None

    @property
    def roles(self) -> frozenset[str]:
        return self.actor.roles if self.actor else frozenset()

    def parsed(self, text: str | None = None) -> Parsed:
        """The parse of this message (or of `text`), computed once per message."""
        from bot.nlu import parse  # the parser loads its dictionary on first use

        key = self.text if text is None else text
        if key not in self.parse_cache:
            self.parse_cache[key] = parse(key, self.today, self.roles)
        return self.parse_cache[key]

    def command(self) -> Command | None:
        """The vocabulary command this message is (`command_of`), computed once per message:
        every rule's matcher asks it (~20 times). Kept with the message only, so no text a
        person typed outlives its handling."""
        key = self.text
        if key not in self.command_cache:
            self.command_cache[key] = command_of(key)
        return self.command_cache[key]

    @property
    def open_flow(self) -> dict[str, Any] | None:
        """The flow open at the start of this message, unless it was answered or ended."""
        if self.state is None or self.flow_ended or self.resuming or self.replacing:
            return None
        return {"flow": self.state.flow, "data": dict(self.state.data)}

    async def start_flow(
        self, flow: str, data: dict[str, Any], question: Reply | None = None
    ) -> None:
        """Saves the flow and the question it asks (so it can be asked again word for word)."""
        data = dict(data)
        if question is not None:
            data["question"] = {
                "text": question.text,
                "quick": [[q.label, q.message] for q in question.quick_replies],
            }
        previous = self.saved_flow["data"] if self.saved_flow else None
        if previous is not None and "aside" in previous:
            data.setdefault("aside", previous["aside"])
        elif (
            (self.resuming or self.replacing)
            and self.state is not None
            and "aside" in self.state.data
        ):
            data.setdefault("aside", self.state.data["aside"])  # the flow moves on
        elif self.open_flow is not None:
            # A new question while another waits: the waiting one rides along and comes back.
            waiting = self.open_flow
            waiting["data"].pop("aside", None)  # one level is enough for people to follow
            data["aside"] = waiting
            self.flow_ended = True
        await self.uow.conversations.save(
            self.account.id,
            self.message.chat_id,
            flow,
            data,
            self.now + timedelta(minutes=self.settings.flow_timeout_minutes),
        )
        self.flow_saved = True
        self.saved_flow = {"flow": flow, "data": data}

    async def end_flow(self) -> None:
        """Ends the flow this message answered, replaced or started; a flow set aside by it
        comes back. A one-shot report handled while another question waits leaves it open."""
        ending: dict[str, Any] | None = None
        if self.saved_flow is not None:
            ending = self.saved_flow["data"]
        elif (self.resuming or self.replacing) and self.state is not None:
            ending = dict(self.state.data)
        else:
            return
        await self.uow.conversations.clear(self.account.id, self.message.chat_id)
        self.flow_saved = False
        self.saved_flow = None
        self.flow_ended = True
        aside = ending.get("aside")
        if aside:
            await self.uow.conversations.save(
                self.account.id,
                self.message.chat_id,
                aside["flow"],
                aside["data"],
                self.now + timedelta(minutes=self.settings.flow_timeout_minutes),
            )
            self.restored = aside

    async def drop_flow(self) -> None:
        """Forgets the open flow (expired), with whatever was set aside in it."""
        await self.uow.conversations.clear(self.account.id, self.message.chat_id)
        self.state = None


def reply(text: str, *quick: QuickReply) -> Reply:
    return Reply(text=text, quick_replies=tuple(quick[: REPLY_LIMITS.quick_replies]))


def choices(labels: list[str], *extra: QuickReply) -> tuple[QuickReply, ...]:
    """Quick replies for a list of options: captions shortened between words to 20 characters
    (bot/labels.py), the option's whole text sent when tapped."""
    room = REPLY_LIMITS.quick_replies - len(extra)
    wanted = labels[:room]
    options = [
        QuickReply(label=caption, text=label)
        for caption, label in zip(short_labels(wanted), wanted, strict=True)
    ]
    return (*options, *extra)
