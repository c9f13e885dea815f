"""What every channel promises, asserted the same way for LINE and Telegram: each opened the
way the runtime opens it (its registry entry, `bot/channels/registry.py`), through the real SDK
against the local fake platform (`tests/support/`). A new channel gets a `Platform` here and
passes the same tests. What only one platform does (LINE's five-message cap, reply tokens
used once; Telegram's keyboards and uploads) stays in its own test module."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol

import pytest

from bot.channels import registry
from bot.channels.base import (
    FileData,
    Outgoing,
    Retryable,
    Throttled,
    WebhookRejected,
    utf16_len,
)
from bot.channels.registry import ChannelSpec, OpenChannel
from bot.config import Settings
from bot.messages import REPLY_LIMITS, Card, CardField, CardSection, QuickReply, Reply
from tests.support.fake_line import FakeLine, LineEvents, flex_text, signed, user_id
from tests.support.fake_telegram import FakeTelegram, TelegramUpdates, read_html

SECRET = "contract-secret_0123456789"
PUBLIC = "https://bot.example.test"
ALICE = 501


async def no_files(key: str) -> FileData | None:
    return None


class Platform(Protocol):
    """One platform's fake, seen the same way whatever the platform."""

    spec: ChannelSpec

    def settings(self) -> Settings: ...
    def person(self) -> str: ...  # a person's one-to-one chat id
    def webhook(self, text: str, chat: str) -> tuple[bytes, str]: ...  # body, proof header
    def unknown_event(self, chat: str) -> tuple[bytes, str]: ...
    def reply_token(self, chat: str) -> str | None: ...  # a fresh one, where the platform has them
    def texts(self, chat: str) -> list[str]: ...  # what the person read, in order
    def buttons(self, chat: str) -> list[str]: ...  # the captions under the last message
    def last_card(self, chat: str) -> str: ...  # the readable text of the last card
    def fail_next_send(self, status: int, retry_after: int | None = None) -> None: ...
    def stop(self) -> None: ...


class Line:
    spec = registry.spec("line") or pytest.fail("LINE is not registered")

    def __init__(self) -> None:
        self.fake = FakeLine().start()
        self.events = LineEvents()

    def settings(self) -> Settings:
        return Settings(
            _env_file=None,
            line_channel_secret=SECRET,
            line_channel_access_token=self.fake.access_token,
            line_api_base_url=self.fake.url,
            public_base_url=PUBLIC,
            send_timeout_seconds=1.0,
        )

    def person(self) -> str:
        return user_id()

    def webhook(self, text: str, chat: str) -> tuple[bytes, str]:
        return signed(
            [self.events.text(text, user=chat, reply_token=self.fake.issue_token())], SECRET
        )

    def unknown_event(self, chat: str) -> tuple[bytes, str]:
        return signed([self.events.unknown("somethingNew", user=chat)], SECRET)

    def reply_token(self, chat: str) -> str | None:
        return self.fake.issue_token(chat)

    def texts(self, chat: str) -> list[str]:
        return self.fake.texts(chat)

    def _last(self) -> dict[str, Any]:
        return dict(self.fake.delivered[-1].messages[-1])

    def buttons(self, chat: str) -> list[str]:
        return [i["action"]["label"] for i in self._last()["quickReply"]["items"]]

    def last_card(self, chat: str) -> str:
        flex = next(m for m in self.fake.delivered[-1].messages if m["type"] == "flex")
        return flex_text(flex["contents"])

    def fail_next_send(self, status: int, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        body = {"message": "The API rate limit has been exceeded."} if status == 429 else None
        for endpoint in ("reply", "push"):
            self.fake.plan(endpoint, status, body, headers=headers)

    def stop(self) -> None:
        self.fake.stop()


class Telegram:
    spec = registry.spec("telegram") or pytest.fail("Telegram is not registered")

    def __init__(self) -> None:
        self.fake = FakeTelegram().start()
        self.updates = TelegramUpdates()
        self._people = iter(range(ALICE, ALICE + 1000))

    def settings(self) -> Settings:
        return Settings(
            _env_file=None,
            telegram_bot_token=self.fake.token,
            telegram_api_base_url=self.fake.base_url,
            telegram_webhook_secret=SECRET,
            send_timeout_seconds=1.0,
        )

    def person(self) -> str:
        return str(next(self._people))

    def webhook(self, text: str, chat: str) -> tuple[bytes, str]:
        update = self.updates.message(text, user_id=int(chat))
        return json.dumps(update, ensure_ascii=False).encode(), SECRET

    def unknown_event(self, chat: str) -> tuple[bytes, str]:
        update = {"update_id": self.updates.next_id(), "something_new": {"from": int(chat)}}
        return json.dumps(update).encode(), SECRET

    def reply_token(self, chat: str) -> str | None:
        return None  # the Bot API has none: every answer is a sendMessage

    def texts(self, chat: str) -> list[str]:
        return self.fake.texts(chat)

    def buttons(self, chat: str) -> list[str]:
        markup = self.fake.sent[-1].reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [b["text"] for row in rows for b in row]

    def last_card(self, chat: str) -> str:
        return read_html(self.fake.sent[-1].text or "")

    def fail_next_send(self, status: int, retry_after: int | None = None) -> None:
        self.fake.plan("sendMessage", status, retry_after=retry_after)

    def stop(self) -> None:
        self.fake.stop()


@pytest.fixture(params=[Line, Telegram], ids=["line", "telegram"])
def platform(request: pytest.FixtureRequest) -> Iterator[Platform]:
    made: Platform = request.param()
    yield made
    made.stop()


@pytest.fixture
async def channel(platform: Platform) -> AsyncIterator[OpenChannel]:
    settings = platform.settings()
    assert platform.spec.enabled(settings)
    opened = await platform.spec.open(settings, no_files)
    yield opened
    await opened.close()


def outgoing(platform: Platform, reply: Reply, to: str, token: str | None = None) -> Outgoing:
    return Outgoing(1, platform.spec.name, to, reply, token, "retry-key-1", 1)


# --- the registry --------------------------------------------------------------------------


def test_every_channel_is_declared_once_with_its_own_route_and_proof_header() -> None:
    specs = registry.channels()
    assert [s.name for s in specs] == ["line", "telegram"]
    assert [s.route for s in specs] == ["/webhooks/line", "/webhooks/telegram"]  # DESIGN.md
    assert [s.proof_header for s in specs] == [
        "X-Line-Signature",
        "X-Telegram-Bot-Api-Secret-Token",
    ]


def test_what_the_core_puts_in_a_reply_fits_every_channel() -> None:
    """The handlers write to `REPLY_LIMITS`; no platform may allow less."""
    for spec in registry.channels():
        assert REPLY_LIMITS.quick_replies <= spec.limits.quick_replies, spec.name
        assert REPLY_LIMITS.label <= spec.limits.label, spec.name
        assert REPLY_LIMITS.text <= spec.limits.text, spec.name
    fewest = min(s.limits.quick_replies for s in registry.channels())
    assert REPLY_LIMITS.quick_replies == fewest  # not fewer than needed either


# --- webhooks in ---------------------------------------------------------------------------


async def test_a_proven_webhook_becomes_a_channel_free_message(
    platform: Platform, channel: OpenChannel
) -> None:
    alice = platform.person()
    body, proof = platform.webhook("ขายไข่เค็ม 30 ฟอง 300 บาท", alice)
    inbound = channel.parse(body, proof)
    [message] = inbound.messages
    assert (message.channel, message.kind, message.text) == (
        platform.spec.name,
        "text",
        "ขายไข่เค็ม 30 ฟอง 300 บาท",
    )
    assert (message.sender_id, message.chat_id, message.is_group) == (alice, alice, False)
    assert message.event_id  # the delivery id the inbox dedupes on
    assert inbound.skipped == []


@pytest.mark.parametrize("proof", ["wrong", "", None], ids=["wrong", "empty", "missing"])
async def test_a_webhook_without_the_right_proof_is_refused_with_a_4xx(
    platform: Platform, channel: OpenChannel, proof: str | None
) -> None:
    body, _ = platform.webhook("ขายไข่", platform.person())
    with pytest.raises(WebhookRejected) as refused:
        channel.parse(body, proof)
    assert 400 <= refused.value.status < 500


async def test_a_body_that_is_not_an_update_is_refused(
    platform: Platform, channel: OpenChannel
) -> None:
    """LINE signs the body (a changed body fails its signature); Telegram's secret proves only
    the sender, and a body that is not an update is refused as malformed."""
    _, proof = platform.webhook("ขายไข่", platform.person())
    with pytest.raises(WebhookRejected) as refused:
        channel.parse(b'{"not": "an update"', proof)
    assert 400 <= refused.value.status < 500


async def test_an_event_type_it_does_not_know_is_skipped_by_name(
    platform: Platform, channel: OpenChannel
) -> None:
    body, proof = platform.unknown_event(platform.person())
    inbound = channel.parse(body, proof)
    assert inbound.messages == []
    assert len(inbound.skipped) == 1  # skipped explicitly, acknowledged, nothing stored


# --- replies out ---------------------------------------------------------------------------


async def test_a_text_reply_arrives(platform: Platform, channel: OpenChannel) -> None:
    alice = platform.person()
    token = platform.reply_token(alice)
    await channel.transport.send(outgoing(platform, Reply("บันทึกแล้วค่ะ"), alice, token))
    assert platform.texts(alice) == ["บันทึกแล้วค่ะ"]


async def test_quick_replies_beyond_the_platforms_limit_are_left_off_not_refused(
    platform: Platform, channel: OpenChannel
) -> None:
    alice = platform.person()
    limit = platform.spec.limits.quick_replies
    offered = tuple(QuickReply(f"กลุ่ม {n}") for n in range(limit + 3))
    await channel.transport.send(outgoing(platform, Reply("เลือกกลุ่มค่ะ", offered), alice))
    assert platform.texts(alice) == ["เลือกกลุ่มค่ะ"]
    assert platform.buttons(alice) == [f"กลุ่ม {n}" for n in range(limit)]  # in order


async def test_a_long_text_is_split_within_the_limit_and_nothing_is_lost(
    platform: Platform, channel: OpenChannel
) -> None:
    alice = platform.person()
    limit = platform.spec.limits.text
    lines = [f"บรรทัดที่ {n} " + "ก" * 90 for n in range(limit * 2 // 100 + 5)]
    await channel.transport.send(outgoing(platform, Reply("\n".join(lines)), alice))
    texts = platform.texts(alice)
    assert len(texts) >= 3 and all(utf16_len(t) <= limit for t in texts)
    assert "\n".join(texts) == "\n".join(lines)


async def test_a_card_shows_its_title_fields_and_lines(
    platform: Platform, channel: OpenChannel
) -> None:
    alice = platform.person()
    card = Card(
        kind="receipt",
        title="บันทึกการขายแล้ว",
        sections=(CardSection(fields=(CardField("จำนวนเงิน", "1,250 บาท", strong=True),),
                              lines=("วันที่ 4 ธ.ค. 2569",)),),
    )  # fmt: skip
    reply = Reply("บันทึกการขายแล้ว\nจำนวนเงิน 1,250 บาท", (QuickReply("ยกเลิก"),), card=card)
    await channel.transport.send(outgoing(platform, reply, alice))
    shown = platform.last_card(alice)
    for words in ("บันทึกการขายแล้ว", "จำนวนเงิน", "1,250 บาท", "วันที่ 4 ธ.ค. 2569"):
        assert words in shown
    assert platform.buttons(alice) == ["ยกเลิก"]


async def test_without_a_usable_reply_token_the_message_is_still_delivered(
    platform: Platform, channel: OpenChannel
) -> None:
    """The sender drops a token it knows is gone (expired, used); the transport then pushes
    (LINE, with its retry key) or simply sends (Telegram has no reply tokens)."""
    alice = platform.person()
    delivery = await channel.transport.send(outgoing(platform, Reply("เตือนส่งตัวเลขค่ะ"), alice))
    assert platform.texts(alice) == ["เตือนส่งตัวเลขค่ะ"]
    assert delivery is not None and delivery.parts >= 1


async def test_a_rate_limited_send_is_throttled_with_the_wait_the_platform_asked_for(
    platform: Platform, channel: OpenChannel
) -> None:
    alice = platform.person()
    platform.fail_next_send(429, retry_after=3)
    with pytest.raises(Throttled) as throttled:
        await channel.transport.send(outgoing(platform, Reply("สวัสดีค่ะ"), alice))
    assert throttled.value.retry_after == 3
    assert platform.texts(alice) == []


@pytest.mark.parametrize("status", [500, 502])
async def test_a_server_error_is_retryable_and_nothing_was_delivered(
    platform: Platform, channel: OpenChannel, status: int
) -> None:
    alice = platform.person()
    platform.fail_next_send(status)
    with pytest.raises(Retryable):
        await channel.transport.send(outgoing(platform, Reply("สวัสดีค่ะ"), alice))
    assert platform.texts(alice) == []
    await channel.transport.send(outgoing(platform, Reply("สวัสดีค่ะ"), alice))  # the retry
    assert platform.texts(alice) == ["สวัสดีค่ะ"]


async def test_opening_learns_where_people_find_the_bot(channel: OpenChannel) -> None:
    """The join posters' QR codes: LINE's basic id, Telegram's username (getMe)."""
    assert await channel.address()
