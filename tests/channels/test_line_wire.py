"""LINE's wire format: the messages the bot renders straight into LINE's JSON
(bot/channels/line_render.py) and the reply and push requests that carry them
(bot/channels/line.py `_Reply`, `_Push`) are, for every kind of reply the bot sends, exactly the
JSON line-bot-sdk's own models give, and that is what reaches LINE through the real client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from linebot.v3.messaging import PushMessageRequest, ReplyMessageRequest

from bot.channels.base import Outgoing
from bot.channels.line import LineChannel, _Push, _Reply, render
from bot.messages import Document, Image, QuickReply, Reply
from tests.channels.line_sdk import sdk_render
from tests.channels.test_cards import PUBLIC, every_card
from tests.support.fake_line import FakeLine, user_id

LONG = "รายงานการขายของกลุ่ม " * 400  # several text messages
PUSH_TO = "U" + "0" * 32


def every_reply() -> list[Reply]:
    quick = (QuickReply("ยกเลิก"), QuickReply("ส่งออกเดือนก่อนหน้านี้ทั้งหมดของกลุ่ม", "ส่งออก ก.ย."))
    chart = Image("c" * 32, "ยอดขายรายเดือน")
    return [
        *every_card(),
        Reply("บันทึกแล้วค่ะ"),
        Reply("บันทึกแล้วค่ะ", quick),
        Reply(LONG, quick),
        Reply(LONG, quick, image=chart, document=Document("d" * 32, "ยาว.xlsx")),  # cut to five
        Reply("ตอบในกลุ่มค่ะ", quote="q-token-1"),
        Reply("ตอบในกลุ่มค่ะ", quick, quote="q-token-2", card=every_card()[0].card),
        Reply("กราฟยอดขาย", image=Image("a" * 32, "กราฟ")),
        Reply("ไฟล์ส่งออก", document=Document("b" * 32, "ยอดขาย.xlsx")),
    ]


@pytest.mark.parametrize("reply", every_reply(), ids=lambda r: r.text[:20])
@pytest.mark.parametrize("base", [PUBLIC, None])
def test_the_rendered_json_is_the_sdk_models_own(reply: Reply, base: str | None) -> None:
    batch = render(reply, base)
    assert batch
    sdk = ReplyMessageRequest(reply_token="t", messages=sdk_render(reply, base)).to_dict()
    ours = _Reply.of("t", batch).to_dict()
    assert ours == sdk
    # The SDK reads the body back unchanged: nothing unknown to it, nothing it would add.
    assert ReplyMessageRequest.from_dict(ours).to_dict() == ours
    pushed = PushMessageRequest(to=PUSH_TO, messages=sdk_render(reply, base)).to_dict()
    ours_pushed = _Push.of(PUSH_TO, render(reply, base)).to_dict()
    assert ours_pushed == pushed
    assert PushMessageRequest.from_dict(ours_pushed).to_dict() == ours_pushed


def test_rendering_twice_gives_fresh_messages() -> None:
    """The quick replies are added to the last message: no render may see another's."""
    reply = every_card()[0]
    first = render(reply, PUBLIC)
    first[-1]["quickReply"]["items"].clear()
    assert render(reply, PUBLIC) == [m.to_dict() for m in sdk_render(reply, PUBLIC)]


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
        sdk = ReplyMessageRequest(reply_token=token, messages=sdk_render(reply, PUBLIC)).to_dict()
        replied, pushed = fake.delivered[-2:]
        assert (replied.endpoint, pushed.endpoint) == ("reply", "push")
        assert replied.messages == sdk["messages"] == pushed.messages
