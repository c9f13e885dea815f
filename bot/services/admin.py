"""Setting up the programme: officers, occupation groups, trainers and target households.
These are the district office's acts (CLI). A group gets its shareable member join code when it
is created; codes that grant a role are issued with `issue_code` (shown once, kept as a
digest), rotated and revoked the same way (`sammachip code rotate|revoke`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.config import Settings
from bot.services import enrolment_codes as codes
from bot.services.enrolment import looks_like_formula
from bot.services.enrolment_codes import CodeKind
from bot.services.errors import InvalidInput, NotFound
from bot.storage.models import (
    Administrator,
    AreaKind,
    Household,
    OccupationGroup,
    Officer,
    Trainer,
)
from bot.storage.unit_of_work import UnitOfWork

FORMULA_NAME = (
    "ชื่อต้องไม่ขึ้นต้นด้วยเครื่องหมาย = + - หรือ @ ค่ะ (โปรแกรมตารางคำนวณจะอ่านเป็นสูตร) กรุณาพิมพ์ชื่อใหม่นะคะ"
)


def _required(value: str, what: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned or len(cleaned) > 200:
        raise InvalidInput(f"กรุณาระบุ{what} (ไม่เกิน 200 ตัวอักษร) ค่ะ")
    if looks_like_formula(cleaned):
        raise InvalidInput(FORMULA_NAME)
    return cleaned


# The same check for every name and place a bulk import reads (bot/services/onboarding.py).
required = _required


async def add_officer(uow: UnitOfWork, *, name: str, district: str, province: str) -> Officer:
    province_area = await uow.groups.area(AreaKind.PROVINCE, _required(province, "จังหวัด"), None)
    district_area = await uow.groups.area(
        AreaKind.DISTRICT, _required(district, "อำเภอ"), province_area.id
    )
    officer = Officer(name=_required(name, "ชื่อพัฒนากร"), district_id=district_area.id)
    await uow.registry.add(officer)
    await uow.audit.add(None, "create", "officer", officer.id, after={"name": officer.name})
    return officer


async def _village_of(uow: UnitOfWork, officer: Officer, village: str) -> int:
    # The village of that name in the officer's district, under whichever sub-district the
    # import filed it; a new one is filed under the district (the sub-district is not asked
    # for here; a later import that names it moves the village under it).
    name = _required(village, "หมู่บ้าน")
    found = await uow.groups.villages_named(name, officer.district_id)
    if len(found) == 1:
        return found[0].id
    if len(found) > 1:
        raise InvalidInput(
            f"มีหมู่บ้านชื่อ {name} มากกว่าหนึ่งแห่งในอำเภอนี้ (คนละตำบล) "
            "กรุณาพิมพ์ชื่อหมู่บ้านพร้อมหมู่ที่ให้ตรงกับที่นำเข้าไว้ค่ะ"
        )
    area = await uow.groups.area(AreaKind.VILLAGE, name, officer.district_id)
    return area.id


async def _officer(uow: UnitOfWork, officer_id: int) -> Officer:
    officer = await uow.people.officer(officer_id)
    if officer is None:
        raise NotFound(f"ไม่พบพัฒนากรรหัส {officer_id} ค่ะ")
    return officer


async def create_group(
    uow: UnitOfWork,
    *,
    name: str,
    occupation: str,
    village: str,
    officer_id: int,
    founded: date,
) -> OccupationGroup:
    officer = await _officer(uow, officer_id)
    group = OccupationGroup(
        name=_required(name, "ชื่อกลุ่ม"),
        occupation=_required(occupation, "อาชีพ"),
        village_id=await _village_of(uow, officer, village),
        officer_id=officer.id,
        founded_on=founded,
        join_code=await codes.new_join_code(uow),
        settings={},
    )
    await uow.registry.add(group)
    await uow.audit.add(None, "create", "group", group.id, after={"name": group.name})
    return group


async def add_trainer(uow: UnitOfWork, *, name: str, officer_id: int) -> Trainer:
    """The trainer with this name under this officer, created with a link code if new."""
    officer = await _officer(uow, officer_id)
    cleaned = _required(name, "ชื่อวิทยากร")
    trainer = await uow.registry.trainer_named(officer.id, cleaned)
    if trainer is None:
        trainer = await uow.registry.add(Trainer(name=cleaned, officer_id=officer.id))
        await uow.audit.add(None, "create", "trainer", trainer.id, after={"name": cleaned})
    return trainer


async def _known_trainer(uow: UnitOfWork, officer: Officer, name: str) -> Trainer:
    cleaned = _required(name, "ชื่อวิทยากร")
    trainers = await uow.registry.trainers_of(officer.id)
    for trainer in trainers:
        if trainer.name == cleaned:
            return trainer
    known = f"วิทยากรที่มีอยู่: {', '.join(t.name for t in trainers)} · " if trainers else ""
    raise NotFound(
        f"ไม่พบวิทยากรชื่อ {cleaned} ของพัฒนากรรหัส {officer.id} ค่ะ {known}"
        f'หากเป็นวิทยากรใหม่ เพิ่มก่อนด้วย sammachip trainer add --name "{cleaned}" '
        f"--officer {officer.id} แล้วเพิ่มครัวเรือนอีกครั้งค่ะ"
    )


async def add_household(
    uow: UnitOfWork,
    *,
    village: str,
    head: str,
    occupation: str,
    trainer: str,
    officer_id: int,
) -> Household:
    """A target household, followed by a trainer already registered for this officer: a
    misspelt name must not create a second, phantom trainer nobody can link to."""
    officer = await _officer(uow, officer_id)
    trainer_row = await _known_trainer(uow, officer, trainer)
    household = Household(
        village_id=await _village_of(uow, officer, village),
        head_name=_required(head, "ชื่อหัวหน้าครัวเรือน"),
        occupation=_required(occupation, "อาชีพ"),
        trainer_name=trainer_row.name,
        trainer_id=trainer_row.id,
        officer_id=officer.id,
    )
    await uow.registry.add(household)
    await uow.audit.add(
        None, "create", "household", household.id, after={"head": household.head_name}
    )
    return household


_TARGETS: dict[
    CodeKind,
    type[Officer] | type[Trainer] | type[Household] | type[OccupationGroup] | type[Administrator],
] = {
    CodeKind.ADMIN: Administrator,
    CodeKind.OFFICER: Officer,
    CodeKind.TRAINER: Trainer,
    CodeKind.HOUSEHOLD: Household,
    CodeKind.MEMBER: OccupationGroup,
    CodeKind.TREASURER: OccupationGroup,
    CodeKind.CHAIR: OccupationGroup,
}
_TARGET_NAMES = {Officer: "พัฒนากร", Trainer: "วิทยากร", Household: "ครัวเรือน", OccupationGroup: "กลุ่ม",
                 Administrator: "ผู้ดูแล"}  # fmt: skip


async def _target(uow: UnitOfWork, kind: CodeKind, target_id: int) -> object:
    model = _TARGETS.get(kind)
    if model is None:
        raise InvalidInput(f"ออกรหัสแบบ {kind} จากคำสั่งนี้ไม่ได้ค่ะ")
    found = await uow.registry.entry(model, target_id)
    if found is None:
        raise NotFound(f"ไม่พบ{_TARGET_NAMES[model]}รหัส {target_id}")
    return found


def _end_sessions(target: object) -> None:
    """A new or revoked code of an officer or administrator ends their dashboard sessions."""
    if isinstance(target, Officer | Administrator):
        target.session_epoch += 1


async def issue_code(
    uow: UnitOfWork,
    kind: CodeKind,
    target_id: int,
    now: datetime,
    settings: Settings,
    *,
    created_by: int | None = None,
) -> str:
    """A new code for the target (the old outstanding ones stop working): a member join code,
    or a single-use code that grants the role, valid CODE_EXPIRY_DAYS. Rotating an officer's
    code also ends their dashboard sessions."""
    target = await _target(uow, kind, target_id)
    code = await codes.issue(
        uow, kind, target_id, now, ttl=timedelta(days=settings.code_expiry_days),
        created_by=created_by,
    )  # fmt: skip
    _end_sessions(target)
    await uow.audit.add(created_by, "issue_code", str(kind), target_id, after={"kind": str(kind)})
    return code


async def revoke_codes(
    uow: UnitOfWork, kind: CodeKind, target_id: int, now: datetime, *, by: int | None = None
) -> int:
    target = await _target(uow, kind, target_id)
    revoked = await codes.revoke(uow, kind, target_id, now)
    _end_sessions(target)
    await uow.audit.add(by, "revoke_code", str(kind), target_id, after={"revoked": revoked})
    return revoked
