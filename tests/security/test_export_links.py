"""Export links are credentials: single use, 15 minutes, and revoked with the chat account
they were sent to. Through the real chat path (SQLite; PostgreSQL with SAMMACHIP_TEST_PG)."""

from __future__ import annotations

from bot.demo import persona_account
from bot.reports.files import load
from bot.services import enrolment
from tests.conftest import NOW
from tests.support.chat import Chat


async def test_unlinking_a_lost_phone_revokes_its_unfetched_export_links(chat: Chat) -> None:
    """The district office unlinks an officer's chat account (a lost or hijacked phone): the
    workbook link that account was just sent no longer opens, as the dashboard sessions end.
    Files that are not links (a cached chart) are not the person's and stay."""
    answer = await chat.say("ส่งออก", "officer")
    assert answer is not None and answer.document is not None
    async with chat.app.uow() as uow:
        account = await persona_account(uow, "officer")
        assert await enrolment.unlink(uow, [account], NOW) == 1
        await uow.commit()
    assert await load(chat.app.uow, answer.document.key, NOW) is None
