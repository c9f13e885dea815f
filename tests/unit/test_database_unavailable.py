"""Which database errors leave a message to be tried again (it stays pending) instead of being
answered "ระบบขัดข้อง" and marked handled: a PostgreSQL deadlock's victim is one of them."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.conversation import database_unavailable


class _DriverError(Exception):
    """What SQLAlchemy's asyncpg adapter raises: the SQLSTATE as `pgcode`."""

    def __init__(self, pgcode: str) -> None:
        super().__init__(pgcode)
        self.pgcode = pgcode


def _error(pgcode: str) -> DBAPIError:
    return DBAPIError("UPDATE chat_account …", {}, _DriverError(pgcode))


def test_a_deadlock_victim_or_a_serialization_failure_is_tried_again() -> None:
    assert database_unavailable(_error("40P01"))  # deadlock detected
    assert database_unavailable(_error("40001"))  # could not serialize access


def test_a_broken_rule_is_the_messages_own_failure() -> None:
    assert not database_unavailable(_error("23505"))  # unique violation
    assert not database_unavailable(IntegrityError("INSERT …", {}, _DriverError("23505")))
    assert not database_unavailable(ValueError("not a database error"))
