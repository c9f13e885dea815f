"""The dashboard's signing, tokens and overdue rules, without HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from bot.dashboard import queries
from bot.services import dashboard_access as auth
from bot.storage.models import DashboardSecret, DashboardSecretKind, OccupationGroup
from bot.wording import thai_sort_key
from scheduler.policy import Cadence, Moment

NOW = datetime(2025, 10, 20, 2, 0, tzinfo=UTC)  # Monday 09:00 in Bangkok
KEYS = auth.Keys(b"k" * 32, (b"k" * 32,))


def test_login_token_round_trip_and_expiry() -> None:
    token = auth.mint_login(KEYS, 7, NOW)
    claim = auth.read_login(KEYS, token, NOW + timedelta(minutes=9, seconds=59))
    assert claim.officer_id == 7 and len(claim.nonce) >= 16
    assert claim.expires == NOW + auth.LOGIN_TTL
    with pytest.raises(auth.BadToken) as error:
        auth.read_login(KEYS, token, NOW + auth.LOGIN_TTL)
    assert error.value.reason == "expired"
    assert auth.mint_login(KEYS, 7, NOW) != token  # a fresh nonce every time


def test_tokens_are_bound_to_key_and_purpose() -> None:
    other = auth.Keys(b"o" * 32, (b"o" * 32,))
    login = auth.mint_login(KEYS, 7, NOW)
    session = auth.mint_session(KEYS, 7, NOW, timedelta(hours=1))
    for keys, token, read in (
        (other, login, auth.read_login),  # another key
        (KEYS, session, auth.read_login),  # a session is not a login token
    ):
        with pytest.raises(auth.BadToken) as error:
            read(keys, token, NOW)
        assert error.value.reason == "invalid"
    with pytest.raises(auth.BadToken):
        auth.read_session(KEYS, login, NOW)
    # A token signed by an older key that is still accepted verifies.
    both = auth.Keys(b"o" * 32, (b"o" * 32, b"k" * 32))
    assert auth.read_login(both, login, NOW).officer_id == 7


@pytest.mark.parametrize("token", ["", ".", "a.b.c", "x" * 600, "eyJ4IjoxfQ.AAAA", "ยังไม่ใช่.โทเคน"])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(auth.BadToken):
        auth.read_login(KEYS, token, NOW)
    with pytest.raises(auth.BadToken):
        auth.read_session(KEYS, token, NOW)


def test_csrf_token_belongs_to_its_session() -> None:
    token = auth.csrf_token(KEYS, "session-a")
    assert auth.csrf_valid(KEYS, "session-a", token)
    assert not auth.csrf_valid(KEYS, "session-b", token)
    assert not auth.csrf_valid(KEYS, "session-a", None)
    assert not auth.csrf_valid(KEYS, "session-a", "")


@pytest.mark.both_databases
async def test_database_key_is_made_once_and_shared(app: App) -> None:
    async with app.uow() as uow:
        first = await auth.signing_keys(uow, app.settings)
        await uow.commit()
    async with app.uow() as uow:
        again = await auth.signing_keys(uow, app.settings)
        count = await uow.session.scalar(
            select(func.count())
            .select_from(DashboardSecret)
            .where(DashboardSecret.kind == DashboardSecretKind.KEY)
        )
    assert first == again and count == 1


async def test_configured_secret_is_used_and_nothing_stored(app: App) -> None:
    settings = app.settings.model_copy(update={"dashboard_secret": "s" * 40})
    async with app.uow() as uow:
        keys = await auth.signing_keys(uow, settings)
        await uow.commit()
        stored = await auth.stored_keys(uow)
    assert keys == auth.configured_keys(settings) and stored == []
    unset = Settings(_env_file=None)
    assert auth.configured_keys(unset) is None


@pytest.mark.both_databases
async def test_nonce_is_used_once(app: App) -> None:
    async with app.uow() as uow:
        assert not await auth.nonce_used(uow, "nonce-12345")
        await auth.use_nonce(uow, "nonce-12345")
    async with app.uow() as uow:
        assert await auth.nonce_used(uow, "nonce-12345")
        with pytest.raises(auth.BadToken) as error:
            await auth.use_nonce(uow, "nonce-12345")
    assert error.value.reason == "used"


# --- overdue, as the reminders count it (scheduler/policy.py) ---------------------------


def _group(founded: date, settings: dict[str, object] | None = None) -> OccupationGroup:
    return OccupationGroup(
        id=1, name="กลุ่มทดลอง", officer_id=1, founded_on=founded, settings=settings or {}
    )


@pytest.mark.parametrize(
    ("founded", "last", "every", "level", "days"),
    [
        # First year: weekly (calendar weeks, Monday to Sunday).
        (date(2025, 2, 22), date(2025, 10, 10), "week", "overdue", 3),
        (date(2025, 2, 22), date(2025, 10, 20), "week", "ok", None),  # visited today
        (date(2025, 2, 22), date(2025, 10, 14), "week", "due", -1),  # due tomorrow
        (date(2025, 10, 6), None, "week", "overdue", 14),  # never visited: since founding
        # After 12 months: monthly (calendar months).
        (date(2023, 10, 21), date(2025, 9, 10), "month", "overdue", 10),
        (date(2023, 10, 21), date(2025, 10, 1), "month", "ok", None),
        (date(2023, 10, 21), date(2025, 9, 25), "month", "due", -5),
    ],
)
def test_visit_status_follows_the_reminder_cadence(
    founded: date, last: date | None, every: str, level: str, days: int | None
) -> None:
    moment = Moment.of(NOW, Settings(_env_file=None).tz)
    status = queries.visit_status(_group(founded), last, Cadence(), moment)
    assert (status.every, status.level, status.overdue_days) == (every, level, days)


def test_group_override_turns_visits_off() -> None:
    moment = Moment.of(NOW, Settings(_env_file=None).tz)
    status = queries.visit_status(
        _group(date(2025, 2, 22), {"reminders": False}), None, Cadence(), moment
    )
    assert status.level == "off"


def test_age_and_thai_order() -> None:
    assert queries.months_between(date(2025, 2, 22), date(2025, 10, 20)) == 7
    assert queries.age_text(0) == "ไม่ถึง 1 เดือน"
    assert queries.age_text(7) == "7 เดือน"
    assert queries.age_text(23) == "1 ปี 11 เดือน"
    assert queries.age_text(24) == "2 ปี"
    names = ["เลี้ยงกบ", "ไข่เค็ม", "กล้วยตาก", "ทอผ้า"]
    # Leading vowels sort by their consonant: ก(ล้วย) ข(ไข่) ท(อผ้า) ล(เลี้ยง).
    assert sorted(names, key=thai_sort_key) == ["กล้วยตาก", "ไข่เค็ม", "ทอผ้า", "เลี้ยงกบ"]
