"""Database errors as SQLAlchemy hands them to the bot, for tests of what the bot does with them."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError


class DriverError(Exception):
    """What SQLAlchemy's asyncpg adapter raises: the SQLSTATE as `pgcode`."""

    def __init__(self, pgcode: str) -> None:
        super().__init__(pgcode)
        self.pgcode = pgcode


def postgres_error(pgcode: str) -> DBAPIError:
    """A statement PostgreSQL refused with this SQLSTATE (40P01: a deadlock's victim)."""
    return DBAPIError("UPDATE chat_account …", {}, DriverError(pgcode))
