"""Fixtures of the attack suite: the fake platforms in their own threads and a seeded database
per test (SQLite; PostgreSQL where a scenario asks for both backends)."""

from __future__ import annotations

# The seeded SQLite template is a session fixture shared with tests/e2e (re-exported on purpose).
from tests.support.channel_stack import seeded_sqlite as seeded_sqlite
from tests.support.stack_fixtures import db_url as db_url
from tests.support.stack_fixtures import fake_line as fake_line
from tests.support.stack_fixtures import fake_telegram as fake_telegram
