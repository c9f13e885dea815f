"""Channel-free messages. Adapters turn platform payloads into `InboundMessage` and render
`Reply` into platform objects; nothing in between knows LINE or Telegram exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

EventKind = Literal[
    "text", "postback", "follow", "unfollow", "join", "leave", "unsend", "edit", "audio"
]


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
    # What the platform needs to quote this message in an answer (LINE: its quoteToken;
    # Telegram: its message id). Group-chat answers to a report quote the report.
    quote_ref: str | None = None
    # A voice note ("audio"): how the channel adapter fetches it (LINE: the message id;
    # Telegram: the file_id), its length and size as the platform told them, when it did.
    media_ref: str | None = None
    media_seconds: float | None = None
    media_bytes: int | None = None

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
class ReplyLimits:
    """What one message may hold on a platform: quick replies, characters of a button
    caption, UTF-16 units of one text message."""

    quick_replies: int
    label: int
    text: int


# What the core puts in a channel-free Reply: the fewest any channel allows (quick replies and
# captions: LINE's 13 and 20; text: Telegram's 4,096). Each channel declares its own limits in
# bot/channels/registry.py and enforces them again; tests/channels/test_adapter_contract.py
# checks that these fit every registered channel.
REPLY_LIMITS = ReplyLimits(quick_replies=13, label=20, text=4096)


@dataclass(frozen=True, slots=True)
class Audio:
    """A voice note's bytes as the platform sent them (LINE: m4a; Telegram: ogg/opus)."""

    data: bytes
    content_type: str
    filename: str


Outcome = Literal[
    "heard",  # the transcript is in `transcript`
    "no_stt",  # no speech-to-text server configured: ask to type
    "too_long",  # longer than VOICE_MAX_SECONDS (as the platform said): refused unheard
    "too_large",  # bigger than VOICE_MAX_BYTES: not downloaded
    "unavailable",  # the platform could not give the audio
    "failed",  # the transcription server failed (error, timeout, unreachable)
    "silent",  # transcribed, but no words in it
    "too_often",  # more than VOICE_PER_MINUTE from one person: not fetched
    "not_heard",  # deliberately not fetched (a group chat, someone not linked)
]


@dataclass(frozen=True, slots=True)
class Heard:
    """What listening to a voice note gave (bot/channels/voice.py, before the message's
    transaction): the transcript, or why there is none, and the audio to keep."""

    outcome: Outcome
    transcript: str = ""
    audio: Audio | None = None
    seconds: float | None = None
    fetch_ms: float = 0.0  # time spent fetching and transcribing, for the log and the bench
    listen_ms: float = 0.0
    wait_until: datetime | None = None  # too_often: when another one may be sent


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
class CardField:
    """One line of a card: a label and its value ("จำนวน" · "30 ฟอง"); `strong` marks the
    figure the card is about (the amount)."""

    label: str
    value: str
    strong: bool = False


@dataclass(frozen=True, slots=True)
class CardSection:
    """A block of a card under an optional heading: labelled fields, then plain lines."""

    heading: str = ""
    fields: tuple[CardField, ...] = ()
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Card:
    """A channel-free card: what a receipt, a summary, a dividend slip or a reminder shows,
    without saying how. LINE renders it as a Flex Message bubble, Telegram as HTML text with
    inline buttons; the console (and anything else) shows the reply's plain `text`.

    `alt` is the line a phone shows in its notification and chat list (LINE altText); empty
    means "the first lines of the reply's text". With `text_body`, the reply's text is the
    card's body (reminders: one text per person, the card around it is the same for all)."""

    kind: str  # receipt | summary | slip | reminder | notice
    title: str
    alt: str = ""
    subtitle: str = ""
    sections: tuple[CardSection, ...] = ()
    note: str = ""
    hero: Image | None = None  # a picture on top (the sales chart), where it can be shown
    # Pressed = typed: they send vocabulary words. None given: the reply's quick replies.
    buttons: tuple[QuickReply, ...] = ()
    text_body: bool = False

    def to_payload(self) -> dict[str, Any]:
        """JSON for the outbox, without the fields left at their defaults (a sweep writes a
        hundred thousand reminder cards)."""
        payload: dict[str, Any] = {"kind": self.kind, "title": self.title}
        optional: dict[str, Any] = {
            "alt": self.alt,
            "subtitle": self.subtitle,
            "sections": [
                {
                    "heading": s.heading,
                    "fields": [[f.label, f.value, f.strong] for f in s.fields],
                    "lines": list(s.lines),
                }
                for s in self.sections
            ],
            "note": self.note,
            "hero": None if self.hero is None else {"key": self.hero.key, "alt": self.hero.alt},
            "buttons": [[b.label, b.message] for b in self.buttons],
            "text_body": self.text_body,
        }
        payload.update({k: v for k, v in optional.items() if v})
        return payload

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Card:
        hero = data.get("hero")
        return cls(
            kind=str(data.get("kind", "notice")),
            title=str(data.get("title", "")),
            alt=str(data.get("alt", "")),
            subtitle=str(data.get("subtitle", "")),
            sections=tuple(
                CardSection(
                    heading=str(s.get("heading", "")),
                    fields=tuple(
                        CardField(str(f[0]), str(f[1]), bool(f[2]) if len(f) > 2 else False)
                        for f in s.get("fields", [])
                    ),
                    lines=tuple(str(line) for line in s.get("lines", [])),
                )
                for s in data.get("sections", [])
            ),
            note=str(data.get("note", "")),
            hero=None if not hero else Image(key=hero["key"], alt=hero.get("alt", "")),
            buttons=tuple(QuickReply(b[0], b[1]) for b in data.get("buttons", [])),
            text_body=bool(data.get("text_body", False)),
        )


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers. `text` is always the whole answer in plain words (the console
    shows it, and so does any channel that cannot show the card); `card` is the same content
    laid out for LINE and Telegram. `quote` names the message this answer quotes (an
    `InboundMessage.quote_ref`), set for answers to a report in a group chat."""

    text: str
    quick_replies: tuple[QuickReply, ...] = ()
    image: Image | None = None
    document: Document | None = None
    card: Card | None = None
    quote: str | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "text": self.text,
            "quick_replies": [{"label": q.label, "text": q.message} for q in self.quick_replies],
            "image": None if self.image is None else {"key": self.image.key, "alt": self.image.alt},
            "document": None
            if self.document is None
            else {"key": self.document.key, "filename": self.document.filename},
        }
        # Only when set: the sweep writes a hundred thousand payloads of the plain form.
        if self.card is not None:
            payload["card"] = self.card.to_payload()
        if self.quote is not None:
            payload["quote"] = self.quote
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Reply:
        image = payload.get("image")
        card = payload.get("card")
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
            card=None if not card else Card.from_payload(card),
            quote=payload.get("quote"),
        )


def live_reply_token(
    token: str | None, born: datetime | None, now: datetime, ttl: timedelta
) -> str | None:
    """`token` while it may still be offered: younger than `ttl`, counted from when the webhook
    that carried it was stored (`born`; unknown counts as now). Offered on every attempt while
    young: single-use, it cannot deliver twice; an old one would only be refused. The one rule
    for the conversation writing a reply, a lease taking a row, and a ready reply's send."""
    if not token or (born is not None and now - born >= ttl):
        return None
    return token


@dataclass(frozen=True, slots=True)
class LeaseTerms:
    """How the sender of this process leases a reply written in the message's transaction
    (see `ReadyReply`): its lease while a reply token is offered and while it pushes, how
    long a reply token is offered, and the channels whose pushes count against a monthly
    quota (a reply that must be pushed there is written the ordinary way, and the lease
    checks the quota)."""

    reply_lease: timedelta
    push_lease: timedelta
    token_ttl: timedelta
    quota_channels: frozenset[str]


@dataclass(frozen=True, slots=True)
class ReadyReply:
    """A reply row written already leased (first attempt counted, retry key set): the sender
    of the process that wrote it sends it right after the commit, with no lease transaction,
    while `leased_until` has not passed."""

    outbox_id: int
    channel: str
    recipient: str
    reply: Reply
    reply_token: str | None
    retry_key: str
    created_at: datetime
    leased_until: datetime
