"""Which database errors leave a message to be tried again (it stays pending) instead of being
answered "ระบบขัดข้อง" and marked handled: a PostgreSQL deadlock's victim is one of them."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.conversation import database_unavailable
from tests.support.db_errors import DriverError, postgres_error


def test_a_deadlock_victim_or_a_serialization_failure_is_tried_again() -> None:
    assert database_unavailable(postgres_error("40P01"))  # deadlock detected
    assert database_unavailable(postgres_error("40001"))  # could not serialize access


def test_a_broken_rule_is_the_messages_own_failure() -> None:
    assert not database_unavailable(postgres_error("23505"))  # unique violation
    assert not database_unavailable(IntegrityError("INSERT …", {}, DriverError("23505")))
    assert not database_unavailable(ValueError("not a database error"))
