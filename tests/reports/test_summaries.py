"""สรุป as people read it (issue 20): the item lines add up to the total, work carries its
unit, a month in progress is compared with the same days of the month before, and the
officer's list says plainly when a group was never visited. The clock is Monday 20 Oct 2568."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from bot.handlers.report import item_lines, work_text
from bot.services import admin
from tests.support.chat import Chat


def baht_in(line: str) -> Decimal:
    found = re.findall(r"([\d,]+(?:\.\d+)?) บาท", line)
    assert found, line
    return Decimal(found[-1].replace(",", ""))


async def test_the_item_lines_add_up_to_the_total(chat: Chat) -> None:
    for text in ("ขายไข่เค็มใบเตย 2 ฟอง 30 บาท", "ขายไข่เค็มขมิ้น 3 ฟอง 36 บาท",
                 "ขายไข่เค็มแดง 1 ฟอง 12 บาท", "ขายไข่เค็มชาเขียว 1 ฟอง 15 บาท"):  # fmt: skip
        await chat.say(text, "chair")
    text = await chat.text("สรุป", "chair")
    lines = text.splitlines()
    total_line = next(line for line in lines if line.startswith("ยอดขาย "))
    total = Decimal(total_line.split()[1].replace(",", ""))
    items = [line for line in lines if line.startswith("  • ")]
    assert len(items) == 4 and items[-1].startswith("  • อื่น ๆ อีก 3 อย่าง")
    assert sum(baht_in(line) for line in items) == total == Decimal(995 + 93)


def test_a_few_items_are_all_named_and_many_are_added_up() -> None:
    four = {"ก": Decimal(4), "ข": Decimal(3), "ค": Decimal(2), "ง": Decimal(1)}
    assert item_lines(four) == ["  • ก 4 บาท", "  • ข 3 บาท", "  • ค 2 บาท", "  • ง 1 บาท"]
    five = {**four, "จ": Decimal("0.5")}
    assert item_lines(five)[3:] == ["  • อื่น ๆ อีก 2 อย่าง 1.50 บาท"]


async def test_work_is_shown_with_its_unit(chat: Chat) -> None:
    await chat.say("ทำงาน 2.5 ชั่วโมง", "member")
    text = await chat.text("สรุป", "chair")
    # The demo's October: บุญมี 6 + 6 hours, and now 2.5 more.
    assert "บุญมี ใจงาม 14.5 ชั่วโมง" in text and "14.50" not in text
    assert work_text({"ก": {"ชั่วโมง": Decimal("25.50"), "ฟอง": Decimal(200)}}) == (
        "ก 25.5 ชั่วโมง + 200 ฟอง"
    )


async def test_a_month_in_progress_is_compared_with_the_same_days_before(chat: Chat) -> None:
    text = await chat.text("สรุป", "chair")
    # 1–20 Oct: 995 baht; 1–20 Sep: 585 baht (the whole of September was 1,680).
    assert "ยอดขาย 995 บาท (4 รายการ) · เพิ่มขึ้น 70% จากช่วงเดียวกันของเดือนก่อน (1–20 ก.ย.)" in text
    # A finished month is compared with the whole month before.
    september = await chat.text("สรุปเดือน ก.ย.", "chair")
    assert "ยอดขาย 1,680 บาท (6 รายการ) · เดือนก่อน ยังไม่มียอดขาย" in september
    assert "ช่วงเดียวกัน" not in september


async def test_the_officers_list_says_when_a_group_was_never_visited(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        assert chat.ids is not None
        await admin.create_group(
            uow, name="กลุ่มเพาะเห็ด", occupation="เพาะเห็ด", village="บ้านดวนใหญ่ หมู่ที่ 2",
            officer_id=chat.ids.officer_id, founded=date(2025, 10, 1),
        )  # fmt: skip
        await uow.commit()
    text = await chat.text("สรุป", "officer")
    mushroom = next(line for line in text.splitlines() if "กลุ่มเพาะเห็ด" in line)
    assert mushroom.endswith("ยังไม่มีบันทึกการเยี่ยม")
    assert "เยี่ยมล่าสุด ยังไม่" not in text and "เยี่ยมล่าสุด 10 ต.ค. 2568" in text
