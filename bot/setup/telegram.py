"""Telegram's side of `sammachip setup`: the webhook with its secret token and update types,
the command lists (default, group chats, each person's) and the menu button."""

from __future__ import annotations

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeDefault,
    MenuButtonCommands,
)

from bot.app import App
from bot.channels import telegram_menus
from bot.channels.telegram import ALLOWED_UPDATES
from bot.menus import STRANGER
from bot.setup.report import Report, webhook_url


async def set_up_telegram(app: App, bot: Bot, report: Report) -> bool:
    settings = app.settings
    report.add(
        "telegram", "bot", "info", f"บอท Telegram @{bot.username}", f"Telegram bot @{bot.username}"
    )
    app.addresses.telegram_username = app.addresses.telegram_username or bot.username
    wanted = webhook_url(app, "/webhooks/telegram")
    if wanted is not None:
        await _telegram_webhook(bot, wanted, settings.telegram_webhook_secret, report)
    else:
        report.add("telegram", "webhook", "info",
                   "ไม่มีที่อยู่ https: ใช้ sammachip poll รับข้อความแทน webhook",
                   "No https address: run `sammachip poll` instead of webhooks")  # fmt: skip
    changed = await _telegram_commands(bot, report)
    button = await bot.get_chat_menu_button()
    if button.type == "commands":
        report.add("telegram", "menu_button", "ok", "ปุ่มเมนูในแชตเปิดรายการคำสั่ง",
                   "The chat's menu button opens the command list")  # fmt: skip
    elif report.check:
        report.add("telegram", "menu_button", "missing", "ปุ่มเมนูยังไม่ได้ตั้งให้เปิดรายการคำสั่ง",
                   "The menu button does not open the command list yet")  # fmt: skip
    else:
        await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
        report.add("telegram", "menu_button", "changed", "ตั้งปุ่มเมนูให้เปิดรายการคำสั่งแล้ว",
                   "Set the menu button to open the command list")  # fmt: skip
    report.add("telegram", "privacy", "manual",
               "ใน @BotFather: /setprivacy → Disable เพื่อให้บอทอ่านรายงานในกลุ่มแชตได้",
               "In @BotFather: /setprivacy → Disable, so the bot reads reports in group chats")  # fmt: skip
    return changed


async def _telegram_webhook(bot: Bot, wanted: str, secret: str | None, report: Report) -> None:
    if not secret:
        report.add("telegram", "webhook", "missing",
                   "ยังไม่ได้ตั้ง TELEGRAM_WEBHOOK_SECRET (webhook ที่ไม่มีรหัสลับจะถูกปฏิเสธ)",
                   "TELEGRAM_WEBHOOK_SECRET is not set (webhooks without it are refused)")  # fmt: skip
        return
    info = await bot.get_webhook_info()
    allowed = sorted(info.allowed_updates or ())
    refused = bool(info.last_error_message and "403" in info.last_error_message)
    current = info.url == wanted and allowed == sorted(ALLOWED_UPDATES) and not refused
    if current:
        report.add("telegram", "webhook", "ok", f"Webhook ของ Telegram คือ {wanted}",
                   f"Telegram webhook is {wanted} (message, edited_message, callback_query, my_chat_member)")  # fmt: skip
    elif report.check:
        report.add("telegram", "webhook", "missing", f"ยังไม่ได้ตั้ง Webhook ของ Telegram เป็น {wanted}",
                   f"Telegram webhook is not {wanted} with the bot's update types "
                   f"(now: {info.url or 'unset'})")  # fmt: skip
        return
    else:
        await bot.set_webhook(wanted, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))
        info = await bot.get_webhook_info()
        report.add("telegram", "webhook", "changed",
                   f"ตั้ง Webhook ของ Telegram เป็น {wanted} พร้อมรหัสลับแล้ว",
                   f"Set the Telegram webhook to {wanted} with the secret token")  # fmt: skip
    if info.last_error_message:
        report.add("telegram", "webhook_errors", "failed",
                   f"Telegram ส่ง webhook ไม่สำเร็จล่าสุด: {info.last_error_message}",
                   f"Telegram's last webhook error: {info.last_error_message}")  # fmt: skip
    if info.pending_update_count:
        report.add("telegram", "pending", "info", f"มีข้อความรอส่งเข้ามา {info.pending_update_count} รายการ",
                   f"{info.pending_update_count} updates waiting to be delivered")  # fmt: skip


async def _telegram_commands(bot: Bot, report: Report) -> bool:
    wanted = {
        "default": (BotCommandScopeDefault(), telegram_menus.command_list(STRANGER)),
        "groups": (BotCommandScopeAllGroupChats(), telegram_menus.group_list()),
    }
    stale: list[str] = []
    for name, (scope, commands) in wanted.items():
        have = await bot.get_my_commands(scope=scope)
        if _pairs(have) != _pairs(commands):
            stale.append(name)
            if not report.check:
                await bot.set_my_commands(commands, scope=scope)
    if not stale:
        report.add("telegram", "commands", "ok", "รายการคำสั่งเริ่มต้นและของกลุ่มแชตถูกต้อง",
                   "The default and group-chat command lists are current")  # fmt: skip
    elif report.check:
        report.add("telegram", "commands", "missing", f"รายการคำสั่งยังไม่ได้ตั้ง: {', '.join(stale)}",
                   f"Command lists not set: {', '.join(stale)}")  # fmt: skip
    else:
        report.add("telegram", "commands", "changed", f"ตั้งรายการคำสั่ง ({', '.join(stale)}) แล้ว",
                   f"Set the command lists ({', '.join(stale)})")  # fmt: skip
    return bool(stale)


def _pairs(commands: object) -> list[tuple[str, str]]:
    return [(c.command, c.description) for c in commands if isinstance(c, BotCommand)]  # type: ignore[attr-defined]
