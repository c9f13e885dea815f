"""อบรม… — a trainer's session with target households: what was taught and which households
came. Only the households named are recorded; with none named the bot asks ("ครัวเรือนไหน
มาบ้างคะ", with the trainer's households and ทุกครัวเรือน as buttons), never marks them all."""

from __future__ import annotations

from bot.handlers.common import saved
from bot.handlers.context import Context
from bot.handlers.people import match_member
from bot.handlers.record_flow import Question, RecordSpec, Slots, day_of
from bot.labels import short_labels
from bot.messages import QuickReply, Reply
from bot.services.errors import NotAllowed
from bot.services.records import record_training
from bot.storage.models import Household

EVERYONE = "ทุกครัวเรือน"
EVERYONE_WORDS = ("ทุกครัวเรือน", "ทุกคน", "ครบ", "มาครบ", "ครบทุกคน", "ทั้งหมด", "ครบทุกครัวเรือน")


async def _households(ctx: Context) -> list[Household]:
    assert ctx.actor is not None
    return list(
        await (
            ctx.uow.groups.households_of_trainer(ctx.actor.trainer_id)
            if ctx.actor.trainer_id is not None
            else ctx.uow.groups.households_of_officer(ctx.actor.officer_id or 0)
        )
    )


def _named(text: str, slots: Slots, households: list[Household]) -> list[int]:
    """Households whose head is named: "คำปุ่น มาเรียน", "คำปุ่น จันทร์เพ็ญ", or all of them."""
    squeezed = "".join(text.split())
    if any(word in squeezed for word in EVERYONE_WORDS):
        return [h.id for h in households]
    heads = [(h.id, h.head_name) for h in households]
    found = {h.id for h in households if h.head_name.split()[0] in squeezed}
    for name in slots.get("names", []):
        match = match_member(str(name), heads)
        if match is not None:
            found.add(match[0])
    return sorted(found)


async def check(ctx: Context, slots: Slots) -> None:
    actor = ctx.actor
    if actor is None or (actor.trainer_id is None and actor.officer_id is None):
        raise NotAllowed("ขออภัยค่ะ การบันทึกการอบรมครัวเรือนใช้ได้เฉพาะวิทยากรและพัฒนากรค่ะ")
    if slots.get("household_ids"):
        return
    households = await _households(ctx)
    said = slots.get("households")
    # The first message may name them ("อบรม… คำปุ่น มาเรียน"); later, the answer does.
    text = str(said) if said is not None else ctx.text
    named = _named(text, slots, households)
    if named:
        slots["household_ids"] = named
        slots["households"] = ", ".join(h.head_name for h in households if h.id in named)
    else:
        slots.pop("households", None)  # asked (again) with the households as buttons


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    chosen = [int(h) for h in slots.get("household_ids", [])]
    session = await record_training(
        ctx.uow,
        ctx.actor,
        today=ctx.today,
        on_date=day_of(slots),
        household_ids=chosen,
        attendees=len(chosen),
        topics=slots.get("topics"),
        source_ref=ctx.message.source_ref,
    )
    details = [f"ครัวเรือนที่เข้าร่วม {len(chosen):,} ครัวเรือน: {slots.get('households', '')}"]
    if session.topics:
        details.append(f"เรื่องที่สอน: {session.topics}")
    return saved("บันทึกการอบรมแล้วค่ะ", details, session.on_date, None)


async def _buttons(ctx: Context, slot: str) -> tuple[QuickReply, ...]:
    """Who came: the trainer's households as buttons, besides ทุกครัวเรือน."""
    if slot != "households":
        return ()
    names = [h.head_name for h in await _households(ctx)]
    return tuple(
        QuickReply(caption, name) for caption, name in zip(short_labels(names), names, strict=True)
    )


SPEC = RecordSpec(
    intent="training",
    required=("topics", "households"),
    questions={
        "topics": Question("อบรมเรื่องอะไรคะ เช่น การทำบัญชีครัวเรือน"),
        "households": Question(
            "ครัวเรือนไหนมาบ้างคะ พิมพ์ชื่อหัวหน้าครัวเรือนได้เลย เช่น คำปุ่น จันทร์เพ็ญ",
            (QuickReply(EVERYONE),),
        ),
    },
    save=save,
    check=check,
    buttons=_buttons,
)
