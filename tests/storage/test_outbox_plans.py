"""On SQLite, which keeps no statistics, the outbox's per-chat order is looked up in the chat's
partial index (ix_outbox_chat_pending), not by reading every pending row through ix_outbox_due:
at night those are the morning's reminders, and every message of the day asks this question
(the leased INSERT, `due`, the sent mark)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from bot.app import App
from tests.conftest import NOW


async def test_a_chats_older_and_newer_rows_are_found_through_the_chats_index(app: App) -> None:
    async with app.uow() as uow:  # a night's reminders, pending for the morning
        for n in range(50):
            await uow.outbox.add(
                "line", f"U{n}", {"text": "เตือนค่ะ"}, available_at=NOW, kind="reminder"
            )
        await uow.commit()
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "outbox_1" in statement:  # the per-chat subquery
            seen.append((statement, parameters))

    event.listen(app.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with app.uow() as uow:
            outbox_id, _ = await uow.outbox.add_leased(
                "line", "U1", {"text": "ตอบค่ะ"}, "token", now=NOW, created_at=NOW,
                leased_until=NOW, retry_key="key", chat_account_id=None,
            )  # fmt: skip
            await uow.outbox.due(NOW, 10)
            await uow.outbox.mark_all_sent([outbox_id], NOW)
            await uow.commit()
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", record)
    assert len(seen) == 3
    async with app.engine.connect() as connection:
        for statement, parameters in seen:
            plan = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            inner = [row[-1] for row in plan if "outbox_1" in row[-1]]
            assert inner and all("ix_outbox_chat_pending" in step for step in inner), (
                statement.split("\n")[0],
                inner,
            )
