"""The Bot API calls go out through aiohttp (bot/channels/telegram_http.py) with what
python-telegram-bot's own httpx request sent: the same form fields, the same uploads with their
filenames, the same failures typed the same way; one kept-alive connection for many sends, and
nothing left open after close."""

from __future__ import annotations

import asyncio
import gc
import socket
import warnings
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TimedOut
from telegram.request import HTTPXRequest

from bot.channels.base import FileData, Outgoing, Retryable
from bot.channels.telegram import TelegramChannel, TelegramTransport
from bot.channels.telegram_http import AiohttpRequest
from bot.messages import Document, Image, QuickReply, Reply
from tests.support.fake_telegram import FakeTelegram, Received

ALICE = 501
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # every byte value, CR and LF included
WORKBOOK = b"PK\x03\x04" + b"\r\n--" * 50  # a body that looks like a boundary must not break
FILES = {
    "chart-key": FileData(PNG, "image/png", "chart.png"),
    "xlsx-key": FileData(
        WORKBOOK,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        'รายงาน "ต.ค." 2569.xlsx',
    ),
}


async def load(key: str) -> FileData | None:
    return FILES.get(key)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


async def open_channel(url: str, token: str) -> TelegramChannel:
    return await TelegramChannel.open(
        token=token, base_url=url, webhook_secret="x", files=load, request_timeout=1.0,
        messages_per_second=1e6, chat_messages_per_second=1e6, group_messages_per_minute=1e6,
    )  # fmt: skip


@pytest.fixture
async def telegram(fake: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    channel = await open_channel(fake.base_url, fake.token)
    yield channel
    await channel.close()


@pytest.fixture
async def through_httpx(fake: FakeTelegram) -> AsyncIterator[TelegramTransport]:
    """The same transport on python-telegram-bot's own httpx request: the reference."""
    bot = Bot(fake.token, base_url=fake.base_url, request=HTTPXRequest())
    await bot.initialize()
    yield TelegramTransport(bot, load, messages_per_second=1e6, chat_messages_per_second=1e6)
    await bot.shutdown()


def outgoing(reply: Reply) -> Outgoing:
    return Outgoing(1, "telegram", str(ALICE), reply, None, "key", 1)


def wire(calls: list[Received]) -> list[tuple[str, str, str, dict[str, object], object]]:
    return [(c.method, c.content_type, c.user_agent, c.params, c.uploads) for c in calls]


async def sent_both_ways(
    fake: FakeTelegram, telegram: TelegramChannel, through_httpx: TelegramTransport, reply: Reply
) -> tuple[list[Received], list[Received]]:
    """The calls `reply` makes through PTB's own httpx request, then through ours."""
    start = len(fake.received)
    await through_httpx.send(outgoing(reply))
    middle = len(fake.received)
    await telegram.transport.send(outgoing(reply))
    return fake.received[start:middle], fake.received[middle:]


async def test_a_reply_with_a_keyboard_is_the_same_form_that_httpx_sent(
    fake: FakeTelegram, telegram: TelegramChannel, through_httpx: TelegramTransport
) -> None:
    reply = Reply(
        "บันทึกแล้วค่ะ <b>ผ้าไหม</b> & 3 ผืน", (QuickReply("ยกเลิก"), QuickReply("เดือนก่อน", "ส่งออก ก.ย."))
    )
    by_httpx, by_aiohttp = await sent_both_ways(fake, telegram, through_httpx, reply)
    assert wire(by_aiohttp) == wire(by_httpx)
    [call] = by_aiohttp
    assert call.content_type == "application/x-www-form-urlencoded"
    assert call.user_agent.startswith("python-telegram-bot")
    assert fake.texts(ALICE)[-1] == fake.texts(ALICE)[-2]
    markup = fake.sent[-1].reply_markup
    assert markup is not None and [b["text"] for b in markup["keyboard"][0]] == [
        "ยกเลิก",
        "ส่งออก ก.ย.",
    ]


async def test_a_picture_and_a_workbook_arrive_with_their_bytes_names_and_types(
    fake: FakeTelegram, telegram: TelegramChannel, through_httpx: TelegramTransport
) -> None:
    reply = Reply(
        "สรุปเดือนนี้",
        image=Image("chart-key", "กราฟยอดขาย"),
        document=Document("xlsx-key", 'รายงาน "ต.ค." 2569.xlsx'),
    )
    by_httpx, by_aiohttp = await sent_both_ways(fake, telegram, through_httpx, reply)
    assert wire(by_aiohttp) == wire(by_httpx)
    photo, document = by_aiohttp[1], by_aiohttp[2]
    assert (photo.method, photo.content_type) == ("sendPhoto", "multipart/form-data")
    assert photo.uploads["photo"][1:] == ("image/png", PNG)
    assert photo.params["caption"] == "กราฟยอดขาย"
    assert document.uploads["document"] == (
        'รายงาน "ต.ค." 2569.xlsx'.replace('"', "%22"),  # escaped as browsers and httpx do
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        WORKBOOK,
    )
    assert fake.sent[-1].files["document"] == WORKBOOK


async def test_many_sends_share_one_kept_alive_connection(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    for n in range(20):
        await telegram.transport.send(outgoing(Reply(f"ข้อความที่ {n}")))
    assert len(fake.texts(ALICE)) == 20
    assert fake.connections == 1  # getMe's connection, reused for every send


async def test_a_slow_api_times_out_and_the_next_send_goes_through(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    fake.plan("sendMessage", 200, delay=1.5)  # longer than the 1 s read timeout
    with pytest.raises(TimedOut):
        await telegram.bot.send_message(ALICE, "ช้า")
    fake.plan("sendMessage", 200, delay=1.5)
    with pytest.raises(Retryable, match="TimedOut"):  # the sender keeps the row for a retry
        await telegram.transport.send(outgoing(Reply("ช้า")))
    await telegram.transport.send(outgoing(Reply("ทันแล้วค่ะ")))
    assert fake.texts(ALICE)[-1] == "ทันแล้วค่ะ"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_api_that_refuses_connections_is_a_network_error_without_the_token() -> None:
    url, token = f"http://127.0.0.1:{free_port()}/bot", "7000001:AAE-secret-part"
    request = AiohttpRequest(url, connect_timeout=1.0)
    await request.initialize()
    try:
        bot = Bot(token, base_url=url, request=request)
        with pytest.raises(NetworkError) as refused:
            await bot.send_message(ALICE, "ฮัลโหล")
        assert not isinstance(refused.value, TimedOut)
        assert "secret" not in str(refused.value)
        with pytest.raises(Retryable):  # the sender keeps the row for a retry
            await TelegramTransport(bot, load).send(outgoing(Reply("ฮัลโหล")))
    finally:
        await request.shutdown()


async def test_opening_against_an_unreachable_api_fails_and_leaves_nothing_open() -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(NetworkError):
            await open_channel(f"http://127.0.0.1:{free_port()}/bot", "1:x")
        gc.collect()
        await asyncio.sleep(0)
    assert [str(w.message) for w in seen if "nclosed" in str(w.message)] == []


async def test_closing_the_channel_closes_its_connections(fake: FakeTelegram) -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        channel = await open_channel(fake.base_url, fake.token)
        await channel.transport.send(outgoing(Reply("สวัสดี")))
        await channel.close()
        del channel
        gc.collect()
        await asyncio.sleep(0)
    assert [str(w.message) for w in seen if "nclosed" in str(w.message)] == []


async def test_a_request_used_before_initialize_says_so(fake: FakeTelegram) -> None:
    request = AiohttpRequest(fake.base_url)
    with pytest.raises(NetworkError, match="not initialized"):  # PTB wraps it, as for httpx
        await request.post(f"{fake.base_url}{fake.token}/getMe")
    await request.initialize()
    try:
        answer = await request.post(f"{fake.base_url}{fake.token}/getMe")
        assert isinstance(answer, dict) and answer["username"]
    finally:
        await request.shutdown()
    await request.shutdown()  # twice is harmless, as with PTB's own


async def test_long_polling_waits_longer_than_the_read_timeout(
    fake: FakeTelegram, telegram: TelegramChannel
) -> None:
    """getUpdates holds the request open for its `timeout`; PTB adds that to the read
    timeout of the getUpdates request, so a quiet poll is not a TimedOut."""
    fake.plan("getUpdates", 200, delay=1.5)  # past the 1 s read timeout, within 1 s + 2 s
    assert await telegram.bot.get_updates(timeout=2) == ()
    fake.plan("getUpdates", 200, delay=1.5)
    with pytest.raises(TimedOut):
        await telegram.bot.get_updates(timeout=0)


async def test_a_wrong_token_is_refused_without_printing_it(fake: FakeTelegram) -> None:
    """Start-up errors end up in logs: the refusal names the setting to check, not the token
    (python-telegram-bot's own message quotes the token in full)."""
    wrong = "123456:" + "W" * 35
    with pytest.raises(InvalidToken) as refused:
        await open_channel(fake.base_url, wrong)
    assert "TELEGRAM_BOT_TOKEN" in str(refused.value)
    assert wrong not in str(refused.value) and "W" * 35 not in repr(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
