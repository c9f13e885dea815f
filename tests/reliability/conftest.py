"""Fixtures of the reliability suite: the fake platforms, a seeded database per test, and the
in-process stack of tests/support/channel_stack.py (the same one the e2e tests drive)."""

from __future__ import annotations

# The seeded SQLite template is a session fixture shared with tests/e2e (re-exported on purpose).
from tests.support.channel_stack import seeded_sqlite as seeded_sqlite
from tests.support.stack_fixtures import db_url as db_url
from tests.support.stack_fixtures import fake_line as fake_line
from tests.support.stack_fixtures import fake_telegram as fake_telegram
from tests.support.stack_fixtures import stack as stack
