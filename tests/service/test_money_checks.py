"""Dividends, monthly close, unusual prices and the annual summary, through chat."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.storage.models import AnnualSummary, Dividend, DividendShare, MonthlyFigures, Sale
from tests.support.chat import Chat


async def test_a_treasurer_shares_profit_by_recorded_work(chat: Chat) -> None:
    # Demo work in FY 2569 (from 1 Oct 2025): 6 and 13 Oct; บุญมี 6h, ประไพ 4h, สมศรี 3h each day.
    question = await chat.say("ปันผล 1,300 บาท ปี 2569", "treasurer")
    assert question is not None
    assert "บุญมี ใจงาม: งาน 12 → 600 บาท" in question.text
    assert "ประไพ ทองดี: งาน 8 → 400 บาท" in question.text
    assert "สมศรี ดวนใหญ่: งาน 6 → 300 บาท" in question.text
    assert "มาลี ศรีสุข: งาน 0 → 0 บาท" in question.text  # no work, nothing
    assert [q.label for q in question.quick_replies] == ["ยืนยัน", "ยกเลิก"]
    assert await chat.count(Dividend) == 0
    assert "บันทึกการจ่ายปันผลแล้ว" in await chat.text("ยืนยัน", "treasurer")
    async with chat.app.uow() as uow:
        shares = (await uow.session.scalars(select(DividendShare.amount))).all()
    assert sum(shares) == Decimal(1300)


async def test_dividends_are_the_treasurers_to_share(chat: Chat) -> None:
    assert "เหรัญญิก" in await chat.text("ปันผล 1,300 บาท ปี 2569", "member")
    assert await chat.count(Dividend) == 0


async def test_a_dividend_for_a_period_without_work_is_explained(chat: Chat) -> None:
    answer = await chat.text("ปันผล 1,000 บาท ปี 2560", "treasurer")
    assert "ยังไม่มีงาน" in answer and "ปี 2569" in answer  # suggests the current year


async def test_a_dividend_without_an_amount_asks_for_it(chat: Chat) -> None:
    assert "กี่บาท" in await chat.text("ปันผล ปี 2569", "treasurer")
    assert "→" in await chat.text("650", "treasurer")


async def test_figures_far_from_logged_sales_are_pointed_out_kindly(chat: Chat) -> None:
    # Members logged 2 x (150+360) + ... in September; 50,000 is far from it.
    answer = await chat.text("รายรับ 50,000 รายจ่าย 1,000 เดือน ก.ย.", "treasurer")
    assert "ยอดขายที่สมาชิกบันทึกไว้เดือน ก.ย. 2568" in answer and "ตรวจสอบ" in answer
    assert await chat.count(MonthlyFigures) == 1  # nothing saved before ยืนยัน


async def test_figures_close_to_logged_sales_pass_without_a_note(chat: Chat) -> None:
    september = await chat.text("สรุปเดือน ก.ย.", "treasurer")
    logged = september.split("ยอดขาย ")[1].split(" บาท")[0]
    answer = await chat.text(f"รายรับ {logged} รายจ่าย 500 เดือน ก.ย.", "treasurer")
    assert "ตรวจสอบ" not in answer
    assert "คงเหลือ" in answer  # the confirmation, without a reconciliation note


async def test_an_unusual_unit_price_is_asked_before_saving(chat: Chat) -> None:
    before = await chat.count(Sale)
    question = await chat.say("ขายไข่เค็ม 10 ฟอง 500 บาท")  # usual: 5 baht an egg
    assert question is not None and "ต่างจากราคาที่เคยขาย" in question.text
    assert "ถูกต้องไหม" in question.text and question.quick_replies[0].label == "ยืนยัน"
    assert await chat.count(Sale) == before
    await chat.say("ยืนยัน")
    assert await chat.count(Sale) == before + 1


async def test_a_usual_price_is_saved_at_once(chat: Chat) -> None:
    before = await chat.count(Sale)
    assert "บันทึกการขายแล้ว" in await chat.text("ขายไข่เค็ม 10 ฟอง 60 บาท")
    assert await chat.count(Sale) == before + 1


async def test_a_price_in_another_unit_is_not_compared_with_the_usual_one(chat: Chat) -> None:
    """Salted eggs are usually sold by the egg (about 5 baht); the same eggs sold by the kilo at
    25 baht a kilo are not an unusual price, and the bot must not claim "about 5 baht a kilo"."""
    before = await chat.count(Sale)
    answer = await chat.text("ขายไข่เค็ม 2 กก. 50 บาท")
    assert "บันทึกการขายแล้ว" in answer and "ต่างจากราคาที่เคยขาย" not in answer
    assert await chat.count(Sale) == before + 1


async def test_the_annual_summary_adds_up_the_year(chat: Chat) -> None:
    for month, income in (("ก.ค.", "10,000"), ("ส.ค.", "12,000")):
        await chat.say(f"รายรับ {income} รายจ่าย 2,000 เดือน {month}", "treasurer")
        await chat.say("ยืนยัน", "treasurer")
    await chat.say("รายรับ 11,000 รายจ่าย 2,000 เดือน ส.ค.", "treasurer")  # a correction
    await chat.say("ยืนยัน", "treasurer")
    answer = await chat.text("สรุปปี 2568", "treasurer")
    assert "รายรับรวม 21,000 บาท" in answer and "กำไร 17,000 บาท" in answer
    assert "2 เดือน" in answer
    await chat.say("ยืนยัน", "treasurer")
    async with chat.app.uow() as uow:
        summary = await uow.session.scalar(select(AnnualSummary))
    assert summary is not None and summary.profit == Decimal(17000)
    member_view = await chat.text("สรุปปี 2568", "member")
    assert "กำไร 17,000 บาท" in member_view and "ยืนยัน" not in member_view


async def test_a_summary_compares_with_last_month_and_brings_a_chart(chat: Chat) -> None:
    summary = await chat.say("สรุป", "chair")
    # On the 20th: the 1st–20th against the 1st–20th of the month before.
    assert summary is not None and "จากช่วงเดียวกันของเดือนก่อน (1–20 ก.ย.)" in summary.text
    assert summary.image is not None
    from bot.reports.files import load

    stored = await load(chat.app.uow, summary.image.key, chat.app.clock.now())  # drawn now
    assert (
        stored is not None
        and stored.data.startswith(b"\x89PNG")
        and stored.content_type == "image/png"
    )
