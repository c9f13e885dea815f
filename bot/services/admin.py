"""Setting up the programme: officers, occupation groups, trainers and target households.
These are the district office's acts (CLI); each returns the codes people send to the bot."""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select

from bot.services.errors import InvalidInput, NotFound
from bot.storage.models import AreaKind, Household, OccupationGroup, Officer, Trainer
from bot.storage.unit_of_work import UnitOfWork

# No 0/O, 1/I/L: codes are read aloud and typed on small phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


async def new_code(uow: UnitOfWork) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not await uow.groups.code_in_use(code):
            return code


def _required(value: str, what: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned or len(cleaned) > 200:
        raise InvalidInput(f"กรุณาระบุ{what} (ไม่เกิน 200 ตัวอักษร) ค่ะ")
    return cleaned


async def add_officer(uow: UnitOfWork, *, name: str, district: str, province: str) -> Officer:
    province_area = await uow.groups.area(AreaKind.PROVINCE, _required(province, "จังหวัด"), None)
    district_area = await uow.groups.area(
        AreaKind.DISTRICT, _required(district, "อำเภอ"), province_area.id
    )
    officer = Officer(
        name=_required(name, "ชื่อพัฒนากร"),
        district_id=district_area.id,
        link_code=await new_code(uow),
    )
    uow.session.add(officer)
    await uow.session.flush()
    await uow.audit.add(None, "create", "officer", officer.id, after={"name": officer.name})
    return officer


async def _village_of(uow: UnitOfWork, officer: Officer, village: str) -> int:
    # Villages are filed under the officer's district; the sub-district is not asked for here.
    area = await uow.groups.area(AreaKind.VILLAGE, _required(village, "หมู่บ้าน"), officer.district_id)
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
        join_code=await new_code(uow),
        treasurer_code="",
        chair_code="",
        settings={},
    )
    # Codes must differ from each other too; new_code checks the database, so flush between.
    group.treasurer_code = await new_code(uow)
    uow.session.add(group)
    await uow.session.flush()
    group.chair_code = await new_code(uow)
    await uow.session.flush()
    await uow.audit.add(None, "create", "group", group.id, after={"name": group.name})
    return group


async def add_trainer(uow: UnitOfWork, *, name: str, officer_id: int) -> Trainer:
    """The trainer with this name under this officer, created with a link code if new."""
    officer = await _officer(uow, officer_id)
    cleaned = _required(name, "ชื่อวิทยากร")
    trainer = await uow.session.scalar(
        select(Trainer).where(Trainer.officer_id == officer.id, Trainer.name == cleaned)
    )
    if trainer is None:
        trainer = Trainer(name=cleaned, officer_id=officer.id, link_code=await new_code(uow))
        uow.session.add(trainer)
        await uow.session.flush()
        await uow.audit.add(None, "create", "trainer", trainer.id, after={"name": cleaned})
    return trainer


async def _known_trainer(uow: UnitOfWork, officer: Officer, name: str) -> Trainer:
    cleaned = _required(name, "ชื่อวิทยากร")
    trainers = (
        await uow.session.scalars(
            select(Trainer).where(Trainer.officer_id == officer.id).order_by(Trainer.name)
        )
    ).all()
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
        join_code=await new_code(uow),
    )
    uow.session.add(household)
    await uow.session.flush()
    await uow.audit.add(
        None, "create", "household", household.id, after={"head": household.head_name}
    )
    return household
