"""Sign-in, sessions and access control of every dashboard page, over plain HTTP against the
ASGI app. These are about HTTP behaviour and run on SQLite; test_backends.py runs the pages'
queries, single use and the district boundary on PostgreSQL too, and test_browser.py walks the
same paths in Chromium."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from bot.app import App, build_app
from bot.clock import FixedClock
from bot.config import Settings
from bot.demo import EGG_GROUP, FROG_GROUP
from bot.handlers.dashboard import OFFICER_ONLY
from bot.handlers.private import SENT_PRIVATELY
from bot.messages import InboundMessage
from bot.services import dashboard_access as auth
from bot.storage.models import Outbox
from tests.dashboard.support import (
    OTHER_GROUP,
    add_other_district,
    assert_private,
    csrf_of,
    link_from_bot,
    pages,
    path_of,
    sign_in,
    token_of,
)
from tests.support.chat import Chat, RecordingTransport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only in this module (see test_backends.py for PostgreSQL)."""
    return sqlite_url


# --- the chat command ---------------------------------------------------------------------


async def test_officer_gets_a_one_time_link(chat: Chat) -> None:
    text = await chat.text("แดชบอร์ด", "officer")
    link = await link_from_bot(chat)
    # PUBLIC_BASE_URL is unset in tests: the link points at the local default.
    assert link.startswith(f"{auth.DEFAULT_BASE_URL}/dashboard/login?token=")
    assert "ใช้ได้ครั้งเดียว" in text and "10 นาที" in text and "09:10" in text
    assert "ค่ะ" in text
    assert await link_from_bot(chat) != link  # every request mints a fresh token
    slash = await chat.text("/dashboard", "officer")
    assert "/dashboard/login?token=" in slash


async def test_others_are_refused_politely(chat: Chat) -> None:
    for who in ("member", "treasurer", "chair", "household", "trainer"):
        text = await chat.text("แดชบอร์ด", who)
        assert text.startswith(OFFICER_ONLY), who
        assert "token=" not in text


async def test_no_link_in_a_group_chat_it_goes_privately(chat: Chat, app: App) -> None:
    sender = await chat.account_id("officer")
    handled = await app.conversation.handle(
        InboundMessage(
            channel="console",
            sender_id=sender,
            chat_id="room-1",
            text="แดชบอร์ด",
            is_group=True,
            event_id="dash-group-1",
            message_id="dash-group-1",
        )
    )
    assert handled.reply is not None
    assert handled.reply.text.startswith(SENT_PRIVATELY)
    assert "token=" not in handled.reply.text
    async with app.uow() as uow:
        rows = (await uow.session.scalars(select(Outbox).where(Outbox.kind == "push"))).all()
    assert [(r.recipient, "token=" in r.payload["text"]) for r in rows] == [(sender, True)]


async def test_link_uses_public_base_url(
    database_url: str, clock: FixedClock, console: RecordingTransport
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        public_base_url="https://bot.example.go.th/",
    )
    app = build_app(settings, clock=clock, transports={"console": console})
    try:
        chat = Chat(app, console)
        await chat.seed()
        link = await link_from_bot(chat)
    finally:
        await app.close()
    assert link.startswith("https://bot.example.go.th/dashboard/login?token=")


# --- signing in ---------------------------------------------------------------------------


async def test_every_page_needs_a_session(chat: Chat, client: httpx.AsyncClient) -> None:
    for path in pages(chat):
        response = await client.get(path)
        assert response.status_code == 401, path
        assert "text/html" in response.headers["content-type"]
        assert "เข้าสู่ระบบผ่านแชต" in response.text
        assert "พิมพ์ <kbd>แดชบอร์ด</kbd>" in response.text
        assert_private(response)
        assert EGG_GROUP not in response.text


async def test_sign_in_sets_a_safe_session_cookie(chat: Chat, client: httpx.AsyncClient) -> None:
    link = await link_from_bot(chat)
    landing = await client.get(path_of(link))
    assert landing.status_code == 200
    assert "เข้าสู่แดชบอร์ด" in landing.text
    assert "set-cookie" not in landing.headers  # opening the link (a preview) signs nobody in
    assert_private(landing)

    response = await client.post("/dashboard/login", data={"token": token_of(link)})
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{auth.COOKIE}=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/dashboard" in cookie
    assert "max-age=43200" in cookie
    assert "secure" not in cookie  # plain http here; see the https test

    overview = await client.get("/dashboard/")
    assert overview.status_code == 200
    assert "รัตนา พัฒนกิจ" in overview.text
    assert overview.text.index(FROG_GROUP) < overview.text.index(EGG_GROUP)  # overdue first
    assert_private(overview)
    assert overview.headers["vary"] == "Cookie"


async def test_cookie_is_secure_over_https(chat: Chat, dashboard: Starlette) -> None:
    link = await link_from_bot(chat)
    transport = httpx.ASGITransport(app=dashboard)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await sign_in(client, link)
    assert response.status_code == 303
    assert "secure" in response.headers["set-cookie"].lower()


async def test_expired_link_is_refused(
    chat: Chat, client: httpx.AsyncClient, clock: FixedClock
) -> None:
    link = await link_from_bot(chat)
    clock.instant += auth.LOGIN_TTL + timedelta(seconds=1)
    for response in (
        await client.get(path_of(link)),
        await client.post("/dashboard/login", data={"token": token_of(link)}),
    ):
        assert response.status_code == 403
        assert "หมดอายุ" in response.text
        assert "set-cookie" not in response.headers


async def test_forged_tokens_are_refused(chat: Chat, client: httpx.AsyncClient, app: App) -> None:
    token = token_of(await link_from_bot(chat))
    payload, signature = token.split(".")
    async with app.uow() as uow:
        keys = await auth.signing_keys(uow, app.settings)
    forged = {
        "tampered": f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}",
        "empty": "",
        "garbage": "not.a-token",
        # A validly signed session cookie is not a sign-in token.
        "session": auth.mint_session(keys, 1, app.clock.now(), timedelta(hours=1)),
    }
    for what, token in forged.items():
        response = await client.post("/dashboard/login", data={"token": token})
        assert response.status_code == 403, what
        assert "ไม่ถูกต้อง" in response.text
        page = await client.get(f"/dashboard/login?token={token}")
        assert page.status_code == 403, what


async def test_session_expires(chat: Chat, client: httpx.AsyncClient, clock: FixedClock) -> None:
    await sign_in(client, await link_from_bot(chat))
    assert (await client.get("/dashboard/")).status_code == 200
    clock.instant += timedelta(hours=12, seconds=1)
    expired = await client.get("/dashboard/")
    assert expired.status_code == 401
    assert "หมดเวลาใช้งาน" in expired.text


async def test_forged_cookie_is_refused(chat: Chat, client: httpx.AsyncClient) -> None:
    await sign_in(client, await link_from_bot(chat))
    good = client.cookies[auth.COOKIE]
    payload, signature = good.split(".")
    # Claim another officer with the old signature.
    forged = auth._b64(auth._unb64(payload).replace(b'"o":1', b'"o":2'))
    client.cookies.set(auth.COOKIE, f"{forged}.{signature}", path="/dashboard")
    response = await client.get("/dashboard/")
    assert response.status_code == 401


# --- what an officer may see ----------------------------------------------------------------


async def test_other_officer_sees_only_their_district(
    chat: Chat, client: httpx.AsyncClient, app: App
) -> None:
    other = await add_other_district(app)
    async with app.uow() as uow:
        keys = await auth.signing_keys(uow, app.settings)
        group = await uow.groups.get(other)
        assert group is not None
        officer_id = group.officer_id
        await uow.commit()
    link = auth.login_url(app.settings, auth.mint_login(keys, officer_id, app.clock.now()))
    await sign_in(client, link)
    overview = await client.get("/dashboard/")
    assert OTHER_GROUP in overview.text
    assert EGG_GROUP not in overview.text and FROG_GROUP not in overview.text
    assert chat.ids is not None
    assert (await client.get(f"/dashboard/groups/{chat.ids.egg_group_id}")).status_code == 404


async def test_export_downloads_the_month_workbook(chat: Chat, client: httpx.AsyncClient) -> None:
    await sign_in(client, await link_from_bot(chat))
    response = await client.get("/dashboard/export?month=2025-10")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="sammachip-2568-10.xlsx"')
    assert "filename*=UTF-8''" in disposition
    assert response.content.startswith(b"PK")
    for bad in ("2025-13", "2025-11", "1999-01", "october"):
        refused = await client.get(f"/dashboard/export?month={bad}")
        assert refused.status_code == 400, bad


# --- logging out ------------------------------------------------------------------------------


async def test_logout_needs_the_csrf_token(chat: Chat, client: httpx.AsyncClient) -> None:
    await sign_in(client, await link_from_bot(chat))
    overview = await client.get("/dashboard/")
    csrf = csrf_of(overview.text)

    assert (await client.post("/dashboard/logout")).status_code == 403
    assert (await client.post("/dashboard/logout", data={"csrf": "x" + csrf})).status_code == 403
    cross_site = await client.post(
        "/dashboard/logout", data={"csrf": csrf}, headers={"origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403
    assert (await client.get("/dashboard/")).status_code == 200  # still signed in

    cookie = client.cookies[auth.COOKIE]
    response = await client.post(
        "/dashboard/logout", data={"csrf": csrf}, headers={"origin": "http://testserver"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/signed-out"
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert (await client.get("/dashboard/signed-out")).status_code == 200
    # A copy of the old cookie no longer works: the session was ended on the server.
    client.cookies.set(auth.COOKIE, cookie, path="/dashboard")
    after = await client.get("/dashboard/")
    assert after.status_code == 401
    assert "ออกจากระบบแล้ว" in after.text


async def test_logout_without_session(client: httpx.AsyncClient, chat: Chat) -> None:
    response = await client.post("/dashboard/logout", data={"csrf": "anything"})
    assert response.status_code == 401


async def test_unknown_pages_and_methods(chat: Chat, client: httpx.AsyncClient) -> None:
    missing = await client.get("/dashboard/nothing-here")
    assert missing.status_code == 404
    assert "ไม่พบ" in missing.text
    assert_private(missing)
    wrong = await client.delete("/dashboard/logout")
    assert wrong.status_code == 405
    css = await client.get("/dashboard/static/dashboard.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


# --- sessions end with the officer's epoch (issue 14) ------------------------------------------


async def test_sign_out_everywhere_ends_sessions_and_unused_links(
    chat: Chat, client: httpx.AsyncClient
) -> None:
    await sign_in(client, await link_from_bot(chat))
    spare = await link_from_bot(chat)  # asked for earlier, not used yet
    assert (await client.get("/dashboard/")).status_code == 200
    assert "ทุกเครื่องเรียบร้อยแล้ว" in await chat.text("ออกจากระบบทุกเครื่อง", "officer")
    ended = await client.get("/dashboard/")
    assert ended.status_code == 401 and "สิ้นสุดแล้ว" in ended.text
    assert (await client.get(path_of(spare))).status_code == 403
    await sign_in(client, await link_from_bot(chat))  # a new link works again
    assert (await client.get("/dashboard/")).status_code == 200


async def test_unlinking_the_officer_ends_their_sessions(
    chat: Chat, client: httpx.AsyncClient, app: App
) -> None:
    from bot.services import enrolment

    await sign_in(client, await link_from_bot(chat))
    async with app.uow() as uow:
        officer = await uow.people.officer(chat.ids.officer_id)
        assert officer is not None and officer.person_id is not None
        accounts = list(await uow.people.accounts_of(officer.person_id))
        assert await enrolment.unlink(uow, accounts, app.clock.now()) == len(accounts)
        await uow.commit()
    assert (await client.get("/dashboard/")).status_code == 401


async def test_a_huge_group_id_is_not_found(chat: Chat, client: httpx.AsyncClient) -> None:
    await sign_in(client, await link_from_bot(chat))
    for path in (
        "/dashboard/groups/99999999999999999999",
        "/dashboard/groups/2147483648/chart.png",
    ):
        assert (await client.get(path)).status_code == 404


async def test_login_from_an_origin_of_null_is_refused(
    chat: Chat, client: httpx.AsyncClient
) -> None:
    link = await link_from_bot(chat)
    refused = await client.post(
        "/dashboard/login", data={"token": token_of(link)}, headers={"Origin": "null"}
    )
    assert refused.status_code == 403 and auth.COOKIE not in refused.cookies
    assert (await sign_in(client, link)).status_code == 303  # the link was not used up
