"""The event loop and HTTP parser `serve` and `poll` run on (settings EVENT_LOOP, HTTP_PARSER).

uvloop (libuv) and httptools (llhttp) are C implementations of what asyncio's default loop and
uvicorn's h11 do in Python; they are dependencies of the bot, so "auto" normally means them.
"auto" falls back to asyncio and h11 where they cannot be imported (a platform without a
wheel); naming one explicitly that is missing is an error at start-up, not a silent fallback.
bench/bare_app.py uses the same functions, so the webhook bench's ceiling runs on the same
stack as `serve` and their ratio compares the bot, not the settings.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    import uvicorn

T = TypeVar("T")
Loop = Literal["uvloop", "asyncio"]
Http = Literal["httptools", "h11"]


class StackUnavailable(RuntimeError):
    """EVENT_LOOP or HTTP_PARSER names a package that is not installed."""


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _choose(setting: str, choice: str, fast: str, standard: str) -> str:
    """`standard` if asked for; else `fast` if installed; else an error if `fast` was asked
    for by name, `standard` for "auto"."""
    if choice == standard:
        return standard
    if _installed(fast):
        return fast
    if choice == fast:
        raise StackUnavailable(f"{setting}={fast} but {fast} is not installed")
    return standard


def event_loop(choice: str) -> Loop:
    """The loop that `choice` ("auto", "uvloop", "asyncio") comes to on this machine."""
    return "uvloop" if _choose("EVENT_LOOP", choice, "uvloop", "asyncio") == "uvloop" else "asyncio"


def http_parser(choice: str) -> Http:
    """The parser that `choice` ("auto", "httptools", "h11") comes to on this machine."""
    chosen = _choose("HTTP_PARSER", choice, "httptools", "h11")
    return "httptools" if chosen == "httptools" else "h11"


def loop_factory(loop: Loop) -> Callable[[], asyncio.AbstractEventLoop] | None:
    if loop == "uvloop":
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
        return factory
    return None  # asyncio's default


def uvicorn_config(app: Any, host: str, port: int, http: Http) -> uvicorn.Config:
    """How `serve` runs uvicorn (and bench/bare_app.py, the bench's ceiling). The loop is the
    one already running (`run`), so uvicorn is told not to set up its own."""
    import uvicorn

    return uvicorn.Config(
        app, host=host, port=port, lifespan="on", proxy_headers=True, log_config=None,
        loop="none", http=http,
    )  # fmt: skip


def run(main: Coroutine[Any, Any, T], loop: Loop) -> T:
    """`asyncio.run(main)` on the chosen loop (asyncio.Runner: the same shutdown steps)."""
    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        return runner.run(main)
