"""The real web app under uvicorn, on a free 127.0.0.1 port, inside the test's event loop (so
it shares the test's database engine); the fake platform servers run in their own threads."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp


class LiveServer:
    def __init__(self, asgi: ASGIApp) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        config = uvicorn.Config(
            asgi, lifespan="on", log_level="warning", http="h11", ws="none", access_log=False,
            timeout_graceful_shutdown=5,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> LiveServer:
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        deadline = time.monotonic() + 10
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what made start-up fail
                raise RuntimeError("server stopped during start-up")
            if time.monotonic() > deadline:
                raise TimeoutError("server did not start")
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        self._sock.close()


async def until(
    predicate: Callable[[], bool], within: float = 5.0, what: str = "condition"
) -> None:
    """Waits (without blocking the loop) until `predicate()` is true."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
