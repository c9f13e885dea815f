"""The real line-bot-sdk async client against the fake LINE API: how a Reply is rendered, when
the reply token is used and when we push, and how each kind of failure is typed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.channels.base import (
    Outgoing,
    Permanent,
    QuotaExhausted,
    ReplyTokenRejected,
    Retryable,
)
from bot.channels.line import LineChannel
from bot.messages import Document, Image, QuickReply, Reply
from tests.support.fake_line import FakeLine, user_id

PUBLIC = "https://bot.example.test"


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    server = FakeLine().start()
    yield server
    server.stop()


@pytest.fixture
async def line(fake: FakeLine) -> AsyncIterator[LineChannel]:
    channel = LineChannel.open(
        access_token=fake.access_token,
        api_base_url=fake.url,
        public_base_url=PUBLIC,
        messages_per_second=100,
        timeout=1.0,
    )
    yield channel
    await channel.close()


def outgoing(
    reply: Reply, to: str, token: str | None = None, *, key: str = "8d3c1e6a-0f7e-4a57-9d7e-1f0c2b3a4d5e",
    push_allowed: bool = True,
) -> Outgoing:  # fmt: skip
    return Outgoing(1, "line", to, reply, token, key, 1, push_allowed=push_allowed)


async def test_a_reply_uses_the_token_and_carries_the_quick_replies(
    fake: FakeLine, line: LineChannel
) -> None:
    to = user_id()
    token = fake.issue_token(to)
    quick = (QuickReply("ยกเลิก"), QuickReply("ส่งออกเดือนก่อนหน้านี้ทั้งหมดของกลุ่ม", "ส่งออก ก.ย."))
    delivery = await line.transport.send(outgoing(Reply("บันทึกแล้วค่ะ", quick), to, token))
    assert delivery.pushed == 0
    [call] = fake.delivered
    assert (call.endpoint, call.reply_token) == ("reply", token)
    [message] = call.messages
    items = message["quickReply"]["items"]
    assert [i["action"]["label"] for i in items] == ["ยกเลิก", "ส่งออกเดือนก่อนหน้า…"]
    assert items[1]["action"]["text"] == "ส่งออก ก.ย."  # what the bot receives when tapped


async def test_a_used_or_expired_token_is_refused_and_the_push_carries_a_retry_key(
    fake: FakeLine, line: LineChannel
) -> None:
    to = user_id()
    token = fake.issue_token(to)
    await line.transport.send(outgoing(Reply("ครั้งแรก"), to, token))
    # Single-use, like LINE: the second reply with it is refused, nothing is delivered.
    with pytest.raises(ReplyTokenRejected, match="Invalid reply token"):
        await line.transport.send(outgoing(Reply("ครั้งแรก"), to, token))
    expired = fake.issue_token(to)
    fake.expire(expired)
    with pytest.raises(ReplyTokenRejected):
        await line.transport.send(outgoing(Reply("สวัสดีค่ะ"), to, expired, key="k-1"))
    assert fake.texts(to) == ["ครั้งแรก"]
    # Whether to push is the sender's decision; without the token the transport pushes.
    delivery = await line.transport.send(outgoing(Reply("สวัสดีค่ะ"), to, key="k-1"))
    assert delivery.pushed == 1
    assert [(c.endpoint, c.status) for c in fake.calls] == [
        ("reply", 200), ("reply", 400), ("reply", 400), ("push", 200),
    ]  # fmt: skip
    push = fake.delivered[-1]
    assert (push.to, push.retry_key) == (to, "k-1")
    assert fake.texts(to) == ["ครั้งแรก", "สวัสดีค่ะ"]


async def test_a_retried_push_the_platform_already_accepted_is_not_delivered_twice(
    fake: FakeLine, line: LineChannel
) -> None:
    to = user_id()
    fake.plan("push", 500, accept=True)  # delivered, but the answer was lost
    with pytest.raises(Retryable):
        await line.transport.send(outgoing(Reply("เตือนส่งตัวเลขค่ะ"), to, key="same-key"))
    again = await line.transport.send(outgoing(Reply("เตือนส่งตัวเลขค่ะ"), to, key="same-key"))
    assert again.pushed == 1  # delivered: counted once, as the first try's answer was lost
    assert [c.status for c in fake.calls] == [500, 409]
    assert fake.texts(to) == ["เตือนส่งตัวเลขค่ะ"]


async def test_long_text_is_split_at_line_breaks_into_at_most_five_messages(
    fake: FakeLine, line: LineChannel
) -> None:
    to = user_id()
    lines = [f"บรรทัดที่ {n} " + "ก" * 90 for n in range(160)]  # about 16,000 characters
    await line.transport.send(outgoing(Reply("\n".join(lines)), to, fake.issue_token(to)))
    [call] = fake.delivered
    texts = [m["text"] for m in call.messages]
    assert 2 < len(texts) <= 5 and all(len(t) <= 5000 for t in texts)
    assert "\n".join(texts) == "\n".join(lines)  # nothing lost, nothing doubled
    assert all(t.split("\n")[0].startswith("บรรทัดที่") for t in texts)  # cut between lines

    huge = "ข" * 30_000
    await line.transport.send(outgoing(Reply(huge), to, fake.issue_token(to)))
    assert len(fake.delivered[-1].messages) == 5  # LINE's maximum; the tail says it was cut


async def test_pictures_and_files_are_links_under_the_public_address(
    fake: FakeLine, line: LineChannel
) -> None:
    to = user_id()
    reply = Reply("กราฟยอดขาย", (QuickReply("สรุป"),), image=Image("k" * 32, "กราฟ"),
                  document=Document("d" * 32, "รายงาน.xlsx"))  # fmt: skip
    await line.transport.send(outgoing(reply, to, fake.issue_token(to)))
    messages = fake.delivered[-1].messages
    assert [m["type"] for m in messages] == ["text", "text", "image"]
    assert f"{PUBLIC}/files/{'d' * 32}\n" in messages[1]["text"]
    assert "ใช้ได้ครั้งเดียว" in messages[1]["text"]  # a single-use link, said so
    assert messages[2]["originalContentUrl"] == f"{PUBLIC}/files/{'k' * 32}"
    assert "quickReply" in messages[2] and "quickReply" not in messages[0]


async def test_without_an_https_address_a_picture_is_described_instead(fake: FakeLine) -> None:
    channel = LineChannel.open(access_token=fake.access_token, api_base_url=fake.url,
                               public_base_url="http://10.0.0.5:8000", messages_per_second=10, timeout=1)  # fmt: skip
    try:
        to = user_id()
        await channel.transport.send(
            outgoing(Reply("กราฟ", image=Image("abc", "กราฟยอดขาย")), to, fake.issue_token(to))
        )
    finally:
        await channel.close()
    assert [m["type"] for m in fake.delivered[-1].messages] == ["text", "text"]
    assert "กราฟยอดขาย" in fake.delivered[-1].messages[1]["text"]


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        # 5xx and a 429 with Retry-After: tests/channels/test_adapter_contract.py (both channels)
        (429, {"message": "You have reached your monthly limit."}, {}, QuotaExhausted),
        (429, {"message": "The API rate limit has been exceeded. Try again later."}, {}, Retryable),
        (400, {"message": "The property, 'to', in the request body is invalid"}, {}, Permanent),
        (403, {"message": "Access to this API is not available for your account"}, {}, Permanent),
    ],
)
async def test_push_failures_are_typed(
    fake: FakeLine, line: LineChannel, status: int, body: dict[str, str] | None,
    headers: dict[str, str], expected: type[Exception],
) -> None:  # fmt: skip
    fake.plan("push", status, body, headers=headers)
    with pytest.raises(expected):
        await line.transport.send(outgoing(Reply("เตือนค่ะ"), user_id()))
    assert fake.delivered == []


async def test_a_slow_api_is_a_retryable_timeout(fake: FakeLine, line: LineChannel) -> None:
    fake.plan("push", 200, delay=1.5)  # the client waits 1 s
    with pytest.raises(Retryable, match="timed out"):
        await line.transport.send(outgoing(Reply("ช้า"), user_id()))


async def test_once_the_quota_is_used_up_pushes_stop_but_replies_still_go(
    fake: FakeLine, line: LineChannel
) -> None:
    to = user_id()
    with pytest.raises(QuotaExhausted):
        await line.transport.send(outgoing(Reply("เตือน"), to, push_allowed=False))
    assert fake.calls == []  # LINE was not even asked
    await line.transport.send(
        outgoing(Reply("ตอบกลับ"), to, fake.issue_token(to), push_allowed=False)
    )
    assert fake.texts(to) == ["ตอบกลับ"]
