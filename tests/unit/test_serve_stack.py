"""EVENT_LOOP and HTTP_PARSER (bot/web/stack.py): what `serve` and `poll` run on.

An operator who leaves them at "auto" gets uvloop and httptools (dependencies of the bot); one
who names a package that is not installed is told so at start-up instead of silently getting
something else."""

from __future__ import annotations

import asyncio

import pytest
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bot import cli
from bot.config import Settings
from bot.web import stack


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_on_uvloop_and_httptools_the_bot_installs() -> None:
    assert Settings(_env_file=None).event_loop == "auto"
    assert Settings(_env_file=None).http_parser == "auto"
    assert stack.event_loop("auto") == "uvloop"
    assert stack.http_parser("auto") == "httptools"
    assert stack.run(_loop_module(), stack.event_loop("auto")).startswith("uvloop")


def test_asyncio_and_h11_can_be_forced() -> None:
    assert stack.event_loop("asyncio") == "asyncio"
    assert stack.http_parser("h11") == "h11"
    assert stack.run(_loop_module(), "asyncio") == "asyncio.unix_events"


def test_auto_falls_back_when_the_packages_are_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack, "_installed", lambda module: False)
    assert stack.event_loop("auto") == "asyncio"
    assert stack.http_parser("auto") == "h11"
    with pytest.raises(stack.StackUnavailable, match="uvloop"):
        stack.event_loop("uvloop")
    with pytest.raises(stack.StackUnavailable, match="httptools"):
        stack.http_parser("httptools")


@pytest.mark.parametrize(("http", "protocol"), [("httptools", HttpToolsProtocol), ("h11", H11Protocol)])  # fmt: skip
def test_uvicorn_is_configured_with_the_chosen_parser_and_the_running_loop(
    http: stack.Http, protocol: type
) -> None:
    config = stack.uvicorn_config(object(), "127.0.0.1", 8000, http)
    config.load()
    assert config.http_protocol_class is protocol
    assert config.loop == "none"  # uvicorn runs on the loop `stack.run` made
    assert config.proxy_headers and config.lifespan == "on"


def test_serve_refuses_to_start_on_a_loop_that_is_not_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EVENT_LOOP", "uvloop")
    monkeypatch.setattr(stack, "_installed", lambda module: False)
    assert cli.main(["serve", "--port", "1"]) == 2
    assert "EVENT_LOOP=uvloop but uvloop is not installed" in capsys.readouterr().err


def test_an_unknown_choice_is_refused_by_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENT_LOOP", "tokio")
    with pytest.raises(ValueError, match="event_loop"):
        Settings(_env_file=None)
