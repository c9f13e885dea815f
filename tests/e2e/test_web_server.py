"""The web server's other duties: /healthz, generated files under PUBLIC_BASE_URL/files/, the
periodic outbox drain of `serve`, and channels that are not configured."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from bot.app import build_app
from bot.config import Settings
from bot.storage.models import Outbox
from bot.web import create_web_app
from tests.support.channel_stack import Stack, running_stack
from tests.support.fake_line import FakeLine, user_id
from tests.support.fake_telegram import FakeTelegram
from tests.support.live_server import until


async def test_healthz_says_the_database_answers_and_which_channels_are_on(stack: Stack) -> None:
    response = await stack.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": True, "channels": ["line", "telegram"]}


async def test_healthz_answers_while_a_write_holds_the_database(stack: Stack) -> None:
    """Caddy checks /healthz every second with a time limit (deploy/caddy): on SQLite, where
    writes take turns, a check that waited behind a market-day burst's writes would mark the
    one worker down. The check reads, so it does not wait for the writer."""
    async with stack.app.uow() as uow:  # holds the write lock until it ends
        await uow.outbox.add("line", user_id(), {"text": "x"}, available_at=stack.clock.now())
        response = await asyncio.wait_for(stack.http.get("/healthz"), timeout=10)
        assert response.status_code == 200 and response.json()["database"] is True


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_healthz_answers_503_while_the_database_refuses_and_200_after(
    stack: Stack, db_url: str
) -> None:
    """Caddy takes a worker out while its /healthz fails: no webhook could be stored then, and
    the platforms deliver it again. It takes the worker back at the first 200."""
    import asyncpg

    database = db_url.rsplit("/", 1)[1]
    port = int(db_url.split(":")[-1].split("/")[0])
    admin = await asyncpg.connect(host="127.0.0.1", port=port, user="postgres")
    try:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
        down = await stack.http.get("/healthz")
        assert (down.status_code, down.json()) == (503, {"ok": False, "database": False})
    finally:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        await admin.close()
    assert (await stack.http.get("/healthz")).status_code == 200


async def test_generated_files_are_served_until_they_expire(stack: Stack) -> None:
    async with stack.app.uow() as uow:
        chart = await uow.files.put(
            b"\x89PNG-chart", "image/png", now=stack.clock.now(), ttl=timedelta(hours=1)
        )
        sheet = await uow.files.put(b"PK-xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                    now=stack.clock.now(), ttl=timedelta(hours=1), filename="รายงาน ต.ค. 2568.xlsx")  # fmt: skip
        await uow.commit()
    image = await stack.http.get(f"/files/{chart.key}")
    assert (image.status_code, image.content, image.headers["content-type"]) == (
        200,
        b"\x89PNG-chart",
        "image/png",
    )
    workbook = await stack.http.get(f"/files/{sheet.key}")
    assert (
        workbook.content == b"PK-xlsx" and "attachment" in workbook.headers["content-disposition"]
    )
    assert (await stack.http.get("/files/not-a-key")).status_code == 404
    stack.clock.instant += timedelta(hours=2)
    assert (await stack.http.get(f"/files/{chart.key}")).status_code == 404


async def test_serve_drains_left_over_outbox_rows_by_itself(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram
) -> None:
    async with running_stack(db_url, fake_line, fake_telegram, drain_interval=0.05) as stack:
        user = user_id()
        async with stack.app.uow() as uow:  # e.g. written by a worker that crashed before sending
            await uow.outbox.add(
                "line", user, {"text": "ข้อความที่ค้างไว้"}, available_at=stack.clock.now()
            )
            await uow.commit()
        await until(lambda: stack.line.texts(user) == ["ข้อความที่ค้างไว้"], what="the drain loop")
        await stack.settled()
        assert await stack.count(Outbox, Outbox.status == "sent", Outbox.recipient == user) == 1


async def test_a_channel_without_credentials_is_off(sqlite_url: str) -> None:
    app = build_app(Settings(_env_file=None, database_url=sqlite_url))
    try:
        web = create_web_app(app, scheduler=False, drain_interval=0, dashboard=False)
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            assert (await http.post("/webhooks/line", content=b"{}")).status_code == 404
            assert (await http.post("/webhooks/telegram", content=b"{}")).status_code == 404
    finally:
        await app.close()
