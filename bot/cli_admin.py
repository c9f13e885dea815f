"""The district office's commands: officer/group/household/trainer/administrator add, code
rotate|revoke, account unlink|erase, report group. One transaction each; the result is printed
as readable Thai, or with --json as one JSON object of the documented keys."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.config import Settings

if TYPE_CHECKING:
    from bot.app import App
    from bot.storage.unit_of_work import UnitOfWork

# What one command did: (the JSON object, the readable Thai text).
Done = tuple[dict[str, Any], str]


def as_json(data: dict[str, Any]) -> str:
    """One JSON object on one line, Thai as Thai (not \\u escapes), like `parse --json`."""
    return json.dumps(data, ensure_ascii=False) + "\n"


async def run(args: argparse.Namespace, app: App) -> int:
    """Runs one office command in one transaction and prints what it did."""
    action = ACTIONS[args.command]
    async with app.uow() as uow:
        data, text = await action(args, uow, app)
        await uow.commit()
    sys.stdout.write(as_json(data) if args.json else text)
    return 0


async def _issue(uow: UnitOfWork, app: App, kind: Any, target: int) -> str:
    from bot.services import admin
    from bot.services.enrolment_codes import display

    return display(await admin.issue_code(uow, kind, target, app.clock.now(), app.settings))


async def _officer(args: argparse.Namespace, uow: UnitOfWork, app: App) -> Done:
    from bot import cli_text
    from bot.services import admin
    from bot.services.enrolment_codes import CodeKind

    officer = await admin.add_officer(
        uow, name=args.name, district=args.district, province=args.province
    )
    data = {
        "officer_id": officer.id,
        "link_code": await _issue(uow, app, CodeKind.OFFICER, officer.id),
    }
    return data, cli_text.officer_added(data, officer.name, args.district, args.province)


async def _administrator(args: argparse.Namespace, uow: UnitOfWork, app: App) -> Done:
    from bot import cli_text
    from bot.services import administrators
    from bot.services.enrolment_codes import CodeKind

    row = await administrators.add_administrator(
        uow, name=args.name, province=args.province, district=args.district
    )
    data = {
        "administrator_id": row.id,
        "level": row.level,
        "link_code": await _issue(uow, app, CodeKind.ADMIN, row.id),
    }
    where = f"อำเภอ{args.district} " if args.district else ""
    return data, cli_text.administrator_added(data, row.name, f"{where}จังหวัด{args.province}")


async def _group(args: argparse.Namespace, uow: UnitOfWork, app: App) -> Done:
    from bot import cli_text
    from bot.services import admin
    from bot.services.enrolment_codes import CodeKind, display

    group = await admin.create_group(
        uow, name=args.name, occupation=args.occupation, village=args.village,
        officer_id=args.officer, founded=args.founded,
    )  # fmt: skip
    data = {
        "group_id": group.id,
        "join_code": display(group.join_code or ""),
        "treasurer_code": await _issue(uow, app, CodeKind.TREASURER, group.id),
        "chair_code": await _issue(uow, app, CodeKind.CHAIR, group.id),
    }
    return data, cli_text.group_added(data, group.name)


async def _household(args: argparse.Namespace, uow: UnitOfWork, app: App) -> Done:
    from bot import cli_text
    from bot.services import admin
    from bot.services.enrolment_codes import CodeKind

    household = await admin.add_household(
        uow, village=args.village, head=args.head, occupation=args.occupation,
        trainer=args.trainer, officer_id=args.officer,
    )  # fmt: skip
    data = {
        "household_id": household.id,
        "join_code": await _issue(uow, app, CodeKind.HOUSEHOLD, household.id),
    }
    return data, cli_text.household_added(data, household.head_name, household.trainer_name)


async def _trainer(args: argparse.Namespace, uow: UnitOfWork, app: App) -> Done:
    from bot import cli_text
    from bot.services import admin
    from bot.services.enrolment_codes import CodeKind

    trainer = await admin.add_trainer(uow, name=args.name, officer_id=args.officer)
    data = {
        "trainer_id": trainer.id,
        "link_code": await _issue(uow, app, CodeKind.TRAINER, trainer.id),
    }
    return data, cli_text.trainer_added(data, trainer.name)


async def _codes(args: argparse.Namespace, uow: UnitOfWork, app: App) -> Done:
    from bot import cli_text

    data = await _code(args, uow, app.clock.now(), app.settings)
    return data, cli_text.plain(data)


async def _accounts(args: argparse.Namespace, uow: UnitOfWork, app: App) -> Done:
    from bot import cli_text

    data = await _account(args, uow, app.clock.now())
    return data, cli_text.plain(data)


async def _report(args: argparse.Namespace, uow: UnitOfWork, app: App) -> Done:
    from bot.clock import local_today
    from bot.handlers.report import group_lines, sales_before
    from bot.services import reports

    report = await reports.group_month(uow, args.group_id, args.month)
    today = local_today(app.clock, app.settings.tz)
    before = await sales_before(uow, report.group.id, report.month, today)
    return report.to_json(), "\n".join(group_lines(report, before)) + "\n"


ACTIONS: dict[str, Callable[[argparse.Namespace, UnitOfWork, App], Awaitable[Done]]] = {
    "officer": _officer,
    "administrator": _administrator,
    "group": _group,
    "household": _household,
    "trainer": _trainer,
    "code": _codes,
    "account": _accounts,
    "report": _report,
}


def _code_target(args: argparse.Namespace) -> tuple[Any, int]:
    from bot.services.enrolment_codes import CodeKind

    for name in ("officer", "trainer", "household"):
        if getattr(args, name, None) is not None:
            return CodeKind(name), int(getattr(args, name))
    if getattr(args, "administrator", None) is not None:
        return CodeKind.ADMIN, int(args.administrator)
    return CodeKind(args.role), int(args.group)


async def _code(
    args: argparse.Namespace, uow: Any, now: datetime, settings: Settings
) -> dict[str, Any]:
    """`sammachip code rotate|revoke`."""
    from bot.services import admin
    from bot.services import enrolment_codes as codes
    from bot.services.errors import NotFound

    if args.action == "revoke" and getattr(args, "code", None):
        found = await codes.revoke_typed(uow, args.code, now)
        if not found.ok:
            raise NotFound("ไม่พบรหัสนี้ หรือรหัสนี้ใช้ไม่ได้อยู่แล้ว (ถูกใช้ หมดอายุ หรือยกเลิกแล้ว) ค่ะ")
        return {"revoked": 1, "kind": str(found.kind), "target_id": found.target_id}
    kind, target = _code_target(args)
    if args.action == "revoke":
        revoked = await admin.revoke_codes(uow, kind, target, now)
        return {"revoked": revoked, "kind": str(kind), "target_id": target}
    code = await admin.issue_code(uow, kind, target, now, settings)
    expires = (
        None if kind == codes.CodeKind.MEMBER else now + timedelta(days=settings.code_expiry_days)
    )
    return {
        "kind": str(kind),
        "target_id": target,
        "code": codes.display(code),
        "expires_at": expires.isoformat() if expires else None,
    }


async def _account(args: argparse.Namespace, uow: Any, now: datetime) -> dict[str, Any]:
    """`sammachip account unlink|erase` (the district office)."""
    from bot.services import enrolment, privacy
    from bot.services.errors import InvalidInput, NotFound

    person_id: int | None = args.person
    if args.officer is not None:
        officer = await uow.people.officer(args.officer)
        if officer is None:
            raise NotFound(f"ไม่พบพัฒนากรรหัส {args.officer} ค่ะ")
        person_id = officer.person_id
        if person_id is None:
            if args.action == "unlink":
                await enrolment.end_dashboard_sessions(uow, officer.id, None, "unlink")
            return {"person_id": None, "unlinked" if args.action == "unlink" else "erased": 0}
    if args.action == "erase":
        if person_id is None or await uow.people.person(person_id) is None:
            raise NotFound(f"ไม่พบบุคคลรหัส {person_id} ค่ะ")
        await privacy.erase(uow, person_id, now)
        return {"person_id": person_id, "erased": 1}
    if person_id is not None:
        accounts = list(await uow.people.accounts_of(person_id))
    else:
        if not args.channel:
            raise InvalidInput("ระบุ --channel คู่กับ --external-id ด้วยค่ะ")
        account = await uow.people.account(args.channel, args.external_id)
        if account is None or account.person_id is None:
            raise NotFound("ไม่พบบัญชีแชทนี้ที่เชื่อมกับผู้ใช้อยู่ค่ะ")
        person_id = account.person_id
        accounts = [account]
    unlinked = await enrolment.unlink(uow, accounts, now)
    return {"person_id": person_id, "unlinked": unlinked}
