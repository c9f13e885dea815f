"""`sammachip serve` as a real process starts on the event loop and HTTP parser EVENT_LOOP and
HTTP_PARSER choose (bot/web/stack.py), says which in its log, and answers on it: /healthz, and
a signed Telegram webhook whose reply reaches the (fake) Bot API. `sammachip poll` too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.fake_telegram import FakeTelegram, TelegramUpdates
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "serve-loop-secret"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "event loop: uvloop.Loop, HTTP parser: httptools"),
        ({"EVENT_LOOP": "asyncio", "HTTP_PARSER": "h11"}, "event loop: asyncio.unix_events."),
    ],
    ids=["auto", "asyncio-h11"],
)
def test_serve_runs_and_answers_on_the_chosen_stack(
    tmp_path: Path, telegram: FakeTelegram, settings: dict[str, str], expected: str
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LINE_", "TELEGRAM_", "EVENT_LOOP", "HTTP_PARSER"))}  # fmt: skip
    env |= {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": telegram.base_url, **settings}  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port), "--no-scheduler"],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=out,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        assert expected in log.read_text()
        # A person says hello on Telegram: stored, handled, answered through the real client.
        update = TelegramUpdates().message("สวัสดี", user_id=5151, chat_id=5151)
        answer = httpx.post(
            f"{base}/webhooks/telegram",
            content=json.dumps(update, ensure_ascii=False).encode(),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
        )
        assert answer.status_code == 200 and answer.json()["ok"] is True
        while not telegram.sent:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        assert telegram.sent[0].chat_id == "5151"
    finally:
        process.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal once it has shut down cleanly: -SIGTERM, not 0.
        assert process.wait(timeout=20) in (0, -signal.SIGTERM), log.read_text()
    assert "Application shutdown complete" in log.read_text()


def test_poll_runs_on_uvloop_and_answers(tmp_path: Path, telegram: FakeTelegram) -> None:
    """`sammachip poll` (no public address) on the default stack: a message fetched by long
    polling is answered."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LINE_", "TELEGRAM_", "EVENT_LOOP", "HTTP_PARSER"))}  # fmt: skip
    env |= {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.base_url,
            "TELEGRAM_POLL_TIMEOUT_SECONDS": "1"}  # fmt: skip
    telegram.queue_updates(TelegramUpdates().message("สวัสดี", user_id=6161, chat_id=6161))
    log = tmp_path / "poll.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "poll", "--no-scheduler"],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=out,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not telegram.sent:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        assert telegram.sent[0].chat_id == "6161"
        assert "event loop: uvloop" in log.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
