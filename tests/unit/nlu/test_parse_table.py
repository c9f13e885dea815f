"""The table of realistic messages in tests/data/parse_cases.jsonl, one test per line.

Each line: {"text", "today", "expect": {subset of Parsed.to_json() keys, plus "negated"},
"note": the feature or THAI.md pitfall it pins}. Keys not in "expect" are not checked.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.nlu import parse

CASES_FILE = Path(__file__).resolve().parents[2] / "data" / "parse_cases.jsonl"


def _load() -> list[dict[str, Any]]:
    lines = CASES_FILE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


CASES = _load()


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['note']} | {case['text'][:40]}"


def test_table_is_large_and_varied() -> None:
    assert len(CASES) >= 160
    intents = {case["expect"].get("intent") for case in CASES}
    assert intents >= {
        "sale", "income", "expense", "meeting", "work", "activity", "training",
        "monthly", "visit", "help", "undo", "report", "unknown",
    }  # fmt: skip
    assert all(set(case) == {"text", "today", "expect", "note"} for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_parse_case(case: dict[str, Any]) -> None:
    parsed = parse(case["text"], date.fromisoformat(case["today"]))
    got = parsed.to_json() | {"negated": parsed.negated}
    mismatches = {
        key: {"expected": want, "got": got.get(key)}
        for key, want in case["expect"].items()
        if got.get(key) != want
    }
    assert not mismatches, f"{case['text']!r} ({case['note']}): {mismatches}"
