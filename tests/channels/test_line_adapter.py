"""LINE webhooks → channel-free messages: signature, sources, every event type we handle, and
the ones we skip on purpose (logged, never an error)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.channels.base import Inbound, WebhookRejected
from bot.channels.line import LineAdapter
from tests.support.fake_line import LineEvents, group_id, room_id, sign, signed, user_id

SECRET = "a-line-channel-secret"


@pytest.fixture
def adapter() -> LineAdapter:
    return LineAdapter(SECRET)


@pytest.fixture
def events() -> LineEvents:
    return LineEvents()


def parse(adapter: LineAdapter, *events: dict[str, Any]) -> Inbound:
    body, signature = signed(list(events), SECRET)
    return adapter.parse(body, signature)


def test_a_bad_or_missing_signature_is_refused(adapter: LineAdapter, events: LineEvents) -> None:
    body, good = signed(
        [events.text("ขายไข่ 10 ฟอง 50 บาท", user=user_id(), reply_token="t")], SECRET
    )
    for signature in (None, "", sign(body, "another-secret"), good[:-4] + "AAAA"):
        with pytest.raises(WebhookRejected) as refused:
            adapter.parse(body, signature)
        assert refused.value.status == 400
    tampered = body.replace("ขายไข่ 10".encode(), "ขายไข่ 99".encode())
    with pytest.raises(WebhookRejected):
        adapter.parse(tampered, good)


def test_a_private_text_becomes_one_message(adapter: LineAdapter, events: LineEvents) -> None:
    user = user_id()
    event = events.text("ขายไข่เค็ม 30 ฟอง 300 บาท", user=user, reply_token="rt-1", message_id="42")
    [message] = parse(adapter, event).messages
    assert (message.channel, message.kind, message.text) == (
        "line",
        "text",
        "ขายไข่เค็ม 30 ฟอง 300 บาท",
    )
    assert (message.sender_id, message.chat_id, message.is_group) == (user, user, False)
    assert message.event_id == event["webhookEventId"]
    assert (message.message_id, message.reply_token) == ("42", "rt-1")
    assert message.source_ref == f"line:{user}:42"
    assert message.sent_at is not None


def test_in_a_group_or_room_the_person_is_the_events_user(
    adapter: LineAdapter, events: LineEvents
) -> None:
    user, group, room = user_id(), group_id(), room_id()
    in_group = parse(
        adapter, events.text("สวัสดี", user=user, reply_token="a", group=group)
    ).messages[0]
    in_room = parse(adapter, events.text("สวัสดี", user=user, reply_token="b", room=room)).messages[0]
    assert (in_group.sender_id, in_group.chat_id, in_group.is_group) == (user, group, True)
    assert (in_room.sender_id, in_room.chat_id, in_room.is_group) == (user, room, True)
    assert not in_group.addressed


def test_a_mention_of_the_bot_addresses_it_and_is_cut_from_the_text(
    adapter: LineAdapter, events: LineEvents
) -> None:
    handle = "@ผู้ช่วยสัมมาชีพ"
    text = f"{handle} ขายไข่เค็ม 5 ฟอง 50 บาท"
    event = events.text(
        text, user=user_id(), reply_token="t", group=group_id(), mention_self=(0, len(handle))
    )
    [message] = parse(adapter, event).messages
    assert message.addressed
    assert message.text == "ขายไข่เค็ม 5 ฟอง 50 บาท"


def test_platform_events_map_to_their_kinds(adapter: LineAdapter, events: LineEvents) -> None:
    user, group = user_id(), group_id()
    found = parse(
        adapter,
        events.follow(user=user, reply_token="f"),
        events.unfollow(user=user),
        events.join(group=group, reply_token="j"),
        events.leave(group=group),
        events.postback("ยืนยัน", user=user, reply_token="p"),
        events.unsend("777", user=user),
    ).messages
    assert [m.kind for m in found] == ["follow", "unfollow", "join", "leave", "postback", "unsend"]
    follow, unfollow, join, leave, postback, unsend = found
    assert follow.reply_token == "f" and follow.sender_id == user
    assert unfollow.sender_id == user and unfollow.reply_token is None
    assert (join.chat_id, join.is_group, join.reply_token) == (group, True, "j")
    assert (leave.chat_id, leave.kind) == (group, "leave")
    assert (postback.text, postback.reply_token) == ("ยืนยัน", "p")
    assert unsend.message_id == "777" and unsend.source_ref == f"line:{user}:777"


def test_other_events_are_skipped_by_name_and_logged(
    adapter: LineAdapter, events: LineEvents, caplog: pytest.LogCaptureFixture
) -> None:
    user, group = user_id(), group_id()
    caplog.set_level(logging.INFO, logger="bot.channels.line")
    result = parse(
        adapter,
        events.sticker(user=user, reply_token="s"),
        events.member_joined(group=group, user=user, reply_token="m"),
        events.unknown("somethingNew", user=user),
        events.text("ในโหมด standby", user=user, reply_token="x", mode="standby"),
        events.text("ขายไข่ 1 ฟอง 5 บาท", user=user, reply_token="ok"),
    )
    assert [m.text for m in result.messages] == ["ขายไข่ 1 ฟอง 5 บาท"]
    assert result.skipped == ["message", "memberJoined", "somethingNew", "message"]
    logged = caplog.text
    assert "sticker" in logged and "memberJoined" in logged and "somethingNew" in logged
    assert "standby" in logged


def test_a_group_message_without_a_user_id_is_skipped(
    adapter: LineAdapter, events: LineEvents
) -> None:
    event = events.text("สวัสดี", user=None, reply_token="t", group=group_id())
    assert parse(adapter, event).messages == []


def test_a_body_that_is_not_a_webhook_is_refused(adapter: LineAdapter) -> None:
    for body in (b"not json", json.dumps({"nothing": []}).encode(), b"\xff\xfe"):
        with pytest.raises(WebhookRejected) as refused:
            adapter.parse(body, sign(body, SECRET))
        assert refused.value.status == 400
