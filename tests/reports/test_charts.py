"""Sales charts: Thai renders with the packaged font (no missing-glyph warning), the PNG is
valid, and the monthly figures come from one grouped query over the records."""

from __future__ import annotations

import io
import logging
import struct
import warnings
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from bot.app import App
from bot.calendar import add_months, months_ending
from bot.reports.charts import (
    PNG_SIGNATURE,
    font_path,
    group_sales_chart,
    month_label,
    sales_chart,
    thai_font_family,
)
from bot.reports.queries import sales_by_month
from bot.services import admin
from bot.storage.models import Sale
from tests.support.chat import Chat

THAI_TITLE = "ยอดขายรายเดือน กลุ่มไข่เค็มสมุนไพรลูกหม่อน บ้านโนนดู่"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_month_labels_are_thai_with_buddhist_era_years() -> None:
    assert month_label(date(2025, 10, 1)) == "ต.ค. 68"
    assert month_label(date(2024, 1, 15)) == "ม.ค. 67"
    assert month_label(date(2057, 1, 1)) == "ม.ค. 00"  # 2600 BE
    assert months_ending(date(2025, 10, 20))[0] == date(2024, 11, 1)
    assert months_ending(date(2025, 10, 20))[-1] == date(2025, 10, 1)
    assert add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)


def test_the_packaged_thai_font_is_registered_once() -> None:
    from matplotlib import font_manager

    assert font_path().endswith(".ttf")
    assert thai_font_family() == "Noto Sans Thai"
    assert thai_font_family() == "Noto Sans Thai"  # cached: registered a single time
    found = font_manager.findfont(
        font_manager.FontProperties(family="Noto Sans Thai"), fallback_to_default=False
    )
    assert found == font_path()


def test_a_thai_chart_renders_without_any_warning(caplog: pytest.LogCaptureFixture) -> None:
    months = [(m, Decimal(1500 * i + 250)) for i, m in enumerate(months_ending(date(2025, 10, 1)))]
    with (
        warnings.catch_warnings(record=True) as caught,
        caplog.at_level(logging.DEBUG, "matplotlib"),
    ):
        warnings.simplefilter("always")
        data = sales_chart(months, THAI_TITLE)
    assert [str(w.message) for w in caught] == []
    assert not [w for w in caught if "Glyph" in str(w.message) or "missing" in str(w.message)]
    # matplotlib reports font trouble through logging too ("findfont: ... not found").
    assert not [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING or "Glyph" in r.getMessage()
    ]
    width, height = png_size(data)
    assert (width, height) == (990, 528)  # 9 x 4.8 inches at 110 dpi
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG" and image.size == (width, height)
        # Not blank: the bars are drawn in the chart's green.
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
        assert (46, 125, 50) in {colour for _, colour in colours}


def test_a_chart_of_nothing_still_renders() -> None:
    months = [(m, Decimal(0)) for m in months_ending(date(2025, 10, 1))]
    assert png_size(sales_chart(months, "ยังไม่มียอดขาย"))[0] > 0


async def test_sales_by_month_is_one_grouped_query_matching_the_records(app: App) -> None:
    async with app.uow() as uow:
        officer = await admin.add_officer(uow, name="ทดสอบ", district="โพธาราม", province="ราชบุรี")
        group = await admin.create_group(
            uow, name="กลุ่มเพาะเห็ด", occupation="เพาะเห็ด", village="บ้านหนองโพ",
            officer_id=officer.id, founded=date(2024, 1, 1),
        )  # fmt: skip
        other = await admin.create_group(
            uow, name="กลุ่มทอผ้า", occupation="ทอผ้า", village="บ้านหนองโพ",
            officer_id=officer.id, founded=date(2024, 1, 1),
        )  # fmt: skip
        person = await uow.people.add_person("ผู้ขาย")
        sales = [
            (group.id, date(2024, 10, 31), "999"),  # before the 12 months
            (group.id, date(2024, 11, 1), "100.50"),
            (group.id, date(2025, 3, 5), "1200"),
            (group.id, date(2025, 3, 28), "800"),
            (group.id, date(2025, 10, 20), "12000"),
            (group.id, date(2025, 11, 1), "777"),  # after the end month
            (other.id, date(2025, 3, 5), "5000"),  # another group
        ]
        for group_id, day, amount in sales:
            uow.session.add(Sale(group_id=group_id, item="เห็ด", amount=Decimal(amount),
                                 on_date=day, recorded_by=person.id))  # fmt: skip
        uow.session.add(Sale(group_id=group.id, item="เห็ด", amount=Decimal(40), on_date=date(2025, 3, 9),
                             recorded_by=person.id, withdrawn_at=app.clock.now()))  # fmt: skip
        await uow.commit()

    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(app.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with app.uow() as uow:
            months = await sales_by_month(uow, group.id, date(2025, 10, 1))
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    assert len(months) == 12
    by_month = dict(months)
    assert list(by_month) == months_ending(date(2025, 10, 1))
    assert by_month[date(2024, 11, 1)] == Decimal("100.50")
    assert by_month[date(2025, 3, 1)] == Decimal("2000.00")
    assert by_month[date(2025, 10, 1)] == Decimal("12000.00")
    assert sum(by_month.values()) == Decimal("14100.50")
    assert all(isinstance(v, Decimal) for v in by_month.values())


async def test_the_demo_groups_chart(chat: Chat) -> None:
    assert chat.ids is not None
    async with chat.app.uow() as uow:
        months = dict(await sales_by_month(uow, chat.ids.egg_group_id, date(2025, 10, 1)))
        png = await group_sales_chart(uow, chat.ids.egg_group_id, date(2025, 10, 1))
    # Demo history: salted eggs 45+40+35 eggs at 5 baht and 3 x 360 baht in September,
    # 30+25 eggs at 5 baht and 2 x 360 baht in October.
    assert months[date(2025, 9, 1)] == Decimal("1680.00")
    assert months[date(2025, 10, 1)] == Decimal("995.00")
    assert sum(months.values()) == Decimal("2675.00")
    assert png_size(png)[0] > 0
