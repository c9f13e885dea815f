"""Speech to text: the port the voice-note listener uses, and its one real adapter (an edge,
like the platform adapters beside it): the OpenAI-compatible `POST /v1/audio/transcriptions`
(multipart: file, model, language; answer `{"text": …}`) that whisper.cpp's server,
faster-whisper servers and cloud providers speak.

Failures are typed for the person's sake, not the operator's: whatever went wrong, the person
is told it did not work and nothing is recorded; the log says why (never the transcript)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import httpx

from bot.messages import Audio

log = logging.getLogger(__name__)

LANGUAGE = "th"


class TranscriptionFailed(Exception):
    """The server answered with an error, timed out, could not be reached, or said nothing
    readable. `detail` is for the log: status and error type, never the audio or the text."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Transcriber(Protocol):
    async def transcribe(self, audio: Audio) -> str: ...


@dataclass(frozen=True, slots=True)
class SpeechSettings:
    base_url: str  # "http://127.0.0.1:8080" (the path /v1/audio/transcriptions is added)
    model: str = "whisper-1"
    api_key: str | None = None
    timeout: float = 30.0
    language: str = LANGUAGE


class OpenAITranscriber:
    """One HTTP request per voice note. A fresh client per call: voice notes are rare next to
    text messages, and a client kept open would have to be closed by every process that
    builds an app (CLI commands, tests) even though most never hear a voice note."""

    def __init__(self, settings: SpeechSettings, transport: httpx.AsyncBaseTransport | None = None):
        self._settings = settings
        self._transport = transport  # tests: httpx.MockTransport; normally the network

    @property
    def url(self) -> str:
        base = self._settings.base_url.rstrip("/")
        if base.endswith("/v1"):
            base = base[: -len("/v1")]
        return f"{base}/v1/audio/transcriptions"

    async def transcribe(self, audio: Audio) -> str:
        settings = self._settings
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
        files = {"file": (audio.filename, audio.data, audio.content_type)}
        data = {"model": settings.model, "language": settings.language, "response_format": "json"}
        timeout = httpx.Timeout(settings.timeout, connect=min(5.0, settings.timeout))
        try:
            async with httpx.AsyncClient(timeout=timeout, transport=self._transport) as client:
                answer = await client.post(self.url, headers=headers, data=data, files=files)
        except httpx.TimeoutException as error:
            raise TranscriptionFailed(f"timed out ({type(error).__name__})") from error
        except httpx.HTTPError as error:
            raise TranscriptionFailed(f"unreachable ({type(error).__name__})") from error
        if answer.status_code != 200:
            raise TranscriptionFailed(f"HTTP {answer.status_code}")
        try:
            body = answer.json()
        except ValueError as error:
            raise TranscriptionFailed("answer is not JSON") from error
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str):
            raise TranscriptionFailed("answer has no text")
        return " ".join(text.split())
