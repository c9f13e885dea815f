"""`sammachip poster` and `sammachip setup` as an operator runs them: real processes, the fake
LINE and Bot API servers reachable from them, a scratch directory's SQLite file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.support.fake_line import FakeLine
from tests.support.fake_telegram import BOT_USERNAME, FakeTelegram


def run(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("DATABASE_URL", "LINE_", "TELEGRAM_", "PUBLIC_"))}  # fmt: skip
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd, capture_output=True, text=True, timeout=180, env=environment,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture
def fakes() -> Iterator[tuple[FakeLine, FakeTelegram]]:
    line, telegram = FakeLine().start(), FakeTelegram().start()
    yield line, telegram
    line.stop()
    telegram.stop()


def _env(line: FakeLine, telegram: FakeTelegram) -> dict[str, str]:
    return {
        "LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": line.access_token,
        "LINE_API_BASE_URL": line.url, "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_WEBHOOK_SECRET": "cli-secret", "TELEGRAM_API_BASE_URL": telegram.base_url,
        "PUBLIC_BASE_URL": "https://bot.example.test",
    }  # fmt: skip


def _group(cwd: Path) -> dict[str, str]:
    officer = json.loads(run(cwd, "officer", "add", "--name", "สมหญิง ใจดี", "--district",
                             "โพธาราม", "--province", "ราชบุรี", "--json").stdout)  # fmt: skip
    group: dict[str, str] = json.loads(run(
        cwd, "group", "add", "--name", "กลุ่มเพาะเห็ดบ้านหนองโพ", "--occupation", "เพาะเห็ด",
        "--village", "บ้านหนองโพ หมู่ที่ 3", "--officer", str(officer["officer_id"]),
        "--founded", "2025-06-01", "--json").stdout)  # fmt: skip
    return group


def test_a_poster_from_the_command_line_opens_both_chats_with_the_join_message(
    tmp_path: Path, fakes: tuple[FakeLine, FakeTelegram]
) -> None:
    from pyzbar.pyzbar import decode

    group = _group(tmp_path)
    env = _env(*fakes)
    png = tmp_path / "out" / "poster.png"
    done = run(tmp_path, "poster", "group", str(group["group_id"]), "--out", str(png), env=env)
    assert done.returncode == 0, done.stderr
    image = Image.open(png)
    assert image.size == (2480, 3508)  # A4 at 300 dpi
    links = sorted(d.data.decode() for d in decode(image))
    code = group["join_code"]
    basic = fakes[0].setup.basic_id
    assert links == [
        f"https://line.me/R/oaMessage/{basic}/?%E0%B9%80%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%81%E0%B8%A5%E0%B8%B8%E0%B9%88%E0%B8%A1%20{code}",
        f"https://t.me/{BOT_USERNAME}?start={code}",
    ]  # fmt: skip
    # A treasurer's poster, as a PDF to print: the treasurer's code, never the members'.
    pdf = tmp_path / "out" / "treasurer.pdf"
    done = run(tmp_path, "poster", "group", str(group["group_id"]), "--role", "treasurer",
               "--out", str(pdf), env=env)  # fmt: skip
    data = pdf.read_bytes()
    assert done.returncode == 0 and data.startswith(b"%PDF")
    assert re.search(rb"/MediaBox \[ 0 0 595\.\d+ 841\.\d+ \]", data)  # one A4 page


def test_a_poster_without_any_platform_says_what_is_missing(tmp_path: Path) -> None:
    group = _group(tmp_path)
    done = run(
        tmp_path, "poster", "group", str(group["group_id"]), "--out", str(tmp_path / "p.pdf")
    )
    assert done.returncode == 2 and "LINE_BASIC_ID" in done.stderr
    done = run(tmp_path, "poster", "group", str(group["group_id"]), "--out", str(tmp_path / "p.pdf"),
               env={"LINE_BASIC_ID": "@123abcde"})  # fmt: skip
    assert done.returncode == 0 and (tmp_path / "p.pdf").exists()


def test_setup_check_then_setup_then_check_is_green(
    tmp_path: Path, fakes: tuple[FakeLine, FakeTelegram]
) -> None:
    line, telegram = fakes
    env = _env(line, telegram)
    check = run(tmp_path, "setup", "--check", env=env)
    assert check.returncode == 1  # things are missing
    assert "❌" in check.stdout and "rich menus missing" in check.stdout
    assert line.setup.menus == {} and telegram.webhook is None  # --check changed nothing
    done = run(tmp_path, "setup", env=env)
    # The webhook test cannot reach this test's address: reported, everything else is done.
    assert "LINE's webhook test failed" in done.stdout
    assert len(line.setup.menus) == 9 and telegram.webhook is not None
    again = run(tmp_path, "setup", "--check", env=env)
    assert "🔧" not in again.stdout
    problems = [s for s in again.stdout.splitlines() if s.startswith("❌")]
    assert problems and all("ทดสอบ Webhook" in s for s in problems)  # only the unreachable test
