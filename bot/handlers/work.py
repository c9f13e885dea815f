"""ทำงาน… — work a member did: hours or units made. The basis of dividends by work
("ทำมากได้มาก ทำน้อยได้น้อย ไม่ทำไม่ได้"), so whose work it is is never guessed: a name in the
report is matched against the group's members; a chair or treasurer may record for a member;
a member recording for another member is shown and confirmed; a name that matches nobody is
asked ("งานของใครคะ"). Hours of one person on one day are capped."""

from __future__ import annotations

from decimal import Decimal

from bot.handlers.common import group_check, saved
from bot.handlers.context import Context
from bot.handlers.people import match_member, named_in
from bot.handlers.record_flow import Question, RecordSpec, Slots, day_of, dec
from bot.messages import QuickReply, Reply
from bot.services.errors import NeedsChoice
from bot.services.records import record_work
from bot.storage.models import Role
from bot.wording import quantity, thai_date

MYSELF = "ของฉันเอง"


def _day_cap(ctx: Context, settings: dict[str, object]) -> Decimal:
    cap = ctx.settings.max_work_hours_per_day
    own = settings.get("max_work_hours_per_day")
    return min(cap, Decimal(str(own))) if own is not None else cap


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    hours = dec(slots, "hours")
    done = dec(slots, "quantity")
    if hours is None and done is None:
        hours = dec(slots, "amount_done")
    group = await ctx.uow.groups.get(int(slots["group_id"]))
    worker = slots.get("worker_id")
    log = await record_work(
        ctx.uow,
        ctx.actor,
        today=ctx.today,
        on_date=day_of(slots),
        hours=hours,
        amount_done=done,
        unit=slots.get("unit"),
        note=slots.get("topics") or slots.get("item"),
        person_id=worker if isinstance(worker, int) else None,
        group_id=slots.get("group_id"),
        day_cap=_day_cap(ctx, group.settings if group else {}),
        source_ref=ctx.message.source_ref,
    )
    details = [f"ของ {slots.get('worker_name') or ctx.actor.name}"]
    if log.hours is not None:
        details.append(f"{quantity(log.hours)} ชั่วโมง")
    if log.quantity is not None:
        details.append(f"ทำได้ {quantity(log.quantity)} {log.unit or ''}".rstrip())
    if log.note:
        details.append(f"งาน: {log.note}")
    return saved("บันทึกงานแล้วค่ะ", details, log.on_date, slots.get("group_name"))


def _has_work(slots: Slots) -> bool:
    return slots.get("hours") is not None or slots.get("quantity") is not None


async def _whose(ctx: Context, slots: Slots) -> None:
    """Settles whose work this is, once: the sender, or the member the report names."""
    assert ctx.actor is not None
    if "worker_id" in slots:
        return
    members = [(p.id, p.name) for _m, p in await ctx.uow.groups.members(int(slots["group_id"]))]
    others = [(pid, name) for pid, name in members if pid != ctx.actor.person_id]
    said = slots.get("person")
    if not said:
        # A name found only by looking through the text is shown before saving, even to
        # a chair: "ทำงานที่บ้านประไพ" is not Prapai's work.
        said = named_in(ctx.text, others)
        slots["worker_unsure"] = said is not None
    if not said:
        slots["worker_id"], slots["worker_name"] = ctx.actor.person_id, ctx.actor.name
        return
    found = match_member(str(said), members)
    if found is None:
        options = [(pid, name) for pid, name in others] + [(ctx.actor.person_id, MYSELF)]
        raise NeedsChoice(f"งานของใครคะ (ไม่พบ {said} ในกลุ่ม)", options, slot="worker_id")
    slots["worker_id"], slots["worker_name"] = found


async def _fill(ctx: Context, slots: Slots) -> None:
    await group_check()(ctx, slots)
    if "worker_id" in slots and "worker_name" not in slots:
        label = str(slots.get("choice_label") or "")
        slots["worker_name"] = ctx.actor.name if label == MYSELF and ctx.actor else label
    await _whose(ctx, slots)
    if not _has_work(slots) and slots.get("amount_done") is not None:
        slots["hours"] = slots["amount_done"]  # a bare number answering "how many hours?"
    # One question covers both ways of measuring work: hours, or units made.
    if _has_work(slots):
        slots["amount_done"] = slots.get("hours") or slots.get("quantity")
    else:
        slots.pop("amount_done", None)


async def confirm_for_another(ctx: Context, slots: Slots) -> str | None:
    """A member recording another member's work shows it first; chair and treasurer may
    record for members (their role), and nobody confirms their own."""
    assert ctx.actor is not None
    if slots.get("worker_id") == ctx.actor.person_id:
        return None
    leads = ctx.actor.role_in(int(slots["group_id"])) in (Role.CHAIR, Role.TREASURER)
    if leads and not slots.get("worker_unsure"):
        return None
    hours, done = dec(slots, "hours"), dec(slots, "quantity")
    amount = f"{quantity(hours)} ชั่วโมง" if hours is not None else ""
    if done is not None:
        amount = f"{amount} ทำได้ {quantity(done)} {slots.get('unit') or ''}".strip()
    day = day_of(slots) or ctx.today
    return f"บันทึกงานของ {slots.get('worker_name')} {amount} วันที่ {thai_date(day)} ใช่ไหมคะ"


SPEC = RecordSpec(
    intent="work",
    required=("amount_done",),
    questions={
        "amount_done": Question(
            "ทำงานกี่ชั่วโมงคะ เช่น 3 ชั่วโมง (หรือบอกจำนวนที่ทำได้ เช่น ทำไข่เค็ม 100 ฟอง)",
            (QuickReply("2 ชั่วโมง"), QuickReply("4 ชั่วโมง"), QuickReply("8 ชั่วโมง")),
        ),
    },
    save=save,
    check=_fill,
    summary=confirm_for_another,
)
