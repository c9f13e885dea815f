"""Bulk onboarding (`sammachip import`): a district's places and people from one workbook.

Everything is created through the same admin service as the one-at-a-time commands
(`admin.add_officer`, `create_group`, `add_trainer`, `add_household`, `issue_code`), inside the
caller's one unit of work. Rows are taken sheet by sheet in dependency order, so a row may name
what an earlier sheet (or the database) holds; every row is checked, every problem is kept with
its sheet and row, and the caller commits only when there are none (and never on a dry run).

Natural keys, so that importing the same file again updates instead of duplicating:
province: name · district: (province, name) · sub-district: (district, name) · village:
(district, name) · officer: (district, name) · trainer: (officer, name) · occupation group:
(village, name) · target household: (village, head of household's name)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, NoReturn

from bot.config import Settings
from bot.services import admin
from bot.services.enrolment_codes import CodeKind, display
from bot.services.errors import ServiceError
from bot.services.onboarding_file import (
    DISTRICTS,
    FOUNDED,
    GROUP_NAME,
    GROUPS,
    HEAD,
    HOUSEHOLDS,
    NAME,
    OCCUPATION,
    OFFICERS,
    PROVINCES,
    SHEETS,
    SUBDISTRICTS,
    TRAINERS,
    VILLAGES,
    Problem,
    Row,
    Sheets,
    area_name,
    parse_date,
)
from bot.storage.models import Area, AreaKind, Household, OccupationGroup, Officer, Trainer
from bot.storage.unit_of_work import UnitOfWork


@dataclass
class Tally:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def to_json(self) -> dict[str, int]:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class Outcome:
    """What the import did (or, with problems or a dry run, would have done)."""

    tallies: dict[str, Tally] = field(default_factory=lambda: {s: Tally() for s in SHEETS})
    problems: list[Problem] = field(default_factory=list)
    # The codes of what was created, shown once: kind -> [{id, name, where, codes...}]
    codes: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"officers": [], "trainers": [], "groups": [], "households": []}
    )

    @property
    def ok(self) -> bool:
        return not self.problems


class _Skip(Exception):
    """This row has problems (already noted); go on with the next."""


class _Import:
    def __init__(self, uow: UnitOfWork, now: datetime, settings: Settings) -> None:
        self.uow, self.now, self.settings = uow, now, settings
        self.out = Outcome()
        self.seen: dict[tuple[str, tuple[Any, ...]], int] = {}
        # Keys of rows that had problems: rows naming them are skipped without a second error.
        self.broken: set[tuple[str, tuple[Any, ...]]] = set()
        self.areas: dict[tuple[str, str, int | None], Area] = {}

    # --- reading one row ---------------------------------------------------------------------

    def text(self, row: Row, column: str, problems: list[str]) -> str:
        raw = row.values.get(column, "")
        value = raw.isoformat() if isinstance(raw, date) else str(raw)
        if column in (PROVINCES, DISTRICTS, SUBDISTRICTS):
            value = area_name(column, value)
        try:
            return admin.required(value, column)
        except ServiceError as error:
            problems.append(f"ช่อง {column}: {error.message}")
            return ""

    def fields(self, row: Row, problems: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for column in SHEETS[row.sheet]:
            if column == FOUNDED:
                founded = parse_date(row.values.get(column, ""))
                if founded is None or not 1900 <= founded.year <= 2200:
                    problems.append(
                        f"ช่อง {FOUNDED}: อ่านวันที่ {row.values.get(column) or '(ว่าง)'} ไม่ได้ค่ะ "
                        "กรอกแบบ วัน/เดือน/ปี พ.ศ. เช่น 3/12/2569"
                    )
                values[column] = founded
            else:
                values[column] = self.text(row, column, problems)
        return values

    def fail(self, row: Row, message: str) -> NoReturn:
        self.out.problems.append(Problem(row.sheet, row.number, message))
        raise _Skip

    def once(self, row: Row, key: tuple[Any, ...]) -> None:
        """A natural key may appear once per file: a second row would silently win."""
        first = self.seen.setdefault((row.sheet, key), row.number)
        if first != row.number and row.sheet == VILLAGES:
            self.fail(
                row,
                f"ชื่อหมู่บ้านซ้ำกับแถว {first} ในอำเภอเดียวกัน หากเป็นคนละหมู่บ้าน ให้เติมชื่อตำบลต่อท้าย "
                "เช่น บ้านนา หมู่ที่ 1 ต.หนองโพ (ชื่อหมู่บ้านต้องไม่ซ้ำกันในอำเภอ)",
            )
        if first != row.number:
            self.fail(row, f"ซ้ำกับแถว {first} ของแผ่นงานเดียวกัน (ลบแถวใดแถวหนึ่ง)")

    def missing(self, row: Row, kind: str, key: tuple[Any, ...], what: str) -> NoReturn:
        if (kind, key) in self.broken:
            self.fail(row, f"{what} มีข้อผิดพลาดในแผ่นงาน {kind} (แก้แถวนั้นก่อน)")
        self.fail(
            row, f"ไม่พบ{what} ในแผ่นงาน {kind} หรือในระบบ (ตรวจการสะกด หรือเพิ่มแถวในแผ่นงาน {kind})"
        )

    # --- looking up what exists (in the database, including rows imported above) -------------

    async def area(self, kind: AreaKind, name: str, parent_id: int | None) -> Area | None:
        # Every row names its province and district again: found areas are remembered for
        # this unit of work (areas are never deleted, and new ones come from ensure_area).
        key = (str(kind), name, parent_id)
        if key in self.areas:
            return self.areas[key]
        found = await self.uow.groups.find_area(kind, name, parent_id)
        if found is not None:
            self.areas[key] = found
        return found

    async def ensure_area(self, kind: AreaKind, name: str, parent_id: int | None) -> bool:
        """The area, created if new (the repository's get-or-create); True if it was new."""
        if await self.area(kind, name, parent_id) is not None:
            return False
        self.areas[(str(kind), name, parent_id)] = await self.uow.groups.area(kind, name, parent_id)
        return True

    async def district(self, row: Row, values: dict[str, Any]) -> Area:
        province, district = values[PROVINCES], values[DISTRICTS]
        found_province = await self.area(AreaKind.PROVINCE, province, None)
        if found_province is None:
            self.missing(row, PROVINCES, (province,), f"จังหวัด{province}")
        found = await self.area(AreaKind.DISTRICT, district, found_province.id)
        if found is None:
            self.missing(row, DISTRICTS, (province, district), f"อำเภอ{district} จังหวัด{province}")
        return found

    async def village(self, row: Row, values: dict[str, Any], district: Area) -> Area:
        """The village of this name in the district, under whichever sub-district (group and
        household rows name a village by its district)."""
        name = values[VILLAGES]
        cached = (str(AreaKind.VILLAGE), name, -district.id)  # negative: a district, not a parent
        if cached in self.areas:
            return self.areas[cached]
        found = await self.uow.groups.villages_named(name, district.id)
        if len(found) > 1:
            self.fail(row, f"มีหมู่บ้านชื่อ {name} ในอำเภอ{district.name} มากกว่าหนึ่งแห่ง "
                           "(คนละตำบล) กรุณาเติมหมู่ที่ในชื่อหมู่บ้านให้ต่างกัน")  # fmt: skip
        if not found:
            key = (values[PROVINCES], values[DISTRICTS], name)
            self.missing(row, VILLAGES, key, f"หมู่บ้าน {name} ในอำเภอ{district.name}")
        self.areas[cached] = found[0]
        return found[0]

    async def officer(self, row: Row, values: dict[str, Any], district: Area) -> Officer:
        name = values[OFFICERS] if row.sheet != OFFICERS else values[NAME]
        found = await self.uow.registry.officers_named(district.id, name)
        if len(found) > 1:
            ids = ", ".join(str(o.id) for o in found)
            self.fail(row, f"มีพัฒนากรชื่อ {name} ในอำเภอ{district.name} มากกว่าหนึ่งคน (รหัส {ids}) "
                           "จึงไม่รู้ว่าหมายถึงใคร")  # fmt: skip
        if not found:
            key = (values[PROVINCES], values[DISTRICTS], name)
            self.missing(row, OFFICERS, key, f"พัฒนากร {name} ในอำเภอ{district.name}")
        return found[0]

    async def trainer(self, officer: Officer, name: str) -> Trainer | None:
        return await self.uow.registry.trainer_named(officer.id, name)

    async def issue(self, kind: CodeKind, target: int) -> str:
        return display(await admin.issue_code(self.uow, kind, target, self.now, self.settings))

    # --- one handler per sheet ---------------------------------------------------------------

    async def province(self, row: Row, v: dict[str, Any]) -> str:
        return "new" if await self.ensure_area(AreaKind.PROVINCE, v[PROVINCES], None) else ""

    async def district_row(self, row: Row, v: dict[str, Any]) -> str:
        province = await self.area(AreaKind.PROVINCE, v[PROVINCES], None)
        if province is None:
            self.missing(row, PROVINCES, (v[PROVINCES],), f"จังหวัด{v[PROVINCES]}")
        new = await self.ensure_area(AreaKind.DISTRICT, v[DISTRICTS], province.id)
        return "new" if new else ""

    async def subdistrict(self, row: Row, v: dict[str, Any]) -> str:
        district = await self.district(row, v)
        new = await self.ensure_area(AreaKind.SUBDISTRICT, v[SUBDISTRICTS], district.id)
        return "new" if new else ""

    async def village_row(self, row: Row, v: dict[str, Any]) -> str:
        district = await self.district(row, v)
        subdistrict = await self.area(AreaKind.SUBDISTRICT, v[SUBDISTRICTS], district.id)
        if subdistrict is None:
            key = (v[PROVINCES], v[DISTRICTS], v[SUBDISTRICTS])
            self.missing(row, SUBDISTRICTS, key, f"ตำบล{v[SUBDISTRICTS]} ในอำเภอ{district.name}")
        # A village filed directly under its district (by `group add`, or an import before
        # villages had sub-districts) is the same village: it moves under its sub-district
        # rather than being made twice.
        if await self.area(AreaKind.VILLAGE, v[VILLAGES], subdistrict.id) is None:
            earlier = await self.area(AreaKind.VILLAGE, v[VILLAGES], district.id)
            if earlier is not None:
                await self.uow.groups.move_area(earlier, subdistrict.id)
                self.areas[(str(AreaKind.VILLAGE), v[VILLAGES], subdistrict.id)] = earlier
                self.areas.pop((str(AreaKind.VILLAGE), v[VILLAGES], district.id), None)
                return "updated"
        new = await self.ensure_area(AreaKind.VILLAGE, v[VILLAGES], subdistrict.id)
        return "new" if new else ""

    async def officer_row(self, row: Row, v: dict[str, Any]) -> str:
        district = await self.district(row, v)
        if await self.uow.registry.officers_named(district.id, v[NAME]):
            return ""
        officer = await admin.add_officer(
            self.uow, name=v[NAME], district=v[DISTRICTS], province=v[PROVINCES]
        )
        self.out.codes["officers"].append({
            "officer_id": officer.id, "name": officer.name,
            "district": v[DISTRICTS], "province": v[PROVINCES],
            "link_code": await self.issue(CodeKind.OFFICER, officer.id),
        })  # fmt: skip
        return "new"

    async def trainer_row(self, row: Row, v: dict[str, Any]) -> str:
        district = await self.district(row, v)
        officer = await self.officer(row, v, district)
        if await self.trainer(officer, v[NAME]) is not None:
            return ""
        trainer = await admin.add_trainer(self.uow, name=v[NAME], officer_id=officer.id)
        self.out.codes["trainers"].append({
            "trainer_id": trainer.id, "name": trainer.name, "officer": officer.name,
            "link_code": await self.issue(CodeKind.TRAINER, trainer.id),
        })  # fmt: skip
        return "new"

    async def group_row(self, row: Row, v: dict[str, Any]) -> str:
        district = await self.district(row, v)
        village = await self.village(row, v, district)
        officer = await self.officer(row, v, district)
        group = await self.uow.registry.group_in_village(village.id, v[GROUP_NAME])
        if group is None:
            group = await admin.create_group(
                self.uow, name=v[GROUP_NAME], occupation=v[OCCUPATION], village=village.name,
                officer_id=officer.id, founded=v[FOUNDED],
            )  # fmt: skip
            self.out.codes["groups"].append({
                "group_id": group.id, "name": group.name, "village": village.name,
                "join_code": display(group.join_code or ""),
                "treasurer_code": await self.issue(CodeKind.TREASURER, group.id),
                "chair_code": await self.issue(CodeKind.CHAIR, group.id),
            })  # fmt: skip
            return "new"
        wanted = {"occupation": v[OCCUPATION], "officer_id": officer.id, "founded_on": v[FOUNDED]}
        return await self.update(group, "group", wanted)

    async def household_row(self, row: Row, v: dict[str, Any]) -> str:
        district = await self.district(row, v)
        village = await self.village(row, v, district)
        officer = await self.officer(row, v, district)
        trainer = await self.trainer(officer, v[TRAINERS])
        if trainer is None:
            key = (v[PROVINCES], v[DISTRICTS], officer.name, v[TRAINERS])
            self.missing(row, TRAINERS, key, f"วิทยากร {v[TRAINERS]} ของพัฒนากร {officer.name}")
        household = await self.uow.registry.household_in_village(village.id, v[HEAD])
        if household is None:
            household = await admin.add_household(
                self.uow, village=village.name, head=v[HEAD], occupation=v[OCCUPATION],
                trainer=trainer.name, officer_id=officer.id,
            )  # fmt: skip
            self.out.codes["households"].append({
                "household_id": household.id, "head": household.head_name,
                "village": village.name, "trainer": trainer.name,
                "join_code": await self.issue(CodeKind.HOUSEHOLD, household.id),
            })  # fmt: skip
            return "new"
        wanted = {
            "occupation": v[OCCUPATION], "officer_id": officer.id,
            "trainer_id": trainer.id, "trainer_name": trainer.name,
        }  # fmt: skip
        return await self.update(household, "household", wanted)

    async def update(
        self, row: OccupationGroup | Household, entity: str, wanted: dict[str, Any]
    ) -> str:
        before = {k: getattr(row, k) for k in wanted if getattr(row, k) != wanted[k]}
        if not before:
            return ""
        for key in before:
            setattr(row, key, wanted[key])
        await self.uow.flush()
        await self.uow.audit.add(
            None, "update", entity, row.id,
            before={k: _plain(val) for k, val in before.items()},
            after={k: _plain(wanted[k]) for k in before},
        )  # fmt: skip
        return "updated"

    # --- the whole file ----------------------------------------------------------------------

    KEYS: ClassVar[dict[str, tuple[str, ...]]] = {
        PROVINCES: (PROVINCES,),
        DISTRICTS: (PROVINCES, DISTRICTS),
        SUBDISTRICTS: (PROVINCES, DISTRICTS, SUBDISTRICTS),
        VILLAGES: (PROVINCES, DISTRICTS, VILLAGES),
        OFFICERS: (PROVINCES, DISTRICTS, NAME),
        TRAINERS: (PROVINCES, DISTRICTS, OFFICERS, NAME),
        GROUPS: (PROVINCES, DISTRICTS, VILLAGES, GROUP_NAME),
        HOUSEHOLDS: (PROVINCES, DISTRICTS, VILLAGES, HEAD),
    }

    async def run(self, sheets: Sheets) -> Outcome:
        self.out.problems.extend(sheets.problems)
        handlers = {
            PROVINCES: self.province, DISTRICTS: self.district_row,
            SUBDISTRICTS: self.subdistrict, VILLAGES: self.village_row,
            OFFICERS: self.officer_row, TRAINERS: self.trainer_row,
            GROUPS: self.group_row, HOUSEHOLDS: self.household_row,
        }  # fmt: skip
        for sheet, handle in handlers.items():
            for row in sheets.rows.get(sheet, []):
                problems: list[str] = []
                values = self.fields(row, problems)
                key = tuple(values[c] for c in self.KEYS[sheet])
                try:
                    if problems:
                        self.fail(row, "; ".join(problems))
                    # The same place listed twice is harmless; a person or group twice is not.
                    if sheet in (OFFICERS, TRAINERS, GROUPS, HOUSEHOLDS, VILLAGES):
                        self.once(row, key)
                    done = await handle(row, values)
                except _Skip:
                    self.broken.add((sheet, key))
                    continue
                except ServiceError as error:  # the admin service refused a value
                    self.broken.add((sheet, key))
                    self.out.problems.append(Problem(sheet, row.number, error.message))
                    continue
                tally = self.out.tallies[sheet]
                if done == "new":
                    tally.new += 1
                elif done == "updated":
                    tally.updated += 1
                else:
                    tally.unchanged += 1
        return self.out


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


async def import_sheets(
    uow: UnitOfWork, sheets: Sheets, now: datetime, settings: Settings
) -> Outcome:
    """Creates and updates what the sheets say inside `uow`. The caller commits only when the
    outcome is ok (and it is not a dry run); otherwise it leaves the unit of work to roll back."""
    if not any(sheets.rows.values()) and not sheets.problems:
        return Outcome(problems=[Problem("ทุกแผ่นงาน", None, "ไม่พบแถวข้อมูลในไฟล์เลย (กรอกตั้งแต่แถว 2)")])
    return await _Import(uow, now, settings).run(sheets)
