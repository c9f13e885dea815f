"""Column values of a stored row as JSON-safe data: the audit log's before and after, and what
a person's data export (ข้อมูลของฉัน) shows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect as sa_inspect


def snapshot(record: object) -> dict[str, Any]:
    """Column values as JSON-safe strings, for before/after in the audit log."""
    state = sa_inspect(record)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        value = getattr(record, attr.key)
        out[attr.key] = value if isinstance(value, (int, str, bool, type(None))) else str(value)
    return out
