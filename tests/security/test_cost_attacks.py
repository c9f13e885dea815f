"""The cheap slowdown (issue 14): four members each sending สรุป once a second — inside the
flood limit — while another member of the same group records sales. Against a real
`sammachip serve` on SQLite (one writer); LINE's fetching of each chart picture is played by
the test, as LINE's servers would. The other member's reply time is compared with a baseline
measured in the same run, as a ratio (a slow machine slows both)."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.storage.models import StoredFile
from tests.reliability.harness import figures, line_request, link_many, sale_text
from tests.security.attack import count, quiet, served
from tests.support.channel_stack import PUBLIC
from tests.support.fake_line import FakeLine, user_id
from tests.support.fake_telegram import FakeTelegram
from tests.support.live_server import until

ASKERS = 4
SECONDS = 8  # each asker sends สรุป once a second for this long
SALES = 12  # the other member's messages, before and during


def picture_urls(messages: list[dict[str, Any]]) -> list[str]:
    """The pictures LINE shows for these messages: image messages and Flex cards' hero images."""
    urls = []
    for message in messages:
        if message.get("type") == "image":
            urls.append(message["originalContentUrl"])
        elif message.get("type") == "flex":
            hero = message["contents"].get("hero") or {}
            if hero.get("type") == "image":
                urls.append(hero["url"])
    return urls


async def test_four_members_asking_for_summaries_do_not_slow_another_member(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    askers, other = [user_id() for _ in range(ASKERS)], user_id()
    await link_many(db_url, "line", [*askers, other])
    latencies: dict[str, list[float]] = {"baseline": [], "during": []}
    fetched: list[int] = []
    env = {"FLOOD_BURST": "100"}  # the flood gate is not what is measured here
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log", env=env) as bot:

        async def send(user: str, text: str) -> str:
            token = fake_line.issue_token(user)
            body, headers = line_request([bot.events.text(text, user=user, reply_token=token)])
            response = await bot.http.post("/webhooks/line", content=body, headers=headers)
            assert response.status_code == 200
            return token

        async def sale(n: int, phase: str) -> None:
            started = time.monotonic()
            token = await send(other, sale_text(n))
            await until(
                lambda: any(c.reply_token == token for c in fake_line.delivered),
                within=30,
                what="the other member's reply",
            )
            [call] = [c for c in fake_line.delivered if c.reply_token == token]
            latencies[phase].append(call.at - started)

        async def line_fetches_pictures(stop: asyncio.Event) -> None:
            """LINE's servers fetch each picture it is sent, to show it."""
            seen = 0
            while not stop.is_set() or seen < len(fake_line.delivered):
                calls = list(fake_line.delivered)
                for call in calls[seen:]:
                    for url in picture_urls(call.messages):
                        fetched.append((await bot.http.get(url.removeprefix(PUBLIC))).status_code)
                seen = len(calls)
                await asyncio.sleep(0.05)

        stop = asyncio.Event()
        fetching = asyncio.create_task(line_fetches_pictures(stop))
        # Warm-up: the first summary and its chart load the drawing library.
        await send(askers[0], "สรุป")
        await until(lambda: len(fetched) >= 1, within=30, what="the first chart fetched")
        await sale(100, "baseline")
        for n in range(SALES):
            await sale(n, "baseline")
            await asyncio.sleep(0.3)

        async def ask(user: str) -> None:
            for _ in range(SECONDS):
                await send(user, "สรุป")
                await asyncio.sleep(1.0)

        async def meanwhile() -> None:
            await asyncio.sleep(0.5)
            for n in range(SALES, 2 * SALES):
                await sale(n, "during")
                await asyncio.sleep(0.3)

        await asyncio.gather(*(ask(u) for u in askers), meanwhile())
        await quiet(db_url)
        stop.set()
        await fetching
        charts = await count(db_url, StoredFile, StoredFile.content_type == "image/png")
        drawn = await count(
            db_url, StoredFile, StoredFile.content_type == "image/png", StoredFile.data != b""
        )
        too_often = sum(1 for a in askers for t in fake_line.texts(a) if "บ่อยเกินไป" in t)
    baseline, during = (
        statistics.median(latencies["baseline"]),
        statistics.median(latencies["during"]),
    )
    figures(
        "four members asking สรุป once a second (SQLite, one writer)",
        summaries_asked=ASKERS * SECONDS + 1,
        told_to_wait=too_often,
        charts_stored=charts,
        charts_drawn=drawn,
        pictures_fetched=len(fetched),
        other_reply_ms_median_baseline=round(baseline * 1000),
        other_reply_ms_median_during=round(during * 1000),
        other_reply_ms_worst_during=round(max(latencies["during"]) * 1000),
    )
    assert all(status == 200 for status in fetched)
    assert too_often > 0  # the per-person rate of expensive commands
    assert charts < ASKERS * SECONDS  # one chart per (group, month, data version)
    assert during <= 2 * baseline, latencies


async def test_stored_charts_are_reused_and_purged(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    from datetime import timedelta

    from bot.app import build_app
    from bot.config import Settings
    from scheduler.jobs import purge

    askers = [user_id() for _ in range(3)]
    await link_many(db_url, "line", askers)
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        for user in askers:
            await bot.line_says(user, "สรุป")
    keys = await _chart_keys(db_url)
    assert len(keys) == 1  # three summaries, one chart: nothing changed in between
    app = build_app(Settings(_env_file=None, database_url=db_url))
    try:
        done = await purge(app, app.clock.now() + timedelta(days=8))
    finally:
        await app.close()
    assert done.files >= 1 and await _chart_keys(db_url) == []


async def _chart_keys(url: str) -> list[str]:
    from tests.security.attack import rows

    return [
        k
        for (k,) in await rows(
            url, select(StoredFile.key).where(StoredFile.content_type == "image/png")
        )
    ]
