"""A handler that fails is answered "ระบบขัดข้อง…" and keeps nothing it wrote, also when the
failure shows only once its pending writes are flushed (a constraint, a race between workers)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.conversation import SORRY, Conversation
from bot.handlers.context import Context, reply
from bot.messages import InboundMessage
from bot.router import Rule
from bot.storage.models import ChatAccount, Outbox, Person


async def _always(ctx: Context) -> Any:
    return ()


async def _writes_a_duplicate(ctx: Context, _: Any) -> Any:
    # A second account with the same platform id: refused by the unique key, but only when
    # the pending object is flushed, after the handler has returned its answer.
    ctx.uow.session.add(
        ChatAccount(channel=ctx.account.channel, external_id=ctx.account.external_id)
    )
    return reply("บันทึกแล้วค่ะ")


async def _answered_by(
    app: App, handler: Any, sender: str, *, room: str | None = None
) -> tuple[Conversation, Any]:
    """A console message from `sender` (in the group chat `room`, if given) handled by
    `handler` alone, which must fail: the conversation and the message (to send it again)."""
    conversation = Conversation(
        app.uow, app.settings, app.clock, rules=(Rule("buggy", _always, handler),)
    )
    message = InboundMessage(
        channel="console", sender_id=sender, chat_id=room or sender, text="ขายไข่ 10 ฟอง",
        event_id=f"e-{sender}", is_group=room is not None,
    )  # fmt: skip
    handled = await conversation.handle(message)
    assert handled.rule == "error"
    assert handled.reply is not None and handled.reply.text == SORRY
    return conversation, message


async def test_a_write_that_fails_at_flush_is_answered_as_a_failure(app: App) -> None:
    conversation, message = await _answered_by(app, _writes_a_duplicate, "u1")
    async with app.uow() as uow:
        accounts = await uow.session.scalar(
            select(func.count()).select_from(ChatAccount).where(ChatAccount.external_id == "u1")
        )
    assert accounts == 1  # the person's own account, and nothing the handler wrote
    # The delivery was recorded: the platform's redelivery is not handled a second time.
    assert (await conversation.handle(message)).duplicate


def _audits_wrongly(answer: bool) -> Any:
    async def handler(ctx: Context, _: Any) -> Any:
        # A person added, and an audit entry the database refuses (no action). On PostgreSQL
        # the entry is held and rides with the reply's INSERT, after the handler has
        # returned; with no reply, it is sent before the commit.
        await ctx.uow.people.add_person("ไม่ควรอยู่")
        await ctx.uow.audit.add(None, None, "person", 1)  # type: ignore[arg-type]
        return reply("บันทึกแล้วค่ะ") if answer else None

    return handler


@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("answer", "room"),
    [(True, None), (False, None), (True, "g1")],
    # in a group chat the reply goes through the ORM's flush, which carries the held write
    ids=["with a reply", "silent", "in a group chat"],
)
async def test_a_held_write_that_fails_after_the_handler_is_answered_as_its_failure(
    app: App, answer: bool, room: str | None
) -> None:
    conversation, message = await _answered_by(app, _audits_wrongly(answer), "u2", room=room)
    async with app.uow() as uow:
        people = await uow.session.scalar(select(func.count()).select_from(Person))
        answers = (await uow.session.scalars(select(Outbox.payload))).all()
    assert people == 0  # nothing the handler wrote
    assert [a["text"] for a in answers] == [SORRY]  # answered once, as a failure
    assert (await conversation.handle(message)).duplicate
