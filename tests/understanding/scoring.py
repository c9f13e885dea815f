"""Scores the parser on the fresh corpus (tests/data/fresh_corpus.jsonl), written by someone
who never saw the parser: what a careful human clerk would record from each message, or that
they would ask first, or that there is nothing to record.

Three results per message:
- understood: the intent is right and every field the person meant is read right; for a
  message a clerk would ask about, the parser asks too (an ambiguity code or a missing
  required field); for a message with nothing to record, nothing would be recorded.
- asks: the bot would ask a question before saving (it stops; nothing wrong is kept).
- saved wrong: the bot would save a record at once (no question) that is not what the person
  meant, or a record when there was nothing to record. Monthly figures and dividends are
  always shown and confirmed, so they are never saved without a question.

`python -m tests.understanding.scoring` prints the table; `--markdown FILE` writes it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bot.nlu import Parsed, parse

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "fresh_corpus.jsonl"
# Written by another hand after the parser was improved on CORPUS, and never used to tune it:
# the honest measure of how the parser does on messages it has not seen.
HELDOUT = DATA / "heldout_corpus.jsonl"
RECORD_INTENTS = {"sale", "income", "expense", "meeting", "work", "activity", "training",
                  "monthly", "visit"}  # fmt: skip
CONFIRMED_INTENTS = {"monthly"}  # always shown for ยืนยัน before saving
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    # any one field of each inner tuple must be present; the handler asks for a missing one
    "sale": (("item",), ("amount",)),
    "income": (("item",), ("amount",)),  # handlers/account_book.py: required=("item", "amount")
    "expense": (("item",), ("amount",)),
    "work": (("hours", "quantity"),),
    "meeting": (("attendees",),),
    "monthly": (("income",), ("expenses",)),
    # issue 13: a training records only the households named (or a count), otherwise it asks
    "training": (("attendees",),),
    "visit": (("topics",),),  # handlers/visit.py: required=("topics",)
}
ITEM_INTENTS = {"sale", "income", "expense"}  # several products or account-book lines
FIELDS = ("item", "quantity", "unit", "unit_price", "amount", "date", "month", "income",
          "expenses", "balance", "attendees", "hours", "person")  # fmt: skip


@dataclass(frozen=True)
class Case:
    id: str
    who: str
    today: date
    text: str
    outcome: str  # save | ask | none
    expect: dict[str, Any]
    items: list[dict[str, Any]] | None
    note: str


@dataclass(frozen=True)
class Result:
    case: Case
    parsed: Parsed
    understood: bool
    asks: bool
    saved_wrong: bool
    wrong: tuple[str, ...]  # what differed


def load(path: Path = CORPUS) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        cases.append(
            Case(
                raw["id"],
                raw["who"],
                date.fromisoformat(raw["today"]),
                raw["text"],
                raw["outcome"],
                raw["expect"],
                raw.get("items"),
                raw.get("note", ""),
            )
        )
    return cases


def _same(field: str, want: Any, have: Any) -> bool:
    if have is None:
        return False
    if field in ("item", "unit", "person", "date", "month"):
        return str(want) == str(have)
    try:
        return Decimal(str(want)) == Decimal(str(have))
    except InvalidOperation:
        return False


def _value(parsed: Parsed, field: str) -> Any:
    if field == "date":
        return parsed.date.isoformat() if parsed.date else None
    if field == "month":
        return parsed.month.strftime("%Y-%m") if parsed.month else None
    return getattr(parsed, field, None)


def _asks(parsed: Parsed) -> bool:
    if parsed.ambiguous:
        return True
    if parsed.intent in ITEM_INTENTS and parsed.items:
        return any(line.amount is None for line in parsed.items)
    for need in REQUIRED.get(parsed.intent, ()):
        if all(_value(parsed, f) in (None, "") for f in need):
            return True
    # A stated balance that is not income less expenses: the confirmation points it out
    # and asks (handlers/monthly.py).
    return (
        parsed.intent == "monthly"
        and None not in (parsed.balance, parsed.income, parsed.expenses)
        and parsed.balance != (parsed.income or 0) - (parsed.expenses or 0)
    )


def _same_items(want: list[dict[str, Any]], parsed: Parsed) -> bool:
    have = [
        {"item": line.item, "quantity": line.quantity, "unit": line.unit, "amount": line.amount}
        for line in parsed.items
    ]
    if len(have) != len(want):
        return False
    left = list(have)
    for wanted in want:
        hit = next(
            (
                i
                for i, line in enumerate(left)
                if all(_same(k, v, line.get(k)) for k, v in wanted.items() if k in line)
            ),
            None,
        )
        if hit is None:
            return False
        left.pop(hit)
    return True


def score(case: Case, parsed: Parsed) -> Result:
    intent = case.expect["intent"]
    wrong: list[str] = []
    if parsed.intent != intent and not (
        case.outcome == "none" and intent == "unknown" and parsed.intent not in RECORD_INTENTS
    ):
        wrong.append(f"intent {parsed.intent}")
    if case.outcome == "save":
        if case.items:  # several products: each line must be read right
            if not _same_items(case.items, parsed):
                wrong.append(f"items {parsed.items}")
        else:
            for field in FIELDS:
                have = _value(parsed, field)
                if field in case.expect and not _same(field, case.expect[field], have):
                    wrong.append(f"{field} {have}")
    asks = parsed.intent in RECORD_INTENTS and not parsed.negated and _asks(parsed)
    records = parsed.intent in RECORD_INTENTS and not parsed.negated
    if case.outcome == "save":
        understood = not wrong and not asks
    elif case.outcome == "ask":
        understood = not wrong and asks
        if records and not asks:
            wrong.append("saved without the question")
    else:  # nothing to record
        understood = not wrong and not records
        if records and not wrong:
            wrong.append("a record")
    saved_wrong = records and not asks and parsed.intent not in CONFIRMED_INTENTS and not understood
    return Result(case, parsed, understood, asks, saved_wrong, tuple(wrong))


def run(cases: list[Case] | None = None) -> list[Result]:
    return [
        score(case, parse(case.text, case.today, frozenset({case.who})))
        for case in (cases or load())
    ]


def table(results: list[Result]) -> str:
    by_intent: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_intent[result.case.expect["intent"]].append(result)
    lines = [
        "| intent (what the person meant) | messages | understood | asked first | saved wrong |",
        "|---|---:|---:|---:|---:|",
    ]

    def row(name: str, group: list[Result]) -> str:
        n = len(group)
        ok = sum(r.understood for r in group)
        asked = sum(r.asks for r in group)
        bad = sum(r.saved_wrong for r in group)
        return f"| {name} | {n} | {ok} ({100 * ok / n:.1f} %) | {asked} | {bad} ({100 * bad / n:.1f} %) |"

    for name in sorted(by_intent, key=lambda k: -len(by_intent[k])):
        lines.append(row(name, by_intent[name]))
    lines.append(row("**all**", results))
    return "\n".join(lines)


def misses(results: list[Result]) -> str:
    out = []
    for r in results:
        if not r.understood:
            flag = "SAVED WRONG" if r.saved_wrong else ("asks" if r.asks else "missed")
            out.append(f"{r.case.id} [{flag}] {r.case.text!r} ({r.case.outcome}, "
                       f"{r.case.expect.get('intent')}): {', '.join(r.wrong)} "
                       f"ambiguous={list(r.parsed.ambiguous)}")  # fmt: skip
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--misses", action="store_true", help="list every message not understood")
    args.add_argument("--markdown", type=Path, help="write the table to this file")
    args.add_argument("--heldout", action="store_true", help="score the held-out corpus instead")
    opts = args.parse_args(argv)
    results = run(load(HELDOUT if opts.heldout else CORPUS))
    sys.stdout.write(table(results) + "\n")
    counts = Counter(r.case.outcome for r in results)
    sys.stdout.write(f"{len(results)} messages: {dict(counts)}\n")
    if opts.misses:
        sys.stdout.write(misses(results) + "\n")
    if opts.markdown:
        opts.markdown.write_text(table(results) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
