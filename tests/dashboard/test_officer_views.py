"""What officers need to see on the dashboard (issue 17): the annual summaries and dividends
treasurers sent (each member's share on the group page), and the target households' month
(visits, account book, trainings) on the overview. Another district's are never shown. Both
databases."""

from __future__ import annotations

import re

import httpx

from bot.app import App
from bot.demo import EGG_GROUP
from bot.services import admin
from bot.storage.models import Officer
from tests.dashboard.support import add_other_district, link_from_bot, sign_in
from tests.support.chat import Chat


def text_of(html: str, section: str) -> str:
    """The visible text of one section (by id) of a page, tags removed."""
    found = re.search(rf'<section class="card" id="{section}">(.*?)</section>', html, re.S)
    assert found, f"no section {section}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


async def test_the_group_page_shows_the_annual_summary_and_each_members_share(
    chat: Chat, client: httpx.AsyncClient
) -> None:
    assert chat.ids is not None
    await chat.text("สรุปปี 2568", "treasurer")
    await chat.text("ยืนยัน", "treasurer")
    await chat.text("ปันผล 12,000 บาท ปี 2568", "treasurer")
    await chat.text("ยืนยัน", "treasurer")
    await sign_in(client, await link_from_bot(chat))
    page = await client.get(f"/dashboard/groups/{chat.ids.egg_group_id}")
    assert page.status_code == 200
    annual = text_of(page.text, "annual")
    assert "ปี 2568" in annual and "ฉบับที่ 1" in annual and "โดย มาลี ศรีสุข" in annual
    assert "ปันผล 12,000 บาท" in annual and "1 ต.ค. 2567 – 30 ก.ย. 2568" in annual
    assert "บุญมี ใจงาม" in annual  # a member's share is listed for the officer
    shares = re.findall(r'<td class="num">([\d,]+\.\d\d)</td></tr>', page.text)
    assert shares  # amounts to the satang
    timeline = text_of(page.text, "timeline")
    assert "สรุปประจำปี" in timeline and "ปันผล" in timeline

    overview = await client.get("/dashboard/")
    recent = text_of(overview.text, "annual")
    assert EGG_GROUP in recent and "ปี 2568" in recent and "12,000" in recent


async def test_the_overview_shows_the_households_month(
    chat: Chat, client: httpx.AsyncClient
) -> None:
    await chat.text("ได้เงิน ขายผัก 300 บาท", "household")
    await chat.text("จ่าย ค่าเมล็ดผัก 120 บาท", "household")
    await chat.text("อบรมการทำบัญชี คำปุ่น มาเรียน", "trainer")
    await chat.text("บันทึกการเยี่ยม", "officer")
    await chat.text("ครัวเรือนคำปุ่น…", "officer")
    await chat.text("แปลงผักงามดี", "officer")
    await sign_in(client, await link_from_bot(chat))
    overview = await client.get("/dashboard/")
    households = text_of(overview.text, "households")
    assert "2 ครัวเรือน" in households
    row = re.search(r'<tr data-household-id="\d+"><td>คำปุ่น มีสุข.*?</tr>', overview.text, re.S)
    assert row is not None
    cells = " ".join(re.sub(r"<[^>]+>", " ", row.group(0)).split())
    assert "20 ต.ค. 2568" in cells and "เดือนนี้ 1 ครั้ง" in cells
    assert "300 120 180 1 ครั้ง" in cells  # income, expenses, balance, trainings attended
    trainings = text_of(overview.text, "trainings")
    assert "การทำบัญชี" in trainings and "คำปุ่น มีสุข" in trainings


async def test_another_districts_summaries_and_households_are_not_shown(
    app: App, chat: Chat, client: httpx.AsyncClient
) -> None:
    other_group = await add_other_district(app)
    async with app.uow() as uow:
        group = await uow.groups.get(other_group)
        assert group is not None
        officer = await uow.session.get(Officer, group.officer_id)
        assert officer is not None
        await admin.add_trainer(uow, name="วิทยากรต่างอำเภอ", officer_id=officer.id)
        await admin.add_household(
            uow, village="บ้านหนองโพ หมู่ที่ 3", head="ครัวเรือนต่างอำเภอ", occupation="ทอผ้า",
            trainer="วิทยากรต่างอำเภอ", officer_id=officer.id,
        )  # fmt: skip
        await uow.commit()
    await sign_in(client, await link_from_bot(chat))
    overview = await client.get("/dashboard/")
    assert "ครัวเรือนต่างอำเภอ" not in overview.text
    assert (await client.get(f"/dashboard/groups/{other_group}")).status_code == 404
