"""`python -m bot serve …` with a statement counter, for bench/webhook.py only.

Counts every SQL statement any engine of the process executes (SQLAlchemy's
`before_cursor_execute` on the `Engine` class, so the app's engine is counted without the bot
knowing) and, on SIGUSR1, writes the count and the process's CPU time to the file named by
`SAMMACHIP_BENCH_STATS` as JSON. The bench signals before and after a phase and divides the
differences by the events answered in it: statements and CPU per message.

An `executemany` counts once (one round trip); BEGIN/COMMIT are not cursor executes in
SQLAlchemy and are counted separately through the `begin`/`commit` connection events.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_counts = {"statements": 0, "transactions": 0}


def _statement(*_: Any) -> None:
    _counts["statements"] += 1


def _transaction(*_: Any) -> None:
    _counts["transactions"] += 1


def _dump(*_: Any) -> None:
    out = Path(os.environ["SAMMACHIP_BENCH_STATS"])
    cpu = time.process_time()
    out.write_text(json.dumps({**_counts, "cpu_s": cpu}))


def main() -> None:
    event.listen(Engine, "before_cursor_execute", _statement)
    event.listen(Engine, "commit", _transaction)
    signal.signal(signal.SIGUSR1, _dump)
    from bot.cli import main as cli

    raise SystemExit(cli(sys.argv[1:]))


if __name__ == "__main__":
    main()
