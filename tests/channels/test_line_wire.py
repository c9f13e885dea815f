"""LINE's wire format is unchanged by the one-pass serialisation of reply and push requests
(bot/channels/line.py `_Reply`, `_Push`): for every kind of reply the bot sends, the JSON is the
one line-bot-sdk's own `to_dict` makes, and it is what reaches LINE through the real client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from linebot.v3.messaging import PushMessageRequest, ReplyMessageRequest

from bot.channels.base import Outgoing
from bot.channels.line import LineChannel, _Push, _Reply, render
from bot.messages import Document, Image, QuickReply, Reply
from tests.channels.test_cards import PUBLIC, every_card
from tests.support.fake_line import FakeLine, user_id

LONG = "รายงานการขายของกลุ่ม " * 400  # several text messages


def every_reply() -> list[Reply]:
    quick = (QuickReply("ยกเลิก"), QuickReply("ส่งออกเดือนก่อนหน้านี้ทั้งหมดของกลุ่ม", "ส่งออก ก.ย."))
    return [
        *every_card(),
        Reply("บันทึกแล้วค่ะ"),
        Reply("บันทึกแล้วค่ะ", quick),
        Reply(LONG, quick),
        Reply("ตอบในกลุ่มค่ะ", quote="q-token-1"),
        Reply("กราฟยอดขาย", image=Image("a" * 32, "กราฟ")),
        Reply("ไฟล์ส่งออก", document=Document("b" * 32, "ยอดขาย.xlsx")),
    ]


@pytest.mark.parametrize("reply", every_reply(), ids=lambda r: r.text[:20])
@pytest.mark.parametrize("base", [PUBLIC, None])
def test_one_pass_json_is_the_sdks_own(reply: Reply, base: str | None) -> None:
    batch = render(reply, base)
    assert batch
    sdk = ReplyMessageRequest(reply_token="t", messages=batch).to_dict()
    assert _Reply(reply_token="t", messages=batch).to_dict() == sdk
    pushed = PushMessageRequest(to="U" + "0" * 32, messages=batch).to_dict()
    assert _Push(to="U" + "0" * 32, messages=batch).to_dict() == pushed


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    server = FakeLine().start()
    yield server
    server.stop()


@pytest.fixture
async def line(fake: FakeLine) -> AsyncIterator[LineChannel]:
    channel = LineChannel.open(
        access_token=fake.access_token, api_base_url=fake.url, public_base_url=PUBLIC,
        messages_per_second=100, timeout=2.0,
    )  # fmt: skip
    yield channel
    await channel.close()


async def test_what_reaches_line_is_the_sdks_json(fake: FakeLine, line: LineChannel) -> None:
    for n, reply in enumerate(every_reply()):
        to = user_id()
        token = fake.issue_token(to)
        await line.transport.send(Outgoing(n, "line", to, reply, token, None, 1))
        await line.transport.send(Outgoing(n, "line", to, reply, None, f"key-{n}", 1))
        sdk = ReplyMessageRequest(reply_token=token, messages=render(reply, PUBLIC)).to_dict()
        replied, pushed = fake.delivered[-2:]
        assert (replied.endpoint, pushed.endpoint) == ("reply", "push")
        assert replied.messages == sdk["messages"] == pushed.messages
