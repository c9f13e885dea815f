"""Secrets and tokens never reach the logs: `serve` as a real process with every secret set,
driven through good and bad webhooks, failing platform calls and a dashboard sign-in link;
then its whole output is searched for each secret."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import httpx

from tests.reliability.harness import (
    DASHBOARD_SECRET,
    ServeProcess,
    figures,
    line_request,
    link_many,
    sale_text,
)
from tests.support.channel_stack import LINE_SECRET, TELEGRAM_SECRET
from tests.support.fake_line import FakeLine, LineEvents, user_id
from tests.support.fake_telegram import FakeTelegram, TelegramUpdates


async def test_no_secret_or_token_is_logged(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    line_user, telegram_user = user_id(), "8300001"
    await link_many(db_url, "line", [line_user])
    await link_many(db_url, "telegram", [telegram_user])
    sign_in_token = "t0k-" + secrets.token_urlsafe(24)
    log = tmp_path / "serve.log"
    server = await ServeProcess(db_url, fake_line, fake_telegram, log).start()
    try:
        fake_line.plan("reply", 500, {"message": "Internal server error"})
        fake_telegram.plan("sendMessage", 500)
        async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
            event = LineEvents().text(
                sale_text(1), user=line_user, reply_token=fake_line.issue_token(line_user)
            )
            body, headers = line_request([event])
            assert (
                await http.post("/webhooks/line", content=body, headers=headers)
            ).status_code == 200
            bad = dict(headers, **{"X-Line-Signature": "AAAA"})
            assert (await http.post("/webhooks/line", content=body, headers=bad)).status_code == 400
            update = TelegramUpdates().message(sale_text(2), user_id=int(telegram_user))
            good = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
            assert (
                await http.post("/webhooks/telegram", json=update, headers=good)
            ).status_code == 200
            wrong = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET[:-1] + "x"}
            assert (
                await http.post("/webhooks/telegram", json=update, headers=wrong)
            ).status_code == 403
            await http.get(f"/dashboard/login?token={sign_in_token}")
            await http.get(f"/dashboard/login?next=%2F&token={sign_in_token}")
            await asyncio.sleep(1.0)  # the failed sends and their retries get logged
    finally:
        server.stop()
    output = log.read_text(errors="replace")
    assert "POST /webhooks/line" in output and "/dashboard/login" in output  # it did log
    bot_secret = fake_telegram.token.split(":", 1)[1]
    found = {
        name: value in output
        for name, value in {
            "LINE channel secret": LINE_SECRET,
            "LINE access token": fake_line.access_token,
            "Telegram bot token": bot_secret,
            "Telegram webhook secret": TELEGRAM_SECRET,
            "dashboard signing secret": DASHBOARD_SECRET,
            "dashboard sign-in token": sign_in_token,
        }.items()
    }
    figures("secrets in the logs", log_lines=output.count("\n"), secrets_found=sum(found.values()))
    assert not any(found.values()), [name for name, hit in found.items() if hit]
