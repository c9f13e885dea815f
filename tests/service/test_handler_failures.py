"""A handler that fails is answered "ระบบขัดข้อง…" and keeps nothing it wrote, also when the
failure shows only once its pending writes are flushed (a constraint, a race between workers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.conversation import SORRY, Conversation
from bot.handlers.context import Context, reply
from bot.messages import InboundMessage
from bot.router import Rule
from bot.storage.models import ChatAccount


async def _always(ctx: Context) -> Any:
    return ()


async def _writes_a_duplicate(ctx: Context, _: Any) -> Any:
    # A second account with the same platform id: refused by the unique key, but only when
    # the pending object is flushed, after the handler has returned its answer.
    ctx.uow.session.add(
        ChatAccount(channel=ctx.account.channel, external_id=ctx.account.external_id)
    )
    return reply("บันทึกแล้วค่ะ")


async def test_a_write_that_fails_at_flush_is_answered_as_a_failure(app: App) -> None:
    conversation = Conversation(
        app.uow,
        app.settings,
        app.clock,
        rules=(Rule("buggy", _always, _writes_a_duplicate),),
    )
    message = InboundMessage(
        channel="console", sender_id="u1", chat_id="u1", text="ขายไข่ 10 ฟอง", event_id="e1"
    )
    handled = await conversation.handle(message)
    assert handled.rule == "error"
    assert handled.reply is not None and handled.reply.text == SORRY
    async with app.uow() as uow:
        accounts = await uow.session.scalar(
            select(func.count()).select_from(ChatAccount).where(ChatAccount.external_id == "u1")
        )
    assert accounts == 1  # the person's own account, and nothing the handler wrote
    # The delivery was recorded: the platform's redelivery is not handled a second time.
    assert (await conversation.handle(message)).duplicate
