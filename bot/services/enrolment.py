"""Linking chat accounts and group chats by code. The code alone decides what it grants: an
officer's, a trainer's or a household's role, a group's membership (the shareable join code),
its treasurer or chair role, or a second chat account for a person (`เพิ่มบัญชี`).

Every check here is on the server, whatever the chat layer shows:
- a code is checked before anything else, and a wrong one counts against the chat account
  (five, then a lock) and the deployment (an alarm, then a pause): `bot.services.limits`;
- a code that grants a role works once and expires (`bot.services.enrolment_codes`);
- a role someone already holds changes hands only when they, or the officer, confirm
  (`bot.services.enrolment_handover`); every new link is told to the person's other accounts
  and to the officer;
- only a group's chair, treasurer or officer may link (or relink) a group chat to it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.config import Settings
from bot.services import enrolment_codes as codes
from bot.services import enrolment_notify as notify
from bot.services.actors import Actor
from bot.services.enrolment_check import (
    EXPIRED,
    NOT_FOUND,
    REVOKED,
    USED,
    Checked,
    Linked,
    check_code,
    lock_text,
    paused_text,
)
from bot.services.enrolment_codes import CodeKind, Found
from bot.services.enrolment_office import (
    OFFICER_ONLY,
    UNLINKED_NOTICE,
    end_admin_sessions,
    end_dashboard_sessions,
    officer_groups,
    officer_issue_code,
    unlink,
)
from bot.services.enrolment_rooms import (
    ROOM_NOT_ALLOWED,
    ROOM_PRIVATE_CODE,
    ROOM_RELINK_NOT_ALLOWED,
    link_room,
    may_manage_group,
)
from bot.services.errors import NotAllowed, NotFound
from bot.services.menus import roles_changed
from bot.storage.models import (
    Administrator,
    ChatAccount,
    Household,
    Membership,
    Officer,
    Role,
    Trainer,
)
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# Checking codes, group chats and the office's acts live beside this module (enrolment_check,
# enrolment_rooms, enrolment_office); callers may keep reaching them through it.
__all__ = [
    "CHANNEL_NAMES", "EXPIRED", "NOT_FOUND", "OFFICER_ONLY", "PLACEHOLDER_NAME", "REVOKED",
    "ROLE_NAMES", "ROOM_NOT_ALLOWED", "ROOM_PRIVATE_CODE", "ROOM_RELINK_NOT_ALLOWED", "TAKEN",
    "UNLINKED_NOTICE", "USED", "Checked", "Linked", "account_code", "attach", "check_code",
    "claim", "describe", "end_admin_sessions", "end_dashboard_sessions", "entry_name",
    "entry_officer", "handover_ttl", "link_found", "link_room", "lock_text",
    "looks_like_formula", "may_manage_group", "officer_groups", "officer_issue_code",
    "paused_text", "person_name", "registry_entry", "set_group_role", "unlink",
]  # fmt: skip

# The name of a member who joined without one known (LINE gives no name): they can say "ชื่อ …".
PLACEHOLDER_NAME = "สมาชิก"
# What spreadsheet programs read as the start of a formula (names never start with these).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ROLE_NAMES = {
    "member": "สมาชิก",
    "treasurer": "เหรัญญิก",
    "chair": "ประธาน",
    "officer": "พัฒนากร",
    "trainer": "วิทยากร",
    "household": "ครัวเรือนเป้าหมาย",
    "admin": "ผู้ดูแลภาพรวม (สำนักงานพัฒนาชุมชน)",
}
CHANNEL_NAMES = {"line": "LINE", "telegram": "Telegram", "console": "คอนโซล"}

TAKEN = (
    "บัญชีแชทนี้ผูกกับผู้ใช้อีกคนอยู่แล้วค่ะ จึงใช้รหัสนี้ไม่ได้ "
    "หากต้องการเปลี่ยน กรุณาติดต่อพัฒนากรหรือสำนักงานพัฒนาชุมชนอำเภอนะคะ"
)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def person_name(raw: str | None) -> str | None:
    """A name as given by a platform or a person, cleaned; None if unusable (empty, or what a
    spreadsheet would read as a formula)."""
    cleaned = " ".join((raw or "").split())[:100]
    if not cleaned or looks_like_formula(cleaned):
        return None
    return cleaned


async def describe(uow: UnitOfWork, found: Found) -> str:
    """What a valid code grants, in a few words for the consent prompt."""
    kind, target = found.kind, found.target_id
    if kind in (CodeKind.MEMBER, CodeKind.TREASURER, CodeKind.CHAIR) and target is not None:
        group = await uow.groups.get(target)
        return f"{ROLE_NAMES[kind]}ของ{group.name if group else 'กลุ่มอาชีพ'}"
    if kind == CodeKind.ACCOUNT:
        return "เพิ่มบัญชีแชทนี้ให้ผู้ที่ขอรหัส"
    return ROLE_NAMES.get(str(kind), "ผู้ใช้")


# --- linking --------------------------------------------------------------------------------


def attach(account: ChatAccount, person_id: int, now: datetime) -> None:
    account.person_id = person_id
    account.linked_at = now


async def _person_for(
    uow: UnitOfWork, account: ChatAccount, fallback_name: str, now: datetime
) -> int:
    if account.person_id is None:
        name = person_name(account.display_name) or fallback_name
        person = await uow.people.add_person(name)
        attach(account, person.id, now)
        await uow.flush()
    assert account.person_id is not None
    return account.person_id


async def _has_accounts(uow: UnitOfWork, person_id: int | None) -> bool:
    return person_id is not None and bool(await uow.people.accounts_of(person_id))


async def _name(uow: UnitOfWork, person_id: int | None) -> str:
    person = await uow.people.person(person_id) if person_id is not None else None
    return person.name if person is not None else ""


async def _use(uow: UnitOfWork, found: Found, person_id: int | None, now: datetime) -> None:
    """Uses a single-use code, or refuses (and undoes this message's writes) if someone else
    used it in the meantime."""
    if found.code_id is None:
        return
    if not await codes.use(uow, found.code_id, now):
        raise NotFound(USED)
    if person_id is not None:
        await codes.used_by(uow, found.code_id, person_id)


async def link_found(
    uow: UnitOfWork, account: ChatAccount, found: Found, now: datetime, settings: Settings
) -> Linked:
    """Uses a checked code for this chat account (after the person consented)."""
    assert found.kind is not None and found.target_id is not None
    if found.kind == CodeKind.MEMBER:
        linked = await _join_group(uow, account, found.target_id, now)
    elif found.kind in codes.GROUP_ROLES:
        linked = await _group_role(uow, account, found, now, settings)
    elif found.kind == CodeKind.ACCOUNT:
        linked = await _add_account(uow, account, found, now)
    else:
        linked = await _registry_role(uow, account, found, now, settings)
    await roles_changed(uow, account.person_id)  # their menu follows, after the commit
    return linked


def _who(account: ChatAccount) -> str:
    channel = CHANNEL_NAMES.get(account.channel, account.channel)
    name = person_name(account.display_name)
    return f"บัญชี {channel}" + (f" ชื่อ {name}" if name else "")


async def _tell_new_link(
    uow: UnitOfWork, account: ChatAccount, what: str, officer_ids: set[int], now: datetime
) -> None:
    """Every new link is told to the person's other accounts and to the officer."""
    person_id = account.person_id
    await notify.tell_person(
        uow,
        person_id,
        f"🔔 {_who(account)} เพิ่งเชื่อมเป็น{what}ของคุณค่ะ "
        "หากไม่ใช่คุณ แจ้งพัฒนากรหรือสำนักงานพัฒนาชุมชนอำเภอทันทีนะคะ",
        now,
        skip_account=account.id,
    )
    name = await _name(uow, person_id)
    await notify.tell_officers(
        uow,
        officer_ids,
        f"🔔 แจ้งให้ทราบค่ะ: คุณ{name} ({_who(account)}) เชื่อมเป็น{what}แล้ว",
        now,
        skip_person=person_id,
    )


async def _join_group(
    uow: UnitOfWork, account: ChatAccount, group_id: int, now: datetime
) -> Linked:
    group = await uow.groups.get(group_id)
    if group is None:
        raise NotFound(NOT_FOUND)
    person_id = await _person_for(uow, account, PLACEHOLDER_NAME, now)
    membership = await uow.groups.membership(person_id, group.id)
    if membership is not None:
        return Linked("already", membership.role, group.name)
    membership = await uow.groups.add_membership(
        Membership(person_id=person_id, group_id=group.id, role=Role.MEMBER, since=now)
    )
    await uow.audit.add(person_id, "join", "membership", membership.id, after={"role": Role.MEMBER})
    await _tell_new_link(uow, account, f"สมาชิกของ{group.name}", {group.officer_id}, now)
    return Linked("group", Role.MEMBER, group.name)


async def _group_role(
    uow: UnitOfWork, account: ChatAccount, found: Found, now: datetime, settings: Settings
) -> Linked:
    from bot.services import enrolment_handover as handover

    role = str(found.kind)
    group = await uow.groups.get(found.target_id or 0)
    if group is None:
        raise NotFound(NOT_FOUND)
    mine = account.person_id
    membership = await uow.groups.membership(mine, group.id) if mine is not None else None
    if membership is not None and membership.role == role:
        return Linked("already", role, group.name)
    others = [h for h in await uow.groups.holders(group.id, role) if h.person_id != mine]
    reachable = [h for h in others if await _has_accounts(uow, h.person_id)]
    if reachable:
        return await handover.request(
            uow, account, found, group.name, reachable[0].person_id, group.officer_id, now, settings
        )
    person_id = await _person_for(uow, account, PLACEHOLDER_NAME, now)
    await _use(uow, found, person_id, now)
    previous: str | None = None
    for holder in others:  # holders nobody can reach (unlinked by the district office)
        holder.role = Role.MEMBER
        await roles_changed(uow, holder.person_id)
        previous = await _name(uow, holder.person_id)
        await uow.audit.add(
            person_id, "handover", "membership", holder.id, {"role": role}, {"role": Role.MEMBER}
        )
    await set_group_role(uow, person_id, group.id, role, now)
    await _tell_new_link(
        uow, account, f"{ROLE_NAMES[role]}ของ{group.name}", {group.officer_id}, now
    )
    return Linked("group", role, group.name, previous)


async def set_group_role(
    uow: UnitOfWork, person_id: int, group_id: int, role: str, now: datetime
) -> None:
    membership = await uow.groups.membership(person_id, group_id)
    if membership is None:
        membership = await uow.groups.add_membership(
            Membership(person_id=person_id, group_id=group_id, role=role, since=now)
        )
        await uow.audit.add(person_id, "join", "membership", membership.id, after={"role": role})
    else:
        before = {"role": membership.role}
        membership.role = role
        await uow.audit.add(person_id, "role", "membership", membership.id, before, {"role": role})


RegistryEntry = Officer | Trainer | Household | Administrator
_REGISTRY: dict[str, type[Officer] | type[Trainer] | type[Administrator]] = {
    CodeKind.OFFICER: Officer,
    CodeKind.TRAINER: Trainer,
    CodeKind.ADMIN: Administrator,
}


async def registry_entry(uow: UnitOfWork, kind: str, target_id: int) -> RegistryEntry | None:
    model = _REGISTRY.get(kind, Household)
    found = await uow.registry.entry(model, target_id)
    return found if isinstance(found, Officer | Trainer | Household | Administrator) else None


async def _one_per_person(
    uow: UnitOfWork, entry: RegistryEntry, person_id: int, refusal: str
) -> None:
    """One officer (trainer, administrator) row per person: nobody is two of them."""
    if isinstance(entry, Household):
        return
    if await uow.registry.held_by(type(entry), person_id):
        raise NotAllowed(refusal)


async def claim(
    uow: UnitOfWork, entry: RegistryEntry, person_id: int, *, refusal: str | None = None
) -> int | None:
    """The registry role passes to `person_id` (by code, or a confirmed handover); with
    `refusal`, first refused if they already hold one of that kind. Sessions of whoever held
    an officer's or administrator's role before end now. Returns the previous holder."""
    if refusal is not None:
        await _one_per_person(uow, entry, person_id, refusal)
    previous = entry.person_id
    entry.person_id = person_id
    if isinstance(entry, Officer | Administrator):
        entry.session_epoch += 1
    await uow.flush()
    return previous


def entry_name(entry: RegistryEntry) -> str:
    return entry.head_name if isinstance(entry, Household) else entry.name


def entry_officer(entry: RegistryEntry) -> int | None:
    """The officer who confirms a handover of this role (an officer's or administrator's own:
    nobody else)."""
    return None if isinstance(entry, Officer | Administrator) else entry.officer_id


async def _registry_role(
    uow: UnitOfWork, account: ChatAccount, found: Found, now: datetime, settings: Settings
) -> Linked:
    from bot.services import enrolment_handover as handover

    kind = str(found.kind)
    entry = await registry_entry(uow, kind, found.target_id or 0)
    if entry is None:
        raise NotFound(NOT_FOUND)
    name = entry_name(entry)
    holder, mine = entry.person_id, account.person_id
    if holder is not None and holder == mine:
        return Linked("already", kind, name)
    if holder is not None and await _has_accounts(uow, holder):
        return await handover.request(
            uow, account, found, name, holder, entry_officer(entry), now, settings
        )
    if mine is not None:
        await _one_per_person(uow, entry, mine, TAKEN)
    if mine is None:
        if holder is not None:  # the holder's accounts were unlinked: this is their new one
            attach(account, holder, now)
        else:  # a new person, named as the district office registered them
            person = await uow.people.add_person(name)
            attach(account, person.id, now)
            await uow.flush()
    person_id = account.person_id
    assert person_id is not None
    await _use(uow, found, person_id, now)
    await claim(uow, entry, person_id)
    await uow.audit.add(person_id, "link", kind, entry.id)
    officer = entry_officer(entry)
    await _tell_new_link(uow, account, ROLE_NAMES[kind], {officer} if officer else set(), now)
    return Linked(kind, kind, name)


async def _add_account(
    uow: UnitOfWork, account: ChatAccount, found: Found, now: datetime
) -> Linked:
    person = await uow.people.person(found.target_id or 0)
    if person is None or person.erased_at is not None:
        raise NotFound(NOT_FOUND)
    if account.person_id == person.id:
        return Linked("already", None, person.name)
    if account.person_id is not None:
        raise NotAllowed(TAKEN)
    await _use(uow, found, person.id, now)
    attach(account, person.id, now)
    await uow.flush()
    await uow.audit.add(person.id, "link", "chat_account", account.id)
    await _tell_new_link(uow, account, "บัญชีเพิ่มเติม", await notify.officers_of(uow, person.id), now)
    return Linked("account", None, person.name)


async def account_code(
    uow: UnitOfWork, actor: Actor, now: datetime, settings: Settings
) -> tuple[str, datetime]:
    """เพิ่มบัญชี: a single-use code that adds one more chat account to the person asking."""
    code = await codes.issue(
        uow, CodeKind.ACCOUNT, actor.person_id, now, ttl=codes.ACCOUNT_CODE_TTL,
        created_by=actor.person_id,
    )  # fmt: skip
    await uow.audit.add(actor.person_id, "issue_code", "person", actor.person_id,
                        after={"kind": CodeKind.ACCOUNT})  # fmt: skip
    return code, now + codes.ACCOUNT_CODE_TTL


def handover_ttl(settings: Settings) -> timedelta:
    return timedelta(days=min(7, settings.code_expiry_days))
