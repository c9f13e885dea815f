"""Officers' and the district office's own acts on links: an officer's codes for their groups,
ending dashboard sessions, and unlinking chat accounts (a lost or hijacked phone)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import Settings
from bot.services import enrolment_notify as notify
from bot.services.actors import Actor
from bot.services.enrolment_codes import CodeKind
from bot.services.errors import NotAllowed, NotFound
from bot.services.menus import accounts_leaving
from bot.storage.models import Administrator, ChatAccount, OccupationGroup, Officer
from bot.storage.unit_of_work import UnitOfWork

OFFICER_ONLY = "ขออภัยค่ะ การออกรหัสทำได้เฉพาะพัฒนากรที่ดูแลกลุ่มนั้นค่ะ พิมพ์ เมนู เพื่อดูสิ่งที่ทำได้นะคะ"


async def officer_groups(uow: UnitOfWork, actor: Actor) -> list[OccupationGroup]:
    if actor.officer_id is None:
        raise NotAllowed(OFFICER_ONLY)
    groups = list(await uow.groups.of_officer(actor.officer_id))
    if not groups:
        raise NotFound("ยังไม่มีกลุ่มอาชีพที่คุณดูแลค่ะ เพิ่มกลุ่มด้วยคำสั่ง sammachip group add นะคะ")
    return groups


async def officer_issue_code(
    uow: UnitOfWork, actor: Actor, kind: CodeKind, group_id: int, now: datetime, settings: Settings
) -> tuple[str, datetime | None]:
    """An officer issues a new treasurer, chair or member code for one of their own groups."""
    from bot.services import admin

    group = await uow.groups.get(group_id)
    if group is None or actor.officer_id is None or group.officer_id != actor.officer_id:
        raise NotAllowed(OFFICER_ONLY)
    if kind not in (CodeKind.TREASURER, CodeKind.CHAIR, CodeKind.MEMBER):
        raise NotAllowed(OFFICER_ONLY)
    code = await admin.issue_code(uow, kind, group_id, now, settings, created_by=actor.person_id)
    until = None if kind == CodeKind.MEMBER else now + timedelta(days=settings.code_expiry_days)
    return code, until


async def end_dashboard_sessions(
    uow: UnitOfWork, officer_id: int, actor_id: int | None, reason: str
) -> None:
    """Every dashboard session and sign-in link of the officer stops working at once."""
    await _end_sessions(uow, await uow.people.officer(officer_id), actor_id, reason)


async def end_admin_sessions(
    uow: UnitOfWork, admin_id: int, actor_id: int | None, reason: str
) -> None:
    """As `end_dashboard_sessions`, for a district or province administrator."""
    await _end_sessions(uow, await uow.administrators.get(admin_id), actor_id, reason)


async def _end_sessions(
    uow: UnitOfWork, holder: Officer | Administrator | None, actor_id: int | None, reason: str
) -> None:
    if holder is None:
        return
    holder.session_epoch += 1
    await uow.flush()
    entity = "officer" if isinstance(holder, Officer) else "administrator"
    await uow.audit.add(actor_id, "end_sessions", entity, holder.id, after={"reason": reason})


UNLINKED_NOTICE = (
    "บัญชีแชทนี้ถูกยกเลิกการเชื่อมต่อกับผู้ใช้แล้วโดยสำนักงานพัฒนาชุมชนอำเภอค่ะ "
    "หากต้องการใช้ต่อ ขอรหัสใหม่จากพัฒนากร แล้วพิมพ์ ลงทะเบียน ตามด้วยรหัสนะคะ"
)


async def unlink(uow: UnitOfWork, accounts: list[ChatAccount], now: datetime) -> int:
    """Detaches chat accounts from their person (the district office, e.g. a lost or hijacked
    phone). The person keeps records and roles; an officer's dashboard sessions end; each
    account is told."""
    count = 0
    for account in accounts:
        person_id = account.person_id
        if person_id is None:
            continue
        await notify.push(uow, account, UNLINKED_NOTICE, now)
        await accounts_leaving(uow, [account.id])  # back to the stranger's menu
        account.person_id = None
        account.linked_at = None
        await uow.conversations.forget_accounts([account.id])
        await uow.audit.add(person_id, "unlink", "chat_account", account.id)
        await uow.files.revoke_links(person_id)  # a lost phone's download links stop now
        officer = await uow.people.officer_of(person_id)
        if officer is not None:
            await end_dashboard_sessions(uow, officer.id, None, "unlink")
        admin = await uow.administrators.of_person(person_id)
        if admin is not None:
            await end_admin_sessions(uow, admin.id, None, "unlink")
        count += 1
    await uow.flush()
    return count
