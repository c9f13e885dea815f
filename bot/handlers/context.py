"""What a handler receives: the message, the person, the open unit of work, the day, and the
conversation state. Handlers name these dependencies instead of reaching for globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.messages import InboundMessage, QuickReply, Reply
from bot.nlu.result import Parsed
from bot.services.actors import Actor
from bot.storage.models import ChatAccount, ConversationState
from bot.storage.unit_of_work import UnitOfWork

# Quick replies LINE allows at most 13 and labels of at most 20 characters; keep under both.
MAX_QUICK_REPLIES = 13

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
    account_erased: bool = False  # set when the person erased their data in this message
    flow_saved: bool = False  # a flow was started or moved on in this message

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def person_id(self) -> int | None:
        return self.actor.person_id if self.actor else None

    def parsed(self, text: str | None = None) -> Parsed:
        """The parse of this message (or of `text`), computed once per message."""
        from bot.nlu import parse  # the parser loads its dictionary on first use

        key = self.text if text is None else text
        if key not in self.parse_cache:
            self.parse_cache[key] = parse(key, self.today)
        return self.parse_cache[key]

    async def start_flow(self, flow: str, data: dict[str, Any]) -> None:
        await self.uow.conversations.save(
            self.account.id,
            self.message.chat_id,
            flow,
            data,
            self.now + timedelta(minutes=self.settings.flow_timeout_minutes),
        )
        self.flow_saved = True

    async def end_flow(self) -> None:
        if self.state is None and not self.flow_saved:
            return  # nothing was open: skip the lookup (every saved report ends its flow)
        await self.uow.conversations.clear(self.account.id, self.message.chat_id)
        self.state = None
        self.flow_saved = False


def reply(text: str, *quick: QuickReply) -> Reply:
    return Reply(text=text, quick_replies=tuple(quick[:MAX_QUICK_REPLIES]))


def choices(labels: list[str], *extra: QuickReply) -> tuple[QuickReply, ...]:
    """Quick replies for a list of options; labels cut to 20 characters, the text sent whole."""
    room = MAX_QUICK_REPLIES - len(extra)
    options = [QuickReply(label=label[:20], text=label) for label in labels[:room]]
    return (*options, *extra)
