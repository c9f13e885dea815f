"""Cards (`bot.messages.Card`) as each platform shows them.

LINE: a Flex Message bubble, built as LINE's JSON and sent as built (no SDK models on the send
path); it is exactly what line-bot-sdk's own models give (`FlexMessage.from_dict(m).to_dict()
== m`, tests/channels/test_cards.py and test_line_wire.py), defaults included. The card stays
within LINE's documented limits (Messaging API reference, "Flex Message"): altText at most
1,500 characters, a bubble's JSON at most 30 KB, action labels at most 20 characters (the
strictest of LINE's label limits: quick replies and rich menus; Flex buttons allow 40), postback
data and displayText at most 300. Boxes are nested at most three deep, which every LINE
version lays out the same way. A card that would still be too large is sent as its text.

Telegram: HTML (parse mode "HTML"), every value escaped, the buttons as an inline keyboard
whose callback data is the word the button sends (at most 64 bytes, else the button is left
out of the inline keyboard).
"""

from __future__ import annotations

import html
import json
import unicodedata
from typing import Any

from bot.messages import Card, CardSection, QuickReply, Reply

MAX_ALT_TEXT = 1500
MAX_BUBBLE_BYTES = 30 * 1024
MAX_LABEL = 20
MAX_DATA = 300
MAX_BOX_DEPTH = 3
MAX_FOOTER_BUTTONS = 4
MAX_BODY_LINES = 40  # a text-bodied card longer than this is sent as text

GREEN = "#1B5E20"
GREY = "#6B7280"
LIGHT = "#F1F8E9"
COLOURS = {
    "receipt": GREEN,
    "summary": "#0D47A1",
    "slip": "#8D6E00",
    "reminder": "#B23C17",
    "notice": GREEN,
}


def alt_text(card: Card, text: str) -> str:
    """What a phone shows in the notification and the chat list: the card's own line, or
    the first lines of the text, on one line, at most 1,500 characters (400 in practice)."""
    source = card.alt or " · ".join(line.strip() for line in text.splitlines()[:3] if line.strip())
    source = " ".join((source or card.title).split())
    return source if len(source) <= 400 else source[:399].rstrip() + "…"


def label(text: str, limit: int = MAX_LABEL) -> str:
    """A button caption LINE accepts, cut with "…" but never between a Thai letter and the
    marks written above or below it."""
    if len(text) <= limit:
        return text
    cut = limit - 1
    while cut > 1 and unicodedata.category(text[cut]) == "Mn":
        cut -= 1
    return text[:cut].rstrip() + "…"


def postback(button: QuickReply) -> dict[str, Any]:
    """A button that sends its vocabulary word as postback data; LINE shows the caption in
    the chat as if it was typed (displayText), so the conversation reads naturally."""
    return {
        "type": "postback",
        "label": label(button.label),
        "data": button.message[:MAX_DATA],
        "displayText": button.label[:MAX_DATA],
    }


def _text(value: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": value or " ", "wrap": True, **style}


def _section(section: CardSection, colour: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if section.heading:
        parts.append(_text(section.heading, weight="bold", size="sm", color=colour))
    for field in section.fields:
        parts.append(
            {
                "type": "box",
                "layout": "horizontal",
                "spacing": "md",
                "contents": [
                    _text(field.label, size="sm", color=GREY, flex=2),
                    _text(
                        field.value,
                        size="md" if field.strong else "sm",
                        weight="bold" if field.strong else "regular",
                        color=colour if field.strong else "#111111",
                        flex=3,
                        align="end",
                    ),
                ],
            }
        )
    parts.extend(_text(line, size="sm") for line in section.lines)
    return parts


def bubble(
    card: Card, text: str, image_base: str | None, quick: tuple[QuickReply, ...] = ()
) -> dict[str, Any] | None:
    """The card as a Flex bubble (LINE JSON), or None when it cannot be one within LINE's
    limits (then the text is sent instead)."""
    colour = COLOURS.get(card.kind, GREEN)
    header: list[dict[str, Any]] = [_text(card.title, weight="bold", size="lg", color=colour)]
    if card.subtitle:
        header.append(_text(card.subtitle, size="xs", color=GREY))
    body = _body(card, text, colour)
    if body is None:
        return None
    container: dict[str, Any] = {
        "type": "bubble",
        "header": {
            "type": "box",
            "layout": "vertical",
            "contents": header,
            "backgroundColor": LIGHT,
            "paddingAll": "lg",
        },
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "md",
            "contents": body or [_text(" ")],
        },
    }
    if card.hero is not None and image_base is not None:
        url = f"{image_base}/files/{card.hero.key}"
        container["hero"] = {
            "type": "image",
            "url": url,
            "size": "full",
            "aspectRatio": "20:13",
            "aspectMode": "fit",
            "animated": False,  # LINE's default, which line-bot-sdk's FlexImage spells out
        }
    footer = _footer(card, quick)
    if footer is not None:
        container["footer"] = footer
    if len(json.dumps(container, ensure_ascii=False).encode("utf-8")) > MAX_BUBBLE_BYTES:
        return None
    return container


def _body(card: Card, text: str, colour: str) -> list[dict[str, Any]] | None:
    """The bubble's body: the text's lines (a text-bodied card), the sections, the note; None
    when the text has more lines than a bubble holds."""
    body: list[dict[str, Any]] = []
    if card.text_body:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > MAX_BODY_LINES:
            return None
        body.extend(
            _text(line, size="sm", color="#111111" if not line.startswith("•") else "#374151")
            for line in lines
        )
    for index, section in enumerate(card.sections):
        parts = _section(section, colour)
        if not parts:
            continue
        if body or index:
            body.append({"type": "separator", "margin": "md"})
        body.append({"type": "box", "layout": "vertical", "spacing": "sm", "contents": parts})
    if card.note:
        body.append(_text(card.note, size="xs", color=GREY, margin="md"))
    return body


def _footer(card: Card, quick: tuple[QuickReply, ...]) -> dict[str, Any] | None:
    """Up to four buttons: the card's own, else the reply's quick replies."""
    offered = card.buttons or quick
    buttons = [b for b in offered if b.label and b.message][:MAX_FOOTER_BUTTONS]
    if not buttons:
        return None
    return {
        "type": "box",
        "layout": "horizontal" if len(buttons) <= 2 else "vertical",
        "spacing": "sm",
        "contents": [
            {
                "type": "button",
                "style": "primary" if i == 0 and card.kind != "receipt" else "secondary",
                "height": "sm",
                "action": postback(b),
            }
            for i, b in enumerate(buttons)
        ],
    }


def flex_message(
    card: Card, text: str, image_base: str | None, quick: tuple[QuickReply, ...] = ()
) -> dict[str, Any] | None:
    """The whole Flex Message object (type, altText, contents), or None (send the text)."""
    contents = bubble(card, text, image_base, quick)
    if contents is None:
        return None
    return {"type": "flex", "altText": alt_text(card, text), "contents": contents}


def depth(component: Any) -> int:
    """How deep boxes are nested in a Flex component (a bubble's blocks count one)."""
    if isinstance(component, dict):
        own = 1 if component.get("type") == "box" else 0
        return own + max((depth(v) for v in component.values()), default=0)
    if isinstance(component, list):
        return max((depth(v) for v in component), default=0)
    return 0


# --- Telegram ----------------------------------------------------------------------------


def escape(value: str) -> str:
    return html.escape(value, quote=False)


def telegram_html(card: Card, text: str) -> str:
    """The card as Telegram HTML: bold title, "label: value" lines, the figure in bold."""
    lines = [f"<b>{escape(card.title)}</b>"]
    if card.subtitle:
        lines.append(f"<i>{escape(card.subtitle)}</i>")
    if card.text_body:
        lines.append("")
        lines.extend(escape(line) for line in text.splitlines())
    for section in card.sections:
        lines.append("")
        if section.heading:
            lines.append(f"<b>{escape(section.heading)}</b>")
        for field in section.fields:
            value = escape(field.value)
            lines.append(
                f"{escape(field.label)}: {'<b>' + value + '</b>' if field.strong else value}"
            )
        lines.extend(escape(line) for line in section.lines)
    if card.note:
        lines.extend(("", f"<i>{escape(card.note)}</i>"))
    return "\n".join(lines).strip()


def buttons_of(reply: Reply) -> tuple[QuickReply, ...]:
    """The card's buttons, then the reply's quick replies, each once (by what it sends)."""
    seen: set[str] = set()
    found: list[QuickReply] = []
    for button in (*(reply.card.buttons if reply.card else ()), *reply.quick_replies):
        if button.message not in seen:
            seen.add(button.message)
            found.append(button)
    return tuple(found)
