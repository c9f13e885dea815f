"""Linking a LINE or Telegram group chat to an occupation group: only the group's chair,
treasurer or officer may link (or relink) it, by sending the group's join code in the chat. A
code that grants a role, posted there, is spent."""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.services import enrolment_codes as codes
from bot.services.actors import Actor
from bot.services.enrolment_check import NOT_FOUND, Linked, check_code
from bot.services.enrolment_codes import CodeKind
from bot.storage.models import ChatAccount, ChatRoom, OccupationGroup, Role
from bot.storage.unit_of_work import UnitOfWork

ROOM_NOT_ALLOWED = (
    "ขออภัยค่ะ การเชื่อมห้องแชทนี้กับกลุ่มอาชีพทำได้เฉพาะประธาน เหรัญญิก หรือพัฒนากรของกลุ่มนั้นค่ะ "
    "ขอให้ประธานหรือเหรัญญิกพิมพ์ เข้ากลุ่ม ตามด้วยรหัสกลุ่มในห้องนี้นะคะ"
)
ROOM_RELINK_NOT_ALLOWED = (
    "ขออภัยค่ะ ห้องนี้เชื่อมกับ{group}อยู่แล้ว การเปลี่ยนไปเชื่อมกลุ่มอื่นต้องทำโดยประธาน เหรัญญิก หรือพัฒนากรของ{group}ค่ะ"
)
ROOM_PRIVATE_CODE = (
    "รหัสนี้เป็นรหัสส่วนตัวสำหรับรับหน้าที่ ห้ามส่งในห้องกลุ่มค่ะ 🙏 "
    "บอทยกเลิกรหัสนี้ให้แล้วเพื่อความปลอดภัย ขอรหัสใหม่จากพัฒนากรแล้วส่งในแชทส่วนตัวกับบอทนะคะ"
)


def may_manage_group(actor: Actor | None, group: OccupationGroup) -> bool:
    """The group's chair or treasurer, or its officer."""
    if actor is None:
        return False
    return actor.role_in(group.id) in (Role.CHAIR, Role.TREASURER) or (
        actor.officer_id is not None and actor.officer_id == group.officer_id
    )


async def link_room(
    uow: UnitOfWork,
    account: ChatAccount,
    actor: Actor | None,
    channel: str,
    room_id: str,
    raw_code: str,
    now: datetime,
    settings: Settings,
) -> Linked:
    """Links a LINE/Telegram group chat to the occupation group whose join code is sent in
    it, if the sender may; otherwise Linked("refused") with the reason (the attempt and its
    audit entry are kept)."""
    checked = await check_code(uow, account, raw_code, now, settings)
    if checked.found is None:
        return Linked("refused", refusal=checked.refusal or NOT_FOUND)
    found = checked.found
    if found.kind != CodeKind.MEMBER:
        # A code that grants a role, posted where everyone can read it: it is spent.
        if found.code_id is not None:
            await codes.revoke_id(uow, found.code_id, now)
        await uow.audit.add(
            account.person_id, "code_exposed", "chat_account", account.id,
            after={"kind": str(found.kind)},
        )  # fmt: skip
        return Linked("refused", refusal=ROOM_PRIVATE_CODE)
    group = await uow.groups.get(found.target_id or 0)
    if group is None:
        return Linked("refused", refusal=NOT_FOUND)
    room = await uow.groups.room(channel, room_id)
    refusal: str | None = None
    if room is not None and room.active and room.group_id not in (None, group.id):
        current = await uow.groups.get(room.group_id or 0)
        if current is not None and not may_manage_group(actor, current):
            refusal = ROOM_RELINK_NOT_ALLOWED.format(group=current.name)
    if refusal is None and not may_manage_group(actor, group):
        refusal = ROOM_NOT_ALLOWED
    if refusal is not None:
        await uow.audit.add(account.person_id, "room_refused", "chat_account", account.id)
        return Linked("refused", refusal=refusal)
    if room is None:
        room = await uow.groups.add_room(ChatRoom(channel=channel, external_id=room_id))
    before = {"group_id": room.group_id}
    room.group_id = group.id
    room.active = True
    await uow.flush()
    await uow.audit.add(
        actor.person_id if actor else None, "link", "chat_room", room.id, before,
        {"group_id": group.id},
    )  # fmt: skip
    return Linked("room", None, group.name)
