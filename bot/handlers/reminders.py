"""หยุดเตือน / เตือนพรุ่งนี้ / เปิดเตือน — a person's say over the follow-up reminders.

- `หยุดเตือน` turns reminders off for this chat account (and drops any not yet sent);
- `เตือนพรุ่งนี้` snoozes them until tomorrow's sweep (08:00): anything waiting is delivered
  then, and what was sent to this person in the last day is asked again tomorrow if it is
  still due (submitted figures, a logged visit... are not reminded again);
- `เปิดเตือน` turns them back on.

The words for each (with their polite forms) are in bot/vocabulary.py.
"""

from __future__ import annotations

from datetime import timedelta

from bot.handlers.context import Context, reply
from bot.messages import QuickReply, Reply
from bot.services.actors import Actor
from bot.wording import thai_date
from scheduler.policy import Moment, Schedule, next_sweep_after

REOPEN_WINDOW = timedelta(days=1)


async def stop(ctx: Context, _: object = None) -> Reply:
    ctx.account.reminders_off = True
    ctx.account.reminders_snoozed_until = None
    # Reminders written but not yet sent (quiet hours) are not sent after all.
    await ctx.uow.outbox.cancel_reminders(ctx.account.id, reason="หยุดเตือน")
    return reply(
        "ปิดการแจ้งเตือนแล้วค่ะ 🙏 จะไม่ส่งข้อความเตือนอีกจนกว่าจะพิมพ์ เปิดเตือน นะคะ\n"
        "ยังบันทึกรายงานและดูสรุปได้ตามปกติค่ะ",
        QuickReply("เปิดเตือน"),
        QuickReply("เมนู"),
    )


async def snooze(ctx: Context, _: object = None) -> Reply:
    schedule = Schedule.from_settings(ctx.settings)
    until = next_sweep_after(Moment.of(ctx.now, ctx.settings.tz), schedule)
    ctx.account.reminders_off = False
    ctx.account.reminders_snoozed_until = until
    # Anything waiting for this account goes out tomorrow instead of tonight or now...
    await ctx.uow.outbox.postpone_reminders(ctx.account.id, until)
    # ...and what was sent in the last day is asked again by tomorrow's sweep, if still due.
    if ctx.person_id is not None:
        await ctx.uow.outbox.reopen_reminders(
            ctx.account.id, ctx.person_id, ctx.now - REOPEN_WINDOW
        )
    if not reminded_about(ctx.actor):
        return reply(f"ได้ค่ะ {NOTHING_TO_REMIND}\nพิมพ์ เมนู เพื่อดูสิ่งที่ทำได้ค่ะ", QuickReply("เมนู"))
    clock = f"{schedule.sweep_at.hour:02d}:{schedule.sweep_at.minute:02d}"
    return reply(
        f"ได้ค่ะ พรุ่งนี้ ({thai_date(until.date())}) เวลา {clock} น. จะเตือนอีกครั้งนะคะ 🙏",
        QuickReply("เมนู"),
    )


def reminded_about(actor: Actor | None) -> list[str]:
    """What the follow-up sweep reminds this person of, by the roles they hold (scheduler/
    policy.py): officers their visits and the groups and households that fell behind, chairs
    the meeting, treasurers the figures, trainers their households. Members and households
    get none."""
    roles = actor.roles if actor is not None else frozenset()
    about = []
    if "officer" in roles:
        about.append("แผนเยี่ยมกลุ่มและครัวเรือนประจำสัปดาห์ และกลุ่มที่ยังไม่ประชุมหรือยังไม่ส่งตัวเลข")
    if "chair" in roles:
        about.append("การประชุมประจำเดือนของกลุ่ม")
    if "treasurer" in roles:
        about.append("ตัวเลขประจำเดือนและสรุปกำไรประจำปีของกลุ่ม")
    if "trainer" in roles:
        about.append("ครัวเรือนที่ยังไม่มีบันทึกความคืบหน้าในเดือนนี้")
    return about


NOTHING_TO_REMIND = (
    "ตอนนี้ยังไม่มีเรื่องที่บอทต้องเตือนคุณค่ะ "
    "(บอทเตือนประธานเรื่องการประชุม เหรัญญิกเรื่องตัวเลขประจำเดือน วิทยากรและพัฒนากรเรื่องการติดตามครัวเรือน)"
)


async def resume(ctx: Context, _: object = None) -> Reply:
    ctx.account.reminders_off = False
    ctx.account.reminders_snoozed_until = None
    about = reminded_about(ctx.actor)
    if not about:
        return reply(
            f"เปิดการแจ้งเตือนไว้แล้วค่ะ 🔔 {NOTHING_TO_REMIND}\n"
            "พิมพ์ สรุป เพื่อดูยอดของเดือนนี้ หรือ เมนู เพื่อดูสิ่งที่ทำได้ค่ะ",
            QuickReply("สรุป"),
            QuickReply("เมนู"),
        )
    return reply(
        "เปิดการแจ้งเตือนแล้วค่ะ 🔔 บอทจะเตือนคุณตามรอบเรื่อง\n"
        + "".join(f"• {topic}\n" for topic in about)
        + "ไม่ต้องการเมื่อไรพิมพ์ หยุดเตือน หรือ เตือนพรุ่งนี้ ได้เลยค่ะ",
        QuickReply("เมนู"),
    )
