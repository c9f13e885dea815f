"""Checking a typed link code before it is used: the chat account's lock, the deployment's
pause, then the code itself. A wrong, expired, used or revoked code counts as a failed attempt
(`bot.services.limits`), is audited without its text, and may raise the alarm."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.services import enrolment_codes as codes
from bot.services import enrolment_notify as notify
from bot.services import limits
from bot.services.enrolment_codes import Found
from bot.storage.models import ChatAccount
from bot.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

NOT_FOUND = "ไม่พบรหัสนี้ค่ะ"
EXPIRED = "รหัสนี้หมดอายุแล้วค่ะ ขอรหัสใหม่จากพัฒนากรได้เลยนะคะ"
USED = "รหัสนี้ถูกใช้ไปแล้วค่ะ (รหัสรับหน้าที่ใช้ได้ครั้งเดียว) ขอรหัสใหม่จากพัฒนากรได้เลยนะคะ"
REVOKED = "รหัสนี้ถูกยกเลิกแล้วค่ะ ขอรหัสใหม่จากพัฒนากรได้เลยนะคะ"
_REASONS = {"unknown": NOT_FOUND, "expired": EXPIRED, "used": USED, "revoked": REVOKED}


@dataclass(frozen=True, slots=True)
class Linked:
    kind: str  # officer | trainer | household | group | account | pending | already | room
    role: str | None = None
    name: str = ""
    previous_holder: str | None = None
    handover_id: int | None = None
    refusal: str | None = None  # kind "refused": why, in Thai (what was written is kept)


@dataclass(frozen=True, slots=True)
class Checked:
    """A typed code after the checks: `found` when it may be used, else `refusal` (Thai)."""

    found: Found | None
    refusal: str | None = None


# --- checking a code --------------------------------------------------------------------------


def _wait_text(until: datetime, now: datetime, settings: Settings) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    hours, rest = divmod(minutes, 60)
    span = (
        f"{minutes:,} นาที" if not hours else f"{hours:,} ชั่วโมง" + (f" {rest:,} นาที" if rest else "")
    )
    local = until.astimezone(settings.tz)
    when = local.strftime("%H:%M")
    if local.date() != now.astimezone(settings.tz).date():
        when = f"{local.day}/{local.month}/{local.year + 543} {when}"
    return f"{span} (ถึงเวลา {when} น.)"


def lock_text(until: datetime, now: datetime, settings: Settings) -> str:
    return (
        "ใส่รหัสไม่ถูกต้องหลายครั้งแล้วค่ะ 🙏 เพื่อความปลอดภัย บัญชีนี้ต้องพักการใส่รหัสไว้ "
        f"{_wait_text(until, now, settings)} แล้วค่อยลองใหม่นะคะ\n"
        "หากไม่แน่ใจรหัส สอบถามพัฒนากรหรือประธานกลุ่มได้เลยค่ะ"
    )


def paused_text(until: datetime, now: datetime, settings: Settings) -> str:
    return (
        "ขออภัยค่ะ ตอนนี้ระบบพักการตรวจรหัสชั่วคราวเพื่อความปลอดภัย 🙏 "
        f"กรุณาลองใหม่ในอีก {_wait_text(until, now, settings)} นะคะ"
    )


async def _attempt(uow: UnitOfWork, account: ChatAccount, outcome: str) -> None:
    """Every refused code is audited with the account; never the code text."""
    log.info("link code refused for chat account %s: %s", account.id, outcome)
    await uow.audit.add(
        account.person_id, "code_refused", "chat_account", account.id, after={"outcome": outcome}
    )


async def check_code(
    uow: UnitOfWork, account: ChatAccount, raw: str, now: datetime, settings: Settings
) -> Checked:
    """The checks before a code is used: the account's lock, the deployment's pause, then
    the code itself. A wrong, expired, used or revoked code counts as a failed attempt."""
    gate = await limits.code_gate(uow, account.id, now, settings)
    if not gate.allowed:
        assert gate.until is not None
        await _attempt(uow, account, gate.reason or "locked")
        if gate.reason == "paused":
            return Checked(None, paused_text(gate.until, now, settings))
        return Checked(None, lock_text(gate.until, now, settings))
    found = await codes.find(uow, raw, now)
    if found.ok:
        return Checked(found)
    failure = await limits.code_failed(uow, account.id, now, settings)
    await _attempt(uow, account, found.status)
    if failure.alarm:
        await notify.alert(
            uow,
            settings.alert_officer_ids,
            f"มีการใส่รหัสลงทะเบียนผิด {failure.failures_this_hour:,} ครั้งภายในชั่วโมงนี้ "
            "อาจมีผู้พยายามเดารหัส กรุณาตรวจสอบและเปลี่ยนรหัสที่แจกไปหากจำเป็นค่ะ",
            now,
        )
    if failure.locked_until is not None:
        return Checked(None, lock_text(failure.locked_until, now, settings))
    text = _REASONS.get(found.status, NOT_FOUND)
    if found.status == "unknown":
        text += " ตรวจสอบรหัสกับพัฒนากร แล้วพิมพ์ ลงทะเบียน ตามด้วยรหัสอีกครั้งนะคะ"
    if failure.tries_left <= 2:
        text += f" (ใส่รหัสผิดได้อีก {failure.tries_left:,} ครั้ง ก่อนต้องพักสักครู่)"
    return Checked(None, text)
