"""Personal data under Thailand's PDPA: a person may see everything the bot holds about them
(`ข้อมูลของฉัน`) and have it erased (`ลบข้อมูลของฉัน`). Erasure anonymises the person rather
than deleting their records, so group totals, dividends and the audit trail stay correct."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from bot.services.menus import accounts_leaving
from bot.services.records import snapshot
from bot.storage.models import (
    RECORD_MODELS,
    ChatAccount,
    ConversationState,
    Household,
    Membership,
    Officer,
    Outbox,
    Trainer,
)
from bot.storage.unit_of_work import UnitOfWork

ERASED_NAME = "ผู้ใช้ที่ขอลบข้อมูล"


async def my_data(uow: UnitOfWork, person_id: int) -> dict[str, Any]:
    """Everything held about one person, as JSON-safe data."""
    person = await uow.people.person(person_id)
    if person is None:
        return {}
    accounts = await uow.people.accounts_of(person_id)
    memberships = (
        await uow.session.scalars(select(Membership).where(Membership.person_id == person_id))
    ).all()
    records: dict[str, list[dict[str, Any]]] = {}
    for kind, model in RECORD_MODELS.items():
        rows = (
            await uow.session.scalars(
                select(model).where(model.recorded_by == person_id).order_by(model.id)
            )
        ).all()
        if rows:
            records[kind] = [snapshot(row) for row in rows]
    return {
        "person": snapshot(person),
        "chat_accounts": [
            {
                "channel": a.channel,
                "external_id": a.external_id,
                "display_name": a.display_name,
                "reminders_off": a.reminders_off,
            }
            for a in accounts
        ],
        "memberships": [snapshot(m) for m in memberships],
        "records": records,
    }


async def erase(uow: UnitOfWork, person_id: int, now: datetime) -> None:
    """Anonymise the person (the row stays, so records keep pointing at it), forget their chat
    accounts and pending messages, end their memberships and unlink their programme roles.
    Registry entries the district office keeps (officer, trainer, household names) stay."""
    person = await uow.people.person(person_id)
    if person is None:
        return
    person.name = f"{ERASED_NAME} #{person.id}"
    person.erased_at = now
    accounts = [a.id for a in await uow.people.accounts_of(person_id)]
    await accounts_leaving(uow, accounts)  # their menus go back to the stranger's
    if accounts:
        # Nothing more is sent to them; what was queued loses its address.
        await uow.session.execute(
            update(Outbox)
            .where(Outbox.chat_account_id.in_(accounts))
            .values(
                chat_account_id=None,
                recipient="erased",
                status="failed",
                reply_token=None,
                last_error="recipient erased their data",
            )
        )
        await uow.session.execute(
            delete(ConversationState).where(ConversationState.chat_account_id.in_(accounts))
        )
        await uow.session.execute(delete(ChatAccount).where(ChatAccount.id.in_(accounts)))
    await uow.session.execute(
        update(Membership)
        .where(Membership.person_id == person_id, Membership.until.is_(None))
        .values(until=now)
    )
    for model in (Officer, Trainer, Household):
        await uow.session.execute(
            update(model).where(model.person_id == person_id).values(person_id=None)
        )
    await uow.session.flush()
    # The audit entry keeps who asked and when, not the erased name.
    await uow.audit.add(person_id, "erase", "person", person_id, None, {"erased_at": str(now)})
