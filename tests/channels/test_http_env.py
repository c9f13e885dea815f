"""A district office behind a web proxy: the proxy named in the environment (HTTP_PROXY /
HTTPS_PROXY, NO_PROXY, credentials in the URL) carries the bot's LINE and Telegram calls, although the
platform client no longer looks the environment up before every request (bot/channels/http_env.py:
it is resolved once, when the channel opens)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import aiohttp
import pytest

from bot.channels.base import Outgoing
from bot.channels.http_env import env_proxy
from bot.channels.line import LineChannel
from bot.channels.telegram import TelegramChannel
from bot.messages import Reply
from tests.support.fake_line import FakeLine, user_id
from tests.support.fake_telegram import FakeTelegram

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@dataclass
class ForwardProxy:
    """A plain HTTP forward proxy on 127.0.0.1: it records each request line and its
    Proxy-Authorization, and passes the request on (one request per connection)."""

    seen: list[tuple[str, str | None]] = field(default_factory=list)
    server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, target, _ = head[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in head[1:] if line)
        proxy_auth = next(
            (v for k, v in headers.items() if k.lower() == "proxy-authorization"), None
        )
        self.seen.append((f"{method} {target}", proxy_auth))
        length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
        body = await reader.readexactly(length)
        passed = {
            k: v
            for k, v in headers.items()
            if k.lower() not in ("proxy-authorization", "proxy-connection", "host", "connection")
        }
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, target, headers=passed, data=body) as answer,
        ):
            payload = await answer.read()
            status = answer.status
            kind = answer.headers.get("Content-Type", "application/json")
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {len(payload)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardProxy]:
    forward = ForwardProxy()
    forward.server = await asyncio.start_server(forward.handle, "127.0.0.1", 0)
    yield forward
    forward.server.close()
    await forward.server.wait_closed()


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    server = FakeLine().start()
    yield server
    server.stop()


async def open_line(fake: FakeLine) -> LineChannel:
    return LineChannel.open(
        access_token=fake.access_token, api_base_url=fake.url, public_base_url=None,
        messages_per_second=100, timeout=2.0,
    )  # fmt: skip


async def test_line_calls_go_through_the_offices_proxy(
    fake: FakeLine, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://office:s3cret@127.0.0.1:{proxy.port}")
    line = await open_line(fake)
    # Read once, at open: a later change does not reroute calls (it takes a restart).
    monkeypatch.delenv("HTTP_PROXY")
    try:
        to = user_id()
        await line.transport.send(Outgoing(1, "line", to, Reply("บันทึกแล้วค่ะ"), None, "k1", 1))
        token = fake.issue_token(to)
        await line.transport.send(Outgoing(2, "line", to, Reply("ขอบคุณค่ะ"), token, None, 1))
    finally:
        await line.close()
    # (The proxy's credentials travel in the CONNECT of the real, https:// API; the fake
    # here is plain http, so only the request lines can be checked end to end.)
    assert [line for line, _ in proxy.seen] == [
        f"POST {fake.url}/v2/bot/message/push",
        f"POST {fake.url}/v2/bot/message/reply",
    ]
    assert [call.endpoint for call in fake.delivered] == ["push", "reply"]


async def test_no_proxy_names_the_platform_host(
    fake: FakeLine, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    line = await open_line(fake)
    try:
        await line.transport.send(Outgoing(1, "line", user_id(), Reply("ค่ะ"), None, "k1", 1))
    finally:
        await line.close()
    assert proxy.seen == []
    assert [call.endpoint for call in fake.delivered] == ["push"]


async def test_telegram_calls_go_through_the_offices_proxy(
    proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram_api = FakeTelegram().start()
    monkeypatch.setenv("HTTP_PROXY", f"http://office:s3cret@127.0.0.1:{proxy.port}")

    async def no_files(_key: str) -> None:
        return None

    try:
        channel = await TelegramChannel.open(
            token=telegram_api.token, base_url=telegram_api.base_url, webhook_secret=None,
            files=no_files, request_timeout=2.0,
        )  # fmt: skip
        monkeypatch.delenv("HTTP_PROXY")  # read once, at open (both the bot's and getUpdates')
        try:
            await channel.transport.send(
                Outgoing(1, "telegram", "501", Reply("บันทึกแล้วค่ะ"), None, "k1", 1)
            )
            await channel.bot.get_updates(timeout=0)
        finally:
            await channel.close()
    finally:
        telegram_api.stop()
    api = f"{telegram_api.base_url}{telegram_api.token}"
    assert [line for line, _ in proxy.seen] == [
        f"POST {api}/getMe",
        f"POST {api}/sendMessage",
        f"POST {api}/getUpdates",
    ]
    assert telegram_api.texts(501) == ["บันทึกแล้วค่ะ"]


def test_the_lookup_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_proxy("https://api.line.me") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.office.go.th:3128")
    found = env_proxy("https://api.line.me")
    assert found is not None
    assert (found.url, found.headers) == ("http://proxy.office.go.th:3128", {})
    monkeypatch.setenv("HTTPS_PROXY", "http://office:s3cret@proxy.office.go.th:3128")
    found = env_proxy("https://api.line.me")
    assert found is not None
    credentials = "Basic " + base64.b64encode(b"office:s3cret").decode()
    assert (found.url, found.headers) == (
        "http://proxy.office.go.th:3128",
        {"Proxy-Authorization": credentials},
    )
    monkeypatch.setenv("NO_PROXY", "api.line.me")
    assert env_proxy("https://api.line.me") is None


def test_the_forms_an_office_writes_its_proxy_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a scheme it is an HTTP proxy (as curl and httpx read it); ALL_PROXY when no
    variable names the scheme; a SOCKS proxy is not taken from the environment."""
    monkeypatch.setenv("HTTPS_PROXY", "proxy.office.go.th:3128")
    found = env_proxy("https://api.telegram.org")
    assert found is not None and found.url == "http://proxy.office.go.th:3128"
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.setenv("ALL_PROXY", "http://all.office.go.th:8080")
    found = env_proxy("https://api.telegram.org")
    assert found is not None and found.url == "http://all.office.go.th:8080"
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    assert env_proxy("https://api.telegram.org") is None
