"""The command-line parts of issue 16, kept apart from bot/cli.py (which calls in here):

sammachip setup [--check]      register webhooks, rich menus, command lists; print a checklist
sammachip poster group ID [--role member|treasurer|chair] --out FILE.pdf|png
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings

COMMANDS = ("setup", "poster")


def add_commands(sub: argparse._SubParsersAction[Any]) -> None:
    setup = sub.add_parser(
        "setup",
        help="set up LINE and Telegram (webhooks, menus, commands) and print a checklist",
        description="Register and test the webhooks, create the role menus and Telegram command "
        "lists, read the bot's addresses and quota, and print a Thai/English checklist of what "
        "is done and what is left. Running it again changes nothing that is already right.",
    )
    setup.add_argument("--check", action="store_true", help="change nothing, only report")
    poster = sub.add_parser(
        "poster",
        help="a printable join poster with QR codes (A4)",
        description="A printable A4 join poster: QR codes that open the chat with the join "
        "message typed, the code in large letters and three steps.",
    )
    kinds = poster.add_subparsers(dest="action", required=True, metavar="KIND")
    group = kinds.add_parser(
        "group",
        help="the poster of an occupation group",
        description="The poster of one occupation group. A treasurer's or chair's poster "
        "carries a newly issued single-use code (the previous unused one stops working).",
    )
    group.add_argument("group_id", type=int, metavar="ID", help="the group's id")
    group.add_argument("--role", choices=("member", "treasurer", "chair"), default="member",
                       help="whose code: members (default), or the treasurer's or chair's")  # fmt: skip
    group.add_argument("--out", type=Path, required=True, help="FILE.pdf or FILE.png")


async def _setup(settings: Settings, check: bool) -> int:
    from bot.app import build_app
    from bot.setup import run_setup
    from bot.storage.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    app = build_app(settings)
    try:
        report = await run_setup(app, check=check)
    finally:
        await app.close()
    sys.stdout.write(report.render() + "\n")
    return 0 if report.ok else 1


async def _poster(settings: Settings, group_id: int, role: str, out: Path) -> bytes | int:
    from bot import posters
    from bot.app import build_app
    from bot.storage.migrate import upgrade_async
    from bot.web.runtime import Channels

    if out.suffix.lower() not in (".pdf", ".png"):
        sys.stderr.write("--out ต้องเป็นไฟล์ .pdf หรือ .png (--out must end in .pdf or .png)\n")
        return 2
    await upgrade_async(settings.database_url)
    app = build_app(settings)
    try:
        if not app.addresses.any:  # ask the platforms where the bot is
            channels = await Channels.open(app, register=False)
            await channels.close(app)
        from bot.services import admin
        from bot.services.enrolment_codes import CodeKind, display

        async with app.uow() as uow:

            async def issue(kind: CodeKind, target: int) -> str:
                now = app.clock.now()
                return display(await admin.issue_code(uow, kind, target, now, app.settings))

            facts = await posters.group_facts(uow, group_id, role, app.addresses, issue=issue)
            await uow.commit()  # a treasurer's or chair's poster carries a newly issued code
        if not (facts.line_url or facts.telegram_url):
            sys.stderr.write(
                "ยังไม่รู้ที่อยู่ของบอทใน LINE หรือ Telegram: ตั้งค่าช่องทาง หรือ LINE_BASIC_ID / "
                "TELEGRAM_BOT_USERNAME (the bot's LINE basic id or Telegram username is unknown)\n"
            )
            return 2
        return posters.render(facts, "pdf" if out.suffix.lower() == ".pdf" else "png")
    finally:
        await app.close()


def main(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "setup":
        return asyncio.run(_setup(settings, args.check))
    made = asyncio.run(_poster(settings, args.group_id, args.role, args.out))
    if isinstance(made, int):
        return made
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(made)
    sys.stdout.write(f"{args.out}\n")
    return 0
