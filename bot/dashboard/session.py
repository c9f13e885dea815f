"""Who is signed in to the dashboard, and the check every page starts with, written once:
`@signed_in_page` opens the unit of work, answers 401 with the Thai sign-in page when there is
no valid session, and otherwise hands the page the signed-in officer or administrator. A page
that has slow work left once its reads are done (a workbook, a chart) returns `After`: it runs
after the unit of work is closed, so the database is not held while it runs."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from bot.services.actors import Actor
from bot.services.administrators import Scope as AdminScope
from bot.services.dashboard_access import SessionClaim
from bot.storage.models import Administrator, Officer
from bot.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from bot.dashboard.web import Dashboard

SIGN_IN_REASONS = {
    "none": "กรุณาเข้าสู่ระบบผ่านแชตค่ะ",
    "expired": "หมดเวลาใช้งานแล้วค่ะ กรุณาเข้าสู่ระบบใหม่ผ่านแชต",
    "invalid": "กรุณาเข้าสู่ระบบใหม่ผ่านแชตค่ะ",
    "revoked": "คุณออกจากระบบแล้วค่ะ เข้าสู่ระบบใหม่ผ่านแชตได้เลย",
    "ended": "การเข้าสู่ระบบนี้สิ้นสุดแล้วค่ะ (ออกจากระบบทุกเครื่อง หรือบัญชีมีการเปลี่ยนแปลง) "
    "พิมพ์ แดชบอร์ด ในแชตส่วนตัวกับบอทเพื่อเข้าใหม่นะคะ",
}
LINK_REASONS = {
    "invalid": "ลิงก์นี้ไม่ถูกต้องค่ะ",
    "expired": "ลิงก์นี้หมดอายุแล้วค่ะ (ลิงก์ใช้ได้ 10 นาที)",
    "used": "ลิงก์นี้ถูกใช้ไปแล้วค่ะ (ลิงก์ใช้ได้ครั้งเดียว)",
}


@dataclass(frozen=True, slots=True)
class SignedIn:
    officer: Officer | Administrator  # who signed in (an administrator when `scope` is set)
    session: SessionClaim
    csrf: str
    scope: AdminScope | None = None  # an administrator's province or district

    @property
    def actor(self) -> Actor:
        # The dashboard acts for the officer's district only (bot.services.reports decides).
        assert isinstance(self.officer, Officer)
        return Actor(
            person_id=self.officer.person_id or 0,
            name=self.officer.name,
            officer_id=self.officer.id,
            district_id=self.officer.district_id,
        )

    def reading(self, district_id: int) -> Actor:
        """Who reads a district's pages for an administrator: the district, nothing else (the
        pages only read; the district was checked against the scope before)."""
        return Actor(person_id=self.officer.person_id or 0, name=self.officer.name,
                     district_id=district_id)  # fmt: skip


async def entry(uow: UnitOfWork, officer_id: int, admin: bool) -> Officer | Administrator | None:
    """The officer, or the administrator, a token names."""
    if admin:
        return await uow.session.get(Administrator, officer_id)
    return await uow.people.officer(officer_id)


@dataclass(frozen=True, slots=True)
class After:
    """What a page still has to do once its reads are done and the unit of work is closed."""

    respond: Callable[[], Awaitable[Response]]


Page = Callable[["Dashboard", Request, UnitOfWork, SignedIn], Awaitable[Response | After]]
Endpoint = Callable[["Dashboard", Request], Awaitable[Response]]


def signed_in_page(page: Page) -> Endpoint:
    """The sign-in check at the top of every page (401 with how to sign in, else the page)."""

    @functools.wraps(page)
    async def checked(dashboard: Dashboard, request: Request) -> Response:
        async with dashboard.app.uow() as uow:
            signed = await dashboard.signed_in(request, uow)
            if isinstance(signed, str):
                return dashboard.sign_in_page(request, signed)
            answer = await page(dashboard, request, uow, signed)
        return await answer.respond() if isinstance(answer, After) else answer

    return checked
