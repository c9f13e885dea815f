"""The province roll-up: one line per district (groups, members, the month's meetings, officer
visits, sales, the treasurers' figures sent, target households, annual summaries and dividends),
for the province administrator's chat summary (สรุปจังหวัด), dashboard page and workbook.

The workbook: a sheet "สรุปจังหวัด" with one row per district and a total, then one sheet per
district with one row per group (the district workbook's summary columns). Cells as in
bot/reports/xlsx.py: text never a formula, dates real date cells in the Buddhist Era, money
'#,##0.00'. Every figure comes from the district workbook's set-based queries over all the
districts at once, plus three grouped counts.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot.calendar import BANGKOK, add_months, month_start
from bot.reports import export
from bot.reports.export_rows import (
    COUNT_FORMAT,
    FIGURES_DUE_DAY,
    MISSING,
    MONEY_FORMAT,
    SUMMARY_HEADERS,
    DistrictInfo,
    ExportData,
    SummaryRow,
    export_filename,
    summary_values,
)
from bot.reports.programme import group_ids_of, year_label
from bot.reports.xlsx import sheet_names, table
from bot.services.periods import reporting_year, year_containing
from bot.storage.models import AnnualSummary, Area, Dividend, Household
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import thai_month

PROVINCE_SHEET = "สรุปจังหวัด"
PROVINCE_HEADERS = (
    "อำเภอ",
    "กลุ่มอาชีพ (กลุ่ม)",
    "สมาชิก (คน)",
    "ประชุม (ครั้ง)",
    "พัฒนากรเยี่ยมกลุ่ม (ครั้ง)",
    "ยอดขาย (บาท)",
    "รายรับ (บาท)",
    "รายจ่าย (บาท)",
    "ส่งตัวเลขประจำเดือน (กลุ่ม)",
    "ครัวเรือนเป้าหมาย",
    "ส่งสรุปประจำปี (กลุ่ม)",
    "ปันผลปีนี้ (บาท)",
)
_FORMATS = {1: COUNT_FORMAT, 2: COUNT_FORMAT, 3: COUNT_FORMAT, 4: COUNT_FORMAT,
            5: MONEY_FORMAT, 6: MONEY_FORMAT, 7: MONEY_FORMAT, 8: COUNT_FORMAT,
            9: COUNT_FORMAT, 10: COUNT_FORMAT, 11: MONEY_FORMAT}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DistrictLine:
    district_id: int
    district: str
    groups: int
    members: int
    meetings: int
    visits: int
    sales: Decimal
    income: Decimal
    expenses: Decimal
    figures_sent: int
    households: int
    annual_sent: int  # groups with an annual summary for the last completed reporting year
    dividends: Decimal  # paid in the reporting year containing the month


@dataclass
class Rollup:
    month: date
    area: str  # "จังหวัดศรีสะเกษ" or "อำเภอวังหิน"
    annual_year: int  # the BE year annual summaries are counted for
    lines: list[DistrictLine]
    data: ExportData  # the groups' rows, for the per-district sheets

    @property
    def total(self) -> DistrictLine:
        def add(name: str) -> Any:
            return sum((getattr(line, name) for line in self.lines), Decimal(0))

        return DistrictLine(
            0, "รวม", int(add("groups")), int(add("members")), int(add("meetings")),
            int(add("visits")), add("sales"), add("income"), add("expenses"),
            int(add("figures_sent")), int(add("households")), int(add("annual_sent")),
            add("dividends"),
        )  # fmt: skip


async def rollup(
    uow: UnitOfWork,
    districts: Sequence[Area],
    area: str,
    month: date,
    *,
    due_day: int = FIGURES_DUE_DAY,
    tz: ZoneInfo = BANGKOK,
    fiscal_start_month: int = 10,
) -> Rollup:
    first = month_start(month)
    after = add_months(first, 1)
    ids = [d.id for d in districts]
    data = await export.collect(uow, ids, first, records=False, due_day=due_day, tz=tz)
    data.with_district = True
    be_year = year_containing(first, fiscal_start_month)
    year_start, _ = reporting_year(be_year, fiscal_start_month)
    annual_year = be_year - 1
    groups = group_ids_of(ids)
    households = await _household_counts(uow, ids)
    by_group_district = {row.group_id: row.district_id for row in data.rows}
    last_start, _ = reporting_year(annual_year, fiscal_start_month)
    annual = await _annual_sent(uow, groups, by_group_district, last_start, after)
    paid = await _dividends_paid(uow, groups, by_group_district, year_start, after)
    rows: dict[int, list[SummaryRow]] = defaultdict(list)
    for row in data.rows:
        rows[row.district_id].append(row)
    lines = [
        _line(district, rows[district.id], households, annual, paid)
        for district in sorted(data.districts, key=lambda d: ids.index(d.id))
    ]
    return Rollup(first, area, year_label(last_start.year, fiscal_start_month), lines, data)


async def _household_counts(uow: UnitOfWork, ids: list[int]) -> dict[int, int]:
    """Target households per district."""
    village = aliased(Area)
    households: dict[int, int] = defaultdict(int)
    if ids:
        for district_id, count in await uow.session.execute(
            select(village.district_id, func.count(Household.id))
            .join(village, village.id == Household.village_id)
            .where(village.district_id.in_(ids))
            .group_by(village.district_id)
        ):
            households[int(district_id or 0)] = int(count)
    return households


async def _annual_sent(
    uow: UnitOfWork, groups: Any, by_group_district: dict[int, int], last_start: date,
    after: date,
) -> dict[int, set[int]]:  # fmt: skip
    """Per district, the groups with an annual summary for the last completed year."""
    annual: dict[int, set[int]] = defaultdict(set)
    for group_id in await uow.session.scalars(
        select(AnnualSummary.group_id)
        .where(
            AnnualSummary.group_id.in_(groups),
            AnnualSummary.not_withdrawn(),
            AnnualSummary.year == last_start.year,
            AnnualSummary.on_date < after,
        )
        .distinct()
    ):
        annual[by_group_district.get(group_id, 0)].add(group_id)
    return annual


async def _dividends_paid(
    uow: UnitOfWork, groups: Any, by_group_district: dict[int, int], year_start: date,
    after: date,
) -> dict[int, Decimal]:  # fmt: skip
    """Per district, the dividends paid from the start of the reporting year to the month's end."""
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for group_id, total in await uow.session.execute(
        select(Dividend.group_id, func.sum(Dividend.total))
        .where(
            Dividend.group_id.in_(groups),
            Dividend.not_withdrawn(),
            Dividend.on_date >= year_start,
            Dividend.on_date < after,
        )
        .group_by(Dividend.group_id)
    ):
        paid[by_group_district.get(group_id, 0)] += Decimal(total or 0)
    return paid


def _line(
    district: DistrictInfo, mine: list[SummaryRow], households: dict[int, int],
    annual: dict[int, set[int]], paid: dict[int, Decimal],
) -> DistrictLine:  # fmt: skip
    return DistrictLine(
        district_id=district.id, district=district.name, groups=len(mine),
        members=sum(r.members for r in mine), meetings=sum(r.meetings for r in mine),
        visits=sum(r.visits for r in mine),
        sales=sum((r.sales for r in mine), Decimal(0)),
        income=sum((r.income or Decimal(0) for r in mine), Decimal(0)),
        expenses=sum((r.expenses or Decimal(0) for r in mine), Decimal(0)),
        figures_sent=sum(1 for r in mine if r.status != MISSING),
        households=households[district.id], annual_sent=len(annual[district.id]),
        dividends=paid[district.id],
    )  # fmt: skip


def _values(line: DistrictLine) -> list[Any]:
    return [
        line.district, line.groups, line.members, line.meetings, line.visits, line.sales,
        line.income, line.expenses, f"{line.figures_sent}/{line.groups}", line.households,
        line.annual_sent, line.dividends,
    ]  # fmt: skip


def render_workbook(rollup: Rollup) -> bytes:
    """The province workbook: one summary row per district, then one sheet per district."""
    from openpyxl import Workbook

    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = PROVINCE_SHEET
    month = thai_month(rollup.month)
    headers = list(PROVINCE_HEADERS)
    headers[10] = f"ส่งสรุปประจำปี {rollup.annual_year} (กลุ่ม)"
    total = _values(rollup.total)
    table(
        summary, f"สรุปกลุ่มอาชีพ สัมมาชีพชุมชน {rollup.area} เดือน {month}", headers,
        [_values(line) for line in rollup.lines], _FORMATS, total=total,
        notes=[
            "ส่งตัวเลขประจำเดือน = กลุ่มที่ส่งตัวเลขของเดือนนี้แล้ว/กลุ่มทั้งหมด · "
            "ปันผลปีนี้ = ปันผลที่จ่ายในปีงบประมาณที่มีเดือนนี้",
            "สร้างโดย Sammachip Bot",
        ],
    )  # fmt: skip
    names = sheet_names([line.district for line in rollup.lines], (PROVINCE_SHEET,))
    formats = {6: MONEY_FORMAT, 7: MONEY_FORMAT, 8: MONEY_FORMAT, 9: MONEY_FORMAT,
               3: COUNT_FORMAT, 4: COUNT_FORMAT, 5: COUNT_FORMAT}  # fmt: skip
    by_district: dict[int, list[SummaryRow]] = defaultdict(list)
    for row in rollup.data.rows:
        by_district[row.district_id].append(row)
    for line, name in zip(rollup.lines, names, strict=True):
        body = [
            summary_values(row, rollup.data, with_district=False)
            for row in by_district[line.district_id]
        ]
        table(
            workbook.create_sheet(name), f"อำเภอ{line.district} · เดือน {month}",
            list(SUMMARY_HEADERS), body, formats,
            notes=[] if body else ["ยังไม่มีกลุ่มอาชีพในอำเภอนี้"],
        )  # fmt: skip
    workbook.properties.creator = "Sammachip Bot"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def filename(area: str, month: date) -> str:
    """สัมมาชีพ-จังหวัดศรีสะเกษ-2568-10.xlsx"""
    return export_filename(area, month).replace("อำเภอ", "", 1)
