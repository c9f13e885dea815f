"""Helpers for the dashboard tests: the link the bot gives, a second district, a client."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx

from bot.app import App
from bot.services import admin
from tests.support.chat import Chat

LINK = re.compile(r"https?://\S+/dashboard/login\?token=[A-Za-z0-9_\-.]+")
OTHER_GROUP = "กลุ่มทอผ้าบ้านหนองโพ"


async def link_from_bot(chat: Chat, who: str = "officer") -> str:
    """Asks the bot for a dashboard link as a demo person, as an officer would in the chat."""
    text = await chat.text("แดชบอร์ด", who)
    found = LINK.search(text)
    assert found, f"no dashboard link in the reply: {text!r}"
    return found.group(0)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


async def add_other_district(app: App) -> int:
    """An officer and a group of another district (อำเภอโพธาราม); returns the group's id."""
    async with app.uow() as uow:
        officer = await admin.add_officer(
            uow, name="สมชาย ต่างอำเภอ", district="โพธาราม", province="ราชบุรี"
        )
        # Linked, as an officer who asks for a sign-in link in chat is.
        officer.person_id = (await uow.people.add_person(officer.name)).id
        group = await admin.create_group(
            uow,
            name=OTHER_GROUP,
            occupation="ทอผ้า",
            village="บ้านหนองโพ หมู่ที่ 3",
            officer_id=officer.id,
            founded=date(2024, 1, 15),
        )
        await uow.commit()
        return group.id


async def sign_in(client: httpx.AsyncClient, link: str) -> httpx.Response:
    """Opens the link, then presses the sign-in button (POST), like the browser does."""
    page = await client.get(path_of(link))
    assert page.status_code == 200, page.text
    return await client.post("/dashboard/login", data={"token": token_of(link)})


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def pages(chat: Chat, group_id: int | None = None) -> list[str]:
    """Every page and download of the dashboard that shows an officer's data."""
    assert chat.ids is not None
    gid = chat.ids.egg_group_id if group_id is None else group_id
    return [
        "/dashboard/",
        "/dashboard/?sort=sales&rev=1",
        f"/dashboard/groups/{gid}",
        f"/dashboard/groups/{gid}/chart.png",
        "/dashboard/export",
        "/dashboard/export?month=2025-09",
    ]


def assert_private(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store, private"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
