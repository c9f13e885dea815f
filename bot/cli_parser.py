"""`sammachip`'s command table: every command, its options and its help (DESIGN.md's public
contract), and argparse's refusals said in polite Thai. Built when `main` runs, never at import."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

Command = Callable[..., argparse.ArgumentParser]
Area = Callable[[str, str], "argparse._SubParsersAction[argparse.ArgumentParser]"]


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


def _instant(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"เวลาต้องเขียนแบบ ISO-8601 เช่น 2025-10-20T08:00+07:00 แต่ได้ {value!r} ค่ะ"
        ) from error


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sammachip",
        description="Sammachip Bot (สัมมาชีพชุมชน): the chat bot, its console and the district "
        "office's commands. Settings come from the environment or .env (see .env.example).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, description: str | None = None) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=description or help)

    def area(name: str, help: str) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        return command(name, help).add_subparsers(
            dest="action", required=True, metavar="ACTION", parser_class=_Parser
        )

    _chat_commands(command)
    _officer_commands(area)
    _household_commands(area)
    _administrator_commands(area)
    _code_commands(area)
    _account_commands(area)
    _report_commands(command, area)
    from bot import cli_native  # setup, poster (issue 16)

    cli_native.add_commands(sub)
    from bot import cli_deploy  # backup, restore, import (issue 17)

    cli_deploy.add_commands(sub)
    return parser


def _chat_commands(command: Command) -> None:
    """demo, console, migrate, serve, poll, parse."""
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


def _officer_commands(area: Area) -> None:
    """officer add, group add."""
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


def _household_commands(area: Area) -> None:
    """household add, trainer add."""
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


def _administrator_commands(area: Area) -> None:
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


def _code_commands(area: Area) -> None:
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


def _account_commands(area: Area) -> None:
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


def _report_commands(command: Command, area: Area) -> None:
    """report group, remind, export."""
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
