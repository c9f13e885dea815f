"""What a statement of the message path returned (bot/storage/driver.py `Fetched`): read like
SQLAlchemy's `Result` where the repositories read it."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import MultipleResultsFound, NoResultFound

from bot.storage.driver import Fetched


def test_what_a_statement_returned_reads_like_a_result() -> None:
    one = Fetched([(7, "x")], 1)
    assert one.one() == (7, "x") and one.scalar_one() == 7 and one.scalar() == 7
    assert one.first() == (7, "x") and one.all() == [(7, "x")] and list(one) == [(7, "x")]
    none = Fetched([], 0)
    assert none.first() is None and none.scalar() is None
    with pytest.raises(NoResultFound):
        none.one()
    with pytest.raises(MultipleResultsFound):
        Fetched([(1,), (2,)], 2).one()
