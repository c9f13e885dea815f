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
from dataclasses import dataclass, field
from typing import Literal

from linebot.v3.messaging import (
    ApiException,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    SetWebhookEndpointRequest,
    TestWebhookEndpointRequest,
)
from sqlalchemy import func, or_, select
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeDefault,
    MenuButtonCommands,
)

from bot.app import App
from bot.channels import line_menus, telegram_menus
from bot.channels.telegram import ALLOWED_UPDATES
from bot.menus import STRANGER
from bot.services import menus as menu_service
from bot.storage.models import ChatAccount, MenuSync
from bot.storage.unit_of_work import UnitOfWork
from bot.web.runtime import Channels
from scheduler.menu_sync import MenuSyncer, settle

log = logging.getLogger(__name__)

Status = Literal["ok", "changed", "missing", "failed", "manual", "info"]
MARKS: dict[Status, str] = {"ok": "✅", "changed": "🔧", "missing": "❌", "failed": "❌",
                            "manual": "📝", "info": "ℹ️"}  # fmt: skip
QUOTA_WARN = 0.8


@dataclass(frozen=True, slots=True)
class Item:
    platform: str  # server | line | telegram
    key: str
    status: Status
    thai: str
    english: str


@dataclass
class Report:
    check: bool
    items: list[Item] = field(default_factory=list)

    def add(self, platform: str, key: str, status: Status, thai: str, english: str) -> None:
        self.items.append(Item(platform, key, status, thai, english))

    @property
    def changed(self) -> list[Item]:
        return [i for i in self.items if i.status == "changed"]

    @property
    def problems(self) -> list[Item]:
        return [i for i in self.items if i.status in ("missing", "failed")]

    @property
    def ok(self) -> bool:
        return not self.problems

    def status_of(self, platform: str, key: str) -> Status | None:
        return next((i.status for i in self.items if (i.platform, i.key) == (platform, key)), None)

    def render(self) -> str:
        title = "ตรวจการตั้งค่า (sammachip setup --check)" if self.check else "ตั้งค่า (sammachip setup)"
        lines = [title, ""]
        for platform, heading in (("server", "เซิร์ฟเวอร์ / Server"), ("line", "LINE"),
                                  ("telegram", "Telegram")):  # fmt: skip
            items = [i for i in self.items if i.platform == platform]
            if not items:
                continue
            lines.append(f"— {heading} —")
            for item in items:
                lines.append(f"{MARKS[item.status]} {item.thai}")
                lines.append(f"   {item.english}")
            lines.append("")
        left = [i for i in self.items if i.status in ("missing", "failed", "manual")]
        done = sum(1 for i in self.items if i.status in ("ok", "changed"))
        lines.append(f"เรียบร้อย {done} รายการ · เหลือ {len(left)} รายการ "
                     f"(done {done} · left {len(left)})")  # fmt: skip
        if self.check and self.problems:
            lines.append("รัน sammachip setup เพื่อแก้รายการที่ขาด (run `sammachip setup` to fix them)")
        return "\n".join(lines)


def _webhook(app: App, path: str) -> str | None:
    base = (app.settings.public_base_url or "").rstrip("/")
    return f"{base}{path}" if base.startswith("https://") else None


async def run_setup(app: App, *, check: bool = False) -> Report:
    report = Report(check)
    settings = app.settings
    if not (settings.line_enabled or settings.telegram_enabled):
        report.add("server", "channels", "missing",
                   "ยังไม่ได้ตั้งค่า LINE หรือ Telegram (ใส่ค่าใน .env ตาม docs/channels.md)",
                   "Neither LINE nor Telegram is configured (set them in .env, docs/channels.md)")  # fmt: skip
        return report
    if _webhook(app, "") is None:
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
            relink, stale = await _line(app, channels, report)
        if channels.telegram is not None:
            syncer.register("telegram", channels.telegram.menus)
            relink |= await _telegram(app, channels.telegram.bot, report)
        people_done = await _people(app, syncer, report, relink=relink)
        if people_done and stale and channels.line is not None:
            await _delete_stale(channels.line.api, stale)  # nobody is on them any more
    finally:
        await channels.close(app)
    return report


# --- LINE ---------------------------------------------------------------------------------


async def _line(app: App, channels: Channels, report: Report) -> tuple[bool, list[str]]:
    """(menus were created, this bot's stale rich menus to delete once people moved off)."""
    assert channels.line is not None and channels.line.blob is not None
    api, blob = channels.line.api, channels.line.blob
    try:
        info = await api.get_bot_info()
    except ApiException as error:
        report.add("line", "token", "failed",
                   f"LINE ไม่รับ channel access token ({error.status}) ตรวจ LINE_CHANNEL_ACCESS_TOKEN",
                   f"LINE refused the channel access token ({error.status}): check it")  # fmt: skip
        return False, []
    report.add("line", "bot", "info", f"บัญชี LINE OA {info.basic_id} ({info.display_name})",
               f"LINE Official Account {info.basic_id} ({info.display_name})")  # fmt: skip
    app.addresses.line_basic_id = app.addresses.line_basic_id or info.basic_id
    await _line_webhook(app, api, report)
    if str(getattr(info.chat_mode, "value", info.chat_mode)) == "chat":
        report.add("line", "chat_mode", "missing",
                   "บัญชีอยู่ในโหมดแชต: ใน LINE Official Account Manager > ตั้งค่าการตอบกลับ "
                   "ให้เปิด Webhook และเลือกโหมดบอท",
                   "The account is in chat mode: in LINE Official Account Manager > Response "
                   "settings, turn Webhooks on (bot mode)")  # fmt: skip
    report.add("line", "auto_reply", "manual",
               "ปิดข้อความตอบกลับอัตโนมัติและข้อความทักทาย ใน LINE Official Account Manager "
               "(บอทตอบเองทุกข้อความ) และอนุญาตให้บัญชีเข้าร่วมกลุ่มแชตได้",
               "Turn off auto-reply and greeting messages in LINE Official Account Manager (the "
               "bot answers itself) and allow the account to join group chats")  # fmt: skip
    relink, stale = await _rich_menus(api, blob, report)
    await _quota(api, report)
    return relink, stale


async def _line_webhook(app: App, api: AsyncMessagingApi, report: Report) -> None:
    wanted = _webhook(app, "/webhooks/line")
    if wanted is None:
        return
    try:
        current = await api.get_webhook_endpoint()
        endpoint, active = current.endpoint, bool(current.active)
    except ApiException as error:
        if error.status != 404:
            raise
        endpoint, active = None, False
    if endpoint == wanted:
        report.add("line", "webhook", "ok", f"Webhook URL ของ LINE คือ {wanted}",
                   f"LINE webhook URL is {wanted}")  # fmt: skip
    elif report.check:
        report.add("line", "webhook", "missing", f"ยังไม่ได้ตั้ง Webhook URL ของ LINE เป็น {wanted}",
                   f"LINE webhook URL is not {wanted} (now: {endpoint or 'unset'})")  # fmt: skip
        return
    else:
        await api.set_webhook_endpoint(SetWebhookEndpointRequest(endpoint=wanted))
        report.add("line", "webhook", "changed", f"ตั้ง Webhook URL ของ LINE เป็น {wanted} แล้ว",
                   f"Set the LINE webhook URL to {wanted}")  # fmt: skip
    tested = await api.test_webhook_endpoint(TestWebhookEndpointRequest(endpoint=wanted))
    if tested.success:
        report.add("line", "webhook_test", "ok", "LINE ทดสอบ Webhook แล้ว บอทตอบ 200",
                   "LINE tested the webhook: the bot answered 200")  # fmt: skip
    else:
        report.add("line", "webhook_test", "failed",
                   f"LINE ทดสอบ Webhook ไม่ผ่าน ({tested.status_code} {tested.reason}): "
                   "ตรวจว่า sammachip serve ทำงานอยู่และเข้าถึงได้ทาง https",
                   f"LINE's webhook test failed ({tested.status_code} {tested.reason} "
                   f"{tested.detail}): is `sammachip serve` running and reachable over https?")  # fmt: skip
    if not active:
        report.add("line", "use_webhook", "manual",
                   "เปิด Use webhook ในแท็บ Messaging API ของ LINE Developers console",
                   "Turn on \"Use webhook\" in the LINE Developers console, Messaging API tab")  # fmt: skip


async def _rich_menus(
    api: AsyncMessagingApi, blob: AsyncMessagingApiBlob, report: Report
) -> tuple[bool, list[str]]:
    """Creates what changed and points the aliases and the default at the current menus.
    Returns whether a menu was created (people need relinking) and this bot's stale menus."""
    state = await line_menus.read_state(api)
    ids = line_menus.current_ids(state)
    for design in line_menus.designs():  # a menu whose image never arrived is no menu
        menu_id = ids.get(design.name)
        if menu_id is not None and not await _has_image(blob, menu_id):
            ids.pop(design.name)
            state.menus.pop(menu_id, None)
            if not report.check:
                await api.delete_rich_menu(menu_id)
    missing = [d for d in line_menus.designs() if d.name not in ids]
    created = False
    if missing and report.check:
        report.add("line", "rich_menus", "missing",
                   f"ยังไม่มีริชเมนู {len(missing)} แบบ: {', '.join(d.menu.key for d in missing)}",
                   f"{len(missing)} rich menus missing: {', '.join(d.menu.key for d in missing)}")  # fmt: skip
    elif missing:
        for design in missing:
            ids[design.name] = await line_menus.create(api, blob, design)
        created = True
        report.add("line", "rich_menus", "changed",
                   f"สร้างริชเมนู {len(missing)} แบบ (ภาพวาดจากคำในตารางคำสั่ง)",
                   f"Created {len(missing)} rich menus (images drawn from the wording table)")  # fmt: skip
    else:
        report.add("line", "rich_menus", "ok",
                   f"ริชเมนูครบ {len(ids)} แบบ ตามบทบาท (คนทั่วไป สมาชิก ประธาน เหรัญญิก ครัวเรือน "
                   "วิทยากร พัฒนากร)",
                   f"All {len(ids)} rich menus are current (one per role, two tabs for officers)")  # fmt: skip
    wrong = [d for d in line_menus.designs()
             if d.name not in ids or state.aliases.get(d.alias) != ids[d.name]]  # fmt: skip
    if wrong and report.check:
        report.add("line", "aliases", "missing",
                   f"alias ของริชเมนูยังไม่ถูกต้อง {len(wrong)} รายการ",
                   f"{len(wrong)} rich menu aliases missing or stale")  # fmt: skip
    elif wrong:
        for design in wrong:
            await line_menus.point_alias(api, design.alias, ids[design.name],
                                         exists=design.alias in state.aliases)  # fmt: skip
        report.add("line", "aliases", "changed", f"ตั้ง alias ของริชเมนู {len(wrong)} รายการ",
                   f"Pointed {len(wrong)} rich menu aliases at the current menus")  # fmt: skip
    else:
        report.add("line", "aliases", "ok", "alias ของริชเมนูถูกต้อง (ใช้สลับแท็บของพัฒนากร)",
                   "Rich menu aliases are current (they switch the officer's tabs)")  # fmt: skip
    stranger = next(d for d in line_menus.designs() if d.menu.role == STRANGER)
    default = ids.get(stranger.name)
    if state.default == default and default is not None:
        report.add("line", "default_menu", "ok", "เมนูเริ่มต้นคือเมนูสำหรับคนที่ยังไม่ลงทะเบียน",
                   "The default rich menu is the stranger's")  # fmt: skip
    elif report.check:
        report.add("line", "default_menu", "missing", "ยังไม่ได้ตั้งเมนูเริ่มต้น (เมนูคนทั่วไป)",
                   "The default rich menu is not the stranger's")  # fmt: skip
    else:
        assert default is not None
        await api.set_default_rich_menu(default)
        report.add("line", "default_menu", "changed", "ตั้งเมนูเริ่มต้น (เมนูคนทั่วไป) แล้ว",
                   "Set the default rich menu (the stranger's)")  # fmt: skip
    stale = [menu_id for menu_id in state.menus if menu_id not in ids.values()]
    if stale:
        report.add("line", "stale_menus", "missing" if report.check else "changed",
                   f"ริชเมนูเก่าของบอท {len(stale)} แบบ" + ("" if report.check else " ลบแล้ว"),
                   f"{len(stale)} stale rich menus of this bot" + ("" if report.check else " deleted"))  # fmt: skip
    return created, stale


async def _has_image(blob: AsyncMessagingApiBlob, menu_id: str) -> bool:
    try:
        await blob.get_rich_menu_image(menu_id)
    except ApiException as error:
        if error.status == 404:
            return False
        raise
    return True


async def _delete_stale(api: AsyncMessagingApi, stale: list[str]) -> None:
    for menu_id in stale:
        try:
            await api.delete_rich_menu(menu_id)
        except ApiException as error:
            if error.status != 404:
                raise


async def _quota(api: AsyncMessagingApi, report: Report) -> None:
    quota = await api.get_message_quota()
    used = (await api.get_message_quota_consumption()).total_usage
    kind = str(getattr(quota.type, "value", quota.type))
    if kind == "none" or quota.value is None:
        report.add("line", "quota", "info", f"ส่ง push เดือนนี้แล้ว {used} ข้อความ (ไม่จำกัด)",
                   f"{used} push messages this month (no limit)")  # fmt: skip
        return
    status: Status = "missing" if used >= quota.value * QUOTA_WARN else "info"
    report.add("line", "quota", status,
               f"โควตาข้อความเดือนนี้: ใช้ไป {used} จาก {quota.value} ข้อความ"
               + (" (ใกล้หมด: อัปเกรดแพ็กเกจหรือรอเดือนหน้า)" if status != "info" else ""),
               f"Message quota this month: {used} of {quota.value} used"
               + (" (nearly used up)" if status != "info" else ""))  # fmt: skip


# --- Telegram -----------------------------------------------------------------------------


async def _telegram(app: App, bot: Bot, report: Report) -> bool:
    settings = app.settings
    report.add(
        "telegram", "bot", "info", f"บอท Telegram @{bot.username}", f"Telegram bot @{bot.username}"
    )
    app.addresses.telegram_username = app.addresses.telegram_username or bot.username
    wanted = _webhook(app, "/webhooks/telegram")
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
        known = select(MenuSync.external_id).where(MenuSync.channel == channel)
        ids = (
            await uow.session.scalars(
                select(ChatAccount.external_id).where(
                    ChatAccount.channel == channel, ChatAccount.external_id.not_in(known)
                )
            )
        ).all()
        for start in range(0, len(ids), 1000):
            await uow.menus.queue(channel, list(ids[start : start + 1000]))


async def _count_waiting(app: App, channels: tuple[str, ...]) -> int:
    async with app.uow() as uow:
        known = select(MenuSync.external_id).where(MenuSync.channel == ChatAccount.channel)
        never = await uow.session.scalar(
            select(func.count())
            .select_from(ChatAccount)
            .where(ChatAccount.channel.in_(channels), ChatAccount.external_id.not_in(known))
        )
        pending = await uow.session.scalar(
            select(func.count())
            .select_from(MenuSync)
            .where(
                MenuSync.channel.in_(channels),
                or_(MenuSync.pending.is_(True), MenuSync.last_error.is_not(None)),
            )
        )
    return int(never or 0) + int(pending or 0)
