"""`sammachip` (also `python -m bot`): the command line of DESIGN.md's public contract."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.app import App, build_app
from bot.channels.console import CHANNEL as CONSOLE
from bot.channels.console import ConsoleTransport
from bot.config import Settings
from bot.messages import InboundMessage, Reply
from bot.services.errors import ServiceError
from bot.storage.migrate import upgrade_async


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"month must be YYYY-MM, got {value!r}") from error


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"date must be YYYY-MM-DD, got {value!r}") from error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sammachip", description="Sammachip Bot (สัมมาชีพชุมชน)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("demo", help="seed the demo district (idempotent) and open the console chat")
    console = sub.add_parser("console", help="chat with the bot in the terminal")
    console.add_argument("--as", dest="who", default="member",
                         help="officer|chair|treasurer|member|trainer|household or a person's name")  # fmt: skip
    sub.add_parser("migrate", help="upgrade the database schema")
    serve = sub.add_parser("serve", help="webhook server for LINE and Telegram (+ dashboard)")
    serve.add_argument("--host", default="127.0.0.1", help="listen address")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-scheduler", action="store_true", help="no follow-up reminders")
    poll = sub.add_parser("poll", help="Telegram long polling (no public HTTPS address needed)")
    poll.add_argument("--no-scheduler", action="store_true", help="no follow-up reminders")

    parse = sub.add_parser("parse", help="show what the bot understands from one message")
    parse.add_argument("text")
    parse.add_argument("--today", type=_day, default=None)
    parse.add_argument("--json", action="store_true")

    officer = sub.add_parser("officer").add_subparsers(dest="action", required=True)
    officer_add = officer.add_parser("add")
    officer_add.add_argument("--name", required=True)
    officer_add.add_argument("--district", required=True)
    officer_add.add_argument("--province", required=True)
    officer_add.add_argument("--json", action="store_true")

    group = sub.add_parser("group").add_subparsers(dest="action", required=True)
    group_add = group.add_parser("add")
    for flag in ("--name", "--occupation", "--village"):
        group_add.add_argument(flag, required=True)
    group_add.add_argument("--officer", type=int, required=True)
    group_add.add_argument("--founded", type=_day, required=True)
    group_add.add_argument("--json", action="store_true")

    household = sub.add_parser("household").add_subparsers(dest="action", required=True)
    household_add = household.add_parser("add")
    for flag in ("--village", "--head", "--occupation", "--trainer"):
        household_add.add_argument(flag, required=True)
    household_add.add_argument("--officer", type=int, required=True)
    household_add.add_argument("--json", action="store_true")

    trainer = sub.add_parser("trainer").add_subparsers(dest="action", required=True)
    trainer_add = trainer.add_parser("add")
    trainer_add.add_argument("--name", required=True)
    trainer_add.add_argument("--officer", type=int, required=True)
    trainer_add.add_argument("--json", action="store_true")

    report = sub.add_parser("report").add_subparsers(dest="action", required=True)
    report_group = report.add_parser("group")
    report_group.add_argument("group_id", type=int)
    report_group.add_argument("--month", type=_month, required=True)
    report_group.add_argument("--json", action="store_true")

    remind = sub.add_parser("remind", help="run the follow-up sweep now or --at an instant")
    remind.add_argument("--at", type=_instant, default=None,
                        help="ISO-8601 instant, e.g. 2025-10-20T08:00+07:00 (default: now)")  # fmt: skip

    export = sub.add_parser("export", help="the district monthly workbook (.xlsx; .csv = summary)")
    export.add_argument("--month", type=_month, required=True)
    export.add_argument("--district", default=None, help="name or id (default: every district)")
    export.add_argument("--out", type=Path, required=True)
    from bot import cli_native  # setup, poster (issue 16)

    cli_native.add_commands(sub)
    return parser


def _instant(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"--at must be ISO-8601, got {value!r}") from error


async def _remind(settings: Settings, at: datetime | None) -> int:
    """`sammachip remind`: migrate, sweep as of `at` (a time without zone is BOT_TIMEZONE),
    send what is due, print the summary as JSON on stdout (messages shown go to stderr)."""
    from bot.clock import FixedClock
    from scheduler.jobs import run_once

    await upgrade_async(settings.database_url)
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=settings.tz)
    clock = FixedClock(at.astimezone(UTC)) if at is not None else None
    app = build_app(settings, clock=clock, transports={CONSOLE: ConsoleTransport(sys.stderr)})
    try:
        from bot.web.runtime import Channels  # LINE and Telegram, where configured

        channels = await Channels.open(app)
        try:
            summary = await run_once(app)
        finally:
            await channels.close(app)
    finally:
        await app.close()
    sys.stdout.write(json.dumps(summary.to_json(), ensure_ascii=False) + "\n")
    return 0


def _print(data: dict[str, Any], as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        out.write("\n".join(f"{k}: {v}" for k, v in data.items()) + "\n")


async def _with_app(
    settings: Settings, body: Callable[[App], Awaitable[int]], *, migrate: bool = True
) -> int:
    if migrate:
        await upgrade_async(settings.database_url)
    app = build_app(settings, transports={CONSOLE: ConsoleTransport()})
    try:
        return await body(app)
    finally:
        await app.close()


async def chat(app: App, who: str, stdin: TextIO, out: TextIO) -> int:
    """The console channel: one line in, the bot's replies out, until end of input."""
    from bot.demo import persona_account

    async with app.uow() as uow:
        account = await persona_account(uow, who)
        person = await uow.people.person(account.person_id) if account.person_id else None
        await uow.commit()
    sender_id, name = account.external_id, person.name if person else who
    interactive = stdin.isatty()
    if interactive:
        out.write(f"คุยกับบอทในฐานะ {name} · พิมพ์ เมนู เพื่อเริ่ม · Ctrl-D เพื่อออก\n")
    while True:
        if interactive:
            out.write("คุณ> ")
            out.flush()
        line = stdin.readline()
        if not line:
            return 0
        text = line.rstrip("\n")
        if not text.strip():
            continue
        if not interactive:
            out.write(f"คุณ> {text}\n")
        handled = await app.conversation.handle(
            InboundMessage(
                channel=CONSOLE,
                sender_id=sender_id,
                chat_id=sender_id,
                text=text,
                event_id=str(uuid.uuid4()),
                message_id=str(uuid.uuid4()),
                display_name=name,
            )
        )
        if handled.outbox_id is not None:
            await app.sender.drain(only=handled.outbox_id)
        if handled.reply is not None:
            await _save_attachments(app, handled.reply, out)


CONSOLE_FILES = Path("data") / "files"


async def _save_attachments(app: App, answer: Reply, out: TextIO) -> None:
    """A terminal cannot show a chart or a workbook: write them under ./data/files/ instead."""
    wanted = [(a.key, name) for a, name in ((answer.image, "png"), (answer.document, ""))
              if a is not None]  # fmt: skip
    for key, suffix in wanted:
        async with app.uow() as uow:
            stored = await uow.files.get(key, app.clock.now())
        if stored is None:
            continue
        CONSOLE_FILES.mkdir(parents=True, exist_ok=True)
        name = (
            stored.filename if stored.filename and not suffix else f"{key[:12]}.{suffix or 'bin'}"
        )
        path = CONSOLE_FILES / name
        path.write_bytes(stored.data)
        out.write(f"   (บันทึกไฟล์ไว้ที่ {path})\n")


async def _demo(app: App, who: str) -> int:
    from bot.clock import local_today
    from bot.demo import seed

    async with app.uow() as uow:
        ids = await seed(uow, local_today(app.clock, app.settings.tz))
        await uow.commit()
    if ids.created:
        sys.stdout.write(
            "สร้างข้อมูลตัวอย่างอำเภอวังหินแล้ว (พัฒนากร 1 คน, 2 กลุ่มอาชีพ, ครัวเรือนเป้าหมาย 2 ครัวเรือน)\n"
        )
    return await chat(app, who, sys.stdin, sys.stdout)


def _parse(text: str, today: date | None, as_json: bool) -> int:
    from bot.clock import SystemClock, local_today
    from bot.nlu import parse

    result = parse(text, today or local_today(SystemClock(), Settings().tz))
    _print(result.to_json(), as_json, sys.stdout)
    return 0


async def _admin(args: argparse.Namespace, app: App) -> int:
    from bot.services import admin, reports

    async with app.uow() as uow:
        data: dict[str, Any]
        if args.command == "officer":
            officer = await admin.add_officer(
                uow, name=args.name, district=args.district, province=args.province
            )
            data = {"officer_id": officer.id, "link_code": officer.link_code}
        elif args.command == "group":
            group = await admin.create_group(
                uow, name=args.name, occupation=args.occupation, village=args.village,
                officer_id=args.officer, founded=args.founded,
            )  # fmt: skip
            data = {
                "group_id": group.id,
                "join_code": group.join_code,
                "treasurer_code": group.treasurer_code,
                "chair_code": group.chair_code,
            }
        elif args.command == "household":
            household = await admin.add_household(
                uow, village=args.village, head=args.head, occupation=args.occupation,
                trainer=args.trainer, officer_id=args.officer,
            )  # fmt: skip
            data = {"household_id": household.id, "join_code": household.join_code}
        elif args.command == "trainer":
            trainer = await admin.add_trainer(uow, name=args.name, officer_id=args.officer)
            data = {"trainer_id": trainer.id, "link_code": trainer.link_code}
        else:
            data = (await reports.group_month(uow, args.group_id, args.month)).to_json()
        await uow.commit()
    _print(data, args.json, sys.stdout)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "parse":
        return _parse(args.text, args.today, args.json)
    settings = Settings()
    try:
        if args.command == "migrate":
            asyncio.run(upgrade_async(settings.database_url))
            sys.stdout.write("ฐานข้อมูลเป็นรุ่นล่าสุดแล้ว\n")
            return 0
        if args.command == "demo":
            return asyncio.run(_with_app(settings, lambda app: _demo(app, "member")))
        if args.command == "serve":
            from bot.web.commands import serve

            return asyncio.run(serve(settings, args.host, args.port, not args.no_scheduler))
        if args.command == "poll":
            from bot.web.commands import run_poll

            return asyncio.run(run_poll(settings, not args.no_scheduler))
        if args.command == "remind":
            return asyncio.run(_remind(settings, args.at))
        if args.command == "export":
            from bot.reports.export import run_export

            return asyncio.run(
                _with_app(
                    settings, lambda app: run_export(app, args.month, args.district, args.out)
                )
            )
        if args.command in ("setup", "poster"):
            from bot import cli_native

            return cli_native.main(args, settings)
        if args.command == "console":
            return asyncio.run(
                _with_app(settings, lambda app: chat(app, args.who, sys.stdin, sys.stdout))
            )
        return asyncio.run(_with_app(settings, lambda app: _admin(args, app)))
    except ServiceError as error:
        sys.stderr.write(f"{error.message}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
