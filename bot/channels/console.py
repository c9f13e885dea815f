"""The terminal as a channel: read lines from stdin (interactive or piped), print replies.

A terminal has no buttons, so quick replies are printed numbered — `[1] บันทึกการขาย  [2] สรุป`
— and typing the number presses the button (sends what tapping it on LINE would). When the bot
is waiting for a number (กี่บาท, กี่คน) the buttons are printed without numbers, and a number
typed is the answer.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.channels.base import Outgoing
from bot.messages import QuickReply

CHANNEL = "console"


def render(message: Outgoing, *, numbered: bool = False) -> str:
    lines = [f"🤖 {message.reply.text}"]
    if message.reply.image is not None:
        lines.append(f"   [รูป: {message.reply.image.alt or message.reply.image.key}]")
    if message.reply.document is not None:
        lines.append(f"   📎 {message.reply.document.filename}")
    if message.reply.quick_replies:
        buttons = (
            f"[{n}] {q.label}" if numbered else f"[{q.label}]"
            for n, q in enumerate(message.reply.quick_replies, start=1)
        )
        lines.append("   " + "  ".join(buttons))
    return "\n".join(lines)


def pressed(text: str, buttons: tuple[QuickReply, ...]) -> QuickReply | None:
    """The button a typed number presses ("1", or Thai "๑"), if it is one of `buttons`."""
    typed = text.strip()
    if not typed.isdecimal() or len(typed) > 2:
        return None
    number = int(typed)  # int() reads Thai digits too
    return buttons[number - 1] if 1 <= number <= len(buttons) else None


class ConsoleTransport:
    channel = CHANNEL

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out
        # Set by the console chat before each reply is sent: whether a typed number will press
        # one of its buttons, so the numbers are shown.
        self.numbered = False

    async def send(self, message: Outgoing) -> None:
        out = self._out or sys.stdout
        out.write(render(message, numbered=self.numbered) + "\n")
        out.flush()
