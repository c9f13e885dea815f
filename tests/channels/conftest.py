from __future__ import annotations

import pytest

from tests.support.channel_stack import database_for

# A session fixture shared by tests/channels and tests/e2e (re-exported on purpose).
from tests.support.channel_stack import seeded_sqlite as seeded_sqlite


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> str:
    return database_for(request)
