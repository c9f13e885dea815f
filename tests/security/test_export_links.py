"""Export links are credentials: single use, 15 minutes, and revoked with the chat account
they were sent to. Through the real chat path (SQLite; PostgreSQL with SAMMACHIP_TEST_PG)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from bot.demo import persona_account
from bot.reports.files import load
from bot.services import enrolment
from tests.conftest import NOW
from tests.conversations.test_administrators import DISTRICT_ADMIN, link, neighbours, register
from tests.support.chat import Chat

# Revoking and scoping are kept by the database: both backends.
pytestmark = pytest.mark.both_databases


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


async def test_words_after_export_never_widen_an_administrators_area(chat: Chat) -> None:
    """A district administrator naming the neighbouring district or the province after ส่งออก
    still gets their own district only: the scope is the administrator row, never the text."""
    await neighbours(chat)  # ขุขันธ์ beside วังหิน; โพธาราม in ราชบุรี
    await link(chat, DISTRICT_ADMIN, await register(chat, DISTRICT_ADMIN, "ศรีสะเกษ", "วังหิน"))
    for text in ("ส่งออก อำเภอขุขันธ์ ต.ค.", "ส่งออก อ.โพธาราม", "ส่งออก ก.ย. จังหวัดศรีสะเกษ"):
        answer = await chat.say(text, DISTRICT_ADMIN)
        assert answer is not None
        if answer.document is None:  # not understood: a polite Thai reply, no file
            assert answer.text.rstrip().endswith(("ค่ะ", "คะ", "🙏")) and "ขุขันธ์" not in answer.text
            continue
        assert "อำเภอวังหิน" in answer.text and "ขุขันธ์" not in answer.text
        fetched = await load(chat.app.uow, answer.document.key, NOW)
        assert fetched is not None
        book = load_workbook(io.BytesIO(fetched.data))
        cells = " ".join(
            str(value) for sheet in book for row in sheet.iter_rows(values_only=True)
            for value in row if value is not None
        )  # fmt: skip
        assert "ขุขันธ์" not in cells and "โพธาราม" not in cells and "กลุ่มทอเสื่อกก" not in cells
