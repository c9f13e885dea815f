"""Hearing a voice note: fetch the audio from the platform and have it transcribed, before
the message's transaction begins (both wait on the network for seconds; no database lock
may be held meanwhile). What was heard is handed to the conversation core as a `Heard`; the
core stores the audio and the transcript in the message's own transaction, so a voice note
is recorded exactly once however often it is heard (a redelivery after a crash hears it
again, and the inbox row, already `done`, drops the second one)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from bot.channels.base import AudioFetcher, AudioTooLarge, AudioUnavailable
from bot.channels.speech import Transcriber, TranscriptionFailed
from bot.messages import Heard, InboundMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VoiceLimits:
    max_seconds: int = 60
    max_bytes: int = 2_000_000


class Listener:
    """Fetchers are registered per channel when the platform clients open (like the
    sender's transports); the transcriber comes from the composition root, None when no
    STT_BASE_URL is set."""

    def __init__(self, transcriber: Transcriber | None, limits: VoiceLimits) -> None:
        self._transcriber = transcriber
        self.limits = limits
        self._fetchers: dict[str, AudioFetcher] = {}

    @property
    def enabled(self) -> bool:
        return self._transcriber is not None

    def register(self, fetcher: AudioFetcher) -> None:
        self._fetchers[fetcher.channel] = fetcher

    def unregister(self, channel: str) -> None:
        self._fetchers.pop(channel, None)

    def precheck(self, message: InboundMessage) -> Heard | None:
        """What can be said without fetching anything: no server, or too long or too big
        by what the platform told us. None: go on and fetch."""
        if self._transcriber is None:
            return Heard("no_stt", seconds=message.media_seconds)
        if message.media_seconds is not None and message.media_seconds > self.limits.max_seconds:
            return Heard("too_long", seconds=message.media_seconds)
        if message.media_bytes is not None and message.media_bytes > self.limits.max_bytes:
            return Heard("too_large", seconds=message.media_seconds)
        if not message.media_ref:
            return Heard("unavailable", seconds=message.media_seconds)
        return None

    async def hear(self, message: InboundMessage) -> Heard:
        early = self.precheck(message)
        if early is not None:
            return early
        assert self._transcriber is not None and message.media_ref
        seconds = message.media_seconds
        fetcher = self._fetchers.get(message.channel)
        if fetcher is None:
            log.warning("voice: no %s client to fetch audio with", message.channel)
            return Heard("unavailable", seconds=seconds)
        started = time.perf_counter()
        try:
            audio = await fetcher.fetch_audio(message.media_ref, self.limits.max_bytes)
        except AudioTooLarge as error:
            log.info("voice: %s audio too large (%s)", message.channel, error)
            return Heard("too_large", seconds=seconds)
        except AudioUnavailable as error:
            log.warning("voice: %s audio not fetched (%s)", message.channel, error)
            return Heard("unavailable", seconds=seconds)
        fetched = time.perf_counter()
        try:
            text = await self._transcriber.transcribe(audio)
        except TranscriptionFailed as error:
            log.warning("voice: transcription failed (%s)", error.detail)
            return Heard("failed", audio=audio, seconds=seconds)
        done = time.perf_counter()
        fetch_ms, listen_ms = (fetched - started) * 1000, (done - fetched) * 1000
        if not text.strip():
            return Heard("silent", audio=audio, seconds=seconds)
        log.info(
            "voice: %s note of %s s heard in %.0f ms (fetch %.0f ms)",
            message.channel,
            seconds,
            fetch_ms + listen_ms,
            fetch_ms,
        )  # never the transcript: it is personal data
        return Heard("heard", text.strip(), audio, seconds, fetch_ms, listen_ms)
