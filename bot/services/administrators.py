"""Administrators above the officers: a district office (สำนักงานพัฒนาชุมชนอำเภอ) sees every
group and household of its district, a province office (สำนักงานพัฒนาชุมชนจังหวัด) every district
of its province. Read-only: they record nothing for groups. Every page, chat answer and
workbook asks this module what is in scope, on the server, from the administrator row the
session or chat account points at — never from an id the client sent."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.errors import InvalidInput, NotAllowed
from bot.storage.models import Administrator, AdminLevel, Area, AreaKind, OccupationGroup
from bot.storage.unit_of_work import UnitOfWork

LEVEL_NAMES = {AdminLevel.PROVINCE: "ระดับจังหวัด", AdminLevel.DISTRICT: "ระดับอำเภอ"}
ADMIN_ONLY = (
    "ขออภัยค่ะ สรุปจังหวัดและสรุปรายอำเภอของทั้งจังหวัดเปิดให้เฉพาะสำนักงานพัฒนาชุมชนจังหวัดและอำเภอค่ะ "
    "พิมพ์ สรุป เพื่อดูสรุปของคุณ หรือ เมนู เพื่อดูสิ่งที่ทำได้นะคะ"
)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one administrator may see: a province (every district in it) or one district."""

    admin_id: int
    name: str
    level: str  # AdminLevel
    area_id: int
    area_name: str

    @property
    def is_province(self) -> bool:
        return self.level == AdminLevel.PROVINCE

    @property
    def title(self) -> str:
        return f"จังหวัด{self.area_name}" if self.is_province else f"อำเภอ{self.area_name}"


def _clean(value: str, what: str) -> str:
    from bot.services.admin import _required

    return _required(value, what)


async def add_administrator(
    uow: UnitOfWork, *, name: str, province: str, district: str | None = None
) -> Administrator:
    """A province administrator, or with `district` a district one (areas made if new)."""
    province_area = await uow.groups.area(AreaKind.PROVINCE, _clean(province, "จังหวัด"), None)
    area = province_area
    if district is not None:
        area = await uow.groups.area(AreaKind.DISTRICT, _clean(district, "อำเภอ"), province_area.id)
    row = Administrator(
        name=_clean(name, "ชื่อผู้ดูแล"),
        level=AdminLevel.DISTRICT if district is not None else AdminLevel.PROVINCE,
        area_id=area.id,
    )
    await uow.administrators.add(row)
    await uow.audit.add(
        None, "create", "administrator", row.id, after={"name": row.name, "level": row.level}
    )
    return row


async def scope_of(uow: UnitOfWork, admin: Administrator) -> Scope:
    area = await uow.groups.area_by_id(admin.area_id)
    return Scope(admin.id, admin.name, admin.level, admin.area_id, area.name if area else "")


async def scope_of_person(uow: UnitOfWork, person_id: int) -> Scope | None:
    admin = await uow.administrators.of_person(person_id)
    return await scope_of(uow, admin) if admin is not None else None


async def districts(uow: UnitOfWork, scope: Scope) -> list[Area]:
    """The districts in scope, in Thai order."""
    from bot.wording import thai_sort_key

    if scope.is_province:
        found = list(await uow.groups.areas_within(scope.area_id, AreaKind.DISTRICT))
    else:
        area = await uow.groups.area_by_id(scope.area_id)
        found = [area] if area is not None else []
    return sorted(found, key=lambda a: (thai_sort_key(a.name), a.id))


async def district_in_scope(uow: UnitOfWork, scope: Scope, district_id: int) -> Area | None:
    """The district if this administrator may see it; None for a neighbour's or none at all
    (answered alike, so ids cannot be probed)."""
    area = await uow.groups.area_by_id(district_id)
    if area is None or area.kind != AreaKind.DISTRICT:
        return None
    if scope.is_province:
        return area if area.parent_id == scope.area_id else None
    return area if area.id == scope.area_id else None


async def group_in_scope(uow: UnitOfWork, scope: Scope, group_id: int) -> OccupationGroup | None:
    group = await uow.groups.get(group_id)
    if group is None:
        return None
    village = await uow.groups.area_by_id(group.village_id)
    if village is None or village.district_id is None:
        return None
    return group if await district_in_scope(uow, scope, village.district_id) else None


async def find_district(uow: UnitOfWork, scope: Scope, name: str) -> Area:
    """A district of the scope by name ("วังหิน", "อำเภอวังหิน", "อ.วังหิน"); a Thai refusal that
    lists the scope's districts otherwise (a neighbour's name is not found, not refused)."""
    wanted = " ".join(name.split())
    for prefix in ("อำเภอ", "อ."):
        wanted = wanted.removeprefix(prefix).strip()
    mine = await districts(uow, scope)
    for area in mine:
        if area.name == wanted:
            return area
    names = ", ".join(a.name for a in mine) or "-"
    raise InvalidInput(f"ไม่พบอำเภอ{wanted}ใน{scope.title}ค่ะ อำเภอที่ดูได้: {names}")


def require(scope: Scope | None) -> Scope:
    if scope is None:
        raise NotAllowed(ADMIN_ONLY)
    return scope
