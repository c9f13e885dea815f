"""A local stand-in for api.line.me, and signed webhook bodies, speaking LINE's wire format.

`FakeLine` runs a real HTTP server on 127.0.0.1 in its own thread (so pytest-asyncio's loop
scopes cannot deadlock it) and implements what the bot calls: reply (single-use reply tokens
that can be expired), push (X-Line-Retry-Key: a key already accepted answers 409), with
LINE's validation of message count, text length and quick replies. Tests script failures:
`plan("push", 500)`, `plan("reply", 429, {"message": "You have reached your monthly limit."})`,
`plan("push", 500, accept=True)` (delivered, but the answer is lost), `delay=` for slow calls,
`latency` for a platform that is slow on every call, `on_accept` to act (kill the bot) the
instant a message was accepted, before the answer goes back. Each call records when it arrived.

It also speaks the set-up APIs the bot uses, with LINE's wire format and checks (see
`LineSetup`): rich menus (create, list, get, delete, validate), their images (the
api-data.line.me upload and download, on the same server), aliases, the default menu,
per-user and bulk link/unlink, the loading animation, the webhook endpoint (set, get, test:
the test POSTs a signed empty webhook to the endpoint when the test `route`s it somewhere
real), bot info and the message quota. Flex messages are checked against LINE's limits.

`LineEvents` builds webhook events with every field the SDK requires, and `signed()` makes
the body plus its X-Line-Signature like LINE does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import secrets
import struct
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.fake_server import LocalServer

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


class FakeLine(LocalServer):
    name = "fake-line"

    def __init__(self, access_token: str = "line-test-token") -> None:
        super().__init__()
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
        self.setup = LineSetup()
        self.api_calls: list[tuple[str, str]] = []  # every set-up call (method, path)

    # --- test controls -------------------------------------------------------------------

    def voice(
        self, message_id: str, data: bytes, *, converting: int = 0, kind: str = "audio/x-m4a"
    ) -> None:
        """The content of audio message `message_id`, served after `converting` 202s."""
        with self._lock:
            self.setup.contents[message_id] = (data, kind)
            self.setup.converting[message_id] = converting

    def menu_of(self, user: str) -> str | None:
        """The rich menu a person sees: their own linked menu, else the default one."""
        with self._lock:
            return self.setup.user_menus.get(user, self.setup.default_menu)

    def alias_of(self, user: str) -> str | None:
        """The alias of the menu a person sees (how tests name a role's menu)."""
        menu = self.menu_of(user)
        with self._lock:
            return next((a for a, m in self.setup.aliases.items() if m == menu), None)

    def changes(self) -> list[tuple[str, str]]:
        """The set-up calls that changed something (not GETs)."""
        with self._lock:
            return [(m, path) for m, path in self.api_calls if m != "GET"]

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
            for m in call.messages:
                if m.get("type") == "text":
                    found.append(m.get("text", ""))
                elif m.get("type") == "flex":
                    found.append(flex_text(m["contents"]))
        return found

    # --- server --------------------------------------------------------------------------

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

    def _send_bytes(
        self, request: BaseHTTPRequestHandler, data: bytes, kind: str, status: int = 200
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        endpoint = {"/v2/bot/message/reply": "reply", "/v2/bot/message/push": "push"}.get(
            request.path
        )
        if endpoint is None or request.command != "POST":
            if request.headers.get("Authorization") != f"Bearer {self.access_token}":
                self._send(request, 401, {"message": "Authentication failed."})
                return
            with self._lock:
                self.api_calls.append((request.command, request.path))
                setup = self.setup.handle(request.command, request.path, raw, request.headers)
            if setup.webhook_test is not None:
                setup = self.setup.run_test(setup.webhook_test)
            if setup.raw is not None:
                self._send_bytes(request, setup.raw, setup.content_type, setup.status)
            else:
                self._send(request, setup.status, setup.body)
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
        if call.endpoint == "push":
            self.setup.used += 1  # pushes count against the monthly quota; replies do not
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
        elif kind == "flex":
            problem = _invalid_flex(message)
            if problem:
                return problem
        else:
            return f"unsupported message type {kind}"
        if "quoteToken" in message and kind != "text":
            return f"quoteToken is not allowed on a {kind} message"
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


MAX_FLEX_BUBBLE = 30 * 1024


def _invalid_flex(message: dict[str, Any]) -> str | None:
    """LINE's checks on a Flex Message (Messaging API reference, "Flex Message")."""
    alt = message.get("altText", "")
    if not 1 <= len(alt) <= 1500:
        return "altText: Length must be between 1 and 1500"
    contents = message.get("contents") or {}
    bubbles = contents.get("contents", []) if contents.get("type") == "carousel" else [contents]
    if contents.get("type") == "carousel" and not 1 <= len(bubbles) <= 12:
        return "carousel: at most 12 bubbles"
    for bubble in bubbles:
        if bubble.get("type") != "bubble":
            return "contents: must be a bubble or a carousel"
        if len(json.dumps(bubble, ensure_ascii=False).encode()) > MAX_FLEX_BUBBLE:
            return "bubble: the JSON is larger than 30 KB"
    for action in _actions(contents):
        if not 1 <= len(action.get("label", "")) <= 40:
            return "button label: Length must be between 1 and 40"
        if len(action.get("data", "")) > 300 or len(action.get("displayText", "")) > 300:
            return "postback data/displayText: at most 300 characters"
    for url in _urls(contents):
        if not url.startswith("https://"):
            return "image url must be https"
    return None


def _actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node["action"]] if isinstance(node.get("action"), dict) else []
        return found + [a for v in node.values() for a in _actions(v)]
    if isinstance(node, list):
        return [a for v in node for a in _actions(v)]
    return []


def _urls(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [str(node["url"])] if node.get("type") == "image" and "url" in node else []
        return own + [u for v in node.values() for u in _urls(v)]
    if isinstance(node, list):
        return [u for v in node for u in _urls(v)]
    return []


def flex_text(node: Any) -> str:
    """What a person reads on a Flex bubble: horizontal boxes on one line (words spaced),
    everything else line by line."""
    if isinstance(node, list):
        return "\n".join(t for t in (flex_text(n) for n in node) if t)
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text", "")).strip()
    if node.get("type") == "button":
        return ""
    if node.get("type") == "box":
        parts = [flex_text(c) for c in node.get("contents", [])]
        sep = " " if node.get("layout") in ("horizontal", "baseline") else "\n"
        return sep.join(p for p in parts if p)
    return "\n".join(
        t for t in (flex_text(node.get(k)) for k in ("header", "hero", "body", "footer")) if t
    )


# --- the set-up APIs -----------------------------------------------------------------------


@dataclass
class Answer:
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    raw: bytes | None = None  # a binary answer (a rich menu image)
    content_type: str = "application/json"
    webhook_test: str | None = None  # an endpoint to test (done outside the lock)


_ALIAS = re.compile(r"^[a-z0-9_-]{1,32}$")


class LineSetup:
    """The channel's settings as LINE keeps them. Mutate the attributes to half-configure a
    channel in a test (`webhook_endpoint = None`, `chat_mode = "chat"`...)."""

    def __init__(self) -> None:
        self.menus: dict[str, dict[str, Any]] = {}
        self.images: dict[str, tuple[str, bytes]] = {}
        self.aliases: dict[str, str] = {}
        self.default_menu: str | None = None
        self.user_menus: dict[str, str] = {}
        self.loading: list[tuple[str, int]] = []
        self.webhook_endpoint: str | None = None
        self.webhook_active = False
        self.routes: dict[str, str] = {}  # public webhook URL -> a real local URL to POST to
        self.channel_secret: str | None = None  # to sign test webhooks
        self.basic_id = "@123abcde"
        self.bot_user_id = "U" + "b" * 32
        self.display_name = "ผู้ช่วยสัมมาชีพ"
        self.chat_mode = "bot"  # "chat": the Official Account Manager's chat (auto-reply) mode
        self.mark_as_read_mode = "auto"
        self.quota: tuple[str, int | None] = ("limited", 300)
        # Audio and video messages' content on the data host: message id -> (bytes, type), and
        # how many more times LINE answers "still converting" (202 / "processing") first.
        self.contents: dict[str, tuple[bytes, str]] = {}
        self.converting: dict[str, int] = {}
        self.content_calls: list[str] = []  # "content:<id>" / "transcoding:<id>", in order
        self.used = 0
        self._ids = itertools.count(1)

    def handle(self, method: str, path: str, raw: bytes, headers: Any) -> Answer:
        path = path.split("?")[0]
        body: dict[str, Any] = {}
        kind = headers.get("Content-Type", "")
        if raw and kind.startswith("application/json"):
            try:
                body = json.loads(raw)
            except ValueError:
                return Answer(400, {"message": "The request body has 1 error(s)"})
        for pattern, verb, run in self._routes():
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                result: Answer = run(*match.groups(), body=body, raw=raw, kind=kind)
                return result
        return Answer(404, {"message": "Not found"})

    def _routes(self) -> list[tuple[str, str, Callable[..., Answer]]]:
        menu = r"(richmenu-[0-9a-f]{32})"
        return [
            (r"/v2/bot/richmenu", "POST", self._create),
            (r"/v2/bot/richmenu/validate", "POST", self._validate),
            (r"/v2/bot/richmenu/list", "GET", self._list),
            (r"/v2/bot/richmenu/alias/list", "GET", self._alias_list),
            (r"/v2/bot/richmenu/alias", "POST", self._alias_create),
            (r"/v2/bot/richmenu/alias/([^/]+)", "POST", self._alias_update),
            (r"/v2/bot/richmenu/alias/([^/]+)", "GET", self._alias_get),
            (r"/v2/bot/richmenu/alias/([^/]+)", "DELETE", self._alias_delete),
            (r"/v2/bot/richmenu/bulk/link", "POST", self._bulk_link),
            (r"/v2/bot/richmenu/bulk/unlink", "POST", self._bulk_unlink),
            (rf"/v2/bot/richmenu/{menu}/content", "POST", self._upload),
            (rf"/v2/bot/richmenu/{menu}/content", "GET", self._download),
            (rf"/v2/bot/richmenu/{menu}", "GET", self._get),
            (r"/v2/bot/richmenu/([^/]+)", "DELETE", self._delete),
            (rf"/v2/bot/user/all/richmenu/{menu}", "POST", self._set_default),
            (r"/v2/bot/user/all/richmenu", "GET", self._get_default),
            (r"/v2/bot/user/all/richmenu", "DELETE", self._cancel_default),
            (r"/v2/bot/user/(U[0-9a-f]{32})/richmenu/([^/]+)", "POST", self._link),
            (r"/v2/bot/user/(U[0-9a-f]{32})/richmenu", "DELETE", self._unlink),
            (r"/v2/bot/user/(U[0-9a-f]{32})/richmenu", "GET", self._user_menu),
            (r"/v2/bot/chat/loading/start", "POST", self._loading),
            (r"/v2/bot/message/([0-9]+)/content/transcoding", "GET", self._transcoding),
            (r"/v2/bot/message/([0-9]+)/content", "GET", self._content),
            (r"/v2/bot/channel/webhook/endpoint", "PUT", self._set_endpoint),
            (r"/v2/bot/channel/webhook/endpoint", "GET", self._get_endpoint),
            (r"/v2/bot/channel/webhook/test", "POST", self._test_endpoint),
            (r"/v2/bot/info", "GET", self._info),
            (r"/v2/bot/message/quota", "GET", self._quota),
            (r"/v2/bot/message/quota/consumption", "GET", self._consumption),
        ]

    # rich menus

    def _menu_problem(self, body: dict[str, Any]) -> str | None:
        size = body.get("size") or {}
        width, height = int(size.get("width", 0)), int(size.get("height", 0))
        if not 800 <= width <= 2500 or height < 250 or width / max(height, 1) < 1.45:
            return "size: width 800-2500, height 250 or more, width/height at least 1.45"
        if not 1 <= len(body.get("chatBarText", "")) <= 14:
            return "chatBarText: Length must be between 1 and 14"
        if len(body.get("name", "")) > 300 or not body.get("name"):
            return "name: Length must be between 1 and 300"
        areas = body.get("areas") or []
        if not 1 <= len(areas) <= 20:
            return "areas: Size must be between 1 and 20"
        for area in areas:
            b = area.get("bounds") or {}
            if (
                b.get("x", -1) < 0
                or b.get("y", -1) < 0
                or b.get("x", 0) + b.get("width", 0) > width
            ):
                return "areas.bounds: outside the rich menu"
            if b.get("y", 0) + b.get("height", 0) > height:
                return "areas.bounds: outside the rich menu"
            action = area.get("action") or {}
            if len(action.get("label", "")) > 20:
                return "areas.action.label: Length must be at most 20"
            if len(action.get("data", "")) > 300 or len(action.get("displayText", "")) > 300:
                return "areas.action.data: Length must be at most 300"
            if action.get("type") == "richmenuswitch" and not _ALIAS.match(
                str(action.get("richMenuAliasId", ""))
            ):  # the alias may be made afterwards (LINE's own tab-switching tutorial does)
                return "richMenuAliasId: must match ^[a-z0-9_-]{1,32}$"
        return None

    def _create(self, *, body: dict[str, Any], **_: Any) -> Answer:
        problem = self._menu_problem(body)
        if problem:
            return Answer(
                400,
                {"message": "The request body has 1 error(s)", "details": [{"message": problem}]},
            )
        menu_id = f"richmenu-{next(self._ids):032x}"
        self.menus[menu_id] = {"richMenuId": menu_id, "selected": False, **body}
        return Answer(200, {"richMenuId": menu_id})

    def _validate(self, *, body: dict[str, Any], **_: Any) -> Answer:
        problem = self._menu_problem(body)
        return Answer(400, {"message": problem}) if problem else Answer(200, {})

    def _list(self, **_: Any) -> Answer:
        return Answer(200, {"richmenus": list(self.menus.values())})

    def _get(self, menu_id: str, **_: Any) -> Answer:
        found = self.menus.get(menu_id)
        return Answer(200, found) if found else Answer(404, {"message": "Not found"})

    def _delete(self, menu_id: str, **_: Any) -> Answer:
        if self.menus.pop(menu_id, None) is None:
            return Answer(404, {"message": "Not found"})
        self.images.pop(menu_id, None)
        self.user_menus = {u: m for u, m in self.user_menus.items() if m != menu_id}
        if self.default_menu == menu_id:
            self.default_menu = None
        return Answer(200, {})

    def _upload(self, menu_id: str, *, raw: bytes, kind: str, **_: Any) -> Answer:
        menu = self.menus.get(menu_id)
        if menu is None:
            return Answer(404, {"message": "Not found"})
        if menu_id in self.images:
            return Answer(400, {"message": "An image has already been uploaded to the richmenu"})
        if kind not in ("image/png", "image/jpeg") or len(raw) > 1024 * 1024:
            return Answer(400, {"message": "image must be a JPEG or PNG of at most 1 MB"})
        if kind == "image/png":
            width, height = struct.unpack(">II", raw[16:24])
            if (width, height) != (menu["size"]["width"], menu["size"]["height"]):
                return Answer(400, {"message": "image size does not match the rich menu size"})
        self.images[menu_id] = (kind, raw)
        return Answer(200, {})

    def _download(self, menu_id: str, **_: Any) -> Answer:
        found = self.images.get(menu_id)
        if found is None:
            return Answer(404, {"message": "Not found"})
        return Answer(200, raw=found[1], content_type=found[0])

    def _content(self, message_id: str, **_: Any) -> Answer:
        """GET /v2/bot/message/{id}/content (api-data.line.me): 202 with an empty body while
        LINE is still preparing the file, then 200 with the bytes; 404 for an unknown id."""
        self.content_calls.append(f"content:{message_id}")
        found = self.contents.get(message_id)
        if found is None:
            return Answer(404, {"message": "Not found"})
        if self.converting.get(message_id, 0) > 0:
            self.converting[message_id] -= 1
            return Answer(202, raw=b"", content_type="text/plain")
        return Answer(200, raw=found[0], content_type=found[1])

    def _transcoding(self, message_id: str, **_: Any) -> Answer:
        """GET /v2/bot/message/{id}/content/transcoding: {"status": processing|succeeded|failed}."""
        self.content_calls.append(f"transcoding:{message_id}")
        if message_id not in self.contents:
            return Answer(404, {"message": "Not found"})
        if self.converting.get(message_id, 0) > 0:
            return Answer(200, {"status": "processing"})
        return Answer(200, {"status": "succeeded"})

    def _usable(self, menu_id: str) -> Answer | None:
        if menu_id not in self.menus:
            return Answer(404, {"message": "richmenu not found"})
        if menu_id not in self.images:
            return Answer(400, {"message": "An image has not been uploaded to the richmenu"})
        return None

    def _set_default(self, menu_id: str, **_: Any) -> Answer:
        refused = self._usable(menu_id)
        if refused:
            return refused
        self.default_menu = menu_id
        return Answer(200, {})

    def _get_default(self, **_: Any) -> Answer:
        if self.default_menu is None:
            return Answer(404, {"message": "no default richmenu"})
        return Answer(200, {"richMenuId": self.default_menu})

    def _cancel_default(self, **_: Any) -> Answer:
        self.default_menu = None
        return Answer(200, {})

    def _link(self, user: str, menu_id: str, **_: Any) -> Answer:
        refused = self._usable(menu_id)
        if refused:
            return refused
        self.user_menus[user] = menu_id
        return Answer(200, {})

    def _unlink(self, user: str, **_: Any) -> Answer:
        self.user_menus.pop(user, None)
        return Answer(200, {})

    def _user_menu(self, user: str, **_: Any) -> Answer:
        if user not in self.user_menus:
            return Answer(404, {"message": "the user has no richmenu"})
        return Answer(200, {"richMenuId": self.user_menus[user]})

    def _bulk_link(self, *, body: dict[str, Any], **_: Any) -> Answer:
        users = body.get("userIds") or []
        if not 1 <= len(users) <= 500:
            return Answer(400, {"message": "userIds: Size must be between 1 and 500"})
        refused = self._usable(str(body.get("richMenuId")))
        if refused:
            return refused
        for user in users:
            self.user_menus[user] = str(body["richMenuId"])
        return Answer(202, {})

    def _bulk_unlink(self, *, body: dict[str, Any], **_: Any) -> Answer:
        users = body.get("userIds") or []
        if not 1 <= len(users) <= 500:
            return Answer(400, {"message": "userIds: Size must be between 1 and 500"})
        for user in users:
            self.user_menus.pop(user, None)
        return Answer(202, {})

    # aliases

    def _alias_list(self, **_: Any) -> Answer:
        return Answer(200, {"aliases": [{"richMenuAliasId": a, "richMenuId": m}
                                        for a, m in self.aliases.items()]})  # fmt: skip

    def _alias_create(self, *, body: dict[str, Any], **_: Any) -> Answer:
        alias, menu_id = str(body.get("richMenuAliasId", "")), str(body.get("richMenuId", ""))
        if not _ALIAS.match(alias):
            return Answer(400, {"message": "richMenuAliasId: must match ^[a-z0-9_-]{1,32}$"})
        if alias in self.aliases:
            return Answer(400, {"message": "conflict richmenu alias id"})
        refused = self._usable(menu_id)
        if refused:
            return refused
        self.aliases[alias] = menu_id
        return Answer(200, {})

    def _alias_update(self, alias: str, *, body: dict[str, Any], **_: Any) -> Answer:
        if alias not in self.aliases:
            return Answer(404, {"message": "richmenu alias not found"})
        refused = self._usable(str(body.get("richMenuId", "")))
        if refused:
            return refused
        self.aliases[alias] = str(body["richMenuId"])
        return Answer(200, {})

    def _alias_get(self, alias: str, **_: Any) -> Answer:
        if alias not in self.aliases:
            return Answer(404, {"message": "richmenu alias not found"})
        return Answer(200, {"richMenuAliasId": alias, "richMenuId": self.aliases[alias]})

    def _alias_delete(self, alias: str, **_: Any) -> Answer:
        if self.aliases.pop(alias, None) is None:
            return Answer(404, {"message": "richmenu alias not found"})
        return Answer(200, {})

    # the loading animation, the webhook endpoint, bot info, quota

    def _loading(self, *, body: dict[str, Any], **_: Any) -> Answer:
        chat, seconds = str(body.get("chatId", "")), int(body.get("loadingSeconds", 20))
        if not chat.startswith("U"):
            return Answer(400, {"message": "chatId: only one-on-one chats with users"})
        if not 5 <= seconds <= 60 or seconds % 5:
            return Answer(400, {"message": "loadingSeconds: 5-60, a multiple of 5"})
        self.loading.append((chat, seconds))
        return Answer(202, {})

    def _set_endpoint(self, *, body: dict[str, Any], **_: Any) -> Answer:
        endpoint = str(body.get("endpoint", ""))
        if not endpoint.startswith("https://") or len(endpoint) > 500:
            return Answer(400, {"message": "endpoint: an https URL of at most 500 characters"})
        self.webhook_endpoint = endpoint
        return Answer(200, {})

    def _get_endpoint(self, **_: Any) -> Answer:
        if self.webhook_endpoint is None:
            return Answer(404, {"message": "webhook endpoint not set"})
        return Answer(200, {"endpoint": self.webhook_endpoint, "active": self.webhook_active})

    def _test_endpoint(self, *, body: dict[str, Any], **_: Any) -> Answer:
        endpoint = str(body.get("endpoint") or self.webhook_endpoint or "")
        if not endpoint:
            return Answer(400, {"message": "webhook endpoint not set"})
        return Answer(webhook_test=endpoint)

    def run_test(self, endpoint: str) -> Answer:
        """Like LINE: POST a signed webhook with no events to the endpoint, report the answer."""
        target = self.routes.get(endpoint)
        result: dict[str, Any] = {"timestamp": _now_iso()}
        if target is None or self.channel_secret is None:
            result.update(success=False, statusCode=0, reason="COULD_NOT_CONNECT",
                          detail="Connection refused")  # fmt: skip
            return Answer(200, result)
        body, signature = signed([], self.channel_secret, destination=self.bot_user_id)
        request = urllib.request.Request(
            target, data=body, method="POST",
            headers={"Content-Type": "application/json", "X-Line-Signature": signature},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError as error:
            result.update(
                success=False, statusCode=0, reason="COULD_NOT_CONNECT", detail=str(error)
            )
            return Answer(200, result)
        ok = 200 <= status < 300
        result.update(success=ok, statusCode=status, reason="OK" if ok else "ERROR_STATUS_CODE",
                      detail=str(status))  # fmt: skip
        return Answer(200, result)

    def _info(self, **_: Any) -> Answer:
        return Answer(200, {"userId": self.bot_user_id, "basicId": self.basic_id,
                            "displayName": self.display_name, "chatMode": self.chat_mode,
                            "markAsReadMode": self.mark_as_read_mode})  # fmt: skip

    def _quota(self, **_: Any) -> Answer:
        kind, value = self.quota
        return Answer(200, {"type": kind, **({"value": value} if value is not None else {})})

    def _consumption(self, **_: Any) -> Answer:
        return Answer(200, {"totalUsage": self.used})


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


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

    def audio(
        self, *, user: str, reply_token: str, duration_ms: int = 4000, group: str | None = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A voice message (LINE's audio message); its bytes are served by FakeLine.voice."""
        event = self._base("message", self.source(user, group=group))
        event.update(
            replyToken=reply_token,
            message={"id": message_id or str(next(self._message_ids)), "type": "audio",
                     "duration": duration_ms, "contentProvider": {"type": "line"}},
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
        self, data: str, *, user: str, reply_token: str, group: str | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        event = self._base("postback", self.source(user, group=group))
        event.update(
            replyToken=reply_token,
            postback={"data": data, **({"params": params} if params else {})},
        )
        return event

    def edited(self, original: dict[str, Any], text: str, *, reply_token: str) -> dict[str, Any]:
        """LINE's messageEdited (group chats only): the same message id, the new text."""
        event = self._base("messageEdited", original["source"])
        message = {k: v for k, v in original["message"].items() if k != "mention"}
        message.update(text=text, quoteToken=secrets.token_hex(12))
        event.update(replyToken=reply_token, message=message)
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
