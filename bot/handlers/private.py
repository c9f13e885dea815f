"""What never goes into a group chat: exports, a person's own data, district summaries, model
household rankings, codes, sign-in links and erasure. Asked for in a group chat, the answer is
made as if asked in the person's private chat with the bot, pushed there (an outbox row to the
private chat, in the same transaction), and the group is told only that it was sent privately."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.handlers.context import Context, reply
from bot.messages import Reply

SENT_PRIVATELY = (
    "ส่งให้ทางแชตส่วนตัวกับบอทแล้วค่ะ 📩 ข้อมูลนี้ไม่ส่งในห้องกลุ่มนะคะ\n"
    "ถ้ายังไม่ได้รับ ทักบอทในแชตส่วนตัวก่อน แล้วพิมพ์อีกครั้งค่ะ"
)


async def private_context(ctx: Context) -> Context:
    """The same person and message, as if sent in their private chat with the bot."""
    message = replace(
        ctx.message, chat_id=ctx.message.sender_id, is_group=False, reply_token=None,
        addressed=False,
    )  # fmt: skip
    state = await ctx.uow.conversations.get(ctx.account.id, message.chat_id)
    return replace(ctx, message=message, state=state, room_group_id=None, flow_saved=False)


async def push_private(ctx: Context, answer: Reply) -> None:
    await ctx.uow.outbox.add(
        ctx.message.channel,
        ctx.message.sender_id,
        answer.to_payload(),
        available_at=ctx.now,
        kind="push",
        chat_account_id=ctx.account.id,
    )


async def privately(
    ctx: Context, handler: Callable[[Context], Awaitable[Reply | None]]
) -> Reply | None:
    """Runs `handler` in the person's private chat when the message came from a group chat."""
    if not ctx.message.is_group:
        return await handler(ctx)
    private = await private_context(ctx)
    answer = await handler(private)
    if answer is None:
        return None
    await push_private(ctx, answer)
    return reply(SENT_PRIVATELY)
