"""Telegram's menus: the command list a person sees when they type "/" or press the menu
button, per chat (`setMyCommands` with `BotCommandScopeChat`), from bot/menus.py. Every
command means what its caption means (tests/conversations/test_menus.py). People not linked
see the bot's default list (their chat's own list is deleted); group chats see a short list
of their own. `sammachip setup` sets the defaults and the menu button (commands)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.channels.base import SendError
from bot.channels.telegram_send import classify
from bot.menus import MENUS, SALE, STRANGER, SUMMARY, UNDO, WORK, Item, commands

LANGUAGE = ""  # every language: the captions are Thai for everyone
GROUP_ITEMS: tuple[Item, ...] = (SALE, WORK, SUMMARY, UNDO)


def command_list(role: str) -> list[BotCommand]:
    return [BotCommand(name, caption) for name, caption in commands(role)]


def group_list() -> list[BotCommand]:
    seen = {item.command: item.caption for item in GROUP_ITEMS}
    seen.setdefault("help", "เมนู")
    return [BotCommand(name, caption) for name, caption in seen.items()]


def fingerprint(listed: Sequence[BotCommand]) -> str:
    data = json.dumps([[c.command, c.description] for c in listed], ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:12]


class TelegramMenus:
    """Sets each person's command list (the menu sync) and shows "typing…"."""

    batch = 1  # no bulk call: one person at a time, so one blocked person fails alone

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def target(self, role: str) -> str:
        return "default" if role == STRANGER else fingerprint(command_list(role))

    async def apply(self, role: str, users: Sequence[str]) -> str:
        target = await self.target(role)
        for user in users:
            scope = BotCommandScopeChat(int(user))
            try:
                if role == STRANGER:
                    await self._bot.delete_my_commands(scope=scope)
                else:
                    await self._bot.set_my_commands(command_list(role), scope=scope)
            except TelegramError as error:
                failed: SendError = classify(error)
                raise failed from error
        return target

    async def typing(self, chat_id: str) -> None:
        await self._bot.send_chat_action(int(chat_id), ChatAction.TYPING)


async def defaults(bot: Bot) -> None:
    """The lists everyone sees before their own: strangers', and group chats'."""
    await bot.set_my_commands(command_list(STRANGER), scope=BotCommandScopeDefault())
    await bot.set_my_commands(group_list(), scope=BotCommandScopeAllGroupChats())


def roles() -> tuple[str, ...]:
    return tuple(MENUS)
