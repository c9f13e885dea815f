"""อบรม… — a trainer's session with target households: who attended, what was taught."""

from __future__ import annotations

from bot.handlers.common import saved
from bot.handlers.context import Context
from bot.handlers.report_flow import Question, ReportSpec, Slots, day_of
from bot.messages import Reply
from bot.services.errors import NotAllowed
from bot.services.records import record_training


async def check(ctx: Context, slots: Slots) -> None:
    actor = ctx.actor
    if actor is None or (actor.trainer_id is None and actor.officer_id is None):
        raise NotAllowed("ขออภัยค่ะ การบันทึกการอบรมครัวเรือนใช้ได้เฉพาะวิทยากรและพัฒนากรค่ะ")


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    households = await (
        ctx.uow.groups.households_of_trainer(ctx.actor.trainer_id)
        if ctx.actor.trainer_id is not None
        else ctx.uow.groups.households_of_officer(ctx.actor.officer_id or 0)
    )
    # People name households by the head's first name ("คำปุ่น มาเรียน").
    named = [h.id for h in households if h.head_name.split()[0] in ctx.text]
    attendees = slots.get("attendees")
    session = await record_training(
        ctx.uow,
        ctx.actor,
        today=ctx.today,
        on_date=day_of(slots),
        # Households named in the message attended; with no names, all of the trainer's did.
        household_ids=named or None,
        attendees=attendees if isinstance(attendees, int) else None,
        topics=slots.get("topics"),
        source_ref=ctx.message.source_ref,
    )
    details = [f"ครัวเรือนที่เข้าร่วม {session.attendees or 0:,} ครัวเรือน"]
    if session.topics:
        details.append(f"เรื่องที่สอน: {session.topics}")
    return saved("บันทึกการอบรมแล้วค่ะ", details, session.on_date, None)


SPEC = ReportSpec(
    intent="training",
    required=("topics",),
    questions={"topics": Question("อบรมเรื่องอะไรคะ เช่น การทำบัญชีครัวเรือน")},
    save=save,
    check=check,
)
