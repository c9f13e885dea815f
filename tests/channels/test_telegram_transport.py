"""The real python-telegram-bot client against the fake Bot API: keyboards, long texts,
uploads, and how each failure is typed (retry_after honoured, blocked is permanent)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.channels.base import Blocked, FileData, Outgoing, Permanent, Retryable
from bot.channels.telegram import TelegramChannel
from bot.messages import Document, Image, QuickReply, Reply
from tests.support.fake_telegram import BOT_USERNAME, FakeTelegram

ALICE = 501
GROUP = -1001234567890
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100
FILES = {"chart-key": FileData(PNG, "image/png", "chart.png"), "xlsx-key": FileData(b"PK\x03\x04", "application/vnd.ms-excel", "รายงาน.xlsx")}  # fmt: skip


async def load(key: str) -> FileData | None:
    return FILES.get(key)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
async def telegram(fake: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    channel = await TelegramChannel.open(
        token=fake.token,
        base_url=fake.base_url,
        webhook_secret="x",
        files=load,
        request_timeout=1.0,
    )
    yield channel
    await channel.close()


def outgoing(reply: Reply, to: int, *, skip: int = 0) -> Outgoing:
    return Outgoing(1, "telegram", str(to), reply, None, "key", 1, skip_parts=skip)


async def test_opening_asks_get_me_for_the_bots_name(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    assert fake.count("getMe") == 1
    assert telegram.bot.username == BOT_USERNAME


async def test_private_quick_replies_are_a_one_time_keyboard_that_sends_the_text(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    reply = Reply("บันทึกแล้วค่ะ", (QuickReply("ยกเลิก"), QuickReply("เดือนก่อน", "ส่งออก ก.ย.")))
    await telegram.transport.send(outgoing(reply, ALICE))
    [sent] = fake.sent
    assert (sent.chat_id, sent.text) == (str(ALICE), "บันทึกแล้วค่ะ")
    assert sent.reply_markup is not None and sent.reply_markup["one_time_keyboard"] is True
    buttons = [b["text"] for row in sent.reply_markup["keyboard"] for b in row]
    assert buttons == ["ยกเลิก", "ส่งออก ก.ย."]


async def test_group_quick_replies_are_inline_buttons_so_only_the_tapper_answers(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    reply = Reply("ยืนยันไหมคะ", (QuickReply("ยืนยัน"), QuickReply("ยาว", "ก" * 30)))
    await telegram.transport.send(outgoing(reply, GROUP))
    markup = fake.sent[0].reply_markup
    assert markup is not None
    buttons = [b for row in markup["inline_keyboard"] for b in row]
    assert buttons == [{"text": "ยืนยัน", "callback_data": "ยืนยัน"}]  # 90 bytes do not fit in 64


async def test_a_long_text_is_split_under_4096_and_the_keyboard_rides_on_the_last_part(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    paragraphs = [f"ย่อหน้า {n} " + "ข" * 400 for n in range(25)]  # about 10,000 characters
    await telegram.transport.send(
        outgoing(Reply("\n".join(paragraphs), (QuickReply("เมนู"),)), ALICE)
    )
    texts = fake.texts(ALICE)
    assert len(texts) == 3 and all(len(t) <= 4096 for t in texts)
    assert "\n".join(texts) == "\n".join(paragraphs)
    assert [s.reply_markup is not None for s in fake.sent] == [False, False, True]


async def test_pictures_and_files_are_uploaded_as_bytes(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    reply = Reply(
        "สรุปเดือนนี้",
        image=Image("chart-key", "กราฟยอดขาย"),
        document=Document("xlsx-key", "รายงาน.xlsx"),
    )
    await telegram.transport.send(outgoing(reply, ALICE))
    assert [s.method for s in fake.sent] == ["sendMessage", "sendPhoto", "sendDocument"]
    assert fake.sent[1].files["photo"] == PNG and fake.sent[1].params["caption"] == "กราฟยอดขาย"
    assert fake.sent[2].files["document"] == b"PK\x03\x04"


async def test_an_expired_picture_is_said_in_words(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    await telegram.transport.send(outgoing(Reply("สรุป", image=Image("gone", "กราฟ")), ALICE))
    assert fake.texts(ALICE) == ["สรุป", "[กราฟ: หมดอายุแล้วค่ะ ขอใหม่ได้เลยนะคะ]"]


@pytest.mark.parametrize(
    ("status", "expected"),
    # 5xx and 429: tests/channels/test_adapter_contract.py (typed the same for both channels)
    [(403, Blocked), (400, Permanent)],
)
async def test_failures_are_typed(
    fake: FakeTelegram, telegram: TelegramChannel, status: int, expected: type[Exception]
) -> None:
    fake.plan("sendMessage", status)
    with pytest.raises(expected):
        await telegram.transport.send(outgoing(Reply("สวัสดี"), ALICE))


async def test_a_slow_api_is_a_retryable_timeout(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    fake.plan("sendMessage", 200, delay=1.5)
    with pytest.raises(Retryable):
        await telegram.transport.send(outgoing(Reply("ช้า"), ALICE))


async def test_a_retry_does_not_repeat_the_parts_already_delivered(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    reply = Reply("ก" * 4000 + "\n" + "ข" * 4000)
    fake.plan("sendMessage", 200)
    fake.plan("sendMessage", 500)
    with pytest.raises(Retryable) as failed:
        await telegram.transport.send(outgoing(reply, ALICE))
    assert failed.value.sent_parts == 1
    await telegram.transport.send(outgoing(reply, ALICE, skip=failed.value.sent_parts))
    assert fake.texts(ALICE) == ["ก" * 4000, "ข" * 4000]


async def test_each_part_is_reported_as_soon_as_it_is_delivered(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    """No idempotency key on the Bot API: the sender commits the count after every part, so
    a crash in the middle of a long message repeats at most the part in flight."""
    reply = Reply("ก" * 4000 + "\n" + "ข" * 4000 + "\n" + "ค" * 4000)
    reported: list[tuple[int, int]] = []

    async def on_part(parts: int) -> None:
        reported.append((parts, len(fake.texts(ALICE))))

    message = Outgoing(1, "telegram", str(ALICE), reply, None, "key", 1, on_part=on_part)
    await telegram.transport.send(message)
    assert reported == [(1, 1), (2, 2)]  # after each part but the last (marked sent instead)
