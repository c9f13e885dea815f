"""A local speech-to-text server speaking the OpenAI wire format, as whisper.cpp's server,
faster-whisper servers and cloud providers do: `POST /v1/audio/transcriptions`, multipart
form (file, model, language, response_format), answer `{"text": "..."}`. It "hears" the
transcript a test registered for the audio bytes; failures (4xx/5xx, slow answers) are
planned per request."""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.fake_server import LocalServer

PATH = "/v1/audio/transcriptions"


@dataclass
class Heard:
    """One request as the server got it."""

    fields: dict[str, str]
    filename: str | None
    content_type: str | None
    audio: bytes
    authorization: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Planned:
    status: int = 200
    delay: float = 0.0
    body: dict[str, Any] | None = None
    raw: bytes | None = None  # an answer that is not JSON (a proxy's HTML page)


class FakeTranscriber(LocalServer):
    name = "fake-stt"

    def __init__(self, api_key: str | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self._lock = threading.Lock()
        self.transcripts: dict[bytes, str] = {}  # audio bytes -> what is "heard"
        self.requests: list[Heard] = []
        self._script: deque[Planned] = deque()
        self.latency = 0.0  # seconds every transcription takes (a CPU whisper is slow)

    def says(self, audio: bytes, text: str) -> bytes:
        """Registers what this audio says; returns the audio for convenience."""
        with self._lock:
            self.transcripts[audio] = text
        return audio

    def plan(
        self, status: int, *, delay: float = 0.0, body: dict[str, Any] | None = None,
        raw: bytes | None = None,
    ) -> None:  # fmt: skip
        with self._lock:
            self._script.append(Planned(status, delay, body, raw))

    def _send(self, request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        if request.path.split("?")[0] != PATH:
            self._send(request, 404, {"error": {"message": "Not found"}})
            return
        auth = request.headers.get("Authorization")
        if self.api_key is not None and auth != f"Bearer {self.api_key}":
            self._send(request, 401, {"error": {"message": "Incorrect API key provided"}})
            return
        kind = request.headers.get("Content-Type", "")
        if not kind.startswith("multipart/form-data"):
            self._send(request, 400, {"error": {"message": "multipart/form-data expected"}})
            return
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + raw
        )
        fields: dict[str, str] = {}
        audio, filename, content_type = b"", None, None
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            decoded = part.get_payload(decode=True)  # bytes for a leaf part, or None
            payload = decoded if isinstance(decoded, bytes) else b""
            if name == "file":
                audio, filename = payload, part.get_filename()
                content_type = part.get_content_type()
            else:
                fields[str(name)] = payload.decode()
        with self._lock:
            self.requests.append(Heard(fields, filename, content_type, audio, auth))
            planned = self._script.popleft() if self._script else None
            text = self.transcripts.get(audio)
        delay = planned.delay if planned is not None else self.latency
        if delay:
            time.sleep(delay)
        if not audio or "model" not in fields:
            self._send(request, 400, {"error": {"message": "file and model are required"}})
            return
        if planned is not None and planned.raw is not None:
            request.send_response(planned.status)
            request.send_header("Content-Type", "text/html")
            request.send_header("Content-Length", str(len(planned.raw)))
            request.end_headers()
            request.wfile.write(planned.raw)
            return
        if planned is not None and (planned.status != 200 or planned.body is not None):
            self._send(request, planned.status, planned.body or {"error": {"message": "failed"}})
            return
        self._send(request, 200, {"text": text if text is not None else ""})
