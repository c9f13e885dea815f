"""Benchmark of the Thai parser (`bot.nlu.parse`).

Run from the project root:  .venv/bin/python bench/parser.py [--seconds 2] [--runs 3]

Measures, on one CPU core (the process pins itself when the OS allows it):

1. the first-call cost in fresh subprocesses: ``import bot.nlu`` and the first `parse`
   (which loads newmm's dictionary), median of ``--runs``;
2. steady-state throughput after warm-up over every text in tests/data/parse_cases.jsonl;
3. a baseline in the same run: bare pythainlp ``word_tokenize(text, engine="newmm")`` over the
   same texts, in alternating rounds, and the ratio parse / newmm (robust to a busy or slower
   machine: other processes slow both sides alike);
4. the latency of one 10,000-character message (the parser reads the first 1,000).

All times are CPU time of the measuring process (``time.process_time``), so a busy shared
machine slows the figures less; they are still only comparable on the same machine, which is
why the ratio to newmm is reported too. Prints a Markdown report on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "parse_cases.jsonl"
TODAY = date(2025, 10, 20)

FIRST_CALL = """
import json, time
from datetime import date
start = time.process_time()
import bot.nlu
imported = time.process_time()
bot.nlu.parse("ขายไข่เค็ม 50 ฟอง 250 บาท", date(2025, 10, 20))
done = time.process_time()
print(json.dumps({"import": imported - start, "first_parse": done - imported}))
"""


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def first_call(runs: int) -> tuple[float, float]:
    imports: list[float] = []
    firsts: list[float] = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", FIRST_CALL],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        imports.append(figures["import"])
        firsts.append(figures["first_parse"])
    return statistics.median(imports), statistics.median(firsts)


def _rate(work: Callable[[str], object], texts: list[str], seconds: float) -> float:
    """Messages per CPU-second of this process: CPU time, not wall time, so other processes
    on a shared machine do not count against the parser (they still disturb caches)."""
    count = 0
    start = time.process_time()
    while time.process_time() - start < seconds:
        for text in texts:
            work(text)
        count += len(texts)
    return count / (time.process_time() - start)


def paired_throughput(
    work: Callable[[str], object],
    baseline: Callable[[str], object],
    texts: list[str],
    seconds: float,
    rounds: int = 7,
) -> tuple[float, float, float]:
    """Messages per second of ``work`` and ``baseline`` and the median per-round ratio.

    Rounds alternate between the two, so load from other processes on a shared machine
    hits both alike; the ratio is the figure to compare between machines and runs.
    """
    for text in texts:  # warm-up: dictionaries, regex caches
        work(text)
        baseline(text)
    rates: list[float] = []
    base_rates: list[float] = []
    for _ in range(rounds):
        rates.append(_rate(work, texts, seconds / rounds))
        base_rates.append(_rate(baseline, texts, seconds / rounds))
    ratios = [b / r for r, b in zip(rates, base_rates, strict=True)]
    return statistics.median(rates), statistics.median(base_rates), statistics.median(ratios)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--seconds", type=float, default=2.0, help="time per throughput test")
    options.add_argument("--runs", type=int, default=3, help="fresh processes for first call")
    args = options.parse_args()

    pinning = pin_to_one_core()
    import_s, first_parse_s = first_call(args.runs)

    from pythainlp.tokenize import word_tokenize  # after pinning, like the parser itself

    from bot.nlu import parse

    texts = [json.loads(line)["text"] for line in CASES.read_text("utf-8").splitlines() if line]
    parse_rate, newmm_rate, ratio = paired_throughput(
        lambda text: parse(text, TODAY),
        lambda text: word_tokenize(text, engine="newmm"),
        texts,
        args.seconds * 2,
    )
    long_text = ("ขายไข่เค็ม 50 ฟอง 250 บาท ประชุมกลุ่ม " * 400)[:10_000]
    long_ms = min(_timed(lambda: parse(long_text, TODAY)) for _ in range(20)) * 1000

    mean_chars = statistics.mean(len(t) for t in texts)
    command = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    print("# Parser benchmark (`bot.nlu.parse`)\n")
    print(f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"- command: `{command}` ({pinning})")
    print(f"- machine: {cpu_model()}, nproc {os.cpu_count()}, Python {platform.python_version()}")
    print(
        f"- messages: {len(texts)} texts of tests/data/parse_cases.jsonl, mean {mean_chars:.0f} chars\n"
    )
    print("| measure | value |")
    print("|---|---|")
    print(
        f"| import `bot.nlu` (fresh process, CPU, median of {args.runs}) | {import_s * 1000:.0f} ms |"
    )
    print(f"| first `parse` call (builds the newmm dictionary) | {first_parse_s * 1000:.0f} ms |")
    print(
        f"| `parse` after warm-up, one core | {parse_rate:,.0f} msg/s ({1e6 / parse_rate:.0f} µs/msg) |"
    )
    print(
        f'| baseline: bare `word_tokenize(engine="newmm")` | {newmm_rate:,.0f} msg/s ({1e6 / newmm_rate:.0f} µs/msg) |'
    )
    print(f"| ratio parse / newmm (time per message, median of paired rounds) | {ratio:.2f}× |")
    print(f"| one 10,000-char message (first 1,000 read) | {long_ms:.1f} ms |")


def _timed(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


if __name__ == "__main__":
    main()
