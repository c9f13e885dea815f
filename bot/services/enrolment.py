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
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.config import Settings
from bot.services import enrolment_codes as codes
from bot.services import enrolment_notify as notify
from bot.services import limits
from bot.services.actors import Actor
from bot.services.enrolment_codes import CodeKind, Found
from bot.services.errors import NotAllowed, NotFound
from bot.services.menus import accounts_leaving, roles_changed
from bot.storage.models import (
    Administrator,
    ChatAccount,
    ChatRoom,
    Household,
    Membership,
    OccupationGroup,
    Officer,
    Person,
    Role,
    Trainer,
)
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

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

NOT_FOUND = "ไม่พบรหัสนี้ค่ะ"
EXPIRED = "รหัสนี้หมดอายุแล้วค่ะ ขอรหัสใหม่จากพัฒนากรได้เลยนะคะ"
USED = "รหัสนี้ถูกใช้ไปแล้วค่ะ (รหัสรับหน้าที่ใช้ได้ครั้งเดียว) ขอรหัสใหม่จากพัฒนากรได้เลยนะคะ"
REVOKED = "รหัสนี้ถูกยกเลิกแล้วค่ะ ขอรหัสใหม่จากพัฒนากรได้เลยนะคะ"
TAKEN = (
    "บัญชีแชทนี้ผูกกับผู้ใช้อีกคนอยู่แล้วค่ะ จึงใช้รหัสนี้ไม่ได้ "
    "หากต้องการเปลี่ยน กรุณาติดต่อพัฒนากรหรือสำนักงานพัฒนาชุมชนอำเภอนะคะ"
)
_REASONS = {"unknown": NOT_FOUND, "expired": EXPIRED, "used": USED, "revoked": REVOKED}


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def person_name(raw: str | None) -> str | None:
    """A name as given by a platform or a person, cleaned; None if unusable (empty, or what a
    spreadsheet would read as a formula)."""
    cleaned = " ".join((raw or "").split())[:100]
    if not cleaned or looks_like_formula(cleaned):
        return None
    return cleaned


@dataclass(frozen=True, slots=True)
class Linked:
    kind: str  # officer | trainer | household | group | account | pending | already | room
    role: str | None = None
    name: str = ""
    previous_holder: str | None = None
    handover_id: int | None = None
    refusal: str | None = None  # kind "refused": why, in Thai (what was written is kept)


@dataclass(frozen=True, slots=True)
class Checked:
    """A typed code after the checks: `found` when it may be used, else `refusal` (Thai)."""

    found: Found | None
    refusal: str | None = None


# --- checking a code --------------------------------------------------------------------------


def _wait_text(until: datetime, now: datetime, settings: Settings) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    hours, rest = divmod(minutes, 60)
    span = (
        f"{minutes:,} นาที" if not hours else f"{hours:,} ชั่วโมง" + (f" {rest:,} นาที" if rest else "")
    )
    local = until.astimezone(settings.tz)
    when = local.strftime("%H:%M")
    if local.date() != now.astimezone(settings.tz).date():
        when = f"{local.day}/{local.month}/{local.year + 543} {when}"
    return f"{span} (ถึงเวลา {when} น.)"


def lock_text(until: datetime, now: datetime, settings: Settings) -> str:
    return (
        "ใส่รหัสไม่ถูกต้องหลายครั้งแล้วค่ะ 🙏 เพื่อความปลอดภัย บัญชีนี้ต้องพักการใส่รหัสไว้ "
        f"{_wait_text(until, now, settings)} แล้วค่อยลองใหม่นะคะ\n"
        "หากไม่แน่ใจรหัส สอบถามพัฒนากรหรือประธานกลุ่มได้เลยค่ะ"
    )


def paused_text(until: datetime, now: datetime, settings: Settings) -> str:
    return (
        "ขออภัยค่ะ ตอนนี้ระบบพักการตรวจรหัสชั่วคราวเพื่อความปลอดภัย 🙏 "
        f"กรุณาลองใหม่ในอีก {_wait_text(until, now, settings)} นะคะ"
    )


async def _attempt(uow: UnitOfWork, account: ChatAccount, outcome: str) -> None:
    """Every refused code is audited with the account; never the code text."""
    log.info("link code refused for chat account %s: %s", account.id, outcome)
    await uow.audit.add(
        account.person_id, "code_refused", "chat_account", account.id, after={"outcome": outcome}
    )


async def check_code(
    uow: UnitOfWork, account: ChatAccount, raw: str, now: datetime, settings: Settings
) -> Checked:
    """The checks before a code is used: the account's lock, the deployment's pause, then
    the code itself. A wrong, expired, used or revoked code counts as a failed attempt."""
    gate = await limits.code_gate(uow, account.id, now, settings)
    if not gate.allowed:
        assert gate.until is not None
        await _attempt(uow, account, gate.reason or "locked")
        if gate.reason == "paused":
            return Checked(None, paused_text(gate.until, now, settings))
        return Checked(None, lock_text(gate.until, now, settings))
    found = await codes.find(uow, raw, now)
    if found.ok:
        return Checked(found)
    failure = await limits.code_failed(uow, account.id, now, settings)
    await _attempt(uow, account, found.status)
    if failure.alarm:
        await notify.alert(
            uow,
            settings.alert_officer_ids,
            f"มีการใส่รหัสลงทะเบียนผิด {failure.failures_this_hour:,} ครั้งภายในชั่วโมงนี้ "
            "อาจมีผู้พยายามเดารหัส กรุณาตรวจสอบและเปลี่ยนรหัสที่แจกไปหากจำเป็นค่ะ",
            now,
        )
    if failure.locked_until is not None:
        return Checked(None, lock_text(failure.locked_until, now, settings))
    text = _REASONS.get(found.status, NOT_FOUND)
    if found.status == "unknown":
        text += " ตรวจสอบรหัสกับพัฒนากร แล้วพิมพ์ ลงทะเบียน ตามด้วยรหัสอีกครั้งนะคะ"
    if failure.tries_left <= 2:
        text += f" (ใส่รหัสผิดได้อีก {failure.tries_left:,} ครั้ง ก่อนต้องพักสักครู่)"
    return Checked(None, text)


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
        await uow.session.flush()
    assert account.person_id is not None
    return account.person_id


async def _has_accounts(uow: UnitOfWork, person_id: int | None) -> bool:
    return person_id is not None and bool(await uow.people.accounts_of(person_id))


async def _name(uow: UnitOfWork, person_id: int | None) -> str:
    person = await uow.session.get(Person, person_id) if person_id is not None else None
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
    membership = Membership(person_id=person_id, group_id=group.id, role=Role.MEMBER, since=now)
    uow.session.add(membership)
    await uow.session.flush()
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
        membership = Membership(person_id=person_id, group_id=group_id, role=role, since=now)
        uow.session.add(membership)
        await uow.session.flush()
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
    return await uow.session.get(model, target_id)


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
    if mine is not None and isinstance(entry, Officer | Trainer | Administrator):
        # One officer (trainer, administrator) row per person: nobody is two of them.
        column = type(entry).person_id
        if await uow.session.scalar(select(column).where(column == mine)) is not None:
            raise NotAllowed(TAKEN)
    if mine is None:
        if holder is not None:  # the holder's accounts were unlinked: this is their new one
            attach(account, holder, now)
        else:  # a new person, named as the district office registered them
            person = await uow.people.add_person(name)
            attach(account, person.id, now)
            await uow.session.flush()
    person_id = account.person_id
    assert person_id is not None
    await _use(uow, found, person_id, now)
    entry.person_id = person_id
    if isinstance(entry, Officer | Administrator):
        entry.session_epoch += 1  # sessions of whoever held it before end now
    await uow.session.flush()
    await uow.audit.add(person_id, "link", kind, entry.id)
    officer = entry_officer(entry)
    await _tell_new_link(uow, account, ROLE_NAMES[kind], {officer} if officer else set(), now)
    return Linked(kind, kind, name)


async def _add_account(
    uow: UnitOfWork, account: ChatAccount, found: Found, now: datetime
) -> Linked:
    person = await uow.session.get(Person, found.target_id)
    if person is None or person.erased_at is not None:
        raise NotFound(NOT_FOUND)
    if account.person_id == person.id:
        return Linked("already", None, person.name)
    if account.person_id is not None:
        raise NotAllowed(TAKEN)
    await _use(uow, found, person.id, now)
    attach(account, person.id, now)
    await uow.session.flush()
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


# --- group chats ------------------------------------------------------------------------------

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
        room = ChatRoom(channel=channel, external_id=room_id)
        uow.session.add(room)
    before = {"group_id": room.group_id}
    room.group_id = group.id
    room.active = True
    await uow.session.flush()
    await uow.audit.add(
        actor.person_id if actor else None, "link", "chat_room", room.id, before,
        {"group_id": group.id},
    )  # fmt: skip
    return Linked("room", None, group.name)


def handover_ttl(settings: Settings) -> timedelta:
    return timedelta(days=min(7, settings.code_expiry_days))


# --- officers' own acts ---------------------------------------------------------------------

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
    officer = await uow.session.get(Officer, officer_id)
    if officer is None:
        return
    officer.session_epoch += 1
    await uow.session.flush()
    await uow.audit.add(actor_id, "end_sessions", "officer", officer_id, after={"reason": reason})


async def end_admin_sessions(
    uow: UnitOfWork, admin_id: int, actor_id: int | None, reason: str
) -> None:
    """As `end_dashboard_sessions`, for a district or province administrator."""
    admin = await uow.session.get(Administrator, admin_id)
    if admin is None:
        return
    admin.session_epoch += 1
    await uow.session.flush()
    await uow.audit.add(
        actor_id, "end_sessions", "administrator", admin_id, after={"reason": reason}
    )


UNLINKED_NOTICE = (
    "บัญชีแชทนี้ถูกยกเลิกการเชื่อมต่อกับผู้ใช้แล้วโดยสำนักงานพัฒนาชุมชนอำเภอค่ะ "
    "หากต้องการใช้ต่อ ขอรหัสใหม่จากพัฒนากร แล้วพิมพ์ ลงทะเบียน ตามด้วยรหัสนะคะ"
)


async def unlink(uow: UnitOfWork, accounts: list[ChatAccount], now: datetime) -> int:
    """Detaches chat accounts from their person (the district office, e.g. a lost or hijacked
    phone). The person keeps records and roles; an officer's dashboard sessions end; each
    account is told."""
    from sqlalchemy import delete

    from bot.storage.models import ConversationState

    count = 0
    for account in accounts:
        person_id = account.person_id
        if person_id is None:
            continue
        await notify.push(uow, account, UNLINKED_NOTICE, now)
        await accounts_leaving(uow, [account.id])  # back to the stranger's menu
        account.person_id = None
        account.linked_at = None
        await uow.session.execute(
            delete(ConversationState).where(ConversationState.chat_account_id == account.id)
        )
        await uow.audit.add(person_id, "unlink", "chat_account", account.id)
        await uow.files.revoke_links(person_id)  # a lost phone's download links stop now
        officer = await uow.people.officer_of(person_id)
        if officer is not None:
            await end_dashboard_sessions(uow, officer.id, None, "unlink")
        admin = await uow.session.scalar(
            select(Administrator).where(Administrator.person_id == person_id)
        )
        if admin is not None:
            await end_admin_sessions(uow, admin.id, None, "unlink")
        count += 1
    await uow.session.flush()
    return count
