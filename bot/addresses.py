"""Where people find the bot on each platform: what a join poster's QR codes open. Filled
from the settings (LINE_BASIC_ID, TELEGRAM_BOT_USERNAME) and then by the channels as they open
(LINE's bot info, Telegram's getMe); the conversation core only reads it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class BotAddresses:
    line_basic_id: str | None = None  # "@123abcde"
    telegram_username: str | None = None  # "sammachip_bot" (no @)

    @property
    def any(self) -> bool:
        return bool(self.line_basic_id or self.telegram_username)
