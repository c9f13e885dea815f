"""Issue 16, end to end through the real server, the real SDK clients and the fake LINE and
Bot API servers: `sammachip setup` (fresh, twice, --check on a half-configured channel), each
person's menu following their role (link, handover, erasure), rich-menu taps, the loading
animation, quoted answers in groups, edited and unsent LINE messages, and join posters."""

from __future__ import annotations

import asyncio
import io
import json
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import select, update

from bot.channels import line_menus
from bot.menus import MENUS
from bot.services import admin, enrolment
from bot.services.enrolment_codes import CodeKind, display
from bot.setup import run_setup
from bot.storage.models import (
    ChatAccount,
    MenuSync,
    OccupationGroup,
    Officer,
    Person,
    Sale,
    StoredFile,
)
from tests.support.channel_stack import LINE_SECRET, PUBLIC, TELEGRAM_SECRET, Stack
from tests.support.fake_line import group_id, user_id
from tests.support.fake_telegram import scope_key
from tests.support.live_server import until

SALE = "ขายไข่เค็ม 30 ฟอง 300 บาท"


def reachable(stack: Stack) -> None:
    """LINE's webhook test reaches this server (the public URL stands for it)."""
    stack.line.setup.routes[f"{PUBLIC}/webhooks/line"] = f"{stack.server.url}/webhooks/line"
    stack.line.setup.channel_secret = LINE_SECRET


async def set_up(stack: Stack) -> None:
    reachable(stack)
    report = await run_setup(stack.app)
    assert report.ok, report.render()


async def menu_alias(stack: Stack, user: str, alias: str) -> None:
    await until(lambda: stack.line.alias_of(user) == alias, what=f"{user}'s menu to be {alias}")


async def test_setup_on_a_fresh_deployment_is_green_and_a_second_run_changes_nothing(
    stack: Stack,
) -> None:
    reachable(stack)
    first = await run_setup(stack.app)
    assert first.ok, first.render()
    line, telegram = stack.line.setup, stack.telegram
    # LINE: the webhook, every role's rich menu with its picture, aliases, the default.
    assert line.webhook_endpoint == f"{PUBLIC}/webhooks/line"
    assert first.status_of("line", "webhook_test") == "ok"
    designs = line_menus.designs()
    assert sorted(m["name"] for m in line.menus.values()) == sorted(d.name for d in designs)
    assert set(line.images) == set(line.menus)
    assert set(line.aliases) == {d.alias for d in designs}
    assert line.default_menu == line.aliases["sammachip-stranger"]
    for design in designs:  # what LINE holds is what was drawn
        kind, data = line.images[line.aliases[design.alias]]
        assert kind == "image/png" and data == design.image and len(data) < 1024 * 1024
        assert Image.open(io.BytesIO(data)).size in ((2500, 1686), (2500, 843))
    # Telegram: the webhook with its secret and update types, the command lists, the button.
    assert telegram.webhook is not None
    assert telegram.webhook["url"] == f"{PUBLIC}/webhooks/telegram"
    assert telegram.webhook["secret_token"] == TELEGRAM_SECRET
    assert sorted(scope for scope, _ in telegram.commands) == sorted(
        [scope_key(None), scope_key({"type": "all_group_chats"})]
    )
    assert telegram.menu_buttons[""] == {"type": "commands"}
    assert "manual" in {i.status for i in first.items}  # what only people can do is listed
    rendered = first.render()
    assert "ปิดข้อความตอบกลับอัตโนมัติ" in rendered and "auto-reply" in rendered

    line_changes, telegram_calls = stack.line.changes(), len(telegram.calls)
    second = await run_setup(stack.app)
    assert second.ok and second.changed == [], second.render()
    assert [
        c for c in stack.line.changes()[len(line_changes) :] if not c[1].endswith("/test")
    ] == []
    setters = [m for m, _ in telegram.calls[telegram_calls:] if m.startswith(("set", "delete"))]
    assert setters == []


async def test_setup_check_on_a_half_configured_channel_lists_what_is_missing(
    stack: Stack,
) -> None:
    reachable(stack)
    line = stack.line.setup
    line.webhook_endpoint = f"{PUBLIC}/webhooks/line"  # done by hand in the console already
    line.chat_mode = "chat"  # the Official Account Manager's chat mode is still on
    report = await run_setup(stack.app, check=True)
    assert not report.ok
    missing = {(i.platform, i.key) for i in report.problems}
    assert missing >= {
        ("line", "rich_menus"), ("line", "aliases"), ("line", "default_menu"),
        ("line", "chat_mode"), ("telegram", "webhook"), ("telegram", "commands"),
        ("telegram", "menu_button"),
    }  # fmt: skip
    assert report.status_of("line", "webhook") == "ok"
    assert report.status_of("line", "webhook_test") == "ok"
    assert [c for c in stack.line.changes() if not c[1].endswith("/test")] == []  # read only
    assert not any(m.startswith("set") for m, _ in stack.telegram.calls)
    assert "ยังไม่มีริชเมนู 9 แบบ" in report.render()


async def _role_codes(stack: Stack, *kinds: CodeKind) -> list[str]:
    """The group's treasurer and chair have left (the district office unlinked their
    phones), so a new single-use code hands the role on without a handover question."""
    async with stack.app.uow() as uow:
        for name in ("มาลี ศรีสุข", "สมศรี ดวนใหญ่"):
            person = await uow.session.scalar(select(Person).where(Person.name == name))
            assert person is not None
            await enrolment.unlink(
                uow, list(await uow.people.accounts_of(person.id)), stack.app.clock.now()
            )
        found = [
            display(
                await admin.issue_code(
                    uow, kind, stack.ids.egg_group_id, stack.app.clock.now(), stack.app.settings
                )
            )
            for kind in kinds
        ]
        await uow.commit()
    return found


async def test_a_member_who_becomes_treasurer_gets_the_treasurer_menu(stack: Stack) -> None:
    await set_up(stack)
    user = await stack.line_member()
    await menu_alias(stack, user, "sammachip-member")
    code, chair_code = await _role_codes(stack, CodeKind.TREASURER, CodeKind.CHAIR)
    await stack.post_line(
        stack.events.text(f"ลงทะเบียน {code}", user=user, reply_token=stack.line.issue_token(user))
    )
    await menu_alias(stack, user, "sammachip-treasurer")
    # On Telegram the same: a command list for the role, per chat.
    tg = await stack.telegram_member(7001)
    await until(lambda: "sale" in stack.telegram.commands_for(tg), what="member commands")
    assert "meeting" not in stack.telegram.commands_for(tg)
    await stack.post_telegram(stack.updates.message(f"/start {chair_code}", user_id=tg))
    await until(lambda: "meeting" in stack.telegram.commands_for(tg), what="chair commands")
    assert "dividend" not in stack.telegram.commands_for(tg)  # a chair's, not a treasurer's
    await menu_alias(stack, user, "sammachip-treasurer")  # the LINE treasurer keeps theirs


async def test_a_changed_design_moves_people_to_the_new_menu_and_only_our_stale_menus_go(
    stack: Stack,
) -> None:
    await set_up(stack)
    user = await stack.line_member()
    await menu_alias(stack, user, "sammachip-member")
    line = stack.line.setup
    # An older drawing of the member's menu is what LINE holds, and what this person has.
    current = line.aliases["sammachip-member"]
    old = dict(line.menus[current], name="sammachip:member:0123456789ab")
    old_id = "richmenu-" + "e" * 32
    line.menus[old_id] = {**old, "richMenuId": old_id}
    line.images[old_id] = line.images[current]
    line.aliases["sammachip-member"] = old_id
    line.user_menus[user] = old_id
    del line.menus[current], line.images[current]
    foreign_id = "richmenu-" + "f" * 32  # another app's menu on the same channel
    line.menus[foreign_id] = {**old, "richMenuId": foreign_id, "name": "campaign-2026"}
    line.images[foreign_id] = line.images[old_id]
    async with stack.app.uow() as uow:  # as the sync left it: applied with the old menu
        await uow.session.execute(update(MenuSync).values(applied=f"member@{old_id}"))
        await uow.commit()

    check = await run_setup(stack.app, check=True)
    assert {(i.platform, i.key) for i in check.problems} >= {("line", "rich_menus"),
                                                              ("line", "stale_menus")}  # fmt: skip
    report = await run_setup(stack.app)
    assert report.ok, report.render()
    new = line.aliases["sammachip-member"]
    assert new != old_id and line.user_menus[user] == new  # moved to the current drawing
    assert old_id not in line.menus and foreign_id in line.menus  # only our stale menu went


async def test_an_unlinked_person_gets_the_stranger_menu(stack: Stack) -> None:
    await set_up(stack)
    user = await stack.line_member()
    await menu_alias(stack, user, "sammachip-member")
    for text in ("ลบข้อมูลของฉัน", "ยืนยันลบ"):
        await stack.post_line(
            stack.events.text(text, user=user, reply_token=stack.line.issue_token(user))
        )
    await until(lambda: user not in stack.line.setup.user_menus, what="the menu unlinked")
    assert stack.line.alias_of(user) == "sammachip-stranger"  # the default shows
    assert await stack.count(ChatAccount, ChatAccount.external_id == user) == 0
    for _ in range(500):  # the sync marks its work done right after LINE answered
        if await stack.count(MenuSync, MenuSync.external_id == user) == 0:
            break
        await asyncio.sleep(0.01)
    assert await stack.count(MenuSync, MenuSync.external_id == user) == 0  # nothing kept


async def test_menus_are_linked_in_bulk_and_a_stranger_taps_how_to_link(stack: Stack) -> None:
    """People linked before the menus existed get them at set-up, in one bulk call."""
    users = [await stack.line_member() for _ in range(3)]
    for _ in range(500):  # tried, and told to wait: LINE has no menus yet
        if await stack.count(MenuSync, MenuSync.last_error.contains("sammachip setup")) == 3:
            break
        await asyncio.sleep(0.01)
    assert await stack.count(MenuSync, MenuSync.last_error.contains("sammachip setup")) == 3
    assert all(u not in stack.line.setup.user_menus for u in users)
    await set_up(stack)
    assert all(stack.line.alias_of(u) == "sammachip-member" for u in users)
    assert ("POST", "/v2/bot/richmenu/bulk/link") in stack.line.changes()
    stranger = user_id()
    item = MENUS["stranger"][0].items[0]  # วิธีลงทะเบียน
    token = stack.line.issue_token(stranger)
    await stack.post_line(
        stack.events.postback(item.button.message, user=stranger, reply_token=token)
    )
    await until(lambda: any(c.reply_token == token for c in stack.line.delivered))
    [answer] = [c for c in stack.line.delivered if c.reply_token == token]
    assert "ลงทะเบียน" in answer.messages[0]["text"]


async def test_a_tapped_menu_button_does_what_typing_does_and_a_tab_switch_is_silent(
    stack: Stack,
) -> None:
    user = await stack.line_member()
    await stack.post_line(
        stack.events.text(SALE, user=user, reply_token=stack.line.issue_token(user))
    )
    tap = stack.line.issue_token(user)
    await stack.post_line(stack.events.postback("ยกเลิกล่าสุด", user=user, reply_token=tap))
    await until(lambda: any(c.reply_token == tap for c in stack.line.delivered), what="undo")
    person = await stack.person_of("line", user)
    async with stack.app.uow() as uow:
        sale = await uow.session.scalar(select(Sale).where(Sale.recorded_by == person))
    assert sale is not None and sale.withdrawn_at is not None  # undone, as typing it would
    switch = stack.line.issue_token(user)
    before = len(stack.line.delivered)
    response = await stack.post_line(
        stack.events.postback(f"{line_menus.SWITCH_DATA}officer-more", user=user,
                              reply_token=switch, params={"newRichMenuAliasId": "x", "status": "SUCCESS"})
    )  # fmt: skip
    assert response.json()["messages"] == 0
    await stack.settled()
    assert len(stack.line.delivered) == before


async def test_the_loading_animation_shows_in_a_private_chat_when_the_answer_is_slow(
    stack: Stack,
) -> None:
    stack.app.settings.loading_after_seconds = 0.0  # every answer counts as slow here
    user = await stack.line_member()
    stack.line.setup.loading.clear()
    await stack.post_line(
        stack.events.text("สรุป", user=user, reply_token=stack.line.issue_token(user))
    )
    await until(lambda: (user, 20) in stack.line.setup.loading, what="the loading animation")
    group = group_id()
    await stack.post_line(
        stack.events.text("สรุป", user=user, group=group, reply_token=stack.line.issue_token(group))
    )
    await stack.settled()
    assert all(chat == user for chat, _ in stack.line.setup.loading)  # never in a group chat
    stack.app.settings.loading_after_seconds = -1
    stack.line.setup.loading.clear()
    await stack.post_line(
        stack.events.text("สรุป", user=user, reply_token=stack.line.issue_token(user))
    )
    await stack.settled()
    assert stack.line.setup.loading == []
    # Telegram: "typing…" in the same case.
    stack.app.settings.loading_after_seconds = 0.0
    tg = await stack.telegram_member(7002)
    await stack.post_telegram(stack.updates.message("สรุป", user_id=tg))
    await until(lambda: (str(tg), "typing") in stack.telegram.actions, what="typing…")


async def _linked_group(stack: Stack) -> tuple[str, str]:
    group, member = group_id(), await stack.line_member()
    code = await stack.join_code()
    await stack.post_line(stack.events.text(f"เข้ากลุ่ม {code}", user=member, group=group,
                                            reply_token=stack.line.issue_token(group)))  # fmt: skip
    await stack.settled()
    return group, member


async def test_in_a_group_the_receipt_quotes_the_report_and_edits_and_unsends_follow(
    stack: Stack,
) -> None:
    group, member = await _linked_group(stack)
    token = stack.line.issue_token(group)
    report = stack.events.text("ขายไข่เค็ม 10 ฟอง 100 บาท", user=member, group=group,
                               reply_token=token, message_id="700001")  # fmt: skip
    await stack.post_line(report)
    await until(lambda: any(c.reply_token == token for c in stack.line.delivered))
    [answer] = [c for c in stack.line.delivered if c.reply_token == token]
    first = answer.messages[0]
    assert first["type"] == "text" and first["quoteToken"] == report["message"]["quoteToken"]
    assert "100 บาท" in first["text"]

    edit_token = stack.line.issue_token(group)
    await stack.post_line(stack.events.edited(report, "ขายไข่เค็ม 12 ฟอง 120 บาท",
                                              reply_token=edit_token))  # fmt: skip
    await until(lambda: any(c.reply_token == edit_token for c in stack.line.delivered))
    person = await stack.person_of("line", member)
    async with stack.app.uow() as uow:
        sales = list(await uow.session.scalars(select(Sale).where(Sale.recorded_by == person)))
    assert sorted((s.amount, s.withdrawn_at is None) for s in sales) == [
        (Decimal(100), False), (Decimal(120), True)]  # fmt: skip
    [edited] = [c for c in stack.line.delivered if c.reply_token == edit_token]
    assert "แก้ตามข้อความที่แก้ไขแล้ว" in edited.messages[0]["text"]

    await stack.post_line(stack.events.unsend("700001", user=member, group=group))
    await until(lambda: any("ถอนรายการ" in t for t in stack.line.texts(group)), what="the note")
    async with stack.app.uow() as uow:
        left = list(await uow.session.scalars(
            select(Sale).where(Sale.recorded_by == person, Sale.withdrawn_at.is_(None))))  # fmt: skip
    assert left == []


async def test_a_telegram_group_answer_replies_to_the_report(stack: Stack) -> None:
    chat = -1009000001
    member = await stack.telegram_member(7003)
    code = await stack.join_code()
    await stack.post_telegram(stack.updates.message(f"/join {code}", user_id=member, chat_id=chat))
    await stack.settled()
    sale = stack.updates.message("ขายไข่เค็ม 5 ฟอง 50 บาท", user_id=member, chat_id=chat)
    await stack.post_telegram(sale)
    await stack.settled()
    [answer] = [
        m for m in stack.telegram.sent if m.chat_id == str(chat) and "50 บาท" in (m.text or "")
    ]
    quoted = answer.params["reply_parameters"]
    quoted = json.loads(quoted) if isinstance(quoted, str) else quoted
    assert quoted["message_id"] == sale["message"]["message_id"]


async def _line_officer(stack: Stack) -> str:
    user = user_id()
    async with stack.app.uow() as uow:
        officer = await uow.session.scalar(select(Officer).order_by(Officer.id).limit(1))
        assert officer is not None and officer.person_id is not None
        # The officer moves to LINE: the district office unlinks the old account first.
        old = list(await uow.people.accounts_of(officer.person_id))
        await enrolment.unlink(uow, old, stack.app.clock.now())
        code = display(
            await admin.issue_code(
                uow, CodeKind.OFFICER, officer.id, stack.app.clock.now(), stack.app.settings
            )
        )
        await uow.commit()
    for text in (f"ลงทะเบียน {code}", "ยินยอม"):
        await stack.post_line(
            stack.events.text(text, user=user, reply_token=stack.line.issue_token(user))
        )
    await stack.settled()
    return user


async def test_an_officer_gets_a_join_poster_whose_qr_codes_open_the_chats(stack: Stack) -> None:
    from pyzbar.pyzbar import decode

    await set_up(stack)
    officer = await _line_officer(stack)
    await menu_alias(stack, officer, "sammachip-officer")
    token = stack.line.issue_token(officer)
    await stack.post_line(stack.events.text("โปสเตอร์ กลุ่มไข่เค็ม", user=officer, reply_token=token))
    await until(lambda: any(c.reply_token == token for c in stack.line.delivered), what="poster")
    [answer] = [c for c in stack.line.delivered if c.reply_token == token]
    kinds = [m["type"] for m in answer.messages]
    assert kinds == ["text", "text", "image"], answer.messages  # words, the PDF link, the picture
    key = answer.messages[-1]["originalContentUrl"].rsplit("/", 1)[-1]
    async with stack.app.uow() as uow:
        stored = await uow.session.scalar(select(StoredFile).where(StoredFile.key == key))
        group = await uow.session.get(OccupationGroup, stack.ids.egg_group_id)
    assert stored is not None and group is not None
    found = sorted(d.data.decode() for d in decode(Image.open(io.BytesIO(stored.data))))
    basic = stack.line.setup.basic_id
    assert found == sorted([
        f"https://line.me/R/oaMessage/{basic}/?%E0%B9%80%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%81%E0%B8%A5%E0%B8%B8%E0%B9%88%E0%B8%A1%20{display(group.join_code or '')}",
        f"https://t.me/sammachip_test_bot?start={display(group.join_code or '')}",
    ])  # fmt: skip
    assert "/files/" in answer.messages[1]["text"] and ".pdf" in answer.messages[1]["text"]


async def test_a_treasurer_poster_never_goes_into_a_group_chat(stack: Stack) -> None:
    officer = await _line_officer(stack)
    group = group_id()
    token = stack.line.issue_token(group)
    await stack.post_line(stack.events.text("โปสเตอร์เหรัญญิก กลุ่มไข่เค็ม", user=officer,
                                            group=group, reply_token=token, mention_self=None))  # fmt: skip
    await stack.settled()
    sent = [c for c in stack.line.delivered if c.reply_token == token]
    assert all(m["type"] == "text" for c in sent for m in c.messages)
    assert await stack.count(StoredFile, StoredFile.content_type == "application/pdf") == 0


def test_rich_menu_images_go_to_the_data_host_which_a_fake_serves_too(stack: Stack) -> None:
    assert stack.app.settings.line_data_url == stack.line.url


pytestmark = pytest.mark.filterwarnings("error")
