"""The multi-turn scenario suite (issue 13): every conversation in scenarios.py, through the
real core, on SQLite; the ones where storage matters (undo, edit, limits) on PostgreSQL too."""

from __future__ import annotations

import pytest

from bot.app import build_app
from bot.clock import FixedClock
from tests.conftest import test_settings as settings_for
from tests.conversations.model import Scenario
from tests.conversations.runner import play
from tests.conversations.scenarios import SCENARIOS
from tests.support.chat import Chat, RecordingTransport


def _cases() -> list[object]:
    cases: list[object] = []
    for case in SCENARIOS:
        cases.append(pytest.param(case, "sqlite", id=f"{case.name}-sqlite"))
        if case.both_databases:
            cases.append(
                pytest.param(
                    case, "postgres", id=f"{case.name}-postgres", marks=pytest.mark.postgres
                )
            )
    return cases


def test_the_suite_is_large_and_names_are_unique() -> None:
    names = [case.name for case in SCENARIOS]
    assert len(names) == len(set(names))
    assert len(names) >= 80


@pytest.fixture
def backend_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.mark.parametrize(("case", "backend_url"), _cases(), indirect=["backend_url"])
async def test_scenario(case: Scenario, backend_url: str, clock: FixedClock) -> None:
    url = backend_url
    transport = RecordingTransport("console")
    app = build_app(settings_for(url), clock=clock, transports={"console": transport})
    try:
        chat = Chat(app, transport)
        await chat.seed()
        await play(chat, case)
    finally:
        await app.close()
