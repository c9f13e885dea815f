"""The reminder messages as people read them: polite Thai, Buddhist-Era dates, separators,
short enough for a phone and for both platforms' limits."""

from __future__ import annotations

import json
from datetime import date

from bot.messages import QuickReply
from scheduler import compose, policy
from scheduler.policy import Due, VisitDue

TODAY = date(2025, 10, 20)


def test_week_ranges_in_buddhist_era() -> None:
    assert compose.week_range(date(2025, 10, 20)) == "20–26 ต.ค. 2568"
    assert compose.week_range(date(2025, 9, 29)) == "29 ก.ย. – 5 ต.ค. 2568"
    assert compose.week_range(date(2025, 12, 29)) == "29 ธ.ค. 2568 – 4 ม.ค. 2569"
    assert compose.fiscal_year(date(2024, 10, 1)) == "ต.ค. 2567 – ก.ย. 2568"


def test_a_big_district_digest_stays_short() -> None:
    visits = [
        VisitDue(f"group:{i}", f"กลุ่มอาชีพที่ {i:,}", 1, policy.MONTH, date(2025, 1, 1), 1000 - i)
        for i in range(1, 1201)
    ]
    followups = [
        Due(
            policy.ANNUAL_LATE,
            f"group:{i}",
            policy.OFFICER,
            "FY2024",
            f"กลุ่มอาชีพที่ {i:,}",
            date(2024, 10, 1),
        )
        for i in range(1, 301)
    ]
    digest = Due(policy.VISIT_PLAN, "officer:1", policy.OFFICER, "2025-W43", "", TODAY)
    reply = compose.message("รัตนา พัฒนกิจ", [digest, *followups], visits, TODAY)
    assert len(reply.text) < 4096
    assert "มี 1,200 แห่งค่ะ" in reply.text and "และอีก 1,175 แห่ง" in reply.text
    assert "1. กลุ่มอาชีพที่ 1 — เยี่ยมล่าสุด 292 วันก่อน (เดือนละครั้ง)" in reply.text
    assert "และอีก 285 เรื่อง" in reply.text
    assert len(reply.quick_replies) <= 13
    assert all(len(q.label) <= 20 for q in reply.quick_replies)


def test_one_message_for_several_roles() -> None:
    month = date(2025, 9, 1)
    dues = [
        Due(policy.MEETING, "group:1", policy.CHAIR, "2025-10", "กลุ่มเพาะเห็ด", date(2025, 10, 1)),
        Due(policy.FIGURES, "group:2", policy.TREASURER, "2025-09:5", "กลุ่มทอผ้า", month, 1),
    ]
    reply = compose.message("สมศรี ดวนใหญ่", dues, [], TODAY)
    assert reply.text.startswith("สวัสดีค่ะ คุณสมศรี")
    assert "เดือน ต.ค. 2568 กลุ่มเพาะเห็ด ยังไม่มีบันทึกการประชุมกลุ่มค่ะ" in reply.text
    assert "ขอเตือนอีกครั้งนะคะ ยังไม่ได้รับตัวเลขรายรับ–รายจ่ายเดือน ก.ย. 2568 ของกลุ่มทอผ้าค่ะ" in reply.text
    assert [q.message for q in reply.quick_replies] == ["/meeting", "/monthly", "เตือนพรุ่งนี้"]


def test_payload_json_is_the_reply_payload() -> None:
    reply = compose.message(
        "มาลี", [Due(policy.ANNUAL, "group:1", policy.TREASURER, "FY2024", 'กลุ่ม "ไข่"\n', date(2024, 10, 1))],
        [], TODAY,
    )  # fmt: skip
    assert json.loads(compose.payload_json(reply)) == reply.to_payload()
    assert QuickReply("เตือนพรุ่งนี้") in reply.quick_replies
