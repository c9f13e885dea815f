"""Link codes: the credentials people type to become an officer, trainer, household, group
member, treasurer or chair, or to add a second chat account.

The code model (SECURITY.md, "Link codes"):
- **Member join codes** (10 characters) may be shared on posters. They stay on the group,
  readable, until the officer rotates or revokes them.
- **Codes that grant a role** — officer, trainer, household, treasurer, chair, administrator — are 12
  characters, **single use** and **expire** (`CODE_EXPIRY_DAYS`, 14 by default). Only their
  SHA-256 digest is stored; the plain code is shown once, when issued.
- **Account codes** (`เพิ่มบัญชี`) add a chat account to the person who asked for it from an
  account already linked: 12 characters, single use, 30 minutes.

Codes are typed on phones: uppercase letters and digits without look-alikes (no 0/O, 1/I/L),
shown in groups ("ABCD-EFGH-JKMN"). What people type is normalised first: spaces, hyphens and
dots dropped, lower case raised, Thai and full-width digits read as digits.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage.models import AccessCode
from bot.storage.unit_of_work import UnitOfWork

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 symbols: no 0/O, no 1/I/L
MEMBER_LENGTH = 10
PRIVILEGED_LENGTH = 12
LEGACY_LENGTH = 6  # codes issued before the code model (still accepted until they expire)
ACCOUNT_CODE_TTL = timedelta(minutes=30)
_LENGTHS = (LEGACY_LENGTH, MEMBER_LENGTH, PRIVILEGED_LENGTH)
_SEPARATORS = " -_.\u00a0\u2010\u2011\u2012\u2013\u2014\u2212\t"
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


class CodeKind(enum.StrEnum):
    MEMBER = "member"
    TREASURER = "treasurer"
    CHAIR = "chair"
    OFFICER = "officer"
    TRAINER = "trainer"
    HOUSEHOLD = "household"
    ACCOUNT = "account"
    ADMIN = "admin"  # a district or province administrator (bot/services/administrators.py)


GROUP_ROLES = (CodeKind.TREASURER, CodeKind.CHAIR)
PRIVILEGED = frozenset(
    {
        CodeKind.OFFICER,
        CodeKind.TRAINER,
        CodeKind.HOUSEHOLD,
        CodeKind.TREASURER,
        CodeKind.CHAIR,
        CodeKind.ADMIN,
    }
)


def normalise(raw: str) -> str | None:
    """The code as stored, from what a person typed ("abcd-efgh jkmn", "AB๑๒CD"), or None if
    it cannot be a code."""
    text = unicodedata.normalize("NFKC", raw).translate(_THAI_DIGITS)
    cleaned = "".join(ch for ch in text if ch not in _SEPARATORS).upper()
    if len(cleaned) not in _LENGTHS or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def looks_like_code(raw: str) -> bool:
    return normalise(raw) is not None


def display(code: str) -> str:
    """How a code is shown: in groups of four (12) or five (10) characters."""
    size = 5 if len(code) == MEMBER_LENGTH else 4 if len(code) == PRIVILEGED_LENGTH else 0
    if not size:
        return code
    return "-".join(code[i : i + size] for i in range(0, len(code), size))


def digest(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


@dataclass(frozen=True, slots=True)
class Found:
    """What a typed code turned out to be. `status`: ok | unknown | expired | used | revoked."""

    status: str
    kind: CodeKind | None = None
    target_id: int | None = None
    code_id: int | None = None  # the access_code row (None for a member join code)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


UNKNOWN = Found("unknown")


async def find(uow: UnitOfWork, raw: str, now: datetime) -> Found:
    """Looks a typed code up without using it."""
    code = normalise(raw)
    if code is None:
        return UNKNOWN
    group_id = await uow.codes.group_joined_by(code)
    if group_id is not None:
        return Found("ok", CodeKind.MEMBER, group_id)
    row = await uow.codes.by_digest(digest(code))
    if row is None:
        return UNKNOWN
    return _status(row, now)


async def by_id(uow: UnitOfWork, code_id: int, now: datetime) -> Found:
    row = await uow.codes.get(code_id)
    return UNKNOWN if row is None else _status(row, now)


def _status(row: AccessCode, now: datetime) -> Found:
    if row.revoked_at is not None:
        status = "revoked"
    elif row.used_at is not None:
        status = "used"
    elif row.expires_at <= now:
        status = "expired"
    else:
        status = "ok"
    return Found(status, CodeKind(row.kind), row.target_id, row.id)


async def use(uow: UnitOfWork, code_id: int, now: datetime) -> bool:
    """Marks a single-use code used; False if it was not usable any more (used meanwhile by
    someone else, revoked, expired). One UPDATE: two workers cannot both use it."""
    return await uow.codes.use(code_id, now)


async def used_by(uow: UnitOfWork, code_id: int, person_id: int) -> None:
    await uow.codes.used_by(code_id, person_id)


async def revoke_id(uow: UnitOfWork, code_id: int, now: datetime) -> None:
    await uow.codes.revoke_one(code_id, now)


async def issue(
    uow: UnitOfWork,
    kind: CodeKind,
    target_id: int,
    now: datetime,
    *,
    ttl: timedelta,
    created_by: int | None = None,
    replace: bool = True,
) -> str:
    """A new single-use code of `kind` for `target_id`; the plain code is returned once and
    only its digest is kept. With `replace`, the target's outstanding codes of that kind are
    revoked (rotation)."""
    if kind == CodeKind.MEMBER:
        return await rotate_join_code(uow, target_id)
    if replace:
        await revoke(uow, kind, target_id, now)
    while True:
        code = _random(PRIVILEGED_LENGTH)
        if await uow.codes.by_digest(digest(code)) is None:
            break
    await uow.codes.add(
        AccessCode(
            digest=digest(code),
            kind=kind,
            target_id=target_id,
            created_at=now,
            created_by=created_by,
            expires_at=now + ttl,
        )
    )
    return code


async def new_join_code(uow: UnitOfWork) -> str:
    while True:
        code = _random(MEMBER_LENGTH)
        if await uow.codes.group_joined_by(code) is None:
            return code


async def rotate_join_code(uow: UnitOfWork, group_id: int) -> str:
    group = await uow.groups.get(group_id)
    if group is None:
        raise LookupError(group_id)
    group.join_code = await new_join_code(uow)
    await uow.flush()
    return group.join_code


async def revoke(uow: UnitOfWork, kind: CodeKind, target_id: int, now: datetime) -> int:
    """Revokes every outstanding code of `kind` for `target_id`; how many there were. A
    member join code is removed from its group (nobody can join until a new one is issued)."""
    if kind == CodeKind.MEMBER:
        group = await uow.groups.get(target_id)
        if group is None or group.join_code is None:
            return 0
        group.join_code = None
        await uow.flush()
        return 1
    return await uow.codes.revoke_outstanding(kind, target_id, now)


async def revoke_typed(uow: UnitOfWork, raw: str, now: datetime) -> Found:
    """Revokes one code given as typed; what it was (status "unknown" if no such code)."""
    found = await find(uow, raw, now)
    if not found.ok or found.kind is None or found.target_id is None:
        return found
    if found.kind == CodeKind.MEMBER:
        await revoke(uow, CodeKind.MEMBER, found.target_id, now)
    elif found.code_id is not None:
        await revoke_id(uow, found.code_id, now)
    return found
