"""Personal data under Thailand's PDPA: a person may see everything the bot holds about them
(`ข้อมูลของฉัน`) and have it erased (`ลบข้อมูลของฉัน`). Erasure anonymises the person rather
than deleting their records, so group totals, dividends and the audit trail stay correct; what
names or addresses them is redacted wherever the bot kept a copy.

Who may erase: the person, confirmed on the chat account linked longest (so a second account
someone added cannot wipe the first), or the district office with `sammachip account erase`
(the only way for an officer)."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from bot.services.errors import NotAllowed
from bot.services.menus import accounts_leaving
from bot.services.records import snapshot
from bot.storage.models import (
    ChatAccount,
    InboxStatus,
)
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

ERASED_NAME = "ผู้ใช้ที่ขอลบข้อมูล"
REDACTED = "[ลบข้อมูลแล้ว]"
OFFICER_BY_OFFICE = (
    "บัญชีพัฒนากรลบข้อมูลผ่านแชตไม่ได้ค่ะ เพื่อไม่ให้ใครใช้บัญชีที่ถูกยึดลบงานของอำเภอ "
    "กรุณาติดต่อสำนักงานพัฒนาชุมชนอำเภอให้ดำเนินการ (คำสั่ง sammachip account erase) นะคะ"
)


async def my_data(uow: UnitOfWork, person_id: int) -> dict[str, Any]:
    """Everything held about one person, as JSON-safe data."""
    person = await uow.people.person(person_id)
    if person is None:
        return {}
    accounts = await uow.people.accounts_of(person_id)
    memberships = await uow.groups.every_membership_of(person_id)
    records = {
        kind: [snapshot(row) for row in rows]
        for kind, rows in (await uow.records.made_by(person_id)).items()
    }
    voice_notes = await uow.voice_notes.of_person(person_id)
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
        # What the bot heard in their voice notes (the audio itself stays in the office).
        "voice_notes": [
            {
                "heard": note.transcript,
                "at": note.created_at.isoformat(),
                "record": f"{note.record_table}:{note.record_id}" if note.record_id else None,
                "audio_kept_until": note.audio_expires_at.isoformat()
                if note.audio_expires_at
                else None,
            }
            for note in voice_notes
        ],
    }


async def confirming_account(uow: UnitOfWork, person_id: int) -> ChatAccount | None:
    """The chat account that confirms an erasure: the one linked longest."""
    accounts = await uow.people.accounts_of(person_id)
    return accounts[0] if accounts else None


async def may_erase_in_chat(uow: UnitOfWork, person_id: int) -> None:
    if await uow.people.officer_of(person_id) is not None:
        raise NotAllowed(OFFICER_BY_OFFICE)


# --- redaction helpers ----------------------------------------------------------------------


def _json_forms(value: str) -> list[str]:
    """How a string may sit inside a stored JSON document: as is, and \\u-escaped (the
    default JSON serializer escapes Thai)."""
    escaped = json.dumps(value)[1:-1]
    return list(dict.fromkeys([value, escaped, escaped.lower()]))


def _scrub(value: Any, names: list[str]) -> Any:
    if isinstance(value, str):
        for name in names:
            value = value.replace(name, ERASED_NAME)
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, names) for v in value]
    return value


def erased_key(value: str) -> str:
    return "erased:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]


async def erase(uow: UnitOfWork, person_id: int, now: datetime) -> None:
    """Anonymise the person (the row stays, so records keep pointing at it) and redact every
    copy of their name and chat ids the bot kept: audit before/after, record source refs,
    inbound message copies and event ids, outbox texts; delete their chat accounts, pending
    messages, conversation states and stored files; end memberships and programme roles (and
    an officer's dashboard sessions). Registry entries the district office keeps (officer,
    trainer, household names) stay."""
    person = await uow.people.person(person_id)
    if person is None:
        return
    accounts = list(await uow.people.accounts_of(person_id))
    names = [n for n in {person.name, *(a.display_name or "" for a in accounts)} if len(n) >= 4]
    names.sort(key=len, reverse=True)  # "สมศรี ใจดี" before "สมศรี"
    chats = [(a.channel, a.external_id) for a in accounts]
    account_ids = [a.id for a in accounts]
    person.name = f"{ERASED_NAME} #{person.id}"
    person.erased_at = now

    await accounts_leaving(uow, account_ids)  # their menus go back to the stranger's
    await _redact_outbox_and_audit(uow, account_ids, chats, names)
    await _redact_inbound(uow, chats)
    await uow.erasure.forget_record_sources(person_id, chats)
    if account_ids:
        await uow.conversations.forget_accounts(account_ids)
        await uow.erasure.delete_accounts(account_ids)
        from bot.services import limits

        await limits.forget_account(uow, account_ids)
    await uow.erasure.delete_files_of(person_id)
    # Voice notes: the audio (a stored file of theirs, just deleted) and what was heard.
    await uow.voice_notes.forget_person(person_id)
    await uow.codes.revoke_every("account", person_id, now)
    await uow.handovers.expire_involving(person_id)
    await uow.erasure.end_roles(person_id, now)
    await uow.flush()
    # The audit entry keeps who asked and when, not the erased name.
    await uow.audit.add(person_id, "erase", "person", person_id, None, {"erased_at": str(now)})
    log.info("person %s erased their data", person_id)


async def _redact_outbox_and_audit(
    uow: UnitOfWork, account_ids: list[int], chats: list[tuple[str, str]], names: list[str]
) -> None:
    """What was queued for them loses its address and text; what others got loses the name."""
    if account_ids:
        await uow.erasure.withdraw_queued(
            account_ids,
            {"text": REDACTED, "quick_replies": [], "image": None, "document": None},
        )
    for _channel, external in chats:
        await uow.erasure.unaddress_sent(external)
    needles = [form for name in names for form in _json_forms(name)]
    if not needles:
        return
    for row in await uow.erasure.outbox_mentioning(needles):
        row.payload = _scrub(row.payload, names)
    for entry in await uow.erasure.audit_mentioning(needles):
        entry.before = _scrub(entry.before, names)
        entry.after = _scrub(entry.after, names)


async def _redact_inbound(uow: UnitOfWork, chats: list[tuple[str, str]]) -> None:
    """Inbound copies: waiting messages from their accounts, and delivery ids that carry a chat
    id (Telegram's "update:chat:message")."""
    senders = {external for _channel, external in chats}
    for event in await uow.erasure.inbound_waiting():
        message = event.message or {}
        if message.get("sender_id") in senders or message.get("chat_id") in senders:
            event.message = None
            event.status = InboxStatus.DONE
    for channel, external in chats:
        for event in await uow.erasure.inbound_carrying(channel, external):
            event.external_id = erased_key(event.external_id)
