"""The dashboard's queries, single-use links and the district boundary on each backend
(SQLite and the PostgreSQL the test run starts): the overview's grouped SQL, a group's page,
the chart and the workbook, through HTTP as a signed-in officer."""

from __future__ import annotations

import io

import httpx
import pytest
from openpyxl import load_workbook

from bot.app import App
from bot.demo import EGG_GROUP, FROG_GROUP
from tests.dashboard.support import (
    OTHER_GROUP,
    add_other_district,
    assert_private,
    link_from_bot,
    pages,
    path_of,
    sign_in,
    token_of,
)
from tests.support.chat import Chat

pytestmark = pytest.mark.both_databases  # the rule is in tests/conftest.py


async def test_link_works_once(chat: Chat, client: httpx.AsyncClient) -> None:
    link = await link_from_bot(chat)
    assert (await sign_in(client, link)).status_code == 303
    again = await client.get(path_of(link))
    assert again.status_code == 403
    assert "ใช้ไปแล้ว" in again.text
    replay = await client.post("/dashboard/login", data={"token": token_of(link)})
    assert replay.status_code == 403
    assert "set-cookie" not in replay.headers


async def test_signed_in_officer_sees_every_page(chat: Chat, client: httpx.AsyncClient) -> None:
    await sign_in(client, await link_from_bot(chat))
    for path in pages(chat):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert_private(response)
    chart = await client.get(pages(chat)[3])
    assert chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG")

    # What the pages say about the demo district (as of Monday 20 Oct 2025).
    overview = (await client.get("/dashboard/")).text
    assert overview.index(FROG_GROUP) < overview.index(EGG_GROUP)  # most overdue first
    assert "เลยกำหนด 10 วัน" in overview and "เลยกำหนด 3 วัน" in overview
    assert "2,400 บาท" in overview and "995 บาท" in overview  # October's sales so far
    assert "ยังไม่ส่ง · เลยกำหนด" in overview  # the egg group's September figures
    by_name = (await client.get("/dashboard/?sort=name")).text
    assert by_name.index(EGG_GROUP) < by_name.index(FROG_GROUP)  # ไข่ (ข) before เลี้ยง (ล)
    assert chat.ids is not None
    egg = (await client.get(f"/dashboard/groups/{chat.ids.egg_group_id}")).text
    for expected in ("มาลี ศรีสุข", "เหรัญญิก", "ประธาน", "สมาชิกแบ่งงานชัดเจน", "ออกบูธงานกาชาดอำเภอ"):
        assert expected in egg
    frog = (await client.get(f"/dashboard/groups/{chat.ids.frog_group_id}")).text
    assert "6,000" in frog and "3,650" in frog and "ใช้อยู่" in frog  # September's figures


async def test_other_district_is_refused_on_every_page(
    chat: Chat, client: httpx.AsyncClient, app: App
) -> None:
    other = await add_other_district(app)
    await sign_in(client, await link_from_bot(chat))
    overview = await client.get("/dashboard/")
    assert OTHER_GROUP not in overview.text
    for gid in (other, 999_999):
        for path in pages(chat, gid):
            if "/groups/" not in path:
                continue
            response = await client.get(path)
            assert response.status_code == 404, path
            assert "ไม่พบ" in response.text
            assert OTHER_GROUP not in response.text
            assert_private(response)
    # The export holds the officer's own district only.
    workbook = load_workbook(io.BytesIO((await client.get("/dashboard/export")).content))
    cells = {
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    }
    assert EGG_GROUP in cells and FROG_GROUP in cells
    assert not any(OTHER_GROUP in cell for cell in cells)
    assert not any(OTHER_GROUP in name for name in workbook.sheetnames)
