"""python-telegram-bot's HTTP requests on aiohttp instead of httpx.

PTB sends through `telegram.request.HTTPXRequest` unless it is given another `BaseRequest`
(`ApplicationBuilder.request` / `.get_updates_request`, its documented extension point). In a
burst of replies almost all of a Telegram sendMessage's CPU was httpx, httpcore and anyio: a
bare httpx POST of the same form costs 1.0–1.8 ms, the same POST through aiohttp ~0.25 ms
(BENCHMARKS.md "The stack itself and the platform clients", bench/send_cost.py). aiohttp is
already here for line-bot-sdk.

`AiohttpRequest` keeps `HTTPXRequest`'s contract: the same default timeouts and pool sizes, the
same bodies on the wire (form fields urlencoded, or multipart with the files after the fields,
each file with its filename and mimetype), `TimedOut` for a timeout and `NetworkError` for any
other transport failure, `(status, body)` for every answer (PTB's `BaseRequest` turns non-2xx
into its typed errors).

One keep-alive `aiohttp.ClientSession` per request object, opened in `initialize` (inside the
running loop) and closed in `shutdown`. It runs with `trust_env=False`: aiohttp would otherwise
look in ~/.netrc and the proxy variables in a worker thread before every request. The proxy the
environment names for the Bot API host (`HTTPS_PROXY` etc., bot/channels/http_env.py) is
resolved once at `initialize` and used for every request; a changed variable takes effect at the
next start. SOCKS proxies from the environment, which httpx never took either, are not supported.
"""

from __future__ import annotations

import os
import re
from typing import IO
from urllib.parse import urlencode

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.channels.http_env import EnvProxy, env_proxy

_FORM = "application/x-www-form-urlencoded"

# aiohttp puts the request URL in some messages ("Connection timeout to host …"), and a Bot API
# URL holds the bot's token: errors are logged and kept on outbox rows.
_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+")


def _failure(error: Exception) -> str:
    # The class name: the message alone can be empty (a server that hung up).
    return _TOKEN_IN_URL.sub("/bot<token>", f"aiohttp.{type(error).__name__}: {error}")


# How httpx (and browsers, per HTML5) escape a name or filename inside a multipart header:
# the raw UTF-8 text, with quotes, backslashes and control characters made harmless. Telegram
# shows the filename to the person as it arrives (a Thai workbook name must stay Thai).
_FORM_PARAM_ESCAPES = str.maketrans(
    {'"': "%22", "\\": "\\\\", **{chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}}
)


def _form_param(name: str, value: str) -> bytes:
    return f'{name}="{value.translate(_FORM_PARAM_ESCAPES)}"'.encode()


def _content(content: bytes | IO[bytes]) -> bytes:
    """A part's bytes. The bot uploads bytes it already holds; a file handle (PTB allows one)
    is read whole, as the Bot API's 50 MB upload limit keeps it small enough."""
    if isinstance(content, bytes):
        return content
    data = content.read()
    return data if isinstance(data, bytes) else bytes(data)


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, bytes | IO[bytes], str]]
) -> tuple[bytes, str]:
    """The multipart/form-data body and its Content-Type, laid out as httpx lays it out
    (PTB's `data=` fields first, then `files=`, each file with filename and Content-Type)."""
    boundary = os.urandom(16).hex().encode()
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks += [b"--", boundary, b"\r\nContent-Disposition: form-data; "]
        chunks += [_form_param("name", name), b"\r\n\r\n", value.encode(), b"\r\n"]
    for name, (filename, content, mimetype) in files.items():
        chunks += [b"--", boundary, b"\r\nContent-Disposition: form-data; "]
        chunks += [_form_param("name", name), b"; ", _form_param("filename", filename)]
        chunks += [b"\r\nContent-Type: ", mimetype.encode(), b"\r\n\r\n", _content(content)]
        chunks.append(b"\r\n")
    chunks += [b"--", boundary, b"--\r\n"]
    return b"".join(chunks), f"multipart/form-data; boundary={boundary.decode()}"


def _total(*parts: float | None) -> float | None:
    """aiohttp has no write timeout: the request as a whole is bounded by the sum of its
    phases instead, so a stalled upload still ends (unbounded if any phase is)."""
    if any(p is None for p in parts):
        return None
    return sum(p for p in parts if p is not None)


class AiohttpRequest(BaseRequest):
    """`telegram.request.BaseRequest` on one pooled aiohttp session (see the module's doc).
    `api_url` is the Bot API's base URL, for the proxy lookup.

    Defaults are `HTTPXRequest`'s: a pool of 256 connections (PTB's builder gives getUpdates
    1), 5 s connect/read/write, 1 s to wait for a free connection, 20 s to write an upload.
    """

    __slots__ = (
        "_api_url",
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        api_url: str,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._api_url = api_url
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxy: EnvProxy | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds getUpdates' long-poll `timeout` to it)."""
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is not None and not self._session.closed:
            return
        # Which proxy, if any, the environment names for the Bot API host: asked once, here.
        self._proxy = env_proxy(self._api_url)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._pool_size),
            cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none; skip the jar's work
            trust_env=False,
        )

    async def shutdown(self) -> None:
        if self._session is None or self._session.closed:
            return
        await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else {}
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = self._pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if files else self._write_timeout
        timeout = aiohttp.ClientTimeout(
            total=_total(pool_timeout, connect_timeout, write_timeout, read_timeout),
            # aiohttp's `connect` covers waiting for a pooled connection and opening one
            connect=_total(pool_timeout, connect_timeout),
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )

        headers = {"User-Agent": self.USER_AGENT}
        body: bytes | None = None
        if files:
            body, headers["Content-Type"] = multipart(fields, files)
        elif fields:
            body = urlencode(fields).encode()
            headers["Content-Type"] = _FORM

        proxy = self._proxy
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout,
                allow_redirects=False,  # as PTB's httpx request: a Bot API answer is final
                proxy=proxy.url if proxy else None,
                proxy_headers=proxy.headers if proxy else None,
            ) as response:  # fmt: skip
                return response.status, await response.read()
        # Not chained (`from None`): the original's message may name the URL, token and all.
        except TimeoutError as error:  # aiohttp's own timeouts are TimeoutErrors too
            raise TimedOut(_failure(error)) from None
        except aiohttp.ClientError as error:
            raise NetworkError(_failure(error)) from None
