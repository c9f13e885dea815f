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
from typing import TextIO

from bot import cli_admin
from bot.app import App, build_app, running
from bot.channels.console import CHANNEL as CONSOLE
from bot.channels.console import ConsoleTransport, pressed
from bot.cli_parser import build_parser
from bot.config import Settings
from bot.messages import InboundMessage, QuickReply, Reply
from bot.services.errors import ServiceError
from bot.storage.migrate import upgrade_async

_parser = build_parser  # the command table (bot/cli_parser.py)


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
    from bot.reports.files import NotReady, load

    wanted = [(a.key, name) for a, name in ((answer.image, "png"), (answer.document, ""))
              if a is not None]  # fmt: skip
    for key, suffix in wanted:
        try:
            stored = await load(app.uow, key, app.clock.now())
        except NotReady:
            out.write("   (ยังเตรียมไฟล์ไม่เสร็จ ลองขอใหม่อีกครั้งในอีกสักครู่นะคะ)\n")
            continue
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
    sys.stdout.write(cli_admin.as_json(result.to_json()) if as_json else cli_text.parsed(result))
    return 0


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
        if args.command in ("serve", "poll"):
            return _serve_or_poll(args.command, args, settings)
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
        return asyncio.run(_with_app(settings, lambda app: cli_admin.run(args, app)))
    except ServiceError as error:
        sys.stderr.write(f"{error.message}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _serve_or_poll(command: str, args: argparse.Namespace, settings: Settings) -> int:
    """`serve` / `poll` on the event loop (and `serve` with the HTTP parser) the settings
    choose (bot/web/stack.py); the web stack is imported only for these two commands."""
    from bot.web import stack
    from bot.web.commands import run_poll, serve

    try:
        loop = stack.event_loop(settings.event_loop)
        http = stack.http_parser(settings.http_parser)
    except stack.StackUnavailable as error:  # EVENT_LOOP / HTTP_PARSER: a missing package
        sys.stderr.write(f"{error}\n")
        return 2
    if command == "serve":
        return stack.run(serve(settings, args.host, args.port, not args.no_scheduler, http), loop)
    return stack.run(run_poll(settings, not args.no_scheduler), loop)


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
