"""Telegram updates → channel-free messages: the secret-token header, private and group chats,
mentions, edits, button taps and the bot being blocked, added or removed."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot

from bot.channels.base import WebhookRejected
from bot.channels.telegram import TelegramAdapter
from tests.support.fake_telegram import BOT_ID, BOT_USERNAME, FakeTelegram, TelegramUpdates

SECRET = "s3cret-token_for-webhooks"
GROUP = -1001234567890
ALICE, BOB = 501, 502


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url) as running:
        yield running


@pytest.fixture
def adapter(bot: Bot) -> TelegramAdapter:
    return TelegramAdapter(bot, bot_id=BOT_ID, username=BOT_USERNAME, webhook_secret=SECRET)


@pytest.fixture
def updates() -> TelegramUpdates:
    return TelegramUpdates()


def body(update: dict[str, object]) -> bytes:
    return json.dumps(update, ensure_ascii=False).encode()


def test_the_secret_token_must_match(adapter: TelegramAdapter, updates: TelegramUpdates) -> None:
    update = body(updates.message("ขายไข่ 10 ฟอง 50 บาท", user_id=ALICE))
    for secret in (None, "", "wrong", SECRET + "x", SECRET.upper()):
        with pytest.raises(WebhookRejected) as refused:
            adapter.parse(update, secret)
        assert refused.value.status == 403
    assert len(adapter.parse(update, SECRET).messages) == 1


def test_without_a_configured_secret_webhooks_are_refused(
    bot: Bot, updates: TelegramUpdates
) -> None:
    open_adapter = TelegramAdapter(bot, bot_id=BOT_ID, username=BOT_USERNAME, webhook_secret=None)
    with pytest.raises(WebhookRejected) as refused:
        open_adapter.parse(body(updates.message("สวัสดี", user_id=ALICE)), "")
    assert refused.value.status == 403


def test_a_body_that_is_not_an_update_is_refused(adapter: TelegramAdapter) -> None:
    for raw in (b"nope", b"[]", b'{"message": {}}', b'{"update_id": "7"}'):
        with pytest.raises(WebhookRejected) as refused:
            adapter.parse(raw, SECRET)
        assert refused.value.status == 400


def test_a_private_text(adapter: TelegramAdapter, updates: TelegramUpdates) -> None:
    update = updates.message("ขายไข่เค็ม 30 ฟอง 300 บาท", user_id=ALICE, message_id=77)
    [message] = adapter.parse(body(update), SECRET).messages
    assert (message.channel, message.kind, message.text) == (
        "telegram",
        "text",
        "ขายไข่เค็ม 30 ฟอง 300 บาท",
    )
    assert (message.sender_id, message.chat_id, message.is_group) == (str(ALICE), str(ALICE), False)
    assert message.message_id == "77" and message.source_ref == f"telegram:{ALICE}:77"
    assert message.event_id is not None and message.event_id.startswith(str(update["update_id"]))
    assert message.display_name == "บุญมี ใจงาม"


def test_in_a_group_mentions_and_replies_address_the_bot(
    adapter: TelegramAdapter, updates: TelegramUpdates
) -> None:
    chatter = adapter.parse(
        body(updates.message("ไปตลาดกันไหม", user_id=ALICE, chat_id=GROUP)), SECRET
    )
    mention = adapter.parse(
        body(updates.mention("ขายไข่เค็ม 5 ฟอง 50 บาท", user_id=BOB, chat_id=GROUP)), SECRET
    )
    replying = adapter.parse(
        body(updates.message("แก้เป็น 6 ฟอง", user_id=BOB, chat_id=GROUP, reply_to_bot=True)), SECRET
    )
    command = adapter.parse(
        body(updates.message(f"/report@{BOT_USERNAME}", user_id=BOB, chat_id=GROUP)), SECRET
    )
    [plain], [mentioned], [replied], [commanded] = (
        chatter.messages, mention.messages, replying.messages, command.messages,
    )  # fmt: skip
    assert plain.is_group and not plain.addressed and plain.chat_id == str(GROUP)
    assert mentioned.addressed and mentioned.text == "ขายไข่เค็ม 5 ฟอง 50 บาท"
    assert mentioned.sender_id == str(BOB)
    assert replied.addressed and commanded.addressed


def test_an_edit_is_an_edit_of_the_same_message(
    adapter: TelegramAdapter, updates: TelegramUpdates
) -> None:
    original = updates.message("ขายไข่ 10 ฟอง 50 บาท", user_id=ALICE, message_id=5)
    first = adapter.parse(body(original), SECRET).messages[0]
    edited = adapter.parse(body(updates.edited(original, "ขายไข่ 12 ฟอง 60 บาท")), SECRET).messages[
        0
    ]
    assert edited.kind == "edit" and edited.text == "ขายไข่ 12 ฟอง 60 บาท"
    assert edited.source_ref == first.source_ref
    assert edited.event_id != first.event_id


async def test_a_button_tap_is_a_postback_answered_after_commit(
    adapter: TelegramAdapter, updates: TelegramUpdates, fake: FakeTelegram
) -> None:
    update = updates.callback("ยืนยัน", user_id=BOB, chat_id=GROUP)
    inbound = adapter.parse(body(update), SECRET)
    [message] = inbound.messages
    assert (message.kind, message.text, message.sender_id, message.chat_id, message.is_group) == (
        "postback", "ยืนยัน", str(BOB), str(GROUP), True,
    )  # fmt: skip
    assert fake.answered == []  # nothing is answered before the core has committed
    for ack in inbound.acks:
        await ack()
    assert fake.answered == [update["callback_query"]["id"]]


def test_being_blocked_added_and_removed(
    adapter: TelegramAdapter, updates: TelegramUpdates
) -> None:
    def kind(update: dict[str, object]) -> str | None:
        found = adapter.parse(body(update), SECRET).messages
        return found[0].kind if found else None

    assert (
        kind(updates.my_chat_member(chat_id=ALICE, user_id=ALICE, old="member", new="kicked"))
        == "unfollow"
    )
    assert (
        kind(updates.my_chat_member(chat_id=ALICE, user_id=ALICE, old="kicked", new="member"))
        is None
    )
    assert (
        kind(updates.my_chat_member(chat_id=GROUP, user_id=BOB, old="left", new="member")) == "join"
    )
    assert (
        kind(updates.my_chat_member(chat_id=GROUP, user_id=BOB, old="member", new="administrator"))
        is None
    )
    assert (
        kind(updates.my_chat_member(chat_id=GROUP, user_id=BOB, old="administrator", new="left"))
        == "leave"
    )


def test_other_updates_are_skipped_and_logged(
    adapter: TelegramAdapter, updates: TelegramUpdates, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.channels.telegram")
    sticker = adapter.parse(body(updates.sticker(user_id=ALICE)), SECRET)
    poll = adapter.parse(body({"update_id": 99, "poll": {"id": "1", "question": "?", "options": [],
                                                         "total_voter_count": 0, "is_closed": False,
                                                         "is_anonymous": True, "type": "regular",
                                                         "allows_multiple_answers": False}}), SECRET)  # fmt: skip
    unreadable = adapter.parse(
        body({"update_id": 100, "message": {"text": "no chat, no date"}}), SECRET
    )
    assert sticker.messages == [] and poll.messages == [] and unreadable.messages == []
    assert unreadable.skipped == ["100"]  # acknowledged, so Telegram does not redeliver it forever
    assert "not a text message" in caplog.text and "could not be read" in caplog.text
