"""The permission matrix: every role × every action, in chat (through the real conversation
core), and on the dashboard. Allowed means the record is stored (or the link is given);
refused means nothing is stored and the person gets a polite Thai refusal.

Command line: the `sammachip` operator commands (officer/group/household add, report,
export, remind, migrate) are the district office's tools on the server itself. Whoever can run
them already holds the database; they are deliberately not role-gated, so they have no row in
this matrix (see SECURITY.md)."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from bot.app import App
from bot.dashboard import build_dashboard
from bot.storage.models import (
    AccountEntry,
    Base,
    Meeting,
    MonthlyFigures,
    Officer,
    Person,
    Sale,
    TrainingAttendance,
    Visit,
    WorkLog,
)
from tests.dashboard.support import add_other_district, link_from_bot, sign_in
from tests.support.chat import Chat

OTHER_OFFICER = "สมชาย ต่างอำเภอ"
ROLES = ["none", "member", "chair", "treasurer", "trainer", "household", "officer", "other_officer"]
THAI = re.compile(r"[\u0e00-\u0e7f]")

# action: (messages to send, the record it writes, roles allowed) — from DOMAIN.md's table of
# roles and the checks in bot/services/records.py.
ACTIONS: dict[str, tuple[tuple[str, ...], type[Base], set[str]]] = {
    "sale": (("ขายไข่เค็ม 2 ฟอง 10 บาท",), Sale, {"member", "chair", "treasurer", "household"}),
    "meeting": (("ประชุมกลุ่มวันนี้ สมาชิกมา 9 คน เรื่องทดสอบสิทธิ์",), Meeting, {"chair", "treasurer"}),
    "work": (("ทำงาน 2 ชั่วโมง",), WorkLog, {"member", "chair", "treasurer"}),
    "monthly figures": (("รายรับ 1,000 รายจ่าย 400", "ยืนยัน"), MonthlyFigures, {"treasurer"}),
    "visit a group of this district": (("เยี่ยมกลุ่มไข่เค็ม ทุกอย่างเรียบร้อย",), Visit, {"officer"}),
    "household account book": (("จ่ายค่าอาหารไก่ 350",), AccountEntry, {"household"}),
    # Recorded against this district's household (an attendance row), not just any activity.
    "training of a household": (
        ("อบรมการทำบัญชีครัวเรือน คำปุ่น มาเรียน",),
        TrainingAttendance,
        {"trainer", "officer"},
    ),
}


def who(role: str) -> str:
    return {"none": "ผู้มาใหม่ ไม่มีรหัส", "other_officer": OTHER_OFFICER}.get(role, role)


async def link_other_officer(app: App) -> None:
    """An officer of another district (อำเภอโพธาราม) with a linked chat account."""
    await add_other_district(app)
    async with app.uow() as uow:
        from sqlalchemy import select

        officer = await uow.session.scalar(select(Officer).where(Officer.name == OTHER_OFFICER))
        assert officer is not None
        if officer.person_id is not None:  # add_other_district links them already
            return
        person = Person(name=OTHER_OFFICER)
        uow.session.add(person)
        await uow.session.flush()
        officer.person_id = person.id
        await uow.commit()


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.mark.parametrize("action", list(ACTIONS))
async def test_chat_actions_by_role(chat: Chat, action: str) -> None:
    await link_other_officer(chat.app)
    messages, record, allowed = ACTIONS[action]
    outcome: dict[str, bool] = {}
    for role in ROLES:
        before = await chat.count(record)
        answers = [await chat.say(text, who(role)) for text in messages]
        assert all(a is not None and THAI.search(a.text) for a in answers), (role, answers)
        outcome[role] = await chat.count(record) > before
        await chat.say("ยกเลิก", who(role))  # leave no flow open for the next action
    print(
        f"\n[permissions: {action}] "
        + ", ".join(f"{r}: {'allowed' if ok else 'refused'}" for r, ok in outcome.items())
    )
    assert {r for r, ok in outcome.items() if ok} == allowed


async def test_dashboard_by_role(chat: Chat, app: App) -> None:
    """Only officers get a sign-in link; an officer sees only their own district's groups."""
    await link_other_officer(app)
    links = {}
    for role in ROLES:
        text = await chat.text("แดชบอร์ด", who(role))
        links[role] = "/dashboard/login?token=" in text
    print(
        "\n[permissions: dashboard link] "
        + ", ".join(f"{r}: {'allowed' if ok else 'refused'}" for r, ok in links.items())
    )
    assert {r for r, ok in links.items() if ok} == {"officer", "other_officer"}
    assert chat.ids is not None
    egg = f"/dashboard/groups/{chat.ids.egg_group_id}"
    transport = httpx.ASGITransport(app=Starlette(routes=[build_dashboard(app)]))
    for role, expected in (("officer", 200), ("other_officer", 404)):
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get(egg)).status_code == 401  # no session, no page
            await sign_in(client, await link_from_bot(chat, who(role)))
            assert (await client.get(egg)).status_code == expected, role
