"""The command-line parts of deployment and onboarding (issue 17), kept apart from bot/cli.py
(which calls in here):

sammachip backup FILE                  a consistent copy of the database (SQLite or pg_dump -Fc)
sammachip restore FILE [--force]       put a backup back (refuses a non-empty database)
sammachip import FILE.xlsx|csv [--dry-run] [--json]   bulk onboarding from the template
sammachip import --template FILE.xlsx  write the empty template
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings

COMMANDS = ("backup", "restore", "import")


def add_commands(sub: argparse._SubParsersAction[Any]) -> None:
    backup = sub.add_parser(
        "backup",
        help="a consistent copy of the database while the bot runs (SQLite file or pg_dump)",
        description="Copy the database in DATABASE_URL to FILE while the bot keeps running: "
        "SQLite with its online backup API, PostgreSQL with pg_dump -Fc (one snapshot). "
        "สำรองฐานข้อมูลได้ขณะบอททำงาน",
    )
    backup.add_argument("file", type=Path, metavar="FILE", help="where to write the backup")
    restore = sub.add_parser(
        "restore",
        help="put a backup back (refuses a database holding data unless --force)",
        description="Replace the database in DATABASE_URL with a backup made by `sammachip "
        "backup`. Stop the bot first. A database that holds any data is left alone unless "
        "--force is given; then it is backed up next to FILE before it is replaced. Run "
        "`sammachip migrate` afterwards. กู้คืนฐานข้อมูลจากไฟล์สำรอง",
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="a file made by sammachip backup")
    restore.add_argument("--force", action="store_true",
                         help="replace a database that holds data (it is backed up first)")  # fmt: skip
    load = sub.add_parser(
        "import",
        help="bulk onboarding from a workbook: places, officers, trainers, groups, households",
        description="Import provinces, districts, sub-districts, villages, officers, trainers, "
        "occupation groups and target households from the template workbook (Thai column "
        "names; Buddhist-Era dates such as 3/12/2569) or one CSV sheet. Every row is checked "
        "first; nothing is saved unless the whole file is right. Importing again updates rows "
        "instead of duplicating them. Prints the new codes (shown once). "
        "นำเข้าข้อมูลพื้นที่ พัฒนากร วิทยากร กลุ่มอาชีพ และครัวเรือนเป้าหมายจากแบบฟอร์ม",
    )
    load.add_argument("file", type=Path, nargs="?", metavar="FILE", help="FILE.xlsx or FILE.csv")
    load.add_argument("--template", type=Path, metavar="FILE.xlsx",
                      help="write the empty template workbook to this file and stop")  # fmt: skip
    load.add_argument("--dry-run", action="store_true",
                      help="check the file and say what would change; save nothing")  # fmt: skip
    load.add_argument("--posters", type=Path, metavar="DIR",
                      help="also write each new group's member join poster (PDF) into DIR "
                           "(treasurer's and chair's codes are printed, not put on posters)")  # fmt: skip
    load.add_argument("--json", action="store_true",
                      help="print one JSON object: counts, codes, errors")  # fmt: skip


def main(args: argparse.Namespace, settings: Settings) -> int:
    import sqlite3

    try:
        return _main(args, settings)
    except OSError as error:  # a folder that is not there or not writable, a full disk
        where = error.filename or ""
        sys.stderr.write(
            f"{error.strerror or error}: {where}\n"
            f"อ่านหรือเขียนไฟล์ {where} ไม่ได้ ({error.strerror or error}) ตรวจที่อยู่ไฟล์และสิทธิ์ แล้วลองอีกครั้งค่ะ\n"
        )
        return 2
    except sqlite3.DatabaseError as error:  # a damaged SQLite file
        sys.stderr.write(
            f"SQLite: {error}; nothing changed.\n"
            "ไฟล์ฐานข้อมูลหรือไฟล์สำรองเสียหาย อ่านไม่ได้ จึงไม่ได้เปลี่ยนแปลงอะไรค่ะ\n"
        )
        return 2


def _main(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services import backup

    if args.command == "backup":
        sys.stdout.write(backup.backup(settings.database_url, args.file).render())
        return 0
    if args.command == "restore":
        sys.stdout.write(
            backup.restore(settings.database_url, args.file, force=args.force).render()
        )
        return 0
    if args.template is not None:
        from bot.services.onboarding_file import write_template

        write_template(args.template)
        sys.stdout.write(
            f"เขียนแบบฟอร์มนำเข้าไว้ที่ {args.template} แล้วค่ะ กรอกแล้วสั่ง sammachip import "
            f"{args.template} --dry-run เพื่อตรวจ\n"
            f"Template written to {args.template}.\n"
        )
        return 0
    if args.file is None:
        sys.stderr.write(
            "Give FILE.xlsx|csv, or --template FILE.xlsx.\n"
            "ระบุไฟล์ที่จะนำเข้า หรือ --template FILE.xlsx เพื่อสร้างแบบฟอร์มค่ะ\n"
        )
        return 2
    return asyncio.run(_import(settings, args.file, args.dry_run, args.json, args.posters))


async def _import(
    settings: Settings, path: Path, dry_run: bool, as_json: bool, poster_dir: Path | None
) -> int:
    from bot import cli_text
    from bot.app import build_app
    from bot.services.onboarding import import_sheets
    from bot.services.onboarding_file import read
    from bot.storage.migrate import upgrade_async

    sheets = read(path)  # before the database: a file that cannot be read changes nothing
    await upgrade_async(settings.database_url)
    app = build_app(settings)
    try:
        async with app.uow() as uow:
            outcome = await import_sheets(uow, sheets, app.clock.now(), settings)
            if outcome.ok and not dry_run:
                await uow.commit()
            # Otherwise the unit of work rolls back: nothing of the file is kept.
        written: list[Path] = []
        if poster_dir is not None and outcome.ok and not dry_run and outcome.codes["groups"]:
            written = await _posters(
                app, [g["group_id"] for g in outcome.codes["groups"]], poster_dir
            )
    finally:
        await app.close()
    if as_json:
        data: dict[str, Any] = {
            "ok": outcome.ok,
            "dry_run": dry_run,
            "saved": outcome.ok and not dry_run,
            "counts": {sheet: t.to_json() for sheet, t in outcome.tallies.items()},
            "errors": [p.to_json() for p in outcome.problems],
            "codes": outcome.codes if outcome.ok and not dry_run else {},
            "posters": [str(p) for p in written],
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    elif outcome.ok:
        sys.stdout.write(cli_text.imported(outcome, dry_run))
        if written:
            sys.stdout.write(f"โปสเตอร์เข้ากลุ่ม {len(written)} แผ่น อยู่ในโฟลเดอร์ {poster_dir} ค่ะ\n")
    else:
        sys.stderr.write(cli_text.import_refused(outcome))
    return 0 if outcome.ok else 2


async def _posters(app: Any, group_ids: list[int], folder: Path) -> list[Path]:
    """The member join poster of each new group, as `sammachip poster group ID` makes it."""
    from bot import posters
    from bot.web.runtime import Channels

    if not app.addresses.any:  # ask the platforms where the bot is
        channels = await Channels.open(app, register=False)
        await channels.close(app)
    if not app.addresses.any:
        sys.stderr.write(
            "The bot's LINE basic id or Telegram username is unknown: no posters written.\n"
            "ยังไม่รู้ที่อยู่ของบอทใน LINE หรือ Telegram จึงยังไม่ได้ทำโปสเตอร์ (ข้อมูลนำเข้าแล้ว) "
            "ตั้งค่า LINE_BASIC_ID หรือ TELEGRAM_BOT_USERNAME แล้วสั่ง sammachip poster group รหัสกลุ่ม ค่ะ\n"
        )
        return []
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    written = []
    for group_id in group_ids:
        async with app.uow() as uow:
            facts = await posters.group_facts(uow, group_id, "member", app.addresses)
        path = folder / f"group-{group_id}.pdf"
        await asyncio.to_thread(path.write_bytes, posters.render(facts, "pdf"))
        written.append(path)
    return written
