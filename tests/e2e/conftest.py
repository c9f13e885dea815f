"""The whole path over HTTP: signed webhook → uvicorn + Starlette → conversation core →
database → outbox → sender → real line-bot-sdk / python-telegram-bot clients → local fake
LINE and Bot API servers (each in its own thread). The clock starts at the real present
(reply-token age is measured against the outbox rows' creation time); tests move it by hand."""

from __future__ import annotations

# A session fixture shared by tests/channels and tests/e2e (re-exported on purpose).
from tests.support.channel_stack import seeded_sqlite as seeded_sqlite
from tests.support.stack_fixtures import db_url as db_url
from tests.support.stack_fixtures import fake_line as fake_line
from tests.support.stack_fixtures import fake_telegram as fake_telegram
from tests.support.stack_fixtures import stack as stack
