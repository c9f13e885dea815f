"""A backlog in the intake (a market-day burst): on SQLite, messages of different chats are
handled together, several per transaction (bot/web/intake.py `_process_queued`,
`Conversation.handle_together`), and every person still gets exactly what they would get one
message at a time: each report saved once, their own echo, in the order they wrote. On
PostgreSQL each message keeps its own transaction; the same outcomes are checked there."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.handlers import sale as sale_handler
from bot.services.errors import InvalidInput
from bot.services.records import SaleInput, record_sale
from bot.storage.models import Sale
from tests.support.channel_stack import Stack


def _together_sizes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, undone: list[int] | None = None
) -> list[int]:
    """How many events each `handle_together` call was given (so the test knows the backlog
    really was handled together, not one by one); into `undone`, the sizes of the rounds
    that were rolled back and handled one by one instead."""
    sizes: list[int] = []
    real = stack.app.conversation.handle_together

    async def spy(events: Any, **kwargs: Any) -> Any:
        sizes.append(len(events))
        outcome = await real(events, **kwargs)
        if outcome is None and undone is not None:
            undone.append(len(events))
        return outcome

    monkeypatch.setattr(stack.app.conversation, "handle_together", spy)
    # PostgreSQL spreads chats over several lanes (`INTAKE_LANES`): here all go through one,
    # as on SQLite, so the backlog is one lane's and the rounds are as big as it.
    intake = stack.web.state.web.intake
    monkeypatch.setattr(intake, "_lane", lambda message: intake._lanes[0])
    return sizes


def _handled_together(stack: Stack, sizes: list[int]) -> bool:
    """SQLite handles a backlog several chats per transaction; PostgreSQL (several workers)
    keeps one transaction per message (bot/web/intake.py), with the same outcome for people."""
    if stack.app.engine.dialect.name == "sqlite":
        return max(sizes, default=0) >= 2
    return sizes == []


async def _quantities(stack: Stack, user: str) -> list[int]:
    person = await stack.person_of("line", user)
    async with stack.app.uow() as uow:
        saved = await uow.session.scalars(
            select(Sale.quantity).where(Sale.recorded_by == person).order_by(Sale.id)
        )
        return [int(q) for q in saved if q is not None]


async def _backlog_with_one_odd_report(
    stack: Stack, users: list[str], odd: str, odd_text: str
) -> None:
    """One webhook: each person's sale of n + 1 salted eggs at 5 baht each, but `odd`'s."""
    events = [
        stack.events.text(
            odd_text if user == odd else f"ขายไข่เค็ม {n + 1} ฟอง {5 * (n + 1)} บาท",
            user=user,
            reply_token=stack.line.issue_token(user),
        )
        for n, user in enumerate(users)
    ]
    assert (await stack.post_line(*events)).status_code == 200


async def _the_others_saved_and_echoed_once(stack: Stack, users: list[str], odd: str) -> None:
    for n, user in enumerate(users):
        if user != odd:
            assert await _quantities(stack, user) == [n + 1]
            echoes = [t for t in stack.line.texts(user) if "ยอดเงิน" in t]
            assert len(echoes) == 1  # one echo each, not one per attempt
            assert f"{n + 1} ฟอง" in echoes[0] and f"{5 * (n + 1)} บาท" in echoes[0]


@pytest.mark.both_databases
async def test_a_backlog_of_many_people_is_saved_once_each_with_each_persons_own_echo(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twelve people report in one webhook (LINE batches events), three of them twice: every
    report is saved once, in each person's order, and each echo names that person's own
    quantity and amount."""
    sizes = _together_sizes(stack, monkeypatch)
    users = [await stack.line_member() for _ in range(12)]
    sent: dict[str, list[int]] = {user: [] for user in users}
    events = []
    for n, user in enumerate(users + users[:3]):
        quantity = 10 + n
        sent[user].append(quantity)
        events.append(
            stack.events.text(
                f"ขายไข่เค็ม{quantity}ฟอง{quantity * 5}บ.ค่ะ",
                user=user,
                reply_token=stack.line.issue_token(user),
            )
        )
    assert (await stack.post_line(*events)).status_code == 200
    assert _handled_together(stack, sizes)
    for user in users:
        assert await _quantities(stack, user) == sent[user]
        echoes = stack.line.texts(user)[-len(sent[user]) :]
        for quantity, echo in zip(sent[user], echoes, strict=True):
            assert f"{quantity} ฟอง" in echo and f"{quantity * 5}" in echo


@pytest.mark.both_databases
async def test_one_refused_report_in_a_backlog_keeps_nothing_of_it_and_spoils_no_other(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the middle of a backlog one person's report is refused by the use case (here: a
    sale of 99 eggs, which this test's rule refuses after the sale was written): they are
    told why and nothing of it is saved; everyone else's report is saved once and echoed
    once, although the transaction they shared had to be undone and done again."""
    undone: list[int] = []
    sizes = _together_sizes(stack, monkeypatch, undone)
    real = record_sale

    async def refuses_99(uow: Any, actor: Any, sale: SaleInput, **kwargs: Any) -> Any:
        row = await real(uow, actor, sale, **kwargs)  # written (flushed), then refused
        if sale.quantity == 99:
            raise InvalidInput("ยอดนี้บันทึกไม่ได้ค่ะ")
        return row

    monkeypatch.setattr(sale_handler, "record_sale", refuses_99)
    users = [await stack.line_member() for _ in range(6)]
    wrong = users[3]
    await _backlog_with_one_odd_report(stack, users, wrong, "ขายไข่เค็ม 99 ฟอง 990 บาท")
    assert _handled_together(stack, sizes)
    assert bool(undone) == bool(sizes)  # written, then refused: the round undone
    assert await _quantities(stack, wrong) == []
    assert await stack.count(Sale, Sale.quantity == 99) == 0
    assert "ยอดนี้บันทึกไม่ได้ค่ะ" in stack.line.texts(wrong)[-1]
    await _the_others_saved_and_echoed_once(stack, users, wrong)


@pytest.mark.both_databases
async def test_a_report_refused_before_anything_was_written_is_answered_in_the_same_round(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sale dated more than a year back is refused before anything is written: its writer
    is told why, nothing of it is saved, the others' reports are saved and echoed once, and
    the round is not undone for it (no one's message is handled twice)."""
    undone: list[int] = []
    sizes = _together_sizes(stack, monkeypatch, undone)
    users = [await stack.line_member() for _ in range(6)]
    late = users[2]
    await _backlog_with_one_odd_report(stack, users, late, "ขายผัก 1 ม.ค. 2024 200 บาท")
    assert _handled_together(stack, sizes) and undone == []
    assert await _quantities(stack, late) == []
    assert await stack.count(Sale, Sale.item == "ผัก") == 0
    assert "เก่าเกินหนึ่งปี" in stack.line.texts(late)[-1]
    await _the_others_saved_and_echoed_once(stack, users, late)


@pytest.mark.both_databases
async def test_a_reply_another_of_its_chat_waits_for_is_marked_sent_without_waiting_for_others(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One member's four sales in one webhook (LINE batches events), and another member's
    one: each of the first member's first three replies is followed by the next, which may
    not go out before it is marked sent, so their marks are not kept waiting to be written
    with other chats' (`Sender.send_ready(gather=False)`). A chat's last reply may wait.
    All five are saved and echoed, each chat's in order."""
    gathered: dict[str, list[bool]] = {}
    real = stack.app.sender.send_ready

    async def spy(ready: Any, *, gather: bool = True) -> Any:
        gathered.setdefault(ready.recipient, []).append(gather)
        return await real(ready, gather=gather)

    busy, quiet = await stack.line_member(), await stack.line_member()
    monkeypatch.setattr(stack.app.sender, "send_ready", spy)
    events = [
        stack.events.text(
            f"ขายไข่เค็ม{10 + n}ฟอง{(10 + n) * 5}บ.ค่ะ", user=busy,
            reply_token=stack.line.issue_token(busy),
        )
        for n in range(4)
    ] + [
        stack.events.text(
            "ขายไข่เค็ม20ฟอง100บ.ค่ะ", user=quiet, reply_token=stack.line.issue_token(quiet)
        )
    ]  # fmt: skip
    assert (await stack.post_line(*events)).status_code == 200
    await stack.settled()
    # The first is followed by three. (A reply written while its chat's previous one is
    # still unsent is sent by a drain, whose mark never waits.)
    assert gathered[busy][0] is False and gathered[quiet] == [True]
    assert await _quantities(stack, busy) == [10, 11, 12, 13]
    echoes = stack.line.texts(busy)[-4:]
    assert [f"{10 + n} ฟอง" in echo for n, echo in enumerate(echoes)] == [True] * 4
