"""ประชุม… — the group's meeting (at least monthly, DOMAIN.md "5 ก"), logged by chair or treasurer."""

from __future__ import annotations

from bot.handlers.common import group_check, saved
from bot.handlers.context import Context
from bot.handlers.record_flow import Question, RecordSpec, Slots, day_of
from bot.messages import QuickReply, Reply
from bot.services.records import MEETING_ROLES, record_meeting
from bot.storage.models import Role


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    attendees = slots.get("attendees")
    meeting = await record_meeting(
        ctx.uow,
        ctx.actor,
        today=ctx.today,
        on_date=day_of(slots),
        attendees=attendees if isinstance(attendees, int) else None,
        topics=slots.get("topics"),
        decisions=slots.get("decisions"),
        group_id=slots.get("group_id"),
        source_ref=ctx.message.source_ref,
    )
    details = [f"ผู้เข้าประชุม {meeting.attendees:,} คน" if meeting.attendees else ""]
    if meeting.topics:
        details.append(f"เรื่อง: {meeting.topics}")
    if meeting.decisions:
        details.append(f"มติ: {meeting.decisions}")
    return saved("บันทึกการประชุมแล้วค่ะ", details, meeting.on_date, slots.get("group_name"))


SPEC = RecordSpec(
    intent="meeting",
    required=("attendees", "topics"),
    questions={
        "attendees": Question("มีสมาชิกเข้าประชุมกี่คนคะ เช่น 12 คน"),
        "topics": Question(
            "ประชุมเรื่องอะไร และตกลงอะไรกันบ้างคะ พิมพ์สั้น ๆ ได้เลยค่ะ",
            (QuickReply("ไม่ระบุ"),),
        ),
    },
    save=save,
    check=group_check((Role.CHAIR, Role.TREASURER), MEETING_ROLES),
)
