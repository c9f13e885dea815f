"""A channel-free `Reply` → LINE message objects: a card becomes a Flex Message, long text is
split at LINE's limit, quick replies go on the last message (at most 13, captions ≤ 20).

The messages are LINE's JSON itself (camelCase keys, no nulls), built as plain dicts: what
line-bot-sdk's models (`TextMessage`, `FlexMessage`, `QuickReply` …) would give from their
`to_dict()`, without validating a tree of pydantic models on every send only to turn it back
into the same dict (half of a LINE send's CPU). tests/channels/test_line_wire.py holds every
kind of reply to the SDK models' own JSON."""

from __future__ import annotations

import logging
from typing import Any

from bot.channels import cards
from bot.channels.base import split_text
from bot.messages import Reply, ReplyLimits

log = logging.getLogger("bot.channels.line")

LIMITS = ReplyLimits(quick_replies=13, label=cards.MAX_LABEL, text=5000)
MAX_MESSAGES = 5  # per reply or push call
MAX_ACTION_TEXT = 300

# One message object of LINE's JSON, as the Messaging API reference spells it (and as
# line-bot-sdk's `Message.to_dict()` gives it): "type", camelCase keys, no null values.
LineMessage = dict[str, Any]


def render(reply: Reply, public_base_url: str | None) -> list[LineMessage]:
    """A channel-free Reply → at most five LINE message objects, quick replies on the last.
    A card becomes a Flex Message (its text is then not sent again); an answer that quotes a
    message in a group chat stays text, the only kind LINE lets quote. A document becomes a
    download link; a picture needs PUBLIC_BASE_URL over https."""
    card = reply.card if reply.quote is None else None
    wants_base = reply.image or reply.document or (card is not None and card.hero is not None)
    base = _https_base(public_base_url) if wants_base else None
    flex = (
        cards.flex_message(card, reply.text, base, reply.quick_replies)
        if card is not None
        else None
    )
    texts = split_text(reply.text, LIMITS.text) if reply.text and flex is None else []
    if reply.document is not None:
        name = reply.document.filename
        if base is not None:
            texts.append(
                f"📎 {name}\n{base}/files/{reply.document.key}\n"
                "ลิงก์ดาวน์โหลดใช้ได้ครั้งเดียวและหมดอายุเร็ว กรุณาอย่าส่งต่อนะคะ"
            )
        else:
            texts.append(f"📎 {name}: ขอรับไฟล์ได้จากพัฒนากรค่ะ (ยังไม่ได้ตั้งค่า PUBLIC_BASE_URL แบบ https)")
    image = reply.image
    if flex is not None and card is not None and card.hero is not None and image == card.hero:
        image = None  # the chart is the card's own picture (shown when LINE can fetch it)
    image_url = f"{base}/files/{image.key}" if image and base else None
    if image is not None and image_url is None:
        texts.append(
            f"[{image.alt or 'รูปภาพ'}: ยังแสดงรูปใน LINE ไม่ได้ (ยังไม่ได้ตั้งค่า PUBLIC_BASE_URL แบบ https)]"
        )
    room = MAX_MESSAGES - (1 if image_url else 0) - (1 if flex else 0)
    if len(texts) > room:
        note = "\n…(ข้อความยาวเกินไป ตัดส่วนท้ายออก)"
        tail = "\n".join(texts[room - 1 :])
        texts = [*texts[: room - 1], tail[: LIMITS.text - len(note)] + note]
    quick = _quick_reply(reply)
    messages: list[LineMessage] = []
    if flex is not None:
        messages.append(flex)  # a fresh dict per call: adding quickReply below is safe
    for i, chunk in enumerate(texts):
        text: LineMessage = {"type": "text", "text": chunk}
        if i == 0 and flex is None and reply.quote is not None:
            text["quoteToken"] = reply.quote
        messages.append(text)
    if image_url is not None:
        messages.append(
            {"type": "image", "originalContentUrl": image_url, "previewImageUrl": image_url}
        )
    if messages and quick is not None:
        messages[-1]["quickReply"] = quick
    return messages


def _https_base(public_base_url: str | None) -> str | None:
    base = (public_base_url or "").rstrip("/")
    if base.startswith("https://"):
        return base
    log.warning("line: pictures and files need PUBLIC_BASE_URL=https://… (LINE fetches them)")
    return None


def label(text: str, limit: int = LIMITS.label) -> str:
    """A quick-reply label LINE accepts (≤ 20 characters), cut with "…" where needed, never
    between a Thai letter and the vowel or tone marks written above or below it."""
    return cards.label(text, limit)


def _quick_reply(reply: Reply) -> dict[str, Any] | None:
    """The quick reply bar: each button a message action that types its vocabulary word."""
    if not reply.quick_replies:
        return None
    items = [
        {
            "type": "action",
            "action": {
                "type": "message",
                "label": label(q.label),
                "text": q.message[:MAX_ACTION_TEXT],
            },
        }
        for q in reply.quick_replies[: LIMITS.quick_replies]
    ]
    return {"items": items}
