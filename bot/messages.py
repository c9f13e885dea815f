"""Channel-free messages. Adapters turn platform payloads into `InboundMessage` and render
`Reply` into platform objects; nothing in between knows LINE or Telegram exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

EventKind = Literal["text", "postback", "follow", "unfollow", "join", "leave", "unsend", "edit"]


@dataclass(frozen=True, slots=True)
class InboundMessage:
    channel: str  # "line" | "telegram" | "console"
    sender_id: str  # the platform's user id of the person
    chat_id: str  # where replies go: the user (private chat) or the group chat
    text: str = ""
    kind: EventKind = "text"
    is_group: bool = False
    event_id: str | None = None  # platform delivery id used to drop redeliveries
    message_id: str | None = None  # the platform message id, so unsend/edit find the record
    reply_token: str | None = None
    display_name: str | None = None
    sent_at: datetime | None = None
    addressed: bool = False  # in a group chat: the message mentions or replies to the bot

    @property
    def source_ref(self) -> str | None:
        return f"{self.channel}:{self.chat_id}:{self.message_id}" if self.message_id else None

    def to_record(self) -> dict[str, Any]:
        """Plain JSON for the webhook inbox (the message waits there until it is handled)."""
        record: dict[str, Any] = {
            name: getattr(self, name) for name in _MESSAGE_FIELDS if name != "sent_at"
        }
        record["sent_at"] = None if self.sent_at is None else self.sent_at.isoformat()
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> InboundMessage:
        values = {name: record[name] for name in _MESSAGE_FIELDS if name in record}
        sent_at = values.get("sent_at")
        values["sent_at"] = None if sent_at is None else datetime.fromisoformat(sent_at)
        return cls(**values)


_MESSAGE_FIELDS = tuple(InboundMessage.__slots__)


@dataclass(frozen=True, slots=True)
class QuickReply:
    """A tap-to-send button. `text` is what the bot receives when tapped (defaults to label)."""

    label: str
    text: str = ""

    @property
    def message(self) -> str:
        return self.text or self.label


@dataclass(frozen=True, slots=True)
class Image:
    """A generated picture (PNG bytes are kept out of the outbox; `key` names the stored file)."""

    key: str
    alt: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    """A generated file (an Excel export): Telegram sends it, LINE gets a download link."""

    key: str
    filename: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    quick_replies: tuple[QuickReply, ...] = ()
    image: Image | None = None
    document: Document | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "quick_replies": [{"label": q.label, "text": q.message} for q in self.quick_replies],
            "image": None if self.image is None else {"key": self.image.key, "alt": self.image.alt},
            "document": None
            if self.document is None
            else {"key": self.document.key, "filename": self.document.filename},
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Reply:
        image = payload.get("image")
        return cls(
            text=str(payload.get("text", "")),
            quick_replies=tuple(
                QuickReply(label=q["label"], text=q.get("text", ""))
                for q in payload.get("quick_replies", [])
            ),
            image=None if not image else Image(key=image["key"], alt=image.get("alt", "")),
            document=None
            if not payload.get("document")
            else Document(key=payload["document"]["key"], filename=payload["document"]["filename"]),
        )
