"""Issue 19, voice notes, over the whole path: a LINE audio message or a Telegram voice note
→ webhook → the real SDK download (line-bot-sdk's MessagingApiBlob from the fake data host,
with its 202-while-converting; python-telegram-bot's getFile and file download) → a local
speech-to-text server speaking the OpenAI wire format → the same understanding as typed text
→ "ได้ยินว่า: … บันทึกไหมคะ" → confirmed by a tap → the sale, its transcript and its audio."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.conversation import Handled
from bot.messages import InboundMessage
from bot.services.privacy import my_data
from bot.storage.models import InboundEvent, Sale, StoredFile, VoiceNote
from scheduler.jobs import purge
from tests.support.channel_stack import Stack, running_stack
from tests.support.fake_line import FakeLine
from tests.support.fake_stt import FakeTranscriber
from tests.support.fake_telegram import FakeTelegram
from tests.support.live_server import until

SAID = "ขายไข่เค็มสามสิบฟองสามร้อยบาท"
M4A = b"\x00\x00\x00\x20ftypM4A " + bytes(range(200))  # what LINE serves (m4a)
OGG = b"OggS\x00\x02" + bytes(range(150))  # what Telegram serves (ogg/opus)


@pytest.fixture
def stt() -> Iterator[FakeTranscriber]:
    fake = FakeTranscriber(api_key="stt-key").start()
    yield fake
    fake.stop()


@pytest.fixture
async def voice(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, stt: FakeTranscriber
) -> AsyncIterator[Stack]:
    """The stack with a speech-to-text server configured."""
    async with running_stack(
        db_url, fake_line, fake_telegram, stt_base_url=stt.url, stt_model="large-v3",
        stt_api_key="stt-key", stt_timeout_seconds=2.0,
    ) as running:  # fmt: skip
        yield running


async def line_voice(
    stack: Stack, user: str, audio: bytes, *, converting: int = 0, duration_ms: int = 4000
) -> str:
    """Sends a LINE voice message; returns the text of the answer."""
    token = stack.line.issue_token(user)
    event = stack.events.audio(user=user, reply_token=token, duration_ms=duration_ms)
    stack.line.voice(event["message"]["id"], audio, converting=converting)
    before = len(stack.line.texts(user))
    response = await stack.post_line(event)
    assert response.status_code == 200
    await until(lambda: len(stack.line.texts(user)) > before, what="the answer to a voice note")
    return stack.line.texts(user)[-1]


async def line_says(stack: Stack, user: str, text: str) -> str:
    before = len(stack.line.texts(user))
    token = stack.line.issue_token(user)
    await stack.post_line(stack.events.text(text, user=user, reply_token=token))
    await until(lambda: len(stack.line.texts(user)) > before, what=f"the answer to {text}")
    return stack.line.texts(user)[-1]


def buttons(stack: Stack) -> list[str]:
    last = stack.line.delivered[-1].messages[-1]
    return [i["action"]["label"] for i in last.get("quickReply", {}).get("items", [])]


async def sales_of(stack: Stack, channel: str, external: str | int) -> list[Sale]:
    person = await stack.person_of(channel, str(external))
    async with stack.app.uow() as uow:
        return list(await uow.session.scalars(select(Sale).where(Sale.recorded_by == person)))


async def notes(stack: Stack) -> list[VoiceNote]:
    async with stack.app.uow() as uow:
        return list(await uow.session.scalars(select(VoiceNote)))


async def test_a_line_voice_note_is_heard_shown_and_saved_once_confirmed(
    voice: Stack, stt: FakeTranscriber
) -> None:
    user = await voice.line_member()
    stt.says(M4A, SAID)
    answer = await line_voice(voice, user, M4A, converting=2)  # 202, 202, then the bytes

    assert answer.startswith(f"🎤 ได้ยินว่า: “{SAID}”")
    assert "ไข่เค็ม 30 ฟอง" in answer and "300 บาท" in answer and "บันทึกไหมคะ" in answer
    assert buttons(voice) == ["ยืนยัน", "แก้ไข", "ยกเลิก"]
    assert await sales_of(voice, "line", user) == []  # nothing saved before the tap
    calls = voice.line.setup.content_calls
    assert calls[0].startswith("content:") and "transcoding:" in calls[1]
    assert calls.count(calls[0]) == 3  # asked again politely until the file was ready
    [request] = stt.requests  # the OpenAI wire format: multipart file, model, language
    assert request.audio == M4A and request.fields["model"] == "large-v3"
    assert request.fields["language"] == "th" and request.authorization == "Bearer stt-key"
    assert request.content_type == "audio/x-m4a" and (request.filename or "").endswith(".m4a")

    done = await line_says(voice, user, "ยืนยัน")
    assert "บันทึกการขายแล้ว" in done or "300 บาท" in done
    [sale] = await sales_of(voice, "line", user)
    assert (sale.item, sale.quantity, sale.amount) == ("ไข่เค็ม", Decimal(30), Decimal(300))
    [note] = await notes(voice)
    assert note.transcript == SAID and (note.record_table, note.record_id) == ("sale", sale.id)
    async with voice.app.uow() as uow:
        audio = await uow.session.scalar(select(StoredFile).where(StoredFile.key == note.audio_key))
    assert audio is not None and audio.data == M4A
    assert audio.owner_person_id == sale.recorded_by
    # Kept, not shared: the audio is never served as a download link.
    response = await voice.http.get(f"/files/{note.audio_key}")
    assert response.status_code in (404, 410)


async def test_a_telegram_voice_note_becomes_a_confirmed_sale(
    voice: Stack, stt: FakeTranscriber
) -> None:
    user = await voice.telegram_member(424242)
    voice.telegram.files["voice-1"] = ("voice/file_7.oga", stt.says(OGG, SAID))
    before = len(voice.telegram.texts(user))
    await voice.post_telegram(voice.updates.voice(user_id=user, file_id="voice-1", size=len(OGG)))
    await until(lambda: len(voice.telegram.texts(user)) > before, what="the confirmation")
    shown = voice.telegram.sent[-1]
    assert (shown.text or "").startswith(f"🎤 ได้ยินว่า: “{SAID}”")
    assert shown.reply_markup is not None
    tapped = [b["callback_data"] for row in shown.reply_markup["inline_keyboard"] for b in row]
    assert tapped == ["ยืนยัน", "แก้ไข", "ยกเลิก"]
    assert voice.telegram.downloads == ["voice/file_7.oga"]
    [request] = stt.requests
    assert request.audio == OGG and request.content_type == "audio/ogg"
    assert await sales_of(voice, "telegram", user) == []

    await voice.post_telegram(voice.updates.callback("ยืนยัน", user_id=user, chat_id=user))
    await until(lambda: len(voice.telegram.texts(user)) > before + 1, what="the receipt")
    [sale] = await sales_of(voice, "telegram", user)
    assert (sale.item, sale.amount) == ("ไข่เค็ม", Decimal(300))
    [note] = await notes(voice)
    assert (note.transcript, note.record_id) == (SAID, sale.id)


async def test_saying_yes_does_not_confirm_and_a_correction_is_shown_again(
    voice: Stack, stt: FakeTranscriber
) -> None:
    user = await voice.line_member()
    await line_voice(voice, user, stt.says(M4A, SAID))
    yes = b"yes-audio"
    answer = await line_voice(voice, user, stt.says(yes, "ยืนยัน"))
    assert "ยืนยันด้วยเสียงไม่ได้" in answer
    assert await sales_of(voice, "line", user) == []

    assert "บอกส่วนที่ถูกต้อง" in await line_says(voice, user, "แก้ไข")
    again = await line_says(voice, user, "350 บาท")
    assert "350 บาท" in again and "บันทึกไหมคะ" in again
    await line_says(voice, user, "ยืนยัน")
    [sale] = await sales_of(voice, "line", user)
    assert sale.amount == Decimal(350)


@pytest.mark.parametrize("failure", [400, 500, 503, "timeout"])
async def test_a_failed_transcription_says_so_and_stores_nothing(
    voice: Stack, stt: FakeTranscriber, failure: int | str
) -> None:
    user = await voice.line_member()
    if failure == "timeout":
        stt.plan(200, delay=3.0)  # STT_TIMEOUT_SECONDS is 2 here
    else:
        stt.plan(int(failure))
    answer = await line_voice(voice, user, stt.says(M4A, SAID))
    assert "ฟังข้อความเสียงนี้ไม่สำเร็จ" in answer and "ยังไม่ได้บันทึก" in answer
    assert "พิมพ์" in answer  # what to do instead
    assert await sales_of(voice, "line", user) == [] and await notes(voice) == []
    assert await voice.count(StoredFile, StoredFile.content_type.like("audio/%")) == 0


async def test_a_ten_minute_recording_is_refused_unheard(
    voice: Stack, stt: FakeTranscriber
) -> None:
    user = await voice.line_member()
    answer = await line_voice(voice, user, stt.says(M4A, SAID), duration_ms=600_000)
    assert "ยาว 10 นาที" in answer and "เกินกว่าที่ฟังได้" in answer and "พูดสั้น ๆ" in answer
    assert stt.requests == [] and voice.line.setup.content_calls == []  # never fetched
    assert await notes(voice) == []


async def test_without_a_speech_server_voice_asks_to_type(stack: Stack) -> None:
    user = await stack.line_member()
    answer = await line_voice(stack, user, M4A)
    assert "ยังฟังข้อความเสียงไม่ได้" in answer and "พิมพ์" in answer
    assert stack.line.setup.content_calls == []  # nothing fetched, nothing sent anywhere
    assert await sales_of(stack, "line", user) == []


async def test_a_voice_note_in_a_group_chat_is_never_fetched(
    voice: Stack, stt: FakeTranscriber
) -> None:
    user = await voice.line_member()
    event = voice.events.audio(user=user, reply_token="g", group="C" + "1" * 32)
    voice.line.voice(event["message"]["id"], stt.says(M4A, SAID))
    await voice.post_line(event)
    await voice.settled()
    assert stt.requests == [] and voice.line.setup.content_calls == []


async def test_my_data_shows_what_was_heard_and_erase_removes_audio_and_transcript(
    voice: Stack, stt: FakeTranscriber
) -> None:
    user = await voice.line_member()
    await line_voice(voice, user, stt.says(M4A, SAID))
    await line_says(voice, user, "ยืนยัน")
    [note] = await notes(voice)
    key = note.audio_key
    async with voice.app.uow() as uow:  # what ข้อมูลของฉัน carries: what was heard
        mine = await my_data(uow, note.person_id)
    assert [n["heard"] for n in mine["voice_notes"]] == [SAID]
    await line_says(voice, user, "ลบข้อมูลของฉัน")
    await line_says(voice, user, "ยืนยันลบ")
    assert await notes(voice) == []
    assert await voice.count(StoredFile, StoredFile.key == key) == 0


async def test_the_purge_deletes_expired_audio_and_keeps_what_was_heard(
    voice: Stack, stt: FakeTranscriber
) -> None:
    user = await voice.line_member()
    await line_voice(voice, user, stt.says(M4A, SAID))
    await line_says(voice, user, "ยืนยัน")
    [note] = await notes(voice)
    await purge(voice.app, voice.clock.now() + timedelta(days=29))
    assert await voice.count(StoredFile, StoredFile.key == note.audio_key) == 1  # still kept
    await purge(voice.app, voice.clock.now() + timedelta(days=31))  # VOICE_KEEP_DAYS = 30
    assert await voice.count(StoredFile, StoredFile.key == note.audio_key) == 0
    [kept] = await notes(voice)
    assert kept.audio_key is None and kept.transcript == SAID and kept.record_id is not None


async def test_a_voice_note_is_handled_once_even_when_handling_fails_after_hearing(
    voice: Stack, stt: FakeTranscriber, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Heard, then the database dropped before the message's transaction committed: the event
    stays pending, the recovery hears it again and handles it once; LINE's redelivery of the
    same webhook changes nothing."""
    user = await voice.line_member()
    real = voice.app.conversation.handle
    calls = 0

    async def connection_lost_once(message: InboundMessage, **kwargs: Any) -> Handled:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OperationalError("SELECT 1", {}, ConnectionError("connection lost"))
        return await real(message, **kwargs)

    monkeypatch.setattr(voice.app.conversation, "handle", connection_lost_once)
    token = voice.line.issue_token(user)
    event = voice.events.audio(user=user, reply_token=token)
    voice.line.voice(event["message"]["id"], stt.says(M4A, SAID))
    assert (await voice.post_line(event)).status_code == 200
    assert await notes(voice) == [] and len(stt.requests) == 1
    voice.clock.instant += timedelta(seconds=voice.app.settings.intake_retry_seconds + 1)
    assert await voice.web.state.web.intake.recover() == 1
    await voice.handled()
    await voice.post_line(event)  # redelivered by LINE: already stored, dropped
    await voice.settled()
    assert len(await notes(voice)) == 1 and len(stt.requests) == 2
    assert await voice.count(InboundEvent, InboundEvent.status == "pending") == 0
    assert sum(t.startswith("🎤 ได้ยินว่า") for t in voice.line.texts(user)) == 1


async def test_a_voice_note_answers_the_waiting_question_and_is_confirmed(
    voice: Stack, stt: FakeTranscriber
) -> None:
    user = await voice.line_member()
    asked = await line_says(voice, user, "ขายไข่เค็ม 30 ฟอง")
    assert "กี่บาท" in asked
    answer = await line_voice(voice, user, stt.says(M4A, "สามร้อยบาทค่ะ"))
    assert answer.startswith("🎤 ได้ยินว่า: “สามร้อยบาทค่ะ”")
    assert "ไข่เค็ม 30 ฟอง 300 บาท" in answer and "บันทึกไหมคะ" in answer
    assert await sales_of(voice, "line", user) == []
    await line_says(voice, user, "ยืนยัน")
    [sale] = await sales_of(voice, "line", user)
    assert sale.amount == Decimal(300)


async def test_a_spoken_command_is_answered_but_a_spoken_undo_removes_nothing(
    voice: Stack, stt: FakeTranscriber
) -> None:
    user = await voice.line_member()
    await line_says(voice, user, "ขายไข่เค็ม 10 ฟอง 100 บาท")  # typed: saved at once
    summary = await line_voice(voice, user, stt.says(b"summary-audio", "สรุป"))
    assert "🎤 ได้ยินว่า: “สรุป”" in summary and "ยอดขาย" in summary  # on the summary card
    undo = await line_voice(voice, user, stt.says(b"undo-audio", "ยกเลิก"))
    assert undo.startswith("🎤 ได้ยินว่า: “ยกเลิก”")
    [sale] = await sales_of(voice, "line", user)
    assert sale.withdrawn_at is None  # a misheard word never removes a record


async def test_the_districts_limits_too_often_and_no_audio_kept(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, stt: FakeTranscriber
) -> None:
    """VOICE_PER_MINUTE protects the shared speech server; VOICE_KEEP_DAYS=0 keeps only what
    was heard, never the audio."""
    async with running_stack(
        db_url, fake_line, fake_telegram, stt_base_url=stt.url, stt_api_key="stt-key",
        voice_per_minute=2, voice_keep_days=0,
    ) as stack:  # fmt: skip
        user = await stack.line_member()
        for n in range(2):
            answer = await line_voice(stack, user, stt.says(bytes([n]) * 50, SAID))
            assert "บันทึกไหมคะ" in answer
        refused = await line_voice(stack, user, stt.says(b"third" * 10, SAID))
        assert "ส่งข้อความเสียงถี่เกินไป" in refused and "พิมพ์แทน" in refused
        assert len(stt.requests) == 2  # the third was never fetched nor sent
        assert [n.audio_key for n in await notes(stack)] == [None, None]
        assert await stack.count(StoredFile, StoredFile.content_type.like("audio/%")) == 0
        stack.clock.instant += timedelta(minutes=1)
        assert "บันทึกไหมคะ" in await line_voice(stack, user, stt.says(b"later" * 10, SAID))


async def test_line_shows_its_loading_animation_while_a_note_is_transcribed(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, stt: FakeTranscriber
) -> None:
    async with running_stack(
        db_url, fake_line, fake_telegram, stt_base_url=stt.url, stt_api_key="stt-key",
        loading_after_seconds=0.1,
    ) as stack:  # fmt: skip
        user = await stack.line_member()
        stt.latency = 0.5  # a CPU whisper takes seconds; the person sees "…" meanwhile
        before = len(stack.line.setup.loading)
        assert "บันทึกไหมคะ" in await line_voice(stack, user, stt.says(M4A, SAID))
        assert user in [chat for chat, _ in stack.line.setup.loading[before:]]
