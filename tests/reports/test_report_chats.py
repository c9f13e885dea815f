"""ส่งออก and ครัวเรือนต้นแบบ through the real chat path: an officer gets the workbook as a
stored document and the ranked households; everyone else is refused politely."""

from __future__ import annotations

import asyncio
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.channels.base import Retryable
from bot.clock import FixedClock
from bot.messages import Reply
from bot.reports import files
from bot.reports.export_rows import XLSX_TYPE
from bot.reports.files import load
from bot.services import exports
from bot.storage.models import AccountEntry, Household, StoredFile
from bot.web import create_web_app
from bot.web.runtime import file_loader
from tests.conftest import NOW
from tests.support.chat import Chat


async def stored(chat: Chat, answer: Reply) -> StoredFile:
    """The file the reply links to, as its first fetch leaves it (the workbook is rendered
    then, not in the message's transaction)."""
    assert answer.document is not None
    assert await load(chat.app.uow, answer.document.key, NOW) is not None
    async with chat.app.uow() as uow:
        found = await uow.files.get(answer.document.key, NOW)
    assert found is not None
    return found


async def test_an_officer_gets_the_district_workbook_as_a_file(chat: Chat) -> None:
    answer = await chat.say("ส่งออก", "officer")
    assert answer is not None and answer.document is not None
    assert "ต.ค. 2568" in answer.text and "อำเภอวังหิน" in answer.text
    assert "2 กลุ่ม" in answer.text and "ส่งตัวเลขแล้ว 0/2 กลุ่ม" in answer.text
    assert answer.text.rstrip().endswith("ค่ะ")
    assert answer.document.filename == "สัมมาชีพ-อำเภอวังหิน-2568-10.xlsx"
    labels = [q.label for q in answer.quick_replies]
    assert labels == ["ส่งออกเดือนก่อน", "สรุป", "เมนู"]
    assert all(len(label) <= 20 for label in labels)
    assert answer.quick_replies[0].message == "ส่งออก ก.ย. 68"

    file = await stored(chat, answer)
    assert file.content_type == XLSX_TYPE and file.filename == answer.document.filename
    assert file.expires_at - file.created_at == timedelta(minutes=15)  # FILE_LINK_MINUTES
    assert file.single_use and file.owner_person_id is not None
    book = load_workbook(io.BytesIO(file.data))
    assert book.sheetnames[0] == "สรุป"
    assert "ต.ค. 2568" in book["สรุป"]["A1"].value
    # October so far: the demo's salted-egg sales of 6 and 13 October (150 + 125 + 2 x 360).
    assert book["สรุป"]["G3"].value == 995


async def test_the_month_can_be_named(chat: Chat) -> None:
    for text in ("ส่งออก ก.ย.", "/export เดือนที่แล้ว"):
        answer = await chat.say(text, "officer")
        assert answer is not None and answer.document is not None, text
        assert answer.document.filename.endswith("2568-09.xlsx"), text
        book = load_workbook(io.BytesIO((await stored(chat, answer)).data))
        assert "ก.ย. 2568" in book["สรุป"]["A1"].value
        assert book["สรุป"]["K4"].value != "ยังไม่ส่ง"  # the frog group's September figures


async def test_a_member_is_refused_politely(chat: Chat) -> None:
    for text in ("ส่งออก", "/export", "ครัวเรือนต้นแบบ"):
        answer = await chat.say(text, "member")
        assert answer is not None and answer.document is None, text
        assert "ขออภัยค่ะ" in answer.text and "เฉพาะพัฒนากร" in answer.text, text


async def test_other_messages_starting_with_the_word_are_not_exports(chat: Chat) -> None:
    for who in ("officer", "member"):
        answer = await chat.say("ส่งออกไข่เค็ม 100 ฟอง 500 บาท", who)
        assert answer is not None and answer.document is None
        assert "ขออภัย" not in answer.text and "รายงานประจำเดือน" not in answer.text
    assert await chat.count(StoredFile) == 0


async def test_an_officer_sees_model_household_candidates(chat: Chat) -> None:
    async with chat.app.uow() as uow:
        households = {h.head_name: h for h in (await uow.session.scalars(select(Household))).all()}
        kampun = households["คำปุ่น มีสุข"]
        assert kampun.person_id is not None
        for months_ago, amount in ((1, "2500"), (2, "2000"), (8, "1000")):
            day = date(2025, 10 - months_ago, 5)
            uow.session.add(AccountEntry(household_id=kampun.id, kind="income", item="ผัก",
                                         amount=Decimal(amount), on_date=day,
                                         recorded_by=kampun.person_id))  # fmt: skip
        uow.session.add(AccountEntry(household_id=kampun.id, kind="expense", item="เมล็ดพันธุ์",
                                     amount=Decimal("1200"), on_date=date(2025, 9, 1),
                                     recorded_by=kampun.person_id))  # fmt: skip
        await uow.commit()
    answer = await chat.say("ครัวเรือนต้นแบบ", "officer")
    assert answer is not None
    text = answer.text
    assert "บ้านดวนใหญ่ หมู่ที่ 2" in text
    assert "พ.ย. 67 – ต.ค. 68" in text
    first = text.index("1. คำปุ่น มีสุข")
    assert first < text.index("2. จันทร์เพ็ญ แสงดี")
    # Latest 6 months 4,500 vs 1,000 before: up 3,500 baht (+350%); net 5,500 - 1,200.
    assert "รายได้ 6 เดือนล่าสุด 4,500 บาท (เพิ่มขึ้น 3,500 บาท +350%)" in text
    assert "สุทธิ 12 เดือน 4,300 บาท" in text and "บันทึก 3/12 เดือน" in text
    assert text.rstrip().endswith("ค่ะ")
    assert len(text) < 4096


async def test_the_workbook_is_rendered_after_the_commit_not_in_the_message(chat: Chat) -> None:
    """The message's transaction stores the request with the reply; the workbook is built
    when the link is first fetched. A crash in between loses nothing: the request is there,
    and the next fetch (here: a fresh app over the same database) renders it."""
    answer = await chat.say("ส่งออก", "officer")
    assert answer is not None and answer.document is not None
    async with chat.app.uow() as uow:
        pending = await uow.files.get(answer.document.key, NOW)
    assert pending is not None and pending.data == b""  # not built inside the message
    assert pending.spec is not None and pending.spec["export"] == "district"
    assert pending.single_use and pending.used_at is None

    fetched = await load(chat.app.uow, answer.document.key, NOW)
    assert fetched is not None and fetched.data.startswith(b"PK") and not fetched.used
    again = await load(chat.app.uow, answer.document.key, NOW)
    assert again is not None and again.data == fetched.data  # rendered once, then kept
    expired = await load(chat.app.uow, answer.document.key, NOW + timedelta(minutes=16))
    assert expired is None  # time-limited as before


async def test_a_workbook_that_cannot_be_built_is_retried_on_the_next_fetch(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while rendering leaves the request in place: that fetch is answered "not
    ready yet, try again in a moment" (NotReady: a 503 page in Thai, a retried send on
    Telegram), not "expired"; fetches right after it do not build again (a broken build is not
    retried on every cheap GET), and a fetch after the pause builds the file."""
    answer = await chat.say("ส่งออก", "officer")
    assert answer is not None and answer.document is not None
    calls = 0

    async def broken(*_: object) -> bytes:
        nonlocal calls
        calls += 1
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(exports, "render_request", broken)
        for _ in range(5):
            with pytest.raises(files.NotReady):
                await load(chat.app.uow, answer.document.key, NOW)
    assert calls == 1  # five fetches within the pause: one build attempt
    later = NOW + files.RETRY_AFTER
    fetched = await load(chat.app.uow, answer.document.key, later)
    assert fetched is not None and fetched.data.startswith(b"PK")


def counted_builds(monkeypatch: pytest.MonkeyPatch, *, taking: float) -> list[float]:
    """Each workbook build noted (when it started) and made to take `taking` seconds, so that
    fetches arriving together overlap it."""
    real = exports.render_request
    builds: list[float] = []

    async def slow(*args: Any) -> bytes:
        builds.append(asyncio.get_running_loop().time())
        await asyncio.sleep(taking)
        return await real(*args)

    monkeypatch.setattr(exports, "render_request", slow)
    return builds


async def test_concurrent_first_fetches_build_the_workbook_once(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many fetches of one fresh link at once (a link preview, a double tap, an attacker
    replaying the GET) wait for one build instead of each building the workbook."""
    answer = await chat.say("ส่งออก", "officer")
    assert answer is not None and answer.document is not None
    builds = counted_builds(monkeypatch, taking=0.05)
    key = answer.document.key
    fetched = await asyncio.gather(*(load(chat.app.uow, key, NOW) for _ in range(6)))
    assert len(builds) == 1
    assert all(f is not None and f.data.startswith(b"PK") for f in fetched)


class _EachFetchOnItsOwnWorker(dict[str, Any]):
    """`files._building` as several workers have it: none sees another's build in progress."""

    def get(self, key: str, default: Any = None) -> Any:
        return default

    def __setitem__(self, key: str, value: Any) -> None:
        pass


@pytest.mark.both_databases
async def test_first_fetches_on_several_workers_build_the_workbook_once(
    chat: Chat, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With several workers (PostgreSQL), the first fetches of one link can reach different
    workers at once: the link's advisory lock makes the later ones wait and take the built
    workbook. On SQLite (one process) the fetches share the process's one build."""
    answer = await chat.say("ส่งออก", "officer")
    assert answer is not None and answer.document is not None
    builds = counted_builds(monkeypatch, taking=0.2)
    if database_url.startswith("postgresql"):
        monkeypatch.setattr(files, "_building", _EachFetchOnItsOwnWorker())
    key = answer.document.key
    fetched = await asyncio.gather(*(load(chat.app.uow, key, NOW) for _ in range(3)))
    assert len(builds) == 1
    bodies = {f.data for f in fetched if f is not None}
    assert len(bodies) == 1 and next(iter(bodies)).startswith(b"PK")


async def test_a_link_whose_workbook_is_not_built_yet_says_so_in_thai(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failing fetch does not say "not found or expired" (the link is fine): a 503 page
    says the file is not ready and to tap the link again in a moment."""
    answer = await chat.say("ส่งออก", "officer")
    assert answer is not None and answer.document is not None

    async def broken(*_: object) -> bytes:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(exports, "render_request", broken)
    web = create_web_app(chat.app, scheduler=False, drain_interval=0, dashboard=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web), base_url="http://bot"
    ) as http:
        page = await http.get(f"/files/{answer.document.key}")
        pressed = await http.post(f"/files/{answer.document.key}")  # the button, meanwhile
        monkeypatch.undo()
        assert isinstance(chat.app.clock, FixedClock)
        chat.app.clock.instant += files.RETRY_AFTER
        download = await http.post(f"/files/{answer.document.key}")
    assert page.status_code == 503 and page.headers["retry-after"] == "30"
    assert "ยังเตรียมไฟล์ไม่เสร็จ" in page.text and "ลองกดลิงก์อีกครั้งในอีกสักครู่นะคะ" in page.text
    assert "หมดอายุ" not in page.text and "PK" not in page.text
    assert pressed.status_code == 503  # a failed build does not use up the single-use link
    assert download.status_code == 200 and download.content.startswith(b"PK")


async def test_telegram_sends_a_not_yet_built_workbook_again_later(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Telegram transport uploads the file itself: a failed build is a retryable send (the
    outbox tries again), not the "expired, ask again" line sent in its place."""
    answer = await chat.say("ส่งออก", "officer")
    assert answer is not None and answer.document is not None

    async def broken(*_: object) -> bytes:
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(exports, "render_request", broken)
        with pytest.raises(Retryable):
            await file_loader(chat.app)(answer.document.key)
    assert isinstance(chat.app.clock, FixedClock)
    chat.app.clock.instant += files.RETRY_AFTER
    sent = await file_loader(chat.app)(answer.document.key)
    assert sent is not None and sent.data.startswith(b"PK")
