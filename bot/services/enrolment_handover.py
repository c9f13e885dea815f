"""Handovers: a role someone already holds (treasurer, chair, officer, trainer, household)
asked for with a valid code by someone else. Nothing changes until the holder or the officer
who looks after the role confirms in chat; both sides and the officer are told either way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.messages import QuickReply
from bot.services import enrolment_notify as notify
from bot.services.actors import Actor
from bot.services.enrolment import (
    PLACEHOLDER_NAME,
    ROLE_NAMES,
    Linked,
    _name,
    _person_for,
    _use,
    _who,
    claim,
    entry_name,
    entry_officer,
    handover_ttl,
    registry_entry,
    set_group_role,
)
from bot.services.enrolment_codes import GROUP_ROLES, Found
from bot.services.errors import NotFound
from bot.services.menus import roles_changed
from bot.storage.models import (
    ChatAccount,
    Handover,
    HandoverStatus,
    Role,
)
from bot.storage.unit_of_work import UnitOfWork

CONFIRM_WORD = "ยืนยันส่งต่อ"  # the chat words live in bot/handlers/handover.py; these label buttons
REFUSE_WORD = "ไม่ส่งต่อ"
ALREADY_HOLDS = "ผู้ขอรับหน้าที่นี้มีหน้าที่แบบเดียวกันอยู่แล้ว จึงรับเพิ่มไม่ได้ค่ะ"


async def _what(uow: UnitOfWork, kind: str, target_id: int) -> tuple[str, int | None]:
    """The role in words ("เหรัญญิกของกลุ่ม…") and the officer who may confirm it."""
    if kind in GROUP_ROLES:
        group = await uow.groups.get(target_id)
        return (
            f"{ROLE_NAMES[kind]}ของ{group.name if group else 'กลุ่ม'}",
            group.officer_id if group else None,
        )
    entry = await registry_entry(uow, kind, target_id)
    if entry is None:
        return ROLE_NAMES.get(kind, kind), None
    return f"{ROLE_NAMES.get(kind, kind)} ({entry_name(entry)})", entry_officer(entry)


def _buttons(handover_id: int) -> tuple[QuickReply, QuickReply]:
    return (
        QuickReply(f"{CONFIRM_WORD} {handover_id}"),
        QuickReply(f"{REFUSE_WORD} {handover_id}"),
    )


async def request(
    uow: UnitOfWork,
    account: ChatAccount,
    found: Found,
    name: str,
    holder_id: int | None,
    officer_id: int | None,
    now: datetime,
    settings: Settings,
) -> Linked:
    """Someone typed a valid code for a role another person holds: the code is spent on a
    handover request, and the holder and the officer are asked to confirm it."""
    assert found.kind is not None and found.target_id is not None
    kind = str(found.kind)
    person_id = await _person_for(uow, account, PLACEHOLDER_NAME, now)
    await _use(uow, found, person_id, now)
    for older in await uow.handovers.pending_for_role(kind, found.target_id):
        older.status = HandoverStatus.EXPIRED
    row = Handover(
        kind=kind,
        target_id=found.target_id,
        from_person_id=holder_id,
        to_person_id=person_id,
        code_id=found.code_id,
        status=HandoverStatus.PENDING,
        created_at=now,
        expires_at=now + handover_ttl(settings),
    )
    await uow.handovers.add(row)
    await uow.audit.add(person_id, "handover_request", "handover", row.id, after={"kind": kind})
    what, _ = await _what(uow, kind, found.target_id)
    holder = await _name(uow, holder_id)
    days = handover_ttl(settings).days
    await notify.tell_person(
        uow,
        holder_id,
        f"🔔 มีผู้ขอรับหน้าที่{what}ต่อจากคุณค่ะ ({_who(account)})\n"
        f"ถ้าคุณส่งต่อหน้าที่นี้จริง พิมพ์ {CONFIRM_WORD} {row.id}\n"
        f"ถ้าไม่ใช่ พิมพ์ {REFUSE_WORD} {row.id} (คำขอหมดอายุใน {days:,} วัน)",
        now,
        *_buttons(row.id),
    )
    if officer_id is not None:
        await notify.tell_officers(
            uow,
            {officer_id},
            f"🔔 {_who(account)} ขอรับหน้าที่{what}ต่อจากคุณ{holder}ค่ะ\n"
            f"พัฒนากรยืนยันได้: พิมพ์ {CONFIRM_WORD} {row.id} หรือ {REFUSE_WORD} {row.id}",
            now,
            *_buttons(row.id),
            skip_person=holder_id,
        )
    return Linked("pending", kind, name, holder, row.id)


@dataclass(frozen=True, slots=True)
class Decision:
    accepted: bool
    what: str
    new_holder: str
    previous_holder: str


async def pending_for(uow: UnitOfWork, actor: Actor, now: datetime) -> list[Handover]:
    """Handovers waiting for this person's answer (as the holder or the officer)."""
    rows = await uow.handovers.waiting(now)
    return [row for row in rows if await _may_decide(uow, actor, row)]


async def _may_decide(uow: UnitOfWork, actor: Actor, row: Handover) -> bool:
    if row.from_person_id is not None and row.from_person_id == actor.person_id:
        return True
    _, officer_id = await _what(uow, row.kind, row.target_id)
    return actor.officer_id is not None and actor.officer_id == officer_id


async def _still_holder(uow: UnitOfWork, row: Handover) -> bool:
    if row.kind in GROUP_ROLES:
        if row.from_person_id is None:
            return True
        membership = await uow.groups.membership(row.from_person_id, row.target_id)
        return membership is not None and membership.role == row.kind
    entry = await registry_entry(uow, row.kind, row.target_id)
    return entry is not None and entry.person_id == row.from_person_id


async def decide(
    uow: UnitOfWork, actor: Actor, handover_id: int, accept: bool, now: datetime
) -> Decision:
    row = await uow.handovers.get(handover_id)
    if (
        row is None
        or row.status != HandoverStatus.PENDING
        or not await _may_decide(uow, actor, row)
    ):
        raise NotFound(f"ไม่พบคำขอส่งต่อหน้าที่หมายเลข {handover_id:,} ที่รอคุณยืนยันค่ะ")
    if row.expires_at <= now or not await _still_holder(uow, row):
        raise NotFound("คำขอส่งต่อหน้าที่นี้หมดอายุแล้วค่ะ ถ้ายังต้องการ ขอรหัสใหม่จากพัฒนากรนะคะ")
    what, officer_id = await _what(uow, row.kind, row.target_id)
    new_holder = await _name(uow, row.to_person_id)
    previous = await _name(uow, row.from_person_id)
    row.status = HandoverStatus.DONE if accept else HandoverStatus.REFUSED
    row.decided_at = now
    row.decided_by = actor.person_id
    if accept:
        await _transfer(uow, row, actor.person_id, now)
    await uow.audit.add(
        actor.person_id, "handover" if accept else "handover_refused", "handover", row.id,
        {"holder": row.from_person_id}, {"holder": row.to_person_id if accept else row.from_person_id},
    )  # fmt: skip
    if accept:
        await notify.tell_person(
            uow, row.to_person_id,
            f"🎉 คุณได้รับหน้าที่{what}แล้วค่ะ พิมพ์ เมนู เพื่อดูสิ่งที่ทำได้นะคะ", now,
        )  # fmt: skip
        told = f"🔔 หน้าที่{what}ส่งต่อจากคุณ{previous}ให้คุณ{new_holder}แล้วค่ะ"
    else:
        await notify.tell_person(
            uow, row.to_person_id,
            f"คำขอรับหน้าที่{what}ไม่ได้รับการยืนยันค่ะ หากเป็นความเข้าใจผิด ติดต่อพัฒนากรได้เลยนะคะ",
            now,
        )  # fmt: skip
        told = f"🔔 คำขอรับหน้าที่{what}ของคุณ{new_holder} ถูกปฏิเสธแล้วค่ะ"
    if row.from_person_id != actor.person_id:
        await notify.tell_person(uow, row.from_person_id, told, now)
    if officer_id is not None:
        await notify.tell_officers(uow, {officer_id}, told, now, skip_person=actor.person_id)
    return Decision(accept, what, new_holder, previous)


async def _transfer(uow: UnitOfWork, row: Handover, actor_id: int, now: datetime) -> None:
    if row.kind in GROUP_ROLES:
        for holder in await uow.groups.holders(row.target_id, row.kind):
            if holder.person_id != row.to_person_id:
                holder.role = Role.MEMBER
                await roles_changed(uow, holder.person_id)  # the old holder's menu too
                await uow.audit.add(
                    actor_id, "handover", "membership", holder.id,
                    {"role": row.kind}, {"role": Role.MEMBER},
                )  # fmt: skip
        await set_group_role(uow, row.to_person_id, row.target_id, row.kind, now)
        await roles_changed(uow, row.to_person_id)
        return
    entry = await registry_entry(uow, row.kind, row.target_id)
    if entry is None:
        raise NotFound("ไม่พบหน้าที่นี้แล้วค่ะ")
    previous = await claim(uow, entry, row.to_person_id, refusal=ALREADY_HOLDS)
    await roles_changed(uow, previous, row.to_person_id)
