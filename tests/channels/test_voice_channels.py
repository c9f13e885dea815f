"""Voice notes at the edges (issue 19): the adapters name an audio message without fetching
it; the real SDKs fetch it from the fake LINE data host (202 while converting) and the fake
Bot API file host; the speech-to-text adapter speaks the OpenAI wire format to a local fake
server and turns every failure into one typed error."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.channels import line as line_module
from bot.channels.base import AudioTooLarge, AudioUnavailable
from bot.channels.line import LineAdapter, LineChannel
from bot.channels.speech import OpenAITranscriber, SpeechSettings, TranscriptionFailed
from bot.channels.telegram import TelegramChannel, file_url
from bot.messages import Audio, InboundMessage
from tests.support.fake_line import FakeLine, LineEvents, group_id, signed, user_id
from tests.support.fake_stt import FakeTranscriber
from tests.support.fake_telegram import FakeTelegram, TelegramUpdates

SECRET = "a-line-channel-secret"
M4A = b"\x00\x00\x00\x20ftypM4A " + bytes(range(100))


# --- the adapters name the audio; nothing is fetched while the webhook waits ---------------


def test_a_line_audio_message_is_named_with_its_length() -> None:
    user, events = user_id(), LineEvents()
    body, signature = signed([events.audio(user=user, reply_token="t", duration_ms=4500)], SECRET)
    [message] = LineAdapter(SECRET).parse(body, signature).messages
    assert (message.kind, message.sender_id, message.text) == ("audio", user, "")
    assert message.media_ref == message.message_id and message.media_seconds == 4.5
    assert message.reply_token == "t" and not message.is_group


def test_a_line_audio_message_in_a_group_is_marked_as_a_group_one() -> None:
    events = LineEvents()
    event = events.audio(user=user_id(), reply_token="t", group=group_id())
    body, signature = signed([event], SECRET)
    [message] = LineAdapter(SECRET).parse(body, signature).messages
    assert message.kind == "audio" and message.is_group


def test_the_inbox_keeps_what_is_needed_to_fetch_the_audio_later() -> None:
    message = InboundMessage(
        "telegram", "7", "7", kind="audio", media_ref="f-1", media_seconds=3.0, media_bytes=900
    )
    assert InboundMessage.from_record(message.to_record()) == message


# --- fetching with the real SDKs -----------------------------------------------------------


@pytest.fixture
def fake_line() -> Iterator[FakeLine]:
    fake = FakeLine().start()
    yield fake
    fake.stop()


@pytest.fixture
async def line(fake_line: FakeLine) -> AsyncIterator[LineChannel]:
    channel = LineChannel.open(
        access_token=fake_line.access_token, api_base_url=fake_line.url,
        data_base_url=fake_line.url, public_base_url=None, messages_per_second=100,
        timeout=3.0,
    )  # fmt: skip
    yield channel
    await channel.close()


async def test_line_audio_is_fetched_after_it_stopped_converting(
    fake_line: FakeLine, line: LineChannel
) -> None:
    fake_line.voice("1001", M4A, converting=1)
    audio = await line.fetch_audio("1001", 10_000)
    assert audio == Audio(M4A, "audio/x-m4a", "1001.m4a")
    assert fake_line.setup.content_calls == ["content:1001", "transcoding:1001", "content:1001"]


async def test_line_audio_still_converting_after_the_waits_is_unavailable(
    fake_line: FakeLine, line: LineChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(line_module, "AUDIO_WAITS", (0.01, 0.01))
    fake_line.voice("1002", M4A, converting=99)
    with pytest.raises(AudioUnavailable):
        await line.fetch_audio("1002", 10_000)
    assert fake_line.setup.content_calls.count("content:1002") == 3  # asked, then twice more


async def test_line_audio_gone_or_too_big_is_refused(
    fake_line: FakeLine, line: LineChannel
) -> None:
    with pytest.raises(AudioUnavailable):
        await line.fetch_audio("404404", 10_000)
    fake_line.voice("1003", M4A)
    with pytest.raises(AudioTooLarge):
        await line.fetch_audio("1003", 50)


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


async def _telegram(fake: FakeTelegram) -> TelegramChannel:
    async def no_files(key: str) -> None:
        return None

    return await TelegramChannel.open(
        token=fake.token, base_url=fake.base_url, webhook_secret="s", files=no_files
    )


async def test_a_telegram_voice_note_is_named_and_fetched(fake_telegram: FakeTelegram) -> None:
    channel = await _telegram(fake_telegram)
    try:
        update = TelegramUpdates().voice(user_id=77, file_id="v-9", duration=6, size=len(M4A))
        [message] = channel.adapter.parse(_json(update), "s").messages
        assert (message.kind, message.media_ref, message.media_seconds) == ("audio", "v-9", 6.0)
        assert message.media_bytes == len(M4A)
        fake_telegram.files["v-9"] = ("voice/file_9.oga", M4A)
        audio = await channel.fetch_audio("v-9", 10_000)
        assert audio == Audio(M4A, "audio/ogg", "file_9.oga")
        with pytest.raises(AudioTooLarge):
            await channel.fetch_audio("v-9", 50)  # getFile's file_size says so: not downloaded
        assert fake_telegram.downloads == ["voice/file_9.oga"]
        with pytest.raises(AudioUnavailable):
            await channel.fetch_audio("unknown", 10_000)
    finally:
        await channel.close()


def test_the_file_host_sits_beside_the_bot_api() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:9/bot/") == "http://127.0.0.1:9/file/bot"


def _json(update: dict[str, object]) -> bytes:
    import json

    return json.dumps(update).encode()


# --- the speech-to-text adapter ---------------------------------------------------------------


@pytest.fixture
def stt() -> Iterator[FakeTranscriber]:
    fake = FakeTranscriber(api_key="k").start()
    yield fake
    fake.stop()


def transcriber(stt: FakeTranscriber, **changes: Any) -> OpenAITranscriber:
    # Generous unless a test is about the timeout: this machine is shared and sometimes slow.
    values: dict[str, Any] = {"base_url": stt.url, "api_key": "k", "timeout": 10.0, **changes}
    return OpenAITranscriber(SpeechSettings(**values))


AUDIO = Audio(M4A, "audio/x-m4a", "n.m4a")


async def test_the_openai_wire_format_in_and_out(stt: FakeTranscriber) -> None:
    stt.says(M4A, "  ขายไข่เค็ม   สามสิบฟอง ")
    heard = await transcriber(stt, base_url=f"{stt.url}/v1/", model="large-v3").transcribe(AUDIO)
    assert heard == "ขายไข่เค็ม สามสิบฟอง"
    [request] = stt.requests
    assert request.fields == {"model": "large-v3", "language": "th", "response_format": "json"}
    assert (request.filename, request.content_type, request.audio) == ("n.m4a", "audio/x-m4a", M4A)
    assert request.authorization == "Bearer k"


@pytest.mark.parametrize("status", [400, 401, 413, 500, 503])
async def test_an_error_status_is_a_failed_transcription(stt: FakeTranscriber, status: int) -> None:
    stt.plan(status)
    with pytest.raises(TranscriptionFailed) as failed:
        await transcriber(stt).transcribe(AUDIO)
    assert failed.value.detail == f"HTTP {status}"


async def test_a_wrong_key_is_refused_by_the_server(stt: FakeTranscriber) -> None:
    with pytest.raises(TranscriptionFailed, match="HTTP 401"):
        await transcriber(stt, api_key="wrong").transcribe(AUDIO)


async def test_a_slow_server_times_out(stt: FakeTranscriber) -> None:
    stt.plan(200, delay=1.0)
    with pytest.raises(TranscriptionFailed, match="timed out"):
        await transcriber(stt, timeout=0.2).transcribe(AUDIO)


async def test_an_answer_without_text_or_not_json_fails(stt: FakeTranscriber) -> None:
    stt.plan(200, body={"error": "no text here"})
    stt.plan(200, body={"text": None})
    for _ in range(2):
        with pytest.raises(TranscriptionFailed, match="no text"):
            await transcriber(stt).transcribe(AUDIO)
    stt.plan(200, raw=b"<html>bad gateway</html>")
    with pytest.raises(TranscriptionFailed, match="not JSON"):
        await transcriber(stt).transcribe(AUDIO)


async def test_an_unreachable_server_fails(stt: FakeTranscriber) -> None:
    with pytest.raises(TranscriptionFailed, match="unreachable"):
        await transcriber(stt, base_url="http://127.0.0.1:9").transcribe(AUDIO)
