"""Province and district administrators on the dashboard (issue 17): province → district →
group drill-down and the province workbook, all scoped on the server. The attacks: another
province's (or the neighbouring district's) district, group or workbook asked for by id in the
URL answers 404, exactly like an id that does not exist. Both databases."""

from __future__ import annotations

import io

import httpx
from openpyxl import load_workbook

from bot.app import App
from bot.demo import EGG_GROUP
from bot.reports.province import PROVINCE_HEADERS, PROVINCE_SHEET
from bot.services.exports import find_district
from tests.conversations.test_administrators import link, neighbours, register
from tests.dashboard.support import link_from_bot, sign_in
from tests.support.chat import Chat

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def places(app: App) -> dict[str, int]:
    """District ids by name, and the group ids of the two neighbours' groups."""
    async with app.uow() as uow:
        found = {n: (await find_district(uow, n)).id for n in ("วังหิน", "ขุขันธ์", "โพธาราม")}
        from sqlalchemy import select

        from bot.storage.models import OccupationGroup

        for name, gid in (
            await uow.session.execute(select(OccupationGroup.name, OccupationGroup.id))
        ).all():
            found[name] = gid
    return found


async def signed_in_admin(
    chat: Chat, client: httpx.AsyncClient, name: str, district: str | None = None
) -> None:
    await link(chat, name, await register(chat, name, "ศรีสะเกษ", district))
    response = await sign_in(client, await link_from_bot(chat, name))
    assert response.status_code == 303


async def test_a_province_administrator_drills_down_province_district_group(
    app: App, chat: Chat, client: httpx.AsyncClient
) -> None:
    await neighbours(chat)
    ids = await places(app)
    await signed_in_admin(chat, client, "ประภา ศรีจังหวัด")

    province = await client.get("/dashboard/")
    assert province.status_code == 200
    assert "กลุ่มอาชีพในจังหวัดศรีสะเกษ" in province.text
    assert "อำเภอวังหิน" in province.text and "อำเภอขุขันธ์" in province.text
    assert "โพธาราม" not in province.text
    assert f'href="/dashboard/districts/{ids["วังหิน"]}"' in province.text

    district = await client.get(f"/dashboard/districts/{ids['วังหิน']}")
    assert district.status_code == 200
    assert "กลุ่มอาชีพในอำเภอวังหิน" in district.text and EGG_GROUP in district.text
    assert "← ภาพรวมจังหวัด" in district.text
    assert f"/export?month=2025-10&amp;district={ids['วังหิน']}" in district.text

    group = await client.get(f"/dashboard/groups/{ids[EGG_GROUP]}")
    assert group.status_code == 200 and EGG_GROUP in group.text
    chart = await client.get(f"/dashboard/groups/{ids['กลุ่มทอเสื่อกก']}/chart.png")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"

    workbook = await client.get(f"/dashboard/export?month=2025-10&district={ids['ขุขันธ์']}")
    assert workbook.status_code == 200 and workbook.headers["content-type"] == XLSX

    whole = await client.get("/dashboard/export/province?month=2025-09")
    assert whole.status_code == 200 and whole.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(whole.content))
    assert book.sheetnames == [PROVINCE_SHEET, "ขุขันธ์", "วังหิน"]
    rows = [tuple(r) for r in book[PROVINCE_SHEET].iter_rows(values_only=True)]
    title = rows[0][0]
    assert isinstance(title, str) and "จังหวัดศรีสะเกษ" in title and "ก.ย. 2568" in title
    assert rows[1][0] == PROVINCE_HEADERS[0] and rows[1][1] == PROVINCE_HEADERS[1]
    khukhan, wanghin, total = rows[2], rows[3], rows[4]
    assert (khukhan[0], khukhan[1]) == ("ขุขันธ์", 1)
    assert (wanghin[0], wanghin[1], wanghin[8], wanghin[9]) == ("วังหิน", 2, "1/2", 2)
    assert wanghin[6] == 6000  # the frog group's September figures
    assert total[0] == "รวม" and total[1] == 3
    assert [r[0] for r in book["วังหิน"].iter_rows(min_row=3, values_only=True)][:2] == [
        EGG_GROUP, "กลุ่มเลี้ยงกบแบบธรรมชาติ",
    ]  # fmt: skip


async def test_another_provinces_ids_answer_404(
    app: App, chat: Chat, client: httpx.AsyncClient
) -> None:
    await neighbours(chat)
    ids = await places(app)
    await signed_in_admin(chat, client, "ประภา ศรีจังหวัด")
    for path in (
        f"/dashboard/districts/{ids['โพธาราม']}",
        f"/dashboard/groups/{ids['กลุ่มทอผ้าบ้านหนองโพ']}",
        f"/dashboard/groups/{ids['กลุ่มทอผ้าบ้านหนองโพ']}/chart.png",
        f"/dashboard/export?district={ids['โพธาราม']}",
        "/dashboard/export",  # a province administrator names the district
        "/dashboard/districts/999999",
        f"/dashboard/districts/{ids[EGG_GROUP]}",  # a group's id is not a district's
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "กลุ่มทอผ้า" not in response.text


async def test_a_district_administrator_cannot_see_the_neighbouring_district(
    app: App, chat: Chat, client: httpx.AsyncClient
) -> None:
    await neighbours(chat)
    ids = await places(app)
    await signed_in_admin(chat, client, "วิชัย ดูแลอำเภอ", "วังหิน")
    home = await client.get("/dashboard/")
    assert home.status_code == 200 and "กลุ่มอาชีพในอำเภอวังหิน" in home.text
    assert "ภาพรวมจังหวัด" not in home.text
    assert (await client.get(f"/dashboard/groups/{ids[EGG_GROUP]}")).status_code == 200
    own = await client.get("/dashboard/export?month=2025-10")
    assert own.status_code == 200 and own.headers["content-type"] == XLSX
    for path in (
        f"/dashboard/districts/{ids['ขุขันธ์']}",
        f"/dashboard/groups/{ids['กลุ่มทอเสื่อกก']}",
        f"/dashboard/export?district={ids['ขุขันธ์']}",
        "/dashboard/export/province",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "กลุ่มทอเสื่อกก" not in response.text


async def test_an_officer_has_no_administrator_pages(
    app: App, chat: Chat, client: httpx.AsyncClient
) -> None:
    await neighbours(chat)
    ids = await places(app)
    await sign_in(client, await link_from_bot(chat))
    for path in (
        f"/dashboard/districts/{ids['วังหิน']}",
        "/dashboard/export/province",
        f"/dashboard/groups/{ids['กลุ่มทอเสื่อกก']}",
    ):
        assert (await client.get(path)).status_code == 404, path
    # An officer's export is their own district whatever district the URL names.
    other = await client.get(f"/dashboard/export?month=2025-10&district={ids['ขุขันธ์']}")
    book = load_workbook(io.BytesIO(other.content))
    assert "กลุ่มทอเสื่อกก" not in book.sheetnames and EGG_GROUP in book.sheetnames


async def test_signing_out_everywhere_ends_an_administrators_sessions(
    chat: Chat, client: httpx.AsyncClient
) -> None:
    await signed_in_admin(chat, client, "ประภา ศรีจังหวัด")
    assert (await client.get("/dashboard/")).status_code == 200
    answer = await chat.text("ออกจากระบบทุกเครื่อง", "ประภา ศรีจังหวัด")
    assert "ออกจากระบบแดชบอร์ดทุกเครื่องเรียบร้อยแล้ว" in answer
    ended = await client.get("/dashboard/")
    assert ended.status_code == 401 and "การเข้าสู่ระบบนี้สิ้นสุดแล้ว" in ended.text
