"""A local stand-in for api.line.me, and signed webhook bodies, speaking LINE's wire format.

`FakeLine` runs a real HTTP server on 127.0.0.1 in its own thread (so pytest-asyncio's loop
scopes cannot deadlock it) and implements what the bot calls: reply (single-use reply tokens
that can be expired), push (X-Line-Retry-Key: a key already accepted answers 409), with
LINE's validation of message count, text length and quick replies. Tests script failures:
`plan("push", 500)`, `plan("reply", 429, {"message": "You have reached your monthly limit."})`,
`plan("push", 500, accept=True)` (delivered, but the answer is lost), `delay=` for slow calls,
`latency` for a platform that is slow on every call, `on_accept` to act (kill the bot) the
instant a message was accepted, before the answer goes back. Each call records when it arrived.

`LineEvents` builds webhook events with every field the SDK requires, and `signed()` makes
the body plus its X-Line-Signature like LINE does.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(26))


def user_id() -> str:
    return "U" + secrets.token_hex(16)


def group_id() -> str:
    return "C" + secrets.token_hex(16)


def room_id() -> str:
    return "R" + secrets.token_hex(16)


def sign(body: bytes, channel_secret: str) -> str:
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed(
    events: list[dict[str, Any]], channel_secret: str, destination: str = "Ubot"
) -> tuple[bytes, str]:
    body = json.dumps({"destination": destination, "events": events}, ensure_ascii=False).encode()
    return body, sign(body, channel_secret)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Planned:
    status: int
    body: dict[str, Any] | None = None
    accept: bool = False  # deliver the call anyway (an answer lost on the way back)
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    endpoint: str  # "reply" | "push"
    to: str | None
    reply_token: str | None
    messages: list[dict[str, Any]]
    retry_key: str | None
    status: int
    at: float = field(default_factory=time.monotonic)  # when the request arrived


class FakeLine:
    def __init__(self, access_token: str = "line-test-token") -> None:
        self.access_token = access_token
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, str]] = {}  # token -> (state, chat it answers)
        self._accepted_keys: dict[str, str] = {}  # retry key -> request id
        self._script: dict[str, deque[Planned]] = {"reply": deque(), "push": deque()}
        self.calls: list[Call] = []  # every reply/push request, whatever it was answered
        self.delivered: list[Call] = []  # what reached people, once each
        self._ids = itertools.count(100000000000000000)
        self.latency = 0.0  # seconds every reply and push takes (a slow platform)
        # Called (in the server's thread) when a call was accepted, before it is answered.
        self.on_accept: Callable[[Call], None] | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- test controls -------------------------------------------------------------------

    def issue_token(self, chat: str = "") -> str:
        token = secrets.token_hex(16)
        with self._lock:
            self._tokens[token] = ("fresh", chat)
        return token

    def expire(self, token: str) -> None:
        with self._lock:
            _state, chat = self._tokens[token]
            self._tokens[token] = ("expired", chat)

    def plan(
        self,
        endpoint: str,
        status: int,
        body: dict[str, Any] | None = None,
        *,
        accept: bool = False,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        with self._lock:
            self._script[endpoint].append(Planned(status, body, accept, delay, headers or {}))

    def texts(self, chat: str | None = None) -> list[str]:
        """The texts people received (in `chat`, if given), in order."""
        with self._lock:
            delivered = list(self.delivered)
        found: list[str] = []
        for call in delivered:
            target = (
                call.to
                if call.endpoint == "push"
                else self._tokens.get(call.reply_token or "", ("", ""))[1]
            )
            if chat is not None and target != chat:
                continue
            found.extend(m.get("text", "") for m in call.messages if m.get("type") == "text")
        return found

    # --- server --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeLine:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def handle(self) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()  # a client that went away (gave up, or was killed)

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._send(self, 404, {"message": "Not found"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-line", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _send(
        self, request: BaseHTTPRequestHandler, status: int, body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.send_header("x-line-request-id", secrets.token_hex(8))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    def _sent_messages(self, count: int) -> dict[str, Any]:
        return {
            "sentMessages": [
                {"id": str(next(self._ids)), "quoteToken": secrets.token_hex(8)}
                for _ in range(count)
            ]
        }

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        endpoint = {"/v2/bot/message/reply": "reply", "/v2/bot/message/push": "push"}.get(
            request.path
        )
        if endpoint is None:
            self._send(request, 404, {"message": "Not found"})
            return
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            self._send(
                request,
                401,
                {
                    "message": "Authentication failed. Confirm that the access token in the authorization header is valid."
                },
            )
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(request, 400, {"message": "The request body has 1 error(s)"})
            return
        messages = body.get("messages") or []
        retry_key = request.headers.get("X-Line-Retry-Key")
        call = Call(endpoint, body.get("to"), body.get("replyToken"), messages, retry_key, 0)

        problem = _invalid(messages)
        with self._lock:
            planned = self._script[endpoint].popleft() if self._script[endpoint] else None
        if planned is not None and planned.delay:
            time.sleep(planned.delay)
        elif self.latency:
            time.sleep(self.latency)
        with self._lock:
            delivered_before = len(self.delivered)
            self.calls.append(call)
            if problem:
                call.status = 400
                answer: tuple[int, dict[str, Any], dict[str, str]] = (
                    400, {"message": "The request body has 1 error(s)", "details": [{"message": problem, "property": "messages"}]}, {},
                )  # fmt: skip
            elif planned is not None and planned.status != 200:
                call.status = planned.status
                if planned.accept:
                    self._accept(call)
                answer = (
                    planned.status,
                    planned.body or {"message": "An error occurred"},
                    planned.headers,
                )
            elif endpoint == "reply":
                answer = self._reply(call)
            else:
                answer = self._push(call)
        status, payload, headers = answer
        if self.on_accept is not None and len(self.delivered) > delivered_before:
            self.on_accept(call)  # e.g. kill the bot: accepted, and the answer never arrives
        self._send(request, status, payload, headers)

    def _accept(self, call: Call) -> None:
        if call.endpoint == "reply" and call.reply_token in self._tokens:
            self._tokens[call.reply_token] = ("used", self._tokens[call.reply_token][1])
        if call.endpoint == "push" and call.retry_key:
            self._accepted_keys[call.retry_key] = secrets.token_hex(8)
        self.delivered.append(call)

    def _reply(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        state = self._tokens.get(call.reply_token or "", ("unknown", ""))[0]
        if state != "fresh":
            call.status = 400
            return 400, {"message": "Invalid reply token"}, {}
        call.status = 200
        self._accept(call)
        return 200, self._sent_messages(len(call.messages)), {}

    def _push(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        if not call.to:
            call.status = 400
            return 400, {"message": "The property, 'to', in the request body is invalid"}, {}
        if call.retry_key and call.retry_key in self._accepted_keys:
            call.status = 409
            return (
                409,
                {
                    "message": "The retry key is already accepted",
                    **self._sent_messages(len(call.messages)),
                },
                {"x-line-accepted-request-id": self._accepted_keys[call.retry_key]},
            )
        call.status = 200
        self._accept(call)
        return 200, self._sent_messages(len(call.messages)), {}


def _invalid(messages: list[dict[str, Any]]) -> str | None:
    """LINE's own checks on a messages array (what makes it answer 400)."""
    if not 1 <= len(messages) <= 5:
        return "Size must be between 1 and 5"
    for message in messages:
        kind = message.get("type")
        if kind == "text":
            if not 1 <= _utf16_len(message.get("text", "")) <= 5000:
                return "Length must be between 0 and 5000"
        elif kind == "image":
            for key in ("originalContentUrl", "previewImageUrl"):
                if not str(message.get(key, "")).startswith("https://"):
                    return f"{key} must be an https URL"
        else:
            return f"unsupported message type {kind}"
        quick = message.get("quickReply")
        if quick is not None:
            items = quick.get("items") or []
            if not 1 <= len(items) <= 13:
                return "quickReply.items: Size must be between 1 and 13"
            for item in items:
                action = item.get("action") or {}
                if not 1 <= len(action.get("label", "")) <= 20:
                    return "quickReply label: Length must be between 1 and 20"
    return None


class LineEvents:
    """Webhook events with all the fields line-bot-sdk requires (its models refuse less)."""

    def __init__(self) -> None:
        self._message_ids = itertools.count(500000000000000000)

    def _base(
        self, kind: str, source: dict[str, Any], *, event_id: str | None = None,
        redelivery: bool = False, mode: str = "active",
    ) -> dict[str, Any]:  # fmt: skip
        return {
            "type": kind,
            "mode": mode,
            "timestamp": int(time.time() * 1000),
            "source": source,
            "webhookEventId": event_id or ulid(),
            "deliveryContext": {"isRedelivery": redelivery},
        }

    @staticmethod
    def source(
        user: str | None, *, group: str | None = None, room: str | None = None
    ) -> dict[str, Any]:
        if group is not None:
            return {"type": "group", "groupId": group, **({"userId": user} if user else {})}
        if room is not None:
            return {"type": "room", "roomId": room, **({"userId": user} if user else {})}
        return {"type": "user", "userId": user}

    def text(
        self, text: str, *, user: str | None, reply_token: str, group: str | None = None,
        room: str | None = None, message_id: str | None = None, event_id: str | None = None,
        mention_self: tuple[int, int] | None = None, redelivery: bool = False,
        mode: str = "active",
    ) -> dict[str, Any]:  # fmt: skip
        message: dict[str, Any] = {
            "id": message_id or str(next(self._message_ids)),
            "type": "text",
            "text": text,
            "quoteToken": secrets.token_hex(12),
        }
        if mention_self is not None:
            index, length = mention_self
            message["mention"] = {
                "mentionees": [{"index": index, "length": length, "type": "user", "isSelf": True}]
            }
        event = self._base(
            "message",
            self.source(user, group=group, room=room),
            event_id=event_id,
            redelivery=redelivery,
            mode=mode,
        )
        event.update(replyToken=reply_token, message=message)
        return event

    def sticker(self, *, user: str, reply_token: str) -> dict[str, Any]:
        event = self._base("message", self.source(user))
        event.update(
            replyToken=reply_token,
            message={"id": str(next(self._message_ids)), "type": "sticker", "packageId": "446",
                     "stickerId": "1988", "stickerResourceType": "STATIC", "quoteToken": "q"},
        )  # fmt: skip
        return event

    def follow(self, *, user: str, reply_token: str) -> dict[str, Any]:
        event = self._base("follow", self.source(user))
        event.update(replyToken=reply_token, follow={"isUnblocked": False})
        return event

    def unfollow(self, *, user: str) -> dict[str, Any]:
        return self._base("unfollow", self.source(user))

    def join(self, *, group: str, reply_token: str) -> dict[str, Any]:
        event = self._base("join", self.source(None, group=group))
        event.update(replyToken=reply_token)
        return event

    def leave(self, *, group: str) -> dict[str, Any]:
        return self._base("leave", self.source(None, group=group))

    def postback(
        self, data: str, *, user: str, reply_token: str, group: str | None = None
    ) -> dict[str, Any]:
        event = self._base("postback", self.source(user, group=group))
        event.update(replyToken=reply_token, postback={"data": data})
        return event

    def unsend(self, message_id: str, *, user: str, group: str | None = None) -> dict[str, Any]:
        event = self._base("unsend", self.source(user, group=group))
        event.update(unsend={"messageId": message_id})
        return event

    def member_joined(self, *, group: str, user: str, reply_token: str) -> dict[str, Any]:
        event = self._base("memberJoined", self.source(None, group=group))
        event.update(replyToken=reply_token, joined={"members": [{"type": "user", "userId": user}]})
        return event

    def unknown(self, kind: str = "somethingNew", *, user: str) -> dict[str, Any]:
        return self._base(kind, self.source(user))
