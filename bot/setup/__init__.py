"""`sammachip setup [--check]`: puts LINE and Telegram in the state the bot needs, from the
settings, and prints a Thai/English checklist of what is done and what is left.

It is idempotent: it reads what each platform holds and changes only what differs, so a
second run changes nothing. With `--check` it changes nothing at all and reports what is
missing (it still asks LINE to test the webhook, which only sends a test request).

LINE: the webhook URL (set, then LINE's own test of it), the rich menus and their aliases
(created when the design changed, stale ones of this bot deleted after people were moved to
the new ones), the default menu (the stranger's), everyone's menu linked, the bot's basic id
and the month's message quota. Telegram: the webhook with the secret token and the update
types the bot handles (then `getWebhookInfo`), the command lists (default, group chats, each
person's) and the menu button. Some settings only people can change (LINE's auto-reply, the
"Use webhook" switch): they are listed as left to do.
"""

from __future__ import annotations

import logging

from bot.app import App
from bot.services import menus as menu_service
from bot.setup.line import delete_stale, set_up_line
from bot.setup.report import Item, Report, Status, webhook_url
from bot.setup.telegram import set_up_telegram
from bot.storage.unit_of_work import UnitOfWork
from bot.web.runtime import Channels
from scheduler.menu_sync import MenuSyncer, settle

__all__ = ["Item", "Report", "Status", "run_setup"]

log = logging.getLogger(__name__)


async def run_setup(app: App, *, check: bool = False) -> Report:
    report = Report(check)
    settings = app.settings
    if not (settings.line_enabled or settings.telegram_enabled):
        report.add("server", "channels", "missing",
                   "ยังไม่ได้ตั้งค่า LINE หรือ Telegram (ใส่ค่าใน .env ตาม docs/channels.md)",
                   "Neither LINE nor Telegram is configured (set them in .env, docs/channels.md)")  # fmt: skip
        return report
    if webhook_url(app, "") is None:
        report.add("server", "public_url", "missing",
                   "ยังไม่ได้ตั้ง PUBLIC_BASE_URL แบบ https: LINE และ Telegram ส่ง webhook มาไม่ได้ "
                   "(Telegram ใช้ sammachip poll แทนได้)",
                   "PUBLIC_BASE_URL is not an https address: no webhooks (Telegram can use "
                   "`sammachip poll` instead)")  # fmt: skip
    else:
        report.add("server", "public_url", "ok", f"ที่อยู่สาธารณะ {settings.public_base_url}",
                   f"Public address {settings.public_base_url}")  # fmt: skip
    # Its own clients and menu sync: a running server's (in tests, the same app) stay as they are.
    channels = await Channels.open(app, register=False)
    syncer = MenuSyncer(app.uow, app.clock)
    relink, stale = False, list[str]()
    try:
        if channels.line is not None:
            syncer.register("line", channels.line.menus)
            relink, stale = await set_up_line(app, channels, report)
        if channels.telegram is not None:
            syncer.register("telegram", channels.telegram.menus)
            relink |= await set_up_telegram(app, channels.telegram.bot, report)
        people_done = await _people(app, syncer, report, relink=relink)
        if people_done and stale and channels.line is not None:
            await delete_stale(channels.line.api, stale)  # nobody is on them any more
    finally:
        await channels.close(app)
    return report


# --- everyone's own menu ------------------------------------------------------------------


async def _people(app: App, syncer: MenuSyncer, report: Report, *, relink: bool) -> bool:
    """Queues the menus of people never synced (or everyone, when menus changed) and applies
    them; True when everyone is up to date. `--check` counts who is not."""
    channels = syncer.channels
    if not channels:
        return True
    if report.check:
        waiting = await _count_waiting(app, channels)
        if waiting:
            report.add("server", "people", "missing", f"เมนูของผู้ใช้ {waiting} คนยังไม่ได้อัปเดต",
                       f"{waiting} people's menus are not up to date")  # fmt: skip
        return False
    async with app.uow() as uow:
        if relink:
            await menu_service.everyone(uow)
        else:
            await _queue_new(uow, channels)
        await uow.commit()
    result = await settle(syncer)
    if result.retried or result.failed:
        report.add("server", "people", "failed",
                   f"อัปเดตเมนูของผู้ใช้ไม่สำเร็จ {result.retried + result.failed} คน (จะลองใหม่เอง)",
                   f"{result.retried + result.failed} people's menus not updated yet "
                   f"(retried later): {'; '.join(result.errors[:2])}")  # fmt: skip
        return False  # keep the stale menus until everyone moved off them
    if result.applied:
        report.add("server", "people", "changed", f"อัปเดตเมนูตามบทบาทให้ผู้ใช้ {result.applied} คนแล้ว",
                   f"Linked {result.applied} people's menus for their roles ({result.calls} calls)")  # fmt: skip
    else:
        report.add("server", "people", "ok", "เมนูของผู้ใช้ทุกคนตรงกับบทบาท",
                   "Everyone's menu matches their role")  # fmt: skip
    return True


async def _queue_new(uow: UnitOfWork, channels: tuple[str, ...]) -> None:
    for channel in channels:
        ids = await uow.menus.never_synced(channel)
        for start in range(0, len(ids), 1000):
            await uow.menus.queue(channel, list(ids[start : start + 1000]))


async def _count_waiting(app: App, channels: tuple[str, ...]) -> int:
    async with app.uow() as uow:
        return await uow.menus.waiting_count(channels)
