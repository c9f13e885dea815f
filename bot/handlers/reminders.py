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

from sqlalchemy import ColumnElement, and_, delete, select, update

from bot.handlers.context import Context, reply
from bot.messages import QuickReply, Reply
from bot.storage.models import Outbox, Reminder
from bot.wording import thai_date
from scheduler.policy import Moment, Schedule, next_sweep_after

REOPEN_WINDOW = timedelta(days=1)


def _pending(ctx: Context) -> ColumnElement[bool]:
    return and_(
        Outbox.chat_account_id == ctx.account.id,
        Outbox.kind == "reminder",
        Outbox.status == "pending",
    )


async def stop(ctx: Context, _: object = None) -> Reply:
    ctx.account.reminders_off = True
    ctx.account.reminders_snoozed_until = None
    # Reminders written but not yet sent (quiet hours) are not sent after all.
    await ctx.uow.session.execute(
        update(Outbox).where(_pending(ctx)).values(status="cancelled", last_error="หยุดเตือน")
    )
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
    session = ctx.uow.session
    # Anything waiting for this account goes out tomorrow instead of tonight or now...
    await session.execute(
        update(Outbox)
        .where(_pending(ctx), Outbox.next_attempt_at < until)
        .values(next_attempt_at=until)
    )
    # ...and what was sent in the last day is asked again by tomorrow's sweep, if still due.
    if ctx.person_id is not None:
        sent = select(Outbox.id).where(
            Outbox.chat_account_id == ctx.account.id,
            Outbox.kind == "reminder",
            Outbox.status == "sent",
        )
        await session.execute(
            delete(Reminder).where(
                Reminder.recipient == f"person:{ctx.person_id}",
                Reminder.created_at >= ctx.now - REOPEN_WINDOW,
                Reminder.outbox_id.in_(sent),
            )
        )
    clock = f"{schedule.sweep_at.hour:02d}:{schedule.sweep_at.minute:02d}"
    return reply(
        f"ได้ค่ะ พรุ่งนี้ ({thai_date(until.date())}) เวลา {clock} น. จะเตือนอีกครั้งนะคะ 🙏",
        QuickReply("เมนู"),
    )


async def resume(ctx: Context, _: object = None) -> Reply:
    ctx.account.reminders_off = False
    ctx.account.reminders_snoozed_until = None
    return reply(
        "เปิดการแจ้งเตือนแล้วค่ะ 🔔 จะเตือนเรื่องการเยี่ยม การประชุม และตัวเลขประจำเดือนตามรอบนะคะ\n"
        "ไม่ต้องการเมื่อไรพิมพ์ หยุดเตือน หรือ เตือนพรุ่งนี้ ได้เลยค่ะ",
        QuickReply("เมนู"),
    )
