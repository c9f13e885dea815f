"""Flood control shared by every worker on PostgreSQL: one upsert per message.

The token bucket of `bot.flood.FloodGate`, computed by the database inside the message's own
transaction: the row stays locked until that transaction ends (two messages of one sender are
counted one after the other, whichever worker has them), and a message whose handling fails
rolls its token back with everything else (no refund step)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Float, Table, bindparam, case, func
from sqlalchemy.dialects.postgresql import insert as pg_insert

from bot.storage.driver import prebuilt
from bot.storage.models import FloodBucket
from bot.storage.repositories.base import _Repository


def admit_statement() -> Any:
    """One sender's token taken (or a refusal counted) in one upsert, built once: it runs on
    every message with several workers."""
    table = cast(Table, FloodBucket.__table__)
    new = pg_insert(table).values(
        channel=bindparam("b_channel"),
        sender=bindparam("b_sender"),
        tokens=bindparam("b_full", type_=Float),
        updated=bindparam("b_arrived", type_=table.c.updated.type),
        refused=0,
    )
    burst = bindparam("b_burst", type_=Float)
    # Never move back in time: messages handled out of arrival order must not refill the
    # interval between them twice (see bot/flood.py).
    elapsed = func.greatest(func.extract("epoch", new.excluded.updated - table.c.updated), 0)
    refilled = func.least(burst, table.c.tokens + elapsed * bindparam("b_rate", type_=Float))
    return new.on_conflict_do_update(
        index_elements=[table.c.channel, table.c.sender],
        set_={
            "tokens": case((refilled >= 1, refilled - 1), else_=refilled),
            "refused": case((refilled >= 1, 0), else_=table.c.refused + 1),
            "updated": func.greatest(table.c.updated, new.excluded.updated),
        },
    ).returning(table.c.refused)


_ADMIT = prebuilt(admit_statement())


def admission(
    key: tuple[str, str], arrived: datetime, burst: int, per_second: float
) -> dict[str, Any]:
    """The parameters of one admission (`admit_statement`): the sender's (channel, id), when the
    message arrived, the bucket's size and refill rate."""
    return {
        "b_channel": key[0],
        "b_sender": key[1],
        "b_full": float(burst) - 1.0,
        "b_arrived": arrived,
        "b_burst": float(burst),
        "b_rate": per_second,
    }


def verdict(refused: int) -> tuple[bool, bool]:
    """(accepted, tell) from the refusals counted since the last accepted message: `tell`
    for the first refused message of a flood only."""
    return refused == 0, refused == 1


class FloodRepository(_Repository):
    @property
    def shared(self) -> bool:
        """Only PostgreSQL shares the buckets; SQLite's one process keeps them in memory."""
        return self._on_postgres

    async def admit(
        self, key: tuple[str, str], arrived: datetime, burst: int, per_second: float
    ) -> tuple[bool, bool]:
        """(accepted, tell) exactly as `FloodGate.admit`: `tell` for the first refused message
        of a flood only. `refused` counts refusals since the last accepted message."""
        refused = (
            await self._core(_ADMIT, admission(key, arrived, burst, per_second))
        ).scalar_one()
        return verdict(int(refused))
