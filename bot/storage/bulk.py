"""Bulk statements over many rows in a few round trips, on both databases.

PostgreSQL: each column travels as one text, its values joined by U+001F and split by
`string_to_array` in the statement (see `joined`), the rows rebuilt by `unnest`. SQLite: the
rows travel as one JSON document, read by `json_each`. A statement is written twice, once per
dialect; `bulk` picks one and sends the rows chunk by chunk. Used by the follow-up sweep
(bot/storage/sweep_reads.py, bot/storage/sweep_writes.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import UtcDateTime


def chunk_size(session: AsyncSession) -> int:
    """Rows per statement: PostgreSQL takes arrays of any length; SQLite parses one JSON text."""
    return 200_000 if session.get_bind().dialect.name == "postgresql" else 20_000


_COLUMNS = re.compile(r"string_to_array\(:(\w+),")
_SEPARATOR = "\x1f"  # ASCII unit separator: in no key, id or period the sweep makes


def joined(values: Sequence[Any]) -> str:
    """One column of a PostgreSQL bulk statement as one text: asyncpg encodes a text[]
    parameter element by element, with type checks for each (about 0.3 s for 200,000 keys of
    four columns), while one long text costs a copy. None becomes "" (the statements' NULL)."""
    parts = [
        value if isinstance(value, str) else "" if value is None else str(value) for value in values
    ]
    text = _SEPARATOR.join(parts)
    if text.count(_SEPARATOR) != len(parts) - 1:
        raise ValueError("a bulk value contains the column separator U+001F")
    return text


async def bulk(
    session: AsyncSession, pg: str, lite: str, rows: Sequence[Sequence[Any]], **scalars: Any
) -> list[Any]:
    """Runs a statement (`pg` or `lite` by dialect) over `rows` (tuples in the order of the
    statement's arrays), chunk by chunk, and returns what it returns. `scalars` are instants
    bound as such."""
    if not rows:
        return []
    postgres = session.get_bind().dialect.name == "postgresql"
    names = _COLUMNS.findall(pg)
    statement = text(pg if postgres else lite).bindparams(
        *(bindparam(name, value=value, type_=UtcDateTime()) for name, value in scalars.items())
    )
    returned: list[Any] = []
    size = chunk_size(session)
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        params: dict[str, Any]
        if postgres:
            params = {name: joined([row[i] for row in chunk]) for i, name in enumerate(names)}
        else:
            params = {"rows": json.dumps(chunk, ensure_ascii=False)}
        result = await session.execute(statement, params)
        if result.returns_rows:  # type: ignore[attr-defined]
            returned.extend(result.all())
        else:
            returned.append(result.rowcount)  # type: ignore[attr-defined]
    return returned
