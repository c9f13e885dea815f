"""One sample of each card builder's output (besides the receipt), at its largest: the card
tests check every one against LINE's limits and Telegram's HTML parser."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from bot.handlers import dividend, report
from bot.messages import Card, CardSection, Image, Reply
from bot.services.dividends import DividendPlan, Share
from bot.storage.repositories import GroupMonth
from bot.vocabulary import MENU, start_button
from scheduler import compose, policy

TODAY = date(2025, 10, 20)
LONG_NAME = "กลุ่มวิสาหกิจชุมชนแปรรูปผลิตภัณฑ์จากข้าวหอมมะลิและสมุนไพรพื้นบ้าน <&> หมู่ที่ 12"


def _month() -> Any:
    facts = GroupMonth(
        sales_count=1234, sales_total=Decimal("1234567.50"),
        sales_by_item={f"สินค้าที่ {n} {LONG_NAME}": Decimal(1000 * n) for n in range(1, 8)},
        meetings_count=3, meetings_attendees=45,
        work_by_member={f"สมาชิกคนที่ {n} นามสกุลยาวมาก": Decimal(n * 3) for n in range(40)},
        figures=None, visits_count=2, last_visit=TODAY - timedelta(days=3),
    )  # fmt: skip
    return SimpleNamespace(group=SimpleNamespace(name=LONG_NAME), month=TODAY, facts=facts)


def summary() -> Reply:
    before = report.Before(Decimal(1000), "เดือนก่อน")
    group = report._group_section(_month(), before, "ขาย 12 รายการ รวม 3,400 บาท")
    district = CardSection(
        "กลุ่มในอำเภอ",
        lines=(
            *(f"• {LONG_NAME} {n}: ขาย 1,000 บาท · ประชุม 1 ครั้ง" for n in range(20)),
            "และอีก 180 กลุ่ม",
        ),
    )
    chart = Image("c" * 32, "ยอดขายรายเดือน")
    card = Card(
        "summary", "📊 สรุปเดือน ต.ค. 2568", alt="📊 สรุปเดือน ต.ค. 2568 · ยอดขาย 1,234,567.50 บาท",
        subtitle="ถึงวันที่ 20 ต.ค. 2568", sections=(district, group), hero=chart,
        buttons=(start_button("sale"), MENU),
    )  # fmt: skip
    return Reply("สรุป", image=chart, card=card)


def slip() -> Reply:
    shares = (Share(1, f"สมศรี {LONG_NAME}", Decimal("123.5"), Decimal("4567.89")),)
    plan = DividendPlan(1, date(2024, 10, 1), date(2025, 10, 1), Decimal("12000"), shares)
    return dividend.slip(shares[0], plan, LONG_NAME, 2568)


def reminder() -> Reply:
    visits = [
        policy.VisitDue(f"group:{n}", f"{LONG_NAME} {n}", 1, policy.WEEK, TODAY - timedelta(days=n), n)
        for n in range(60)
    ]  # fmt: skip
    dues = [
        policy.Due(policy.VISIT_PLAN, "officer:1", policy.OFFICER, "2025-W43", "", TODAY),
        policy.Due(policy.MEETING, "group:1", policy.CHAIR, "2025-10", LONG_NAME, TODAY),
        policy.Due(policy.FIGURES, "group:1", policy.TREASURER, "2025-10", LONG_NAME, TODAY),
    ]
    return compose.message("รัตนา พัฒนกิจ", dues, visits, TODAY)


def samples() -> list[Reply]:
    return [summary(), slip(), reminder()]
