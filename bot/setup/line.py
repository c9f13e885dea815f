"""LINE's side of `sammachip setup`: the webhook (set, then LINE's own test of it), the rich
menus and their aliases, the default menu, the bot's basic id and the month's quota."""

from __future__ import annotations

from linebot.v3.messaging import (
    ApiException,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    SetWebhookEndpointRequest,
    TestWebhookEndpointRequest,
)

from bot.app import App
from bot.channels import line_menus
from bot.menus import STRANGER
from bot.setup.report import Report, Status, webhook_url
from bot.web.runtime import Channels

QUOTA_WARN = 0.8


async def set_up_line(app: App, channels: Channels, report: Report) -> tuple[bool, list[str]]:
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
    wanted = webhook_url(app, "/webhooks/line")
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
    await _aliases_and_default(api, state, ids, report)
    stale = [menu_id for menu_id in state.menus if menu_id not in ids.values()]
    if stale:
        report.add("line", "stale_menus", "missing" if report.check else "changed",
                   f"ริชเมนูเก่าของบอท {len(stale)} แบบ" + ("" if report.check else " ลบแล้ว"),
                   f"{len(stale)} stale rich menus of this bot" + ("" if report.check else " deleted"))  # fmt: skip
    return created, stale


async def _aliases_and_default(
    api: AsyncMessagingApi, state: line_menus.MenuState, ids: dict[str, str], report: Report
) -> None:
    """Points each alias (the officer's tabs) and the default (the stranger's) at the current
    menus."""
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


async def _has_image(blob: AsyncMessagingApiBlob, menu_id: str) -> bool:
    try:
        await blob.get_rich_menu_image(menu_id)
    except ApiException as error:
        if error.status == 404:
            return False
        raise
    return True


async def delete_stale(api: AsyncMessagingApi, stale: list[str]) -> None:
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
