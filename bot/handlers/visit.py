"""เยี่ยม… — an officer's follow-up visit to a group or a target household, with notes and
suggestions (the logbook entry of DOMAIN.md step 7)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from bot.handlers.common import saved
from bot.handlers.context import Context
from bot.handlers.record_flow import Question, RecordSpec, Slots, day_of
from bot.messages import Reply
from bot.services.errors import NeedsChoice, NotAllowed
from bot.services.records import OFFICER_ONLY, record_visit

SUGGESTION = re.compile(r"(?:ข้อเสนอแนะ|แนะนำให้|แนะนำ)\s*:?\s*(.*)$")


async def _targets(ctx: Context) -> dict[str, str]:
    """Every group and household this officer follows, by the name an officer would type."""
    assert ctx.actor is not None and ctx.actor.officer_id is not None
    found: dict[str, str] = {}
    for group in await ctx.uow.groups.of_officer(ctx.actor.officer_id):
        found[group.name] = f"g{group.id}"
    for household in await ctx.uow.groups.households_of_officer(ctx.actor.officer_id):
        found[f"ครัวเรือน{household.head_name}"] = f"h{household.id}"
    return found


MIN_OVERLAP = 4  # Thai code points in common before a name counts as mentioned


def _overlap(text: str, name: str) -> int:
    """How much of a group or household name the officer typed: "ไข่เค็ม" names
    "กลุ่มไข่เค็มสมุนไพรลูกหม่อน" well enough."""
    core = name.removeprefix("กลุ่ม").removeprefix("ครัวเรือน")
    if not core or not text:
        return 0
    match = SequenceMatcher(None, text, core, autojunk=False).find_longest_match()
    return match.size if match.size >= min(MIN_OVERLAP, len(core)) else 0


def names_target(text: str, name: str) -> bool:
    """Whether the text names this group or household (a second visit names another)."""
    return _overlap(text, name) > 0


def _best(text: str, targets: dict[str, str]) -> list[str]:
    scores = {ref: _overlap(text, name) for name, ref in targets.items()}
    top = max(scores.values(), default=0)
    return [ref for ref, score in scores.items() if score == top] if top else []


async def check(ctx: Context, slots: Slots) -> None:
    if ctx.actor is None or ctx.actor.officer_id is None:
        raise NotAllowed(OFFICER_ONLY)
    if slots.get("target_ref"):
        slots.setdefault("target_name", str(slots.get("choice_label", "")))
        return
    targets = await _targets(ctx)
    said = str(slots.get("target") or ctx.text)
    hits = _best(said, targets)
    if len(hits) == 1:
        slots["target_ref"] = hits[0]
        slots["target_name"] = next(n for n, r in targets.items() if r == hits[0])
        notes = str(slots.get("topics") or "").removeprefix("กลุ่ม").removeprefix("ครัวเรือน")
        if notes and len(notes) - _overlap(notes, slots["target_name"]) < MIN_OVERLAP:
            # "/visit กลุ่มเลี้ยงกบ" names the group only: the notes are still to be asked.
            slots.pop("topics", None)
        return
    if not targets:
        raise NotAllowed("ยังไม่มีกลุ่มหรือครัวเรือนที่คุณดูแลค่ะ ให้สำนักงานอำเภอเพิ่มกลุ่มก่อนนะคะ")
    raise NeedsChoice(
        "เยี่ยมกลุ่มหรือครัวเรือนไหนคะ",
        [(ref, name) for name, ref in targets.items()],
        slot="target_ref",
    )


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    ref = str(slots["target_ref"])
    notes = str(slots.get("topics") or "")
    suggestion = SUGGESTION.search(notes)
    visit = await record_visit(
        ctx.uow,
        ctx.actor,
        today=ctx.today,
        on_date=day_of(slots),
        group_id=int(ref[1:]) if ref[0] == "g" else None,
        household_id=int(ref[1:]) if ref[0] == "h" else None,
        notes=notes[: suggestion.start()] if suggestion else notes,
        suggestions=suggestion.group(1) if suggestion else None,
        source_ref=ctx.message.source_ref,
    )
    details = [str(slots.get("target_name", ""))]
    if visit.notes:
        details.append(f"บันทึก: {visit.notes}")
    if visit.suggestions:
        details.append(f"ข้อเสนอแนะ: {visit.suggestions}")
    return saved("บันทึกการเยี่ยมแล้วค่ะ", details, visit.on_date, None)


SPEC = RecordSpec(
    intent="visit",
    required=("topics",),
    questions={
        "topics": Question("ผลการเยี่ยมเป็นอย่างไร และแนะนำอะไรไว้คะ พิมพ์สั้น ๆ ได้เลยค่ะ"),
    },
    save=save,
    check=check,
)
