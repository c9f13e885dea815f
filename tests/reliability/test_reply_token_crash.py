"""`serve` killed between the commit of a reply (written already leased, in the message's
transaction) and its first offer taking effect at LINE: the reply is neither lost nor sent twice.

LINE answers the same "invalid reply token" for a used and for an expired token. The restarted
process offers the token again only while it is young (then LINE takes it: nothing used it) and
pushes once it is past its TTL; it never reads a refusal of a token nobody used as a delivery.
The sender's call is held at the fake LINE (answered late, with nothing accepted) while the
process is killed: from LINE's side, exactly "the first offer did not happen"."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from bot.storage.models import Outbox
from tests.reliability.harness import (
    ServeProcess,
    count,
    expire_leases,
    line_request,
    link_many,
    sale_text,
    unmarked,
    wait_pending_zero,
)
from tests.support.fake_line import FakeLine, LineEvents, user_id
from tests.support.fake_telegram import FakeTelegram

HELD_S = 6.0  # how long the fake LINE holds the first offer before answering 500


async def _killed_before_the_first_offer(
    db_url: str, line: FakeLine, telegram: FakeTelegram, log: Path, env: dict[str, str]
) -> tuple[str, str]:
    user = user_id()
    await link_many(db_url, "line", [user])
    token = line.issue_token(user)
    event = LineEvents().text(sale_text(1), user=user, reply_token=token)
    line.plan("reply", 500, delay=HELD_S)  # the first offer hangs, then fails: nothing used
    server = await ServeProcess(db_url, line, telegram, log, extra_env=env).start()
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            body, headers = line_request([event])
            response = await client.post(
                f"{server.base}/webhooks/line", content=body, headers=headers
            )
            assert response.status_code == 200
        deadline = time.monotonic() + 10
        while not await unmarked(db_url, "line"):  # committed, leased, its offer on the way
            assert time.monotonic() < deadline, "the reply was never written"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
    finally:
        server.kill()
    assert line.delivered == []
    return user, token


async def _restart_and_finish(
    db_url: str, line: FakeLine, telegram: FakeTelegram, log: Path, env: dict[str, str]
) -> None:
    await expire_leases(db_url)  # the short reply lease runs out, without waiting for it
    server = await ServeProcess(db_url, line, telegram, log, extra_env=env).start()
    try:
        await wait_pending_zero(db_url, within=30)
    finally:
        server.stop()
    assert await count(db_url, Outbox, Outbox.status == "sent") == 1


async def test_killed_before_the_first_offer_a_young_token_still_delivers_the_reply(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    user, token = await _killed_before_the_first_offer(db_url, fake_line, fake_telegram, log, {})
    await _restart_and_finish(db_url, fake_line, fake_telegram, log, {})
    delivered = [(c.endpoint, c.reply_token or c.to) for c in fake_line.delivered]
    assert delivered == [("reply", token)]  # once, with the token nobody had used
    assert len(fake_line.texts(user)) == 1


@pytest.mark.parametrize("ttl", [3.0])
async def test_killed_before_the_first_offer_a_token_past_its_ttl_is_pushed_not_lost(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path, ttl: float
) -> None:
    """By the restart LINE has let the token die. Offered, it would be refused, and the
    refusal on a second attempt read as "the first attempt delivered it": the reply lost.
    Past the TTL (counted from the webhook's arrival) it is not offered: it is pushed."""
    log = tmp_path / "serve.log"
    env = {"LINE_REPLY_TOKEN_SECONDS": str(ttl)}
    started = time.monotonic()
    user, token = await _killed_before_the_first_offer(db_url, fake_line, fake_telegram, log, env)
    fake_line.expire(token)
    await asyncio.sleep(max(0.0, ttl + 0.5 - (time.monotonic() - started)))
    await _restart_and_finish(db_url, fake_line, fake_telegram, log, env)
    delivered = [(c.endpoint, c.to) for c in fake_line.delivered]
    assert delivered == [("push", user)]  # once: not lost, not doubled
    assert len(fake_line.texts(user)) == 1
