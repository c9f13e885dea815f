"""Sign-in without passwords: the bot hands an officer a one-time link, the link starts a
session kept in a signed cookie. Only the standard library signs (HMAC-SHA256 over base64url
JSON); nothing here knows HTTP, so the chat handler and the web pages share it.

- A **login token** is `payload.signature` with payload {"o": officer id, "n": nonce, "x":
  expiry (Unix seconds)}. It is valid for `LOGIN_TTL` and used once: the nonce is recorded as
  a `dashboard_secret` row (kind "nonce"), whose unique constraint is exactly
  "seen once" (two tabs racing on one link: the second insert fails and is refused).
- A **session cookie** is the same shape with {"o": officer id, "s": session id, "x": expiry}.
  Logging out records the session id (kind "revoked"), so a copied
  cookie stops working at once, not only when it expires.
- Both carry the officer's **epoch** ("e", `Officer.session_epoch`) and are accepted only
  while it is unchanged and the officer is still linked to a person: unlinking or erasing
  the officer, rotating their code and `ออกจากระบบทุกเครื่อง` bump it, ending every session
  and every sign-in link at once.
- The **CSRF token** of a session is an HMAC of its session id: forms carry it, and a
  state-changing request without the matching token is refused.
- Every signature names its purpose ("login", "session", "csrf"), so a token of one kind is
  never accepted as another.

The key: `Settings.dashboard_secret` when set. Otherwise a random key is created the first time
one is needed and kept in the database as a `dashboard_secret` row (kind "key"), so every
process on the same database (console, webhook workers, `serve`) signs and checks alike and
sessions survive restarts. Two processes creating a key at the same instant each store one;
the oldest signs and every stored key is accepted, so neither's links break.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.storage.models import DashboardSecretKind
from bot.storage.unit_of_work import UnitOfWork

PREFIX = "/dashboard"  # where the dashboard is mounted in the web server
# The sign-in link's address when PUBLIC_BASE_URL is unset: where `sammachip serve` listens by
# default (bot/cli.py: --host 127.0.0.1 --port 8000).
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
LOGIN_TTL = timedelta(minutes=10)
COOKIE = "sammachip_dashboard"


_LOGIN = b"login"
_SESSION = b"session"
_CSRF = b"csrf"
_DERIVE = b"sammachip-dashboard-v1"


class BadToken(Exception):
    """A link or cookie that cannot be used; `reason` is invalid | expired | used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Keys:
    signing: bytes
    accepted: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class LoginClaim:
    officer_id: int  # with `admin`: an administrator's id (bot/services/administrators.py)
    nonce: str
    expires: datetime
    epoch: int = 0
    admin: bool = False


@dataclass(frozen=True, slots=True)
class SessionClaim:
    officer_id: int  # with `admin`: an administrator's id
    session_id: str
    expires: datetime
    epoch: int = 0
    admin: bool = False


def _derive(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _DERIVE, hashlib.sha256).digest()


def configured_keys(settings: Settings) -> Keys | None:
    """The keys from DASHBOARD_SECRET, or None when it is unset."""
    if not settings.dashboard_secret:
        return None
    key = _derive(settings.dashboard_secret)
    return Keys(key, (key,))


async def stored_keys(uow: UnitOfWork) -> list[bytes]:
    return [_derive(secret) for secret in await uow.dashboard_secrets.keys()]


async def signing_keys(uow: UnitOfWork, settings: Settings) -> Keys:
    """The keys to sign and check with; creates the database key on first use (the caller
    commits, so the key is kept together with whatever it signed)."""
    configured = configured_keys(settings)
    if configured is not None:
        return configured
    keys = await stored_keys(uow)
    if not keys:
        secret = secrets.token_urlsafe(48)
        await uow.dashboard_secrets.add_key(secret)
        keys = [_derive(secret)]
    return Keys(keys[0], tuple(keys))


# --- signing ---------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: bytes, payload: bytes) -> bytes:
    return hmac.new(key, purpose + b"." + payload, hashlib.sha256).digest()


def _sign(keys: Keys, purpose: bytes, claims: dict[str, object]) -> str:
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{payload}.{_b64(_mac(keys.signing, purpose, payload.encode('ascii')))}"


def _open(keys: Keys, purpose: bytes, token: str, now: datetime) -> dict[str, object]:
    """The claims of a token signed by any accepted key for `purpose`, if not expired."""
    if not token or len(token) > 512 or token.count(".") != 1:
        raise BadToken("invalid")
    payload, signature = token.split(".")
    try:
        given = _unb64(signature)
        raw = payload.encode("ascii")
    except (ValueError, UnicodeEncodeError) as error:
        raise BadToken("invalid") from error
    # Every key is compared (no early exit), in constant time per comparison.
    valid = False
    for key in keys.accepted:
        valid |= hmac.compare_digest(_mac(key, purpose, raw), given)
    if not valid:
        raise BadToken("invalid")
    try:
        claims = json.loads(_unb64(payload))
    except ValueError as error:
        raise BadToken("invalid") from error
    expiry = claims.get("x") if isinstance(claims, dict) else None
    if not isinstance(expiry, int) or not isinstance(claims.get("o"), int):
        raise BadToken("invalid")
    if now.timestamp() >= expiry:
        raise BadToken("expired")
    return dict(claims)


def _expiry(now: datetime, ttl: timedelta) -> int:
    return int((now + ttl).timestamp())


def _role(admin: bool) -> dict[str, object]:
    """An administrator's tokens say so ("r": "a"): their ids are another table's, and the
    claim is signed, so an officer's token is never read as an administrator's or back."""
    return {"r": "a"} if admin else {}


def _is_admin(claims: dict[str, object]) -> bool:
    role = claims.get("r")
    if role not in (None, "a"):
        raise BadToken("invalid")
    return role == "a"


def mint_login(
    keys: Keys, officer_id: int, now: datetime, epoch: int = 0, *, admin: bool = False
) -> str:
    return _sign(
        keys,
        _LOGIN,
        {
            "o": officer_id,
            "n": secrets.token_urlsafe(16),
            "x": _expiry(now, LOGIN_TTL),
            "e": epoch,
            **_role(admin),
        },
    )


def _epoch(claims: dict[str, object]) -> int:
    epoch = claims.get("e", 0)
    if not isinstance(epoch, int):
        raise BadToken("invalid")
    return epoch


def read_login(keys: Keys, token: str, now: datetime) -> LoginClaim:
    claims = _open(keys, _LOGIN, token, now)
    nonce = claims.get("n")
    if not isinstance(nonce, str) or not 8 <= len(nonce) <= 64:
        raise BadToken("invalid")
    return LoginClaim(
        int(str(claims["o"])), nonce, _at(claims, now), _epoch(claims), _is_admin(claims)
    )


def mint_session(
    keys: Keys,
    officer_id: int,
    now: datetime,
    ttl: timedelta,
    epoch: int = 0,
    *,
    admin: bool = False,
) -> str:
    return _sign(
        keys,
        _SESSION,
        {
            "o": officer_id,
            "s": secrets.token_urlsafe(16),
            "x": _expiry(now, ttl),
            "e": epoch,
            **_role(admin),
        },
    )


def read_session(keys: Keys, cookie: str, now: datetime) -> SessionClaim:
    claims = _open(keys, _SESSION, cookie, now)
    session_id = claims.get("s")
    if not isinstance(session_id, str) or not 8 <= len(session_id) <= 64:
        raise BadToken("invalid")
    return SessionClaim(
        int(str(claims["o"])), session_id, _at(claims, now), _epoch(claims), _is_admin(claims)
    )


def current(officer: object, epoch: int) -> bool:
    """A link or session is good only while its officer is still linked to a person and its
    epoch is the officer's (unlink, erase, code rotation and ออกจากระบบทุกเครื่อง bump it)."""
    return (
        getattr(officer, "person_id", None) is not None
        and getattr(officer, "session_epoch", 0) == epoch
    )


def _at(claims: dict[str, object], now: datetime) -> datetime:
    return datetime.fromtimestamp(int(str(claims["x"])), tz=now.tzinfo)


def csrf_token(keys: Keys, session_id: str) -> str:
    return _b64(_mac(keys.signing, _CSRF, session_id.encode("ascii")))


def csrf_valid(keys: Keys, session_id: str, given: str | None) -> bool:
    if not given:
        return False
    raw = session_id.encode("ascii")
    valid = False
    for key in keys.accepted:
        valid |= hmac.compare_digest(_b64(_mac(key, _CSRF, raw)), given)
    return valid


# --- single use and logout -------------------------------------------------------------


async def nonce_used(uow: UnitOfWork, nonce: str) -> bool:
    return await uow.dashboard_secrets.recorded(DashboardSecretKind.NONCE, nonce)


async def use_nonce(uow: UnitOfWork, nonce: str) -> None:
    """Marks a login nonce used and commits; BadToken("used") if it already was (also when
    another request won a race for it)."""
    try:
        if await uow.dashboard_secrets.record(DashboardSecretKind.NONCE, nonce):
            raise BadToken("used")
        await uow.commit()
    except IntegrityError as error:
        await uow.rollback()
        raise BadToken("used") from error


async def session_revoked(uow: UnitOfWork, session_id: str) -> bool:
    return await uow.dashboard_secrets.recorded(DashboardSecretKind.REVOKED, session_id)


async def revoke_session(uow: UnitOfWork, session_id: str) -> None:
    try:
        await uow.dashboard_secrets.record(DashboardSecretKind.REVOKED, session_id)
        await uow.commit()
    except IntegrityError:
        await uow.rollback()  # already revoked by a concurrent logout: the same outcome


def login_url(settings: Settings, token: str) -> str:
    base = (settings.public_base_url or DEFAULT_BASE_URL).rstrip("/")
    return f"{base}{PREFIX}/login?token={token}"
