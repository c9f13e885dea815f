"""Voice-note latency: what a voice note adds to the answer, next to the same report typed, in
one run. Run from the project root:

    .venv/bin/python bench/voice.py --runs 30 [--stt-latency 0.0] [--out bench/voice_results.md]

The whole stack of the end-to-end tests (tests/support/channel_stack.py): `serve`'s web app
under uvicorn on 127.0.0.1, a migrated and seeded SQLite file, the fake LINE and Bot API
servers, and the fake OpenAI-compatible transcription server (tests/support/fake_stt.py). One
linked member on each platform sends, alternately:

- the baseline: "ขายไข่เค็ม 30 ฟอง 300 บาท" typed (saved at once, receipt answered);
- the voice note saying it (LINE: audio content from the data host; Telegram: getFile and
  the file download), transcribed, then answered with "ได้ยินว่า: … บันทึกไหมคะ".

Each figure is the time from the webhook POST to the answer reaching the fake platform. The
fake transcription server answers at once unless `--stt-latency` is given: the figures are
the bot's own cost of a voice note (two or three more HTTP requests, the audio stored, the
confirmation); a real whisper server adds its own compute time on top (docs/voice.md gives
rough estimates). `--converting N` makes LINE answer 202 N times first (its transcoding).
Loopback only, bounded, prints a Markdown report.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage.migrate import upgrade
from tests.support.channel_stack import Stack, running_stack
from tests.support.fake_line import FakeLine
from tests.support.fake_stt import FakeTranscriber
from tests.support.fake_telegram import FakeTelegram
from tests.support.live_server import until

TYPED = "ขายไข่เค็ม 30 ฟอง 300 บาท"
SAID = "ขายไข่เค็มสามสิบฟองสามร้อยบาท"
AUDIO = b"\x00\x00\x00\x20ftypM4A " + bytes(range(256)) * 200  # ~50 kB, ~15 s of m4a


async def _line_round(stack: Stack, user: str, voice: bool, converting: int) -> float:
    token = stack.line.issue_token(user)
    if voice:
        event = stack.events.audio(user=user, reply_token=token)
        stack.line.voice(event["message"]["id"], AUDIO, converting=converting)
    else:
        event = stack.events.text(TYPED, user=user, reply_token=token)
    before = len(stack.line.delivered)
    started = time.perf_counter()
    await stack.post_line(event, wait=False)
    await until(lambda: len(stack.line.delivered) > before, within=30, what="the answer")
    return time.perf_counter() - started


async def _telegram_round(stack: Stack, user: int, voice: bool, n: int) -> float:
    if voice:
        file_id = f"voice-{n + 1}"
        stack.telegram.files[file_id] = (f"voice/file_{n + 1}.oga", AUDIO)
        update = stack.updates.voice(user_id=user, file_id=file_id, size=len(AUDIO))
    else:
        update = stack.updates.message(TYPED, user_id=user)
    before = len(stack.telegram.sent)
    started = time.perf_counter()
    await stack.post_telegram(update, wait=False)
    await until(lambda: len(stack.telegram.sent) > before, within=30, what="the answer")
    return time.perf_counter() - started


async def _cancel(stack: Stack, channel: str, user: str | int) -> None:
    """Ends the confirmation the voice note left open (not timed)."""
    if channel == "line":
        token = stack.line.issue_token(str(user))
        await stack.post_line(stack.events.text("ยกเลิก", user=str(user), reply_token=token))
    else:
        await stack.post_telegram(stack.updates.message("ยกเลิก", user_id=int(user)))
    await stack.settled()


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"{statistics.median(values) * 1000:.0f} / {p90 * 1000:.0f}"


async def run(runs: int, stt_latency: float, converting: int) -> str:
    line, telegram, stt = FakeLine().start(), FakeTelegram().start(), FakeTranscriber().start()
    stt.latency = stt_latency
    stt.says(AUDIO, SAID)
    results: dict[tuple[str, str], list[float]] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            await asyncio.to_thread(upgrade, url)  # alembic runs its own event loop
            async with running_stack(
                url, line, telegram, stt_base_url=stt.url,
                # The sender's per-chat pacing (Telegram: 1 message/s in a chat) is not what
                # is measured here: one person's answers follow each other faster in the run.
                telegram_chat_messages_per_second=1000.0, telegram_messages_per_second=1000.0,
                voice_per_minute=1000,
            ) as stack:  # fmt: skip
                line_user = await stack.line_member()
                telegram_user = await stack.telegram_member(515151)
                for n in range(-1, runs):  # the first round warms up (parser, clients): not kept
                    for voice in (False, True):
                        kind = "voice" if voice else "typed"
                        # Past the per-person flood gate: people do not send 60 in a minute.
                        stack.clock.instant += timedelta(seconds=5)
                        took = await _line_round(stack, line_user, voice, converting)
                        if n >= 0:
                            results.setdefault(("line", kind), []).append(took)
                        took = await _telegram_round(stack, telegram_user, voice, n)
                        if n >= 0:
                            results.setdefault(("telegram", kind), []).append(took)
                        await stack.settled()
                        if voice:
                            stack.clock.instant += timedelta(seconds=5)
                            await _cancel(stack, "line", line_user)
                            await _cancel(stack, "telegram", telegram_user)
    finally:
        line.stop()
        telegram.stop()
        stt.stop()
    lines = [
        f"runs: {runs} of each; fake STT latency {stt_latency:.2f} s; "
        f"LINE answers 202 {converting} time(s) first; audio {len(AUDIO):,} bytes",
        "",
        "| channel | typed sale, ms (median / p90) | voice note, ms (median / p90) | ratio (medians) |",
        "|---|---|---|---|",
    ]
    for channel in ("line", "telegram"):
        typed_ms, voice_ms = results[(channel, "typed")], results[(channel, "voice")]
        ratio = statistics.median(voice_ms) / statistics.median(typed_ms)
        lines.append(f"| {channel} | {_ms(typed_ms)} | {_ms(voice_ms)} | {ratio:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--stt-latency", type=float, default=0.0)
    parser.add_argument("--converting", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report = asyncio.run(run(args.runs, args.stt_latency, args.converting))
    print(report)
    if args.out:
        args.out.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
