"""Keeping each person's menu right (LINE rich menu, Telegram command list): one call in the
transaction that changes who someone is in the programme. It only queues the work (the
`menu_sync` table); `scheduler/menu_sync.py` does it after commit, from the roles the person
has then. So a platform that is down never undoes a link, and the latest change wins."""

from __future__ import annotations

from bot.storage.unit_of_work import UnitOfWork


async def roles_changed(uow: UnitOfWork, *person_ids: int | None) -> int:
    """Call when a person was linked, got or lost a role, or was unlinked: their menus on
    every platform are brought up to date after this transaction commits."""
    return sum([await uow.menus.queue_person(person_id) for person_id in person_ids])


async def accounts_leaving(uow: UnitOfWork, account_ids: list[int]) -> int:
    """Call before deleting chat accounts (erasure): their menus go back to the stranger's."""
    if not account_ids:
        return 0
    rows = await uow.people.account_addresses(account_ids)
    count = 0
    for channel in uow.menus.channels:
        count += await uow.menus.queue(channel, [e for c, e in rows if c == channel])
    return count


async def everyone(uow: UnitOfWork) -> int:
    """Every account on a platform with a menu (after `sammachip setup` created the menus)."""
    count = 0
    for channel in uow.menus.channels:
        ids = await uow.people.external_ids_on(channel)
        for start in range(0, len(ids), 1000):
            count += await uow.menus.queue(channel, list(ids[start : start + 1000]))
    return count
