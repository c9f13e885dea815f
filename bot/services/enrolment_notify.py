"""Telling people about changes to who they are in the bot: a new link, a second account, a
handover, a security alert. Each message is an outbox push to a person's private chat (their
chat account's id), written in the same transaction as the change it reports."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from bot.messages import QuickReply, Reply
from bot.storage.models import (
    ChatAccount,
)
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def push(
    uow: UnitOfWork, account: ChatAccount, text: str, now: datetime, *quick: QuickReply
) -> None:
    await uow.outbox.add(
        account.channel,
        account.external_id,
        Reply(text, tuple(quick)).to_payload(),
        available_at=now,
        kind="push",
        chat_account_id=account.id,
    )


async def tell_person(
    uow: UnitOfWork,
    person_id: int | None,
    text: str,
    now: datetime,
    *quick: QuickReply,
    skip_account: int | None = None,
) -> int:
    """Pushes `text` to every chat account of the person (but `skip_account`); how many."""
    if person_id is None:
        return 0
    told = 0
    for account in await uow.people.accounts_of(person_id):
        if account.id != skip_account:
            await push(uow, account, text, now, *quick)
            told += 1
    return told


async def officer_person(uow: UnitOfWork, officer_id: int | None) -> int | None:
    if officer_id is None:
        return None
    officer = await uow.people.officer(officer_id)
    return officer.person_id if officer is not None else None


async def tell_officers(
    uow: UnitOfWork,
    officer_ids: Iterable[int],
    text: str,
    now: datetime,
    *quick: QuickReply,
    skip_person: int | None = None,
) -> int:
    told = 0
    for person_id in {await officer_person(uow, o) for o in set(officer_ids)}:
        if person_id is not None and person_id != skip_person:
            told += await tell_person(uow, person_id, text, now, *quick)
    return told


async def officers_of(uow: UnitOfWork, person_id: int) -> set[int]:
    """The officers who look after this person: of their groups, household and trainer role."""
    return await uow.registry.officers_looking_after(person_id)


async def alert(uow: UnitOfWork, officer_ids: tuple[int, ...], text: str, now: datetime) -> int:
    """A security alert for the district office: logged, audited, pushed to the officers in
    `officer_ids` (every linked officer when empty)."""
    log.warning("security alert: %s", text)
    await uow.audit.add(None, "security_alert", "deployment", None, after={"text": text})
    if not officer_ids:
        officer_ids = tuple(await uow.registry.linked_officers())
    return await tell_officers(uow, officer_ids, f"⚠️ แจ้งเตือนความปลอดภัย: {text}", now)
