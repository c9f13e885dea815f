"""`sammachip import`: a district office fills the template and onboards a whole district in one
command. Runs the real command (in-process, the same `main` the console script calls) against
SQLite and PostgreSQL, and looks at what a person would notice: what is in the database, the
codes printed (and that they work), the errors with their sheet and row."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.app import build_app
from bot.cli import main
from bot.reports import export, programme
from bot.services import admin, enrolment_codes, reports
from bot.services.actors import Actor
from bot.services.onboarding_file import parse_date
from bot.storage.models import (
    AccessCode,
    Area,
    AuditLog,
    Household,
    OccupationGroup,
    Officer,
    Trainer,
)
from bot.storage.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.conftest import test_settings as settings_for

SUBDISTRICTS = ("หนองโพ", "บ้านเลือก", "ท่าชุมพล")


def run(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def district_workbook(template: Path, target: Path) -> None:
    """The template filled in the way a district office would: one district of 3 sub-districts
    and 21 villages, 2 officers, 3 trainers, a group and a household in every village."""
    book = load_workbook(template)
    book["จังหวัด"].append(["จังหวัดราชบุรี"])
    book["อำเภอ"].append(["ราชบุรี", "อำเภอโพธาราม"])
    for sub in SUBDISTRICTS:
        book["ตำบล"].append(["ราชบุรี", "โพธาราม", f"ต.{sub}"])
    book["พัฒนากร"].append(["นางสมหญิง ใจดี", "ราชบุรี", "โพธาราม"])
    book["พัฒนากร"].append(["นายสมชาย รักถิ่น", "ราชบุรี", "โพธาราม"])
    trainers = [("ครูสมบัติ ขยันดี", "นางสมหญิง ใจดี"), ("ครูแก้ว ศรีสุข", "นางสมหญิง ใจดี"),
                ("ครูมานะ อดทน", "นายสมชาย รักถิ่น")]  # fmt: skip
    for name, officer in trainers:
        book["วิทยากร"].append([name, "ราชบุรี", "โพธาราม", officer])
    for n in range(21):
        village = f"บ้านหมู่{n + 1} หมู่ที่ {n % 7 + 1}"
        book["หมู่บ้าน"].append(["ราชบุรี", "โพธาราม", SUBDISTRICTS[n // 7], village])
        trainer, officer = trainers[n % 3]
        # Founding dates as offices write them: day/month/Buddhist-Era year, or a date cell.
        # (A spreadsheet's date cell has no time zone, hence a naive datetime.)
        cell = datetime(2025, 6, n % 28 + 1)  # noqa: DTZ001
        founded: Any = f"{n % 28 + 1}/6/2568" if n % 2 else cell
        book["กลุ่มอาชีพ"].append(
            [f"กลุ่มอาชีพบ้าน {n + 1}", "ทอผ้า", "ราชบุรี", "โพธาราม", village, officer, founded]
        )
        book["ครัวเรือนเป้าหมาย"].append(
            [f"นางสาวครัวเรือน {n + 1}", "ปลูกผัก", "ราชบุรี", "โพธาราม", village, officer, trainer]
        )
    book.save(target)


async def _counts(url: str) -> dict[str, int]:
    app = build_app(settings_for(url))
    try:
        async with app.uow() as uow:
            counts = {}
            for name, model in (("area", Area), ("officer", Officer), ("trainer", Trainer),
                                ("group", OccupationGroup), ("household", Household),
                                ("code", AccessCode)):  # fmt: skip
                counts[name] = int(
                    await uow.session.scalar(select(func.count()).select_from(model)) or 0
                )
            return counts
    finally:
        await app.close()


def counts(url: str) -> dict[str, int]:
    return asyncio.run(_counts(url))


async def _officer_sees_the_district(
    uow: UnitOfWork, district_id: int, *, groups: int, households: int
) -> None:
    """What the district's officer is shown (dashboard, workbook): every group and household
    of the district, whichever sub-district their village is in."""
    officer = await uow.session.scalar(select(Officer).where(Officer.district_id == district_id))
    assert officer is not None
    actor = Actor(person_id=0, name=officer.name, officer_id=officer.id, district_id=district_id)
    assert len(await reports.district_groups(uow, actor)) == groups
    found = await programme.households(uow, [district_id], date(2025, 6, 1), date(2025, 7, 1))
    assert len(found) == households
    data = await export.collect(uow, [district_id], date(2025, 6, 1))
    assert len(data.rows) == groups


@pytest.fixture
def workbook(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
) -> Path:
    template = tmp_path / "แบบฟอร์ม.xlsx"
    code, out, _ = run(database_url, monkeypatch, capsys, "import", "--template", str(template))
    assert code == 0 and "แบบฟอร์ม" in out
    filled = tmp_path / "โพธาราม.xlsx"
    district_workbook(template, filled)
    return filled


@pytest.mark.both_databases
def test_a_21_village_district_imports_in_one_command_and_again_changes_nothing(
    database_url: str, workbook: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    code, out, err = run(database_url, monkeypatch, capsys, "import", str(workbook), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["saved"] and result["errors"] == []
    assert result["counts"]["หมู่บ้าน"] == {"new": 21, "updated": 0, "unchanged": 0}
    assert result["counts"]["กลุ่มอาชีพ"]["new"] == 21
    assert result["counts"]["ครัวเรือนเป้าหมาย"]["new"] == 21
    codes = result["codes"]
    assert len(codes["groups"]) == 21 and len(codes["officers"]) == 2
    assert len(codes["trainers"]) == 3 and len(codes["households"]) == 21
    # 1 province + 1 district + 3 sub-districts + 21 villages.
    assert counts(database_url)["area"] == 26

    async def check() -> None:
        app = build_app(settings_for(database_url))
        try:
            async with app.uow() as uow:
                groups = (await uow.session.scalars(select(OccupationGroup))).all()
                district = await uow.session.scalar(select(Area).where(Area.name == "โพธาราม"))
                assert district is not None
                subdistricts = {
                    a.name: a.id
                    for a in await uow.session.scalars(
                        select(Area).where(Area.kind == "subdistrict")
                    )
                }
                assert set(subdistricts) == set(SUBDISTRICTS)
                for group in groups:  # every village under its sub-district, in its district
                    village = await uow.session.get(Area, group.village_id)
                    assert village is not None and village.district_id == district.id
                    n = int(village.name.removeprefix("บ้านหมู่").split()[0]) - 1
                    assert village.parent_id == subdistricts[SUBDISTRICTS[n // 7]]
                # The district's officer still sees every group and household of it.
                await _officer_sees_the_district(uow, district.id, groups=21, households=21)
                # Buddhist-Era 2568 is 2025, whichever way the date was written.
                assert {g.founded_on.year for g in groups} == {2025}
                # Every printed code is a working code of what it was printed for.
                for printed in codes["groups"]:
                    for kind, key in (("member", "join_code"), ("treasurer", "treasurer_code"),
                                      ("chair", "chair_code")):  # fmt: skip
                        found = await enrolment_codes.find(uow, printed[key], NOW)
                        assert found.ok and found.kind == kind
                        assert found.target_id == printed["group_id"]
                for printed in codes["officers"]:
                    found = await enrolment_codes.find(uow, printed["link_code"], NOW)
                    assert found.ok and found.target_id == printed["officer_id"]
                # Codes are kept only as digests.
                plain = codes["households"][0]["join_code"].replace("-", "")
                assert (
                    await uow.session.scalar(select(AccessCode).where(AccessCode.digest == plain))
                    is None
                )
        finally:
            await app.close()

    asyncio.run(check())
    before = counts(database_url)

    code, out, err = run(database_url, monkeypatch, capsys, "import", str(workbook))
    assert code == 0, err
    assert counts(database_url) == before  # nothing duplicated, no new codes issued
    assert "กลุ่มอาชีพ: ใหม่ 0 · ปรับปรุง 0 · เหมือนเดิม 21" in out
    assert "รหัสใหม่" not in out


@pytest.mark.both_databases
def test_a_village_made_before_the_import_moves_under_its_sub_district(
    database_url: str, workbook: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """`group add` files a new village under the district (it asks no sub-district); the
    import that names its sub-district moves it there instead of making it twice, and the
    group made before stays in the district's views. A `group add` after the import finds the
    imported village."""

    async def before() -> None:
        app = build_app(settings_for(database_url))
        try:
            async with app.uow() as uow:
                officer = await admin.add_officer(
                    uow, name="นางสมหญิง ใจดี", district="โพธาราม", province="ราชบุรี"
                )
                await admin.create_group(
                    uow, name="กลุ่มเดิม", occupation="จักสาน", village="บ้านหมู่9 หมู่ที่ 2",
                    officer_id=officer.id, founded=date(2024, 1, 5),
                )  # fmt: skip
                await uow.commit()
        finally:
            await app.close()

    asyncio.run(before())
    code, out, err = run(database_url, monkeypatch, capsys, "import", str(workbook), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["counts"]["หมู่บ้าน"] == {"new": 20, "updated": 1, "unchanged": 0}
    assert counts(database_url)["area"] == 26  # no village twice

    async def after() -> None:
        app = build_app(settings_for(database_url))
        try:
            async with app.uow() as uow:
                old = await uow.session.scalar(
                    select(OccupationGroup).where(OccupationGroup.name == "กลุ่มเดิม")
                )
                assert old is not None
                village = await uow.session.get(Area, old.village_id)
                assert village is not None
                parent = await uow.session.get(Area, village.parent_id)
                assert parent is not None and parent.name == "บ้านเลือก"  # villages 8-14
                assert village.district_id is not None and village.district_id == parent.parent_id
                await _officer_sees_the_district(uow, village.district_id, groups=22, households=21)
                officer = await uow.session.scalar(select(Officer).order_by(Officer.id))
                assert officer is not None
                again = await admin.create_group(
                    uow, name="กลุ่มใหม่", occupation="ทอผ้า", village="บ้านหมู่3 หมู่ที่ 3",
                    officer_id=officer.id, founded=date(2025, 1, 5),
                )  # fmt: skip
                imported = await uow.session.get(Area, again.village_id)
                assert imported is not None and imported.kind == "village"
                assert imported.parent_id != village.district_id  # the imported one, not a new one
                await uow.commit()
        finally:
            await app.close()

    asyncio.run(after())
    assert counts(database_url)["area"] == 26


def test_the_new_groups_join_posters_are_written_with_their_codes(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from PIL import Image
    from pyzbar.pyzbar import decode

    template = tmp_path / "t.xlsx"
    assert run(sqlite_url, monkeypatch, capsys, "import", "--template", str(template))[0] == 0
    filled = tmp_path / "f.xlsx"
    district_workbook(template, filled)
    monkeypatch.setenv("LINE_BASIC_ID", "@123abcde")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "sammachip_test_bot")
    folder = tmp_path / "posters"
    code, out, err = run(sqlite_url, monkeypatch, capsys, "import", str(filled), "--json",
                         "--posters", str(folder))  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert len(result["posters"]) == 21
    first = result["codes"]["groups"][0]
    assert (folder / f"group-{first['group_id']}.pdf").read_bytes().startswith(b"%PDF")
    # The member join poster carries the printed join code (as `sammachip poster group` does).
    png = tmp_path / "one.png"
    assert run(sqlite_url, monkeypatch, capsys, "poster", "group", str(first["group_id"]),
               "--out", str(png))[0] == 0  # fmt: skip
    found = " ".join(d.data.decode() for d in decode(Image.open(png)))
    assert first["join_code"] in found


def test_a_reimport_updates_what_changed(
    database_url: str, workbook: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    assert run(database_url, monkeypatch, capsys, "import", str(workbook))[0] == 0
    before = counts(database_url)
    book = load_workbook(workbook)
    book["กลุ่มอาชีพ"]["B2"] = "ทอผ้าไหม"  # the first group's occupation
    book["ครัวเรือนเป้าหมาย"]["G2"] = "ครูแก้ว ศรีสุข"  # the first household's trainer
    book.save(workbook)
    code, out, err = run(database_url, monkeypatch, capsys, "import", str(workbook), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["counts"]["กลุ่มอาชีพ"] == {"new": 0, "updated": 1, "unchanged": 20}
    assert result["counts"]["ครัวเรือนเป้าหมาย"] == {"new": 0, "updated": 1, "unchanged": 20}
    assert counts(database_url) == before

    async def check() -> None:
        app = build_app(settings_for(database_url))
        try:
            async with app.uow() as uow:
                group = await uow.session.scalar(
                    select(OccupationGroup).where(OccupationGroup.name == "กลุ่มอาชีพบ้าน 1")
                )
                assert group is not None and group.occupation == "ทอผ้าไหม"
                household = await uow.session.scalar(
                    select(Household).where(Household.head_name == "นางสาวครัวเรือน 1")
                )
                assert household is not None and household.trainer_name == "ครูแก้ว ศรีสุข"
                audit = (await uow.session.scalars(
                    select(AuditLog).where(AuditLog.action == "update")
                )).all()  # fmt: skip
                assert {a.entity for a in audit} == {"group", "household"}
                assert any(a.before == {"occupation": "ทอผ้า"} for a in audit)
        finally:
            await app.close()

    asyncio.run(check())


def test_a_dry_run_writes_nothing(
    database_url: str, workbook: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    before = counts(database_url)
    code, out, err = run(database_url, monkeypatch, capsys, "import", str(workbook), "--dry-run")
    assert code == 0, err
    assert "ยังไม่ได้บันทึกอะไร" in out and "กลุ่มอาชีพ: ใหม่ 21" in out
    assert "รหัสใหม่" not in out and not re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", out)
    assert counts(database_url) == before


def test_a_broken_file_reports_every_error_with_sheet_and_row_and_writes_nothing(
    database_url: str, workbook: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    book = load_workbook(workbook)
    book["อำเภอ"].append(["ราชบุรี", ""])  # row 3: no district name
    book["หมู่บ้าน"].append(["ราชบูรี", "โพธาราม", "หนองโพ", "บ้านใหม่"])  # row 23: misspelt province
    # row 24: the same village name as row 2, in another sub-district
    book["หมู่บ้าน"].append(["ราชบุรี", "โพธาราม", "ท่าชุมพล", "บ้านหมู่1 หมู่ที่ 1"])
    book["กลุ่มอาชีพ"]["G3"] = "31/2/2568"  # row 3: no such day
    book["กลุ่มอาชีพ"]["A4"] = '=HYPERLINK("http://x","คลิก")'  # row 4: a formula
    first = next(book["กลุ่มอาชีพ"].iter_rows(min_row=2, max_row=2, values_only=True))
    book["กลุ่มอาชีพ"].append(list(first))  # row 23: the same group as row 2
    book["ครัวเรือนเป้าหมาย"]["G5"] = "ครูคนใหม่"  # row 5: a trainer nobody registered
    book["ครัวเรือนเป้าหมาย"]["F6"] = "นางสมหญิง  ใจร้าย"  # row 6: an officer who is not there
    book.save(workbook)
    before = counts(database_url)

    code, out, err = run(database_url, monkeypatch, capsys, "import", str(workbook))
    assert code == 2 and out == ""
    assert "พบข้อผิดพลาด 8 รายการ" in err and err.strip().endswith("ค่ะ")
    for where, what in (
        ("แผ่นงาน อำเภอ แถว 3", "ช่อง อำเภอ"),
        ("แผ่นงาน หมู่บ้าน แถว 23", "ไม่พบจังหวัดราชบูรี"),
        ("แผ่นงาน หมู่บ้าน แถว 24", "ชื่อหมู่บ้านซ้ำกับแถว 2 ในอำเภอเดียวกัน"),
        ("แผ่นงาน กลุ่มอาชีพ แถว 3", "อ่านวันที่ 31/2/2568 ไม่ได้"),
        ("แผ่นงาน กลุ่มอาชีพ แถว 4", "ขึ้นต้นด้วยเครื่องหมาย ="),
        ("แผ่นงาน กลุ่มอาชีพ แถว 23", "ซ้ำกับแถว 2"),
        ("แผ่นงาน ครัวเรือนเป้าหมาย แถว 5", "ไม่พบวิทยากร ครูคนใหม่"),
        ("แผ่นงาน ครัวเรือนเป้าหมาย แถว 6", "ไม่พบพัฒนากร นางสมหญิง ใจร้าย"),
    ):
        assert any(where in line and what in line for line in err.splitlines()), (where, err)
    assert "Traceback" not in err
    assert counts(database_url) == before  # not even the rows that were right


def test_one_csv_sheet_and_an_unknown_file(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    csv_file = tmp_path / "อำเภอ.csv"
    csv_file.write_text("\ufeffจังหวัด,อำเภอ\nราชบุรี,บ้านโป่ง\n", encoding="utf-8")
    code, out, err = run(database_url, monkeypatch, capsys, "import", str(csv_file))
    assert code == 2 and "ไม่พบจังหวัดราชบุรี" in err and "แผ่นงาน อำเภอ แถว 2" in err
    csv_file.write_text("จังหวัด,อำเภอ\n", encoding="utf-8")
    code, out, err = run(database_url, monkeypatch, capsys, "import", str(csv_file))
    assert code == 2 and "ไม่พบแถวข้อมูล" in err
    provinces = tmp_path / "จังหวัด.csv"
    provinces.write_text("จังหวัด\nราชบุรี\n", encoding="utf-8")
    assert run(database_url, monkeypatch, capsys, "import", str(provinces))[0] == 0
    csv_file.write_text("จังหวัด,อำเภอ\nราชบุรี,บ้านโป่ง\n", encoding="utf-8")
    code, out, err = run(database_url, monkeypatch, capsys, "import", str(csv_file))
    assert code == 0 and "อำเภอ: ใหม่ 1" in out, err
    other = tmp_path / "other.txt"
    other.write_text("x", encoding="utf-8")
    code, out, err = run(database_url, monkeypatch, capsys, "import", str(other))
    assert code == 2 and "เฉพาะไฟล์ .xlsx หรือ .csv" in err


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("3/12/2569", date(2026, 12, 3)),
        ("3/12/69", date(2026, 12, 3)),
        ("03-12-2569", date(2026, 12, 3)),
        ("๓/๑๒/๒๕๖๙", date(2026, 12, 3)),
        ("3 ธ.ค. 2569", date(2026, 12, 3)),
        ("3 ธันวาคม 2569", date(2026, 12, 3)),
        ("2026-12-03", date(2026, 12, 3)),
        ("3/12/2026", date(2026, 12, 3)),
        (datetime(2569, 12, 3), date(2026, 12, 3)),  # noqa: DTZ001 (a date cell, typed in B.E.)
        (date(2026, 12, 3), date(2026, 12, 3)),
        ("31/2/2569", None),
        ("เมื่อวาน", None),
        ("", None),
    ],
)
def test_buddhist_era_dates_are_read_as_offices_write_them(
    written: Any, meant: date | None
) -> None:
    assert parse_date(written) == meant
