"""กิจกรรม… — a group activity: training, study visit, hands-on practice, production, marketing."""

from __future__ import annotations

from bot.handlers.common import group_check, saved
from bot.handlers.context import Context
from bot.handlers.record_flow import Question, RecordSpec, Slots, day_of
from bot.messages import QuickReply, Reply
from bot.services.records import record_activity
from bot.wording import ACTIVITY_KIND_NAMES

KIND_NAMES = ACTIVITY_KIND_NAMES
KIND_BY_NAME = {name: kind for kind, name in KIND_NAMES.items()}


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    kind = str(slots.get("activity_kind") or "other")
    kind = KIND_BY_NAME.get(kind, kind)
    attendees = slots.get("attendees")
    activity = await record_activity(
        ctx.uow,
        ctx.actor,
        today=ctx.today,
        kind=kind,
        on_date=day_of(slots),
        attendees=attendees if isinstance(attendees, int) else None,
        topics=slots.get("topics"),
        group_id=slots.get("group_id"),
        source_ref=ctx.message.source_ref,
    )
    details = [f"ประเภท: {KIND_NAMES.get(activity.kind, activity.kind)}"]
    if activity.attendees:
        details.append(f"ผู้ร่วม {activity.attendees:,} คน")
    if activity.topics:
        details.append(f"รายละเอียด: {activity.topics}")
    return saved("บันทึกกิจกรรมแล้วค่ะ", details, activity.on_date, slots.get("group_name"))


SPEC = RecordSpec(
    intent="activity",
    required=("activity_kind", "topics"),
    questions={
        "activity_kind": Question(
            "เป็นกิจกรรมแบบไหนคะ",
            tuple(QuickReply(name) for name in KIND_NAMES.values()),
        ),
        "topics": Question("ทำอะไรบ้างคะ พิมพ์สั้น ๆ ได้เลยค่ะ เช่น แปรรูปไข่เค็ม 200 ฟอง"),
    },
    save=save,
    check=group_check(household_ok=True),
)
