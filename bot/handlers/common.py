"""Pieces the report handlers share: which group a report is for, and the saved-record echo."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from bot.handlers.context import AFTER_RECORD, Context, reply
from bot.messages import Reply
from bot.services.errors import NotAllowed
from bot.services.records import NOT_MEMBER, resolve_group
from bot.storage.models import Role
from bot.wording import thai_date

Check = Callable[[Context, dict[str, object]], Awaitable[None]]


def group_check(
    roles: Iterable[str] = tuple(Role), refusal: str = NOT_MEMBER, *, household_ok: bool = False
) -> Check:
    """A `check` that settles the report's group before anything is asked: the group chat's
    group, the one chosen earlier, or the person's only group; refusals come from the service."""
    allowed = tuple(roles)

    async def check(ctx: Context, slots: dict[str, object]) -> None:
        actor = ctx.actor
        if actor is None:
            raise NotAllowed(NOT_MEMBER)
        if (
            household_ok
            and not actor.groups
            and actor.household_id is not None
            and ctx.room_group_id is None
        ):
            return  # a target household reports for itself
        wanted = ctx.room_group_id if ctx.room_group_id is not None else slots.get("group_id")
        group = resolve_group(actor, wanted if isinstance(wanted, int) else None, allowed, refusal)
        slots["group_id"] = group.group_id
        slots["group_name"] = group.group_name

    return check


def saved(headline: str, details: list[str], when: object, where: object) -> Reply:
    lines = [f"{headline} ✅", *[d for d in details if d]]
    footer = []
    if when is not None:
        footer.append(f"วันที่ {thai_date(when)}")  # type: ignore[arg-type]
    if where:
        footer.append(str(where))
    if footer:
        lines.append(" · ".join(footer))
    lines.append("หากผิด กด ยกเลิก หรือ แก้ไข ได้ค่ะ")
    return reply("\n".join(lines), *AFTER_RECORD)
