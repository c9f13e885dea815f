"""`sammachip` (also `python -m bot`): the command line of DESIGN.md's public contract."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn, TextIO

from bot.app import App, build_app, running
from bot.channels.console import CHANNEL as CONSOLE
from bot.channels.console import ConsoleTransport, pressed
from bot.config import Settings
from bot.messages import InboundMessage, QuickReply, Reply
from bot.services.errors import ServiceError
from bot.storage.migrate import upgrade_async


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"เดือนต้องเขียนแบบ YYYY-MM (ปี ค.ศ.) เช่น 2025-10 แต่ได้ {value!r} ค่ะ"
        ) from error


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"วันที่ต้องเขียนแบบ YYYY-MM-DD (ปี ค.ศ.) เช่น 2025-06-01 แต่ได้ {value!r} ค่ะ"
        ) from error


def _id(value: str) -> int:
    try:
        number = int(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"รหัสต้องเป็นตัวเลข แต่ได้ {value!r} ค่ะ") from error
    if number < 1:
        raise argparse.ArgumentTypeError(f"รหัสต้องเป็นเลขตั้งแต่ 1 ขึ้นไป แต่ได้ {value!r} ค่ะ")
    return number


class _Parser(argparse.ArgumentParser):
    """argparse with its refusals in the same form as every other error of the command line:
    one polite Thai sentence (ending ค่ะ) on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        said = _thai_usage_error(message).removesuffix("ค่ะ").rstrip()
        self.exit(2, f"{self.prog}: {said} (ดูวิธีใช้ด้วย {self.prog} --help) ค่ะ\n")


_USAGE_ERRORS = (
    (re.compile(r"the following arguments are required: (.+)"), r"ยังขาด \1"),
    (re.compile(r"unrecognized arguments: (.+)"), r"ไม่รู้จัก \1"),
    (
        re.compile(r"argument (\S+): invalid choice: (\S+) \(choose from (.+)\)"),
        r"ไม่มี \2 เลือกได้จาก \3",
    ),
    (re.compile(r"argument (\S+): invalid \w+ value: (.+)"), r"\1 ต้องเป็นตัวเลข แต่ได้ \2"),
    (re.compile(r"argument (\S+): expected one argument"), r"\1 ต้องตามด้วยค่า"),
    (re.compile(r"argument (\S+): (.+)"), r"\1: \2"),
)


def _thai_usage_error(message: str) -> str:
    for pattern, thai in _USAGE_ERRORS:
        if pattern.fullmatch(message):
            return pattern.sub(thai, message)
    return message


JSON_HELP = "print one JSON object (the documented keys) instead of readable Thai text"
OFFICER_HELP = "the officer's id (officer_id printed by `sammachip officer add`)"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sammachip",
        description="Sammachip Bot (สัมมาชีพชุมชน): the chat bot, its console and the district "
        "office's commands. Settings come from the environment or .env (see .env.example).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, description: str | None = None) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=description or help)

    who_help = (
        "speak as a demo person by role (officer, chair, treasurer, member, trainer, household) "
        "or by exact name; any other name is a stranger who links with a code first"
    )
    demo = command(
        "demo",
        "seed the demo district (idempotent) and open the console chat",
        "Create ./data/sammachip.db if needed, seed a demo district (an officer, two groups, "
        "members, a trainer, two households, five weeks of history; once only) and chat with "
        "the bot in the terminal. Reads stdin line by line, so a conversation can be piped in.",
    )
    demo.add_argument("--as", dest="who", default="member", metavar="WHO", help=who_help)
    console = command(
        "console",
        "chat with the bot in the terminal as a demo or linked person",
        "Chat with the bot in the terminal. Reads stdin line by line (piped input works; every "
        "line is answered). Buttons are shown numbered, [1] สรุป: type the number to press one.",
    )
    console.add_argument("--as", dest="who", default="member", metavar="WHO", help=who_help)
    command("migrate", "upgrade the database schema (serve, poll and demo also do it on start)")
    serve = command(
        "serve",
        "webhook server for LINE and Telegram, the officer dashboard and generated files",
        "Run the webhook server (POST /webhooks/line, /webhooks/telegram, GET /healthz, "
        "/dashboard) with the follow-up reminder scheduler inside.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="listen port (default 8000)")
    serve.add_argument("--no-scheduler", action="store_true", help="send no follow-up reminders")
    poll = command("poll", "Telegram long polling, for an office without a public HTTPS address")
    poll.add_argument("--no-scheduler", action="store_true", help="send no follow-up reminders")

    parse = command(
        "parse",
        "show what the bot understands from one message",
        "Show what the bot understands from one chat message (nothing is saved).",
    )
    parse.add_argument("text", help='the message, e.g. "ขายไข่เค็ม 30 ฟอง 300 บาท"')
    parse.add_argument("--today", type=_day, default=None, metavar="YYYY-MM-DD",
                       help="the day the message is read on (default: today in BOT_TIMEZONE)")  # fmt: skip
    parse.add_argument("--json", action="store_true", help=JSON_HELP)

    def area(name: str, help: str) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        return command(name, help).add_subparsers(
            dest="action", required=True, metavar="ACTION", parser_class=_Parser
        )

    officer_add = area("officer", "register community development officers").add_parser(
        "add",
        help="register an officer; prints the link code they send to the bot",
        description="Register a community development officer (พัฒนากร) of a district. "
        "Prints their id and a single-use link code: the officer sends `ลงทะเบียน CODE` to "
        "the bot to link their chat account.",
    )
    officer_add.add_argument("--name", required=True, help="the officer's full name")
    officer_add.add_argument(
        "--district", required=True, help="district (อำเภอ), without the word อำเภอ"
    )
    officer_add.add_argument(
        "--province", required=True, help="province (จังหวัด), without the word จังหวัด"
    )
    officer_add.add_argument("--json", action="store_true", help=JSON_HELP)

    group_add = area("group", "register occupation groups").add_parser(
        "add",
        help="register an occupation group; prints its member, treasurer and chair codes",
        description="Register an occupation group (กลุ่มอาชีพ) followed by an officer. Prints the "
        "group's id and three codes: members join with the join code (it may go on a poster), "
        "the treasurer and the chair with their own single-use codes.",
    )
    group_add.add_argument("--name", required=True, help="the group's name, e.g. กลุ่มเพาะเห็ด")
    group_add.add_argument("--occupation", required=True, help="what the group does, e.g. เพาะเห็ด")
    group_add.add_argument("--village", required=True, help="village, e.g. บ้านหนองโพ หมู่ที่ 3")
    group_add.add_argument("--officer", type=_id, required=True, metavar="ID", help=OFFICER_HELP)
    group_add.add_argument("--founded", type=_day, required=True, metavar="YYYY-MM-DD",
                           help="the day the group was founded (sets the visit cadence)")  # fmt: skip
    group_add.add_argument("--json", action="store_true", help=JSON_HELP)

    household_add = area("household", "register target households").add_parser(
        "add",
        help="register a target household and the trainer who follows it",
        description="Register a target household (ครัวเรือนเป้าหมาย). Its trainer must already be "
        "registered for this officer (`sammachip trainer add`). Prints the household's id and "
        "the code the household sends to the bot.",
    )
    household_add.add_argument("--village", required=True, help="village, e.g. บ้านดวนใหญ่ หมู่ที่ 2")
    household_add.add_argument(
        "--head", required=True, help="the head of the household's full name"
    )
    household_add.add_argument("--occupation", required=True, help="the household's occupation")
    household_add.add_argument("--trainer", required=True, metavar="NAME",
                               help="the trainer's name exactly as registered with trainer add")  # fmt: skip
    household_add.add_argument(
        "--officer", type=_id, required=True, metavar="ID", help=OFFICER_HELP
    )
    household_add.add_argument("--json", action="store_true", help=JSON_HELP)

    trainer_add = area("trainer", "register livelihood trainers").add_parser(
        "add",
        help="register a trainer; prints the link code they send to the bot",
        description="Register a livelihood trainer (วิทยากรสัมมาชีพ / ปราชญ์ชุมชน) under an officer; "
        "running it again with the same name prints the same trainer. Prints the trainer's id "
        "and the code they send to the bot to link their chat account.",
    )
    trainer_add.add_argument("--name", required=True, help="the trainer's full name")
    trainer_add.add_argument("--officer", type=_id, required=True, metavar="ID", help=OFFICER_HELP)
    trainer_add.add_argument("--json", action="store_true", help=JSON_HELP)

    administrator_add = area(
        "administrator", "register district and province offices (read-only views above officers)"
    ).add_parser(
        "add",
        help="register a district or province administrator; prints their single-use link code",
        description="Register someone of a province community development office (with "
        "--province only) or a district office (with --district too). They see every group "
        "below them, read-only: สรุปจังหวัด / สรุปอำเภอ in chat, the dashboard, the province "
        "workbook. Prints their id and a single-use link code they send as `ลงทะเบียน CODE`.",
    )
    administrator_add.add_argument("--name", required=True, help="the person's full name")
    administrator_add.add_argument(
        "--province", required=True, help="province (จังหวัด), without the word จังหวัด"
    )
    administrator_add.add_argument(
        "--district", help="district (อำเภอ), without the word อำเภอ: a district administrator"
    )
    administrator_add.add_argument("--json", action="store_true", help=JSON_HELP)

    code = area("code", "rotate or revoke link codes (SECURITY.md, 'Link codes')")
    rotate = code.add_parser(
        "rotate",
        description="Issue a new code and stop the old unused one working. Role codes are "
        "single-use and expire (CODE_EXPIRY_DAYS); a group's member join code may be shared.",
        help="issue a new code for an officer, trainer, household or a group's role; "
        "the old unused one stops working (an officer's dashboard sessions end too)",
    )
    revoke = code.add_parser(
        "revoke",
        description="Stop a code working, by what it is for (and the group's role) or by the "
        "code itself as it was given out.",
        help="stop a code working: by target (and role) or the code itself (--code)",
    )
    targets = {}
    for action in (rotate, revoke):
        target = targets[action.prog] = action.add_mutually_exclusive_group(required=True)
        target.add_argument("--officer", type=int, metavar="ID", help="an officer's link code")
        target.add_argument("--trainer", type=int, metavar="ID", help="a trainer's link code")
        target.add_argument("--household", type=int, metavar="ID", help="a household's code")
        target.add_argument("--administrator", type=int, metavar="ID",
                            help="a district or province administrator's link code")  # fmt: skip
        target.add_argument("--group", type=int, metavar="ID", help="a group's code (see --role)")
        action.add_argument("--role", choices=("member", "treasurer", "chair"), default="member",
                            help="with --group: the member join code (default), or the "
                                 "treasurer's or chair's single-use code")  # fmt: skip
        action.add_argument("--json", action="store_true", help=JSON_HELP)
    targets[revoke.prog].add_argument("--code", metavar="CODE", help="the code as it was given out")

    account = area("account", "chat accounts: unlink one or erase a person (the district office)")
    unlink = account.add_parser(
        "unlink",
        description="Detach chat accounts from their person, e.g. a lost or hijacked phone.",
        help="detach chat accounts from their person (a lost or hijacked phone); the person "
        "keeps their records and roles, an officer's dashboard sessions end",
    )
    unlink_target = unlink.add_mutually_exclusive_group(required=True)
    unlink_target.add_argument("--external-id", metavar="ID",
                               help="the platform's user id (with --channel)")  # fmt: skip
    unlink_target.add_argument("--person", type=int, metavar="ID", help="every account of a person")
    unlink_target.add_argument("--officer", type=int, metavar="ID",
                               help="every account of an officer")  # fmt: skip
    unlink.add_argument("--channel", choices=("line", "telegram", "console"),
                        help="with --external-id")  # fmt: skip
    unlink.add_argument("--json", action="store_true", help=JSON_HELP)
    erase = account.add_parser(
        "erase",
        description="Erase a person's personal data under the PDPA (the district office).",
        help="erase a person's personal data (PDPA), e.g. an officer leaving: anonymised, "
        "accounts and files deleted, records kept without the name",
    )
    erase_target = erase.add_mutually_exclusive_group(required=True)
    erase_target.add_argument("--person", type=int, metavar="ID", help="the person's id")
    erase_target.add_argument("--officer", type=int, metavar="ID", help="an officer (their person)")
    erase.add_argument("--json", action="store_true", help=JSON_HELP)

    report_group = area("report", "monthly reports").add_parser(
        "group",
        help="one group's month: sales, meetings, work, figures, visits",
        description="One occupation group's month: sales by item, meetings, work by member, "
        "the treasurer's figures and the officer's visits.",
    )
    report_group.add_argument("group_id", type=_id, metavar="ID", help="the group's id")
    report_group.add_argument("--month", type=_month, required=True, metavar="YYYY-MM",
                              help="the month, e.g. 2025-10")  # fmt: skip
    report_group.add_argument("--json", action="store_true", help=JSON_HELP)

    remind = command(
        "remind",
        "run the follow-up sweep once, send what is due, print a JSON summary",
    )
    remind.add_argument("--at", type=_instant, default=None, metavar="ISO-8601",
                        help="the instant to sweep as of, e.g. 2025-10-20T08:00+07:00 (default: now)")  # fmt: skip

    export = command(
        "export",
        "the district monthly workbook officers send upward (.xlsx; .csv = the summary)",
    )
    export.add_argument("--month", type=_month, required=True, metavar="YYYY-MM",
                        help="the month, e.g. 2025-10")  # fmt: skip
    export.add_argument("--district", default=None, help="name or id (default: every district)")
    export.add_argument("--province", default=None,
                        help="a province's name: the province workbook (one row per district, "
                             "one sheet per district) instead of the district workbook")  # fmt: skip
    export.add_argument("--out", type=Path, required=True, metavar="FILE",
                        help="where to write: FILE.xlsx (the workbook) or FILE.csv (the summary)")  # fmt: skip
    from bot import cli_native  # setup, poster (issue 16)

    cli_native.add_commands(sub)
    from bot import cli_deploy  # backup, restore, import (issue 17)

    cli_deploy.add_commands(sub)
    return parser


def _instant(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"เวลาต้องเขียนแบบ ISO-8601 เช่น 2025-10-20T08:00+07:00 แต่ได้ {value!r} ค่ะ"
        ) from error


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
    # LINE and Telegram, where configured; no drain loop or menu sync for one sweep.
    async with running(app, menus=False, close_app=True):
        summary = await run_once(app)
    sys.stdout.write(json.dumps(summary.to_json(), ensure_ascii=False) + "\n")
    return 0


async def _with_app(
    settings: Settings,
    body: Callable[[App], Awaitable[int]],
    *,
    migrate: bool = True,
    console: bool = False,
) -> int:
    """`console=True`: the operator's terminal chat, which no flood limit slows."""
    if migrate:
        await upgrade_async(settings.database_url)
    app = build_app(settings, transports={CONSOLE: ConsoleTransport()}, flood_control=not console)
    try:
        return await body(app)
    finally:
        await app.close()


async def chat(app: App, who: str, stdin: TextIO, out: TextIO) -> int:
    """The console channel: one line in, the bot's replies out, until end of input. Every line
    is answered (the operator's own terminal is not flood-limited); a number typed presses
    that button of the last reply (see bot/channels/console.py)."""
    from bot.demo import persona_account

    async with app.uow() as uow:
        account = await persona_account(uow, who)
        person = await uow.people.person(account.person_id) if account.person_id else None
        await uow.commit()
    sender_id, name = account.external_id, person.name if person else who
    transport = ConsoleTransport(out)
    app.sender.register(transport)
    buttons: tuple[QuickReply, ...] = ()
    interactive = stdin.isatty()
    if interactive:
        out.write(f"คุยกับบอทในฐานะ {name} · พิมพ์ เมนู เพื่อเริ่ม · พิมพ์เลข 1, 2… เพื่อกดปุ่ม · Ctrl-D เพื่อออก\n")
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
        button = pressed(text, buttons)
        shown = f"{text.strip()} → {button.label}" if button is not None else text
        if not interactive:
            out.write(f"คุณ> {shown}\n")
        elif button is not None:
            out.write(f"   → {button.label}\n")
        handled = await app.conversation.handle(
            InboundMessage(
                channel=CONSOLE,
                sender_id=sender_id,
                chat_id=sender_id,
                text=button.message if button is not None else text,
                event_id=str(uuid.uuid4()),
                message_id=str(uuid.uuid4()),
                display_name=name,
            )
        )
        numbered = not await _waiting_for_a_number(app, account.id, sender_id)
        transport.numbered = numbered
        if handled.outbox_id is not None:
            await app.sender.drain(only=handled.outbox_id)
        buttons = handled.reply.quick_replies if handled.reply and numbered else ()
        if handled.reply is not None:
            await _save_attachments(app, handled.reply, out)


async def _waiting_for_a_number(app: App, account_id: int, chat_id: str) -> bool:
    """Whether the bot's open question asks for a number (กี่บาท, กี่คน…): then a number typed
    is the answer, not a button."""
    from bot.handlers.open_question import NUMBER_SLOTS

    async with app.uow() as uow:
        state = await uow.conversations.get(account_id, chat_id)
    if state is None or state.expires_at <= app.clock.now():
        return False
    return str(state.data.get("asking")) in (*NUMBER_SLOTS, "value")


CONSOLE_FILES = Path("data") / "files"


async def _save_attachments(app: App, answer: Reply, out: TextIO) -> None:
    """A terminal cannot show a chart or a workbook: write them under ./data/files/ instead."""
    from bot.reports.files import load

    wanted = [(a.key, name) for a, name in ((answer.image, "png"), (answer.document, ""))
              if a is not None]  # fmt: skip
    for key, suffix in wanted:
        stored = await load(app.uow, key, app.clock.now())
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
            "สร้างข้อมูลตัวอย่างอำเภอวังหินแล้วค่ะ (พัฒนากร 1 คน, 2 กลุ่มอาชีพ, ครัวเรือนเป้าหมาย 2 ครัวเรือน)\n"
        )
    return await chat(app, who, sys.stdin, sys.stdout)


def _parse(text: str, today: date | None, as_json: bool) -> int:
    from bot import cli_text
    from bot.clock import SystemClock, local_today
    from bot.nlu import parse

    result = parse(text, today or local_today(SystemClock(), Settings().tz))
    sys.stdout.write(_json(result.to_json()) if as_json else cli_text.parsed(result))
    return 0


def _json(data: dict[str, Any]) -> str:
    """One JSON object on one line, Thai as Thai (not \\u escapes), like `parse --json`."""
    return json.dumps(data, ensure_ascii=False) + "\n"


async def _admin(args: argparse.Namespace, app: App) -> int:
    from bot import cli_text
    from bot.services import admin, reports
    from bot.services.enrolment_codes import CodeKind, display

    now = app.clock.now()
    settings = app.settings

    async with app.uow() as uow:

        async def issue(kind: CodeKind, target: int) -> str:
            return display(await admin.issue_code(uow, kind, target, now, settings))

        data: dict[str, Any]
        if args.command == "officer":
            officer = await admin.add_officer(
                uow, name=args.name, district=args.district, province=args.province
            )
            data = {
                "officer_id": officer.id,
                "link_code": await issue(CodeKind.OFFICER, officer.id),
            }
            text = cli_text.officer_added(data, officer.name, args.district, args.province)
        elif args.command == "administrator":
            from bot.services import administrators

            row = await administrators.add_administrator(
                uow, name=args.name, province=args.province, district=args.district
            )
            data = {
                "administrator_id": row.id,
                "level": row.level,
                "link_code": await issue(CodeKind.ADMIN, row.id),
            }
            where = f"อำเภอ{args.district} " if args.district else ""
            text = cli_text.administrator_added(data, row.name, f"{where}จังหวัด{args.province}")
        elif args.command == "group":
            group = await admin.create_group(
                uow, name=args.name, occupation=args.occupation, village=args.village,
                officer_id=args.officer, founded=args.founded,
            )  # fmt: skip
            data = {
                "group_id": group.id,
                "join_code": display(group.join_code or ""),
                "treasurer_code": await issue(CodeKind.TREASURER, group.id),
                "chair_code": await issue(CodeKind.CHAIR, group.id),
            }
            text = cli_text.group_added(data, group.name)
        elif args.command == "household":
            household = await admin.add_household(
                uow, village=args.village, head=args.head, occupation=args.occupation,
                trainer=args.trainer, officer_id=args.officer,
            )  # fmt: skip
            data = {
                "household_id": household.id,
                "join_code": await issue(CodeKind.HOUSEHOLD, household.id),
            }
            text = cli_text.household_added(data, household.head_name, household.trainer_name)
        elif args.command == "trainer":
            trainer = await admin.add_trainer(uow, name=args.name, officer_id=args.officer)
            data = {
                "trainer_id": trainer.id,
                "link_code": await issue(CodeKind.TRAINER, trainer.id),
            }
            text = cli_text.trainer_added(data, trainer.name)
        elif args.command == "code":
            data = await _code(args, uow, now, settings)
            text = cli_text.plain(data)
        elif args.command == "account":
            data = await _account(args, uow, now)
            text = cli_text.plain(data)
        else:
            from bot.clock import local_today
            from bot.handlers.report import group_lines, sales_before

            report = await reports.group_month(uow, args.group_id, args.month)
            data = report.to_json()
            today = local_today(app.clock, app.settings.tz)
            before = await sales_before(uow, report.group.id, report.month, today)
            text = "\n".join(group_lines(report, before)) + "\n"
        await uow.commit()
    sys.stdout.write(_json(data) if args.json else text)
    return 0


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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "parse":
        return _parse(args.text, args.today, args.json)
    settings = Settings()
    try:
        if args.command == "migrate":
            asyncio.run(upgrade_async(settings.database_url))
            sys.stdout.write("ฐานข้อมูลเป็นรุ่นล่าสุดแล้วค่ะ\n")
            return 0
        if args.command == "demo":
            return asyncio.run(_with_app(settings, lambda app: _demo(app, args.who), console=True))
        if args.command == "serve":
            from bot.web.commands import serve

            return asyncio.run(serve(settings, args.host, args.port, not args.no_scheduler))
        if args.command == "poll":
            from bot.web.commands import run_poll

            return asyncio.run(run_poll(settings, not args.no_scheduler))
        if args.command == "remind":
            return asyncio.run(_remind(settings, args.at))
        if args.command == "export":
            from bot import cli_export

            if args.province:
                return asyncio.run(
                    _with_app(settings, lambda app: cli_export.province_workbook(
                        app, args.month, args.province, args.out))
                )  # fmt: skip
            return asyncio.run(
                _with_app(
                    settings,
                    lambda app: cli_export.district_workbook(
                        app, args.month, args.district, args.out
                    ),
                )
            )
        if args.command in ("backup", "restore", "import"):
            from bot import cli_deploy

            return cli_deploy.main(args, settings)
        if args.command in ("setup", "poster"):
            from bot import cli_native

            return cli_native.main(args, settings)
        if args.command == "console":
            return asyncio.run(
                _with_app(
                    settings, lambda app: chat(app, args.who, sys.stdin, sys.stdout), console=True
                )
            )
        return asyncio.run(_with_app(settings, lambda app: _admin(args, app)))
    except ServiceError as error:
        sys.stderr.write(f"{error.message}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """`sammachip console … | head`: the reader closed the pipe. Stop quietly, as other
    command-line tools do, instead of a traceback (and none at exit when stdout is flushed)."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141  # 128 + SIGPIPE, what a shell reports for a command a pipe closed on


if __name__ == "__main__":
    raise SystemExit(main())
