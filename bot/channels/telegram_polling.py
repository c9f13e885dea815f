"""`sammachip poll`: Telegram long polling. An update is acknowledged (the offset moves past
it) only after the core committed it, so nothing fetched is lost on a crash."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from telegram import Bot, Update
from telegram.error import RetryAfter, TelegramError

from bot.channels.base import Inbound
from bot.channels.telegram_send import _seconds

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramChannel

log = logging.getLogger("bot.channels.telegram")

ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")


async def _fetch(bot: Bot, offset: int | None, wait_seconds: int) -> list[Update | int]:
    """The next updates; one that python-telegram-bot cannot read comes back as its bare
    update_id (to be skipped with a log line) instead of failing the whole batch."""
    try:
        return list(
            await bot.get_updates(
                offset=offset, timeout=wait_seconds, allowed_updates=list(ALLOWED_UPDATES)
            )
        )
    except TelegramError:
        raise
    except Exception as error:
        log.warning("telegram: a polled update could not be read (%s); reading one by one", error)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "use Bot.get_updates": we are doing it on purpose
        raw = await bot.do_api_request(
            "get_updates",
            api_kwargs={"offset": offset, "timeout": 0, "allowed_updates": list(ALLOWED_UPDATES)},
        )
    found: list[Update | int] = []
    for data in raw or []:
        try:
            found.append(Update.de_json(data, bot))
        except Exception as error:
            log.warning(
                "telegram: skipped update %s that could not be read: %s",
                data.get("update_id"),
                error,
            )
            found.append(int(data["update_id"]))
    return found


async def poll(
    channel: TelegramChannel,
    process: Callable[[Inbound], Awaitable[None]],
    *,
    wait_seconds: int = 30,
    stop: asyncio.Event | None = None,
    idle_pause: float = 1.0,
) -> None:
    """Long polling: getUpdates, hand each update to `process` (which commits it), and only
    then move the offset past it. If `process` fails (database down) the update is fetched
    again, and the core's dedupe on update_id keeps it from being stored twice."""
    bot = channel.bot
    await bot.delete_webhook(drop_pending_updates=False)  # getUpdates is refused while one is set
    offset: int | None = None
    failures = 0
    while stop is None or not stop.is_set():
        try:
            updates = await _fetch(bot, offset, wait_seconds)
        except RetryAfter as error:
            await asyncio.sleep(_seconds(error))
            continue
        except TelegramError as error:
            failures += 1
            log.warning("telegram: getUpdates failed (%s); retrying", error)
            await asyncio.sleep(min(30.0, idle_pause * 2**failures))
            continue
        failures = 0
        for update in updates:
            if isinstance(update, int):
                offset = update + 1
                continue
            try:
                await process(channel.adapter.inbound(update))
            except Exception:
                log.exception(
                    "telegram: update %s not processed; fetching it again", update.update_id
                )
                await asyncio.sleep(idle_pause)
                break
            offset = update.update_id + 1
