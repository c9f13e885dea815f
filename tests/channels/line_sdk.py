"""The oracle for LINE's wire format: a `Reply` rendered into line-bot-sdk's own message models
(`TextMessage`, `FlexMessage`, `ImageMessage`, `QuickReply`), the way bot/channels/line_render.py
did before it built LINE's JSON directly. Tests compare the JSON the bot sends with these
models' `to_dict()`; the same decisions (splitting, room for five messages, where the quick
replies and the quote go), the SDK's serialisation."""

from __future__ import annotations

from typing import Any

from linebot.v3.messaging import (
    FlexMessage,
    ImageMessage,
    MessageAction,
    QuickReplyItem,
    TextMessage,
)
from linebot.v3.messaging import QuickReply as LineQuickReply

from bot.channels import cards
from bot.channels.base import split_text
from bot.channels.line_render import LIMITS, MAX_ACTION_TEXT, MAX_MESSAGES, _https_base, label
from bot.messages import Reply


def sdk_render(reply: Reply, public_base_url: str | None) -> list[Any]:
    """The reply as line-bot-sdk message models (the pre-dict `render`, kept as the oracle)."""
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
        image = None
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
    quick = None
    if reply.quick_replies:
        quick = LineQuickReply(
            items=[
                QuickReplyItem(
                    action=MessageAction(label=label(q.label), text=q.message[:MAX_ACTION_TEXT])
                )
                for q in reply.quick_replies[: LIMITS.quick_replies]
            ]
        )
    messages: list[Any] = []
    if flex is not None:
        messages.append(FlexMessage.from_dict(flex))
    for i, chunk in enumerate(texts):
        quote = reply.quote if i == 0 and flex is None else None
        messages.append(TextMessage(text=chunk, quote_token=quote))
    if image_url is not None:
        messages.append(ImageMessage(original_content_url=image_url, preview_image_url=image_url))
    if messages and quick is not None:
        messages[-1].quick_reply = quick
    return messages
