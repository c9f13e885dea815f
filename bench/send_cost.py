"""What one reply costs to send through the platform SDKs: CPU per message, in process.

    .venv/bin/python bench/send_cost.py [--runs 500] [--loop asyncio|uvloop] [--profile]

The bot's own reply to a sale (taken from a real run of the intake on a throwaway SQLite, as
bench/trace_message.py does) is sent `--runs` times, one after another, through
`LineTransport.send` (line-bot-sdk `AsyncMessagingApi.reply_message`, aiohttp) and
`TelegramTransport.send` (python-telegram-bot `Bot.send_message` on aiohttp,
bot/channels/telegram_http.py; httpx before) to the fake LINE and
Telegram APIs, which run in a child process (bench/webhook.py `start_fakes`) so that their CPU is
not counted. Each row is split into its parts, measured the same way:

- render: the channel-free Reply → what the SDK is given (LINE: the messages as LINE's JSON,
  `line_render.render`; Telegram: `plan` + `keyboard`); for LINE also the request's JSON dict
  `LineTransport` hands line-bot-sdk (`_Reply.of(...).to_dict()`), and for comparison what the
  same messages cost as line-bot-sdk's pydantic models (tests/channels/line_sdk.py, the render
  before) serialised by the SDK's generated `to_dict`;
- floor: the same JSON body / form POSTed with a bare HTTP client, keep-alive, no SDK: what
  any client would spend on the wire (aiohttp; for Telegram also httpx, PTB's default client).

The TCP connections each client opened during the runs are counted (keep-alive: 1, or the pool
size when sends overlap). Loopback only, bounded by `--runs`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import io
import json
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import httpx  # noqa: E402
from linebot.v3.messaging import ReplyMessageRequest  # noqa: E402

from bench.webhook import LINE_TOKEN, Target, seed, start_fakes  # noqa: E402
from bot.app import build_app  # noqa: E402
from bot.channels.base import Delivery, Outgoing, RateLimits  # noqa: E402
from bot.channels.line import LineChannel, _Reply  # noqa: E402
from bot.channels.line_render import render  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.channels.telegram_send import keyboard, plan  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.messages import InboundMessage  # noqa: E402
from bot.web.intake import Intake  # noqa: E402
from tests.channels.line_sdk import sdk_render  # noqa: E402
from tests.support.fake_telegram import TOKEN  # noqa: E402

SALE = "ขายผ้าไหม 3 ผืน ผืนละ 1,200 บาท"


class Capturing:
    """A transport that keeps what it is asked to send (the bot's real replies)."""

    limits = RateLimits()

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> Delivery:
        self.sent.append(message)
        return Delivery(pushed=0)


async def real_replies() -> dict[str, Outgoing]:
    """One private-chat sale on each platform through the intake: the outbox rows it sends."""
    tmp = Path(tempfile.mkdtemp(prefix="sammachip-sendcost-"))
    try:
        url = f"sqlite+aiosqlite:///{tmp / 'send.db'}"
        targets = await seed(url, 4)
        transports = {c: Capturing(c) for c in ("line", "telegram")}
        app = build_app(Settings(database_url=url, _env_file=None), transports=transports)
        intake = Intake(app)
        intake.start()
        try:
            for channel in ("line", "telegram"):
                target = next(t for t in targets if t.channel == channel and t.chat is None)
                await intake.accept([message(target, SALE)])
                await intake.idle()
        finally:
            await intake.stop()
            await app.close()
        return {c: t.sent[-1] for c, t in transports.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def message(target: Target, text: str) -> InboundMessage:
    return InboundMessage(
        channel=target.channel, event_id=f"send-{target.user}", sender_id=target.user,
        chat_id=target.user, is_group=False, kind="text", text=text,
        reply_token="t0" if target.channel == "line" else None, message_id="m1",
    )  # fmt: skip


class Connections:
    """Counts TCP connections the running (asyncio) loop opens: aiohttp and httpx both go
    through `loop.create_connection`. Not available on uvloop (its loop is a C type)."""

    def __init__(self) -> None:
        self.opened = 0
        loop = asyncio.get_running_loop()
        self.available = isinstance(loop, asyncio.BaseEventLoop) and type(
            loop
        ).__module__.startswith("asyncio")
        if self.available:
            original = loop.create_connection

            async def counting(*args: Any, **kwargs: Any) -> Any:
                self.opened += 1
                return await original(*args, **kwargs)

            loop.create_connection = counting  # type: ignore[method-assign]


@dataclasses.dataclass
class Row:
    name: str
    cpu_ms: float
    wall_ms: float
    connections: int | None = None


async def measure(
    name: str, runs: int, one: Callable[[int], Awaitable[Any]], conns: Connections | None = None
) -> Row:
    await one(-1)  # warm-up: the connection, lazy imports, the SDK's caches
    before = conns.opened if conns and conns.available else None
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(runs):
        await one(i)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    opened = conns.opened - before if conns and before is not None else None
    return Row(name, cpu / runs * 1000, wall / runs * 1000, opened)


async def run(args: argparse.Namespace) -> list[Row]:
    replies = await real_replies()
    rows: list[Row] = []
    conns = Connections()
    profile = cProfile.Profile() if args.profile else None
    with start_fakes() as (_, (line_url, telegram_url)):
        # --- LINE ------------------------------------------------------------------------
        line = LineChannel.open(
            access_token=LINE_TOKEN, api_base_url=line_url, public_base_url=None,
            messages_per_second=1e9, timeout=10.0,
        )  # fmt: skip
        outgoing = replies["line"]
        tag = str(time.time_ns())

        async def line_send(i: int) -> None:
            token = f"{tag}{i:012d}"  # the timed fake takes any token it has not seen
            await line.transport.send(dataclasses.replace(outgoing, reply_token=token))

        async def line_render(i: int) -> None:
            render(outgoing.reply, None)

        batch = render(outgoing.reply, None)

        async def line_request(i: int) -> None:
            _Reply.of("x", batch).to_dict()

        async def line_sdk_models(i: int) -> None:
            sdk_render(outgoing.reply, None)

        models = sdk_render(outgoing.reply, None)

        async def line_sdk_dict(i: int) -> None:
            ReplyMessageRequest(reply_token="x", messages=models).to_dict()

        body = _Reply.of("x", render(outgoing.reply, None)).to_dict()
        headers = {"Authorization": f"Bearer {LINE_TOKEN}", "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as session:

            async def line_floor(i: int) -> None:
                data = json.dumps({**body, "replyToken": f"{tag}f{i:012d}"})
                async with session.post(
                    f"{line_url}/v2/bot/message/reply", data=data, headers=headers
                ) as r:
                    await r.read()

            try:
                if profile:
                    profile.enable()
                rows.append(
                    await measure("LINE reply: LineTransport.send", args.runs, line_send, conns)
                )
                if profile:
                    profile.disable()
                for label, step in (
                    ("  render: Reply → LINE's JSON (what is sent)", line_render),
                    ("  request dict: `_Reply.of(...).to_dict()`", line_request),
                    ("  for comparison: Reply → line-bot-sdk's pydantic models", line_sdk_models),
                    ("  for comparison: the models' JSON by the SDK's to_dict", line_sdk_dict),
                ):
                    rows.append(await measure(label, args.runs, step))
                rows.append(
                    await measure("  floor: same body, bare aiohttp", args.runs, line_floor, conns)
                )
            finally:
                await line.close()

        # --- Telegram ----------------------------------------------------------------------
        async def no_files(_key: str) -> None:
            return None

        telegram = await TelegramChannel.open(
            token=TOKEN, base_url=telegram_url, webhook_secret=None, files=no_files,
            messages_per_second=1e9, chat_messages_per_second=1e9, group_messages_per_minute=1e9,
        )  # fmt: skip
        tg = replies["telegram"]

        async def tg_send(i: int) -> None:
            await telegram.transport.send(tg)

        async def tg_render(i: int) -> None:
            plan(tg.reply)
            markup = keyboard(tg.reply, False)
            if markup is not None:
                markup.to_dict()

        parts = plan(tg.reply)
        markup = keyboard(tg.reply, False)
        form = {
            "chat_id": tg.recipient, "text": parts[0][1],
            **({"parse_mode": "HTML"} if parts[0][0] == "html" else {}),
            **({"reply_markup": json.dumps(markup.to_dict())} if markup else {}),
        }  # fmt: skip
        async with httpx.AsyncClient() as client, aiohttp.ClientSession() as session:

            async def tg_floor(i: int) -> None:
                r = await client.post(f"{telegram_url}{TOKEN}/sendMessage", data=form)
                r.raise_for_status()

            async def tg_floor_aiohttp(i: int) -> None:
                async with session.post(f"{telegram_url}{TOKEN}/sendMessage", data=form) as r:
                    r.raise_for_status()
                    await r.read()

            try:
                if profile:
                    profile.enable()
                rows.append(
                    await measure(
                        "Telegram sendMessage: TelegramTransport.send", args.runs, tg_send, conns
                    )
                )
                if profile:
                    profile.disable()
                rows.append(await measure("  render (plan + keyboard)", args.runs, tg_render))
                rows.append(
                    await measure("  floor: same form, bare httpx", args.runs, tg_floor, conns)
                )
                rows.append(
                    await measure(
                        "  floor: same form, bare aiohttp", args.runs, tg_floor_aiohttp, conns
                    )
                )
            finally:
                await telegram.close()
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--profile", action="store_true", help="cProfile the two SDK sends")
    args = parser.parse_args()
    from bot.web import stack

    rows = stack.run(run(args), args.loop)
    print(f"\n{args.runs} sends one after another, {args.loop} loop (fakes in another process):\n")
    print("| what | CPU ms / message | wall ms / message | TCP connections opened |")
    print("|---|---:|---:|---:|")
    for r in rows:
        opened = "" if r.connections is None else str(r.connections)
        print(f"| {r.name} | {r.cpu_ms:.3f} | {r.wall_ms:.3f} | {opened} |")


if __name__ == "__main__":
    main()
