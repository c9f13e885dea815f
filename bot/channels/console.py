"""The terminal as a channel: read lines from stdin (interactive or piped), print replies."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.channels.base import Outgoing

CHANNEL = "console"


def render(message: Outgoing) -> str:
    lines = [f"🤖 {message.reply.text}"]
    if message.reply.image is not None:
        lines.append(f"   [รูป: {message.reply.image.alt or message.reply.image.key}]")
    if message.reply.document is not None:
        lines.append(f"   📎 {message.reply.document.filename}")
    if message.reply.quick_replies:
        lines.append("   " + "  ".join(f"[{q.label}]" for q in message.reply.quick_replies))
    return "\n".join(lines)


class ConsoleTransport:
    channel = CHANNEL

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out

    async def send(self, message: Outgoing) -> None:
        out = self._out or sys.stdout
        out.write(render(message) + "\n")
        out.flush()
