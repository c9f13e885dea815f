"""The guided reports by intent: which `RecordSpec` a sale, a meeting, a month's figures… runs.

Its own module because the matchers (is this a report?), the replies (run it) and the voice
rule all look reports up by intent, and none of them should own the list."""

from __future__ import annotations

from bot.handlers import (
    account_book,
    activity,
    annual,
    dividend,
    meeting,
    monthly,
    sale,
    training,
    visit,
    work,
)
from bot.handlers.record_flow import RecordSpec

SPECS: dict[str, RecordSpec] = {
    "sale": sale.SPEC,
    "meeting": meeting.SPEC,
    "work": work.SPEC,
    "activity": activity.SPEC,
    "training": training.SPEC,
    "monthly": monthly.SPEC,
    "visit": visit.SPEC,
    "income": account_book.INCOME,
    "expense": account_book.EXPENSE,
    "dividend": dividend.SPEC,
    "annual": annual.SPEC,
}


def spec_for(intent: str) -> RecordSpec | None:
    return SPECS.get(intent)
