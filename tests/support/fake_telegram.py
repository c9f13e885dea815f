"""A local stand-in for the Telegram Bot API, and updates in its wire format.

`FakeTelegram` runs a real HTTP server on 127.0.0.1 in its own thread and answers what
python-telegram-bot sends (form-encoded or multipart bodies, JSON-encoded values) with
`{"ok": true, "result": …}` or `{"ok": false, "error_code": …, "description": …,
"parameters": {"retry_after": …}}`. Methods: getMe, sendMessage, sendPhoto, sendDocument,
answerCallbackQuery, editMessageReplyMarkup, sendChatAction, getUpdates (long polling over a
queue the test fills), setWebhook, deleteWebhook, getWebhookInfo, setMyCommands,
getMyCommands, deleteMyCommands (per scope and language), setChatMenuButton,
getChatMenuButton. `parse_mode=HTML` is parsed the way Telegram does (only its tags, entities
escaped, else 400 "can't parse entities"); `Sent.text` is what the person reads. Scripted failures: `plan("sendMessage", 429, retry_after=3)`, `plan(..., 500)`,
`delay=` for slow calls, `latency` for every send, `on_accept` to act (kill the bot) the instant
a message reached its chat, before the answer goes back; `blocked` chats answer 403 like a
person who blocked the bot. Each message delivered records when it reached the chat.

`TelegramUpdates` builds updates (message, edited_message, callback_query, my_chat_member).
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote

from tests.support.fake_server import LocalServer

BOT_ID = 7000001
BOT_USERNAME = "sammachip_test_bot"
TOKEN = f"{BOT_ID}:AAE-test-token_0123456789abcdefghijklmnopq"


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Planned:
    status: int
    description: str
    retry_after: int | None = None
    delay: float = 0.0
    accept: bool = False


@dataclass
class Received:
    """One Bot API call as it came over the wire: how its body was encoded, who sent it, and
    each uploaded file's part (filename, Content-Type, bytes)."""

    method: str
    content_type: str  # without parameters (no multipart boundary)
    user_agent: str
    params: dict[str, Any]
    uploads: dict[str, tuple[str, str, bytes]]


@dataclass
class Sent:
    method: str
    chat_id: str
    text: str | None
    reply_markup: dict[str, Any] | None
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when it reached the chat


class FakeTelegram(LocalServer):
    name = "fake-telegram"

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._script: dict[str, deque[Planned]] = {}
        self._updates: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every request (method, params)
        self.received: list[Received] = []  # the same requests, as encoded on the wire
        self.sent: list[Sent] = []  # messages that reached a chat, once each
        self.answered: list[str] = []  # callback query ids answered
        self.blocked: set[str] = set()
        self.offsets: list[int | None] = []  # getUpdates offsets asked for
        self.webhook: dict[str, Any] | None = None
        self.webhook_error: str | None = None  # getWebhookInfo's last_error_message
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}  # (scope, lang) -> list
        self.menu_buttons: dict[str, dict[str, Any]] = {}  # chat id ("" = default) -> button
        self.actions: list[tuple[str, str]] = []  # sendChatAction (chat, action)
        self.edited_markup: list[tuple[str, int]] = []  # editMessageReplyMarkup (chat, message)
        self._message_ids = itertools.count(9000)
        self.latency = 0.0  # seconds every send takes before it reaches the chat
        # Files people sent (voice notes): file_id -> (file_path, bytes); getFile names the
        # path, and GET /file/bot<token>/<path> serves the bytes.
        self.files: dict[str, tuple[str, bytes]] = {}
        self.downloads: list[str] = []
        # Called (in the server's thread) when a message reached its chat, before the answer.
        self.on_accept: Callable[[Sent], None] | None = None

    # --- test controls -------------------------------------------------------------------

    def plan(
        self, method: str, status: int, description: str = "", *, retry_after: int | None = None,
        delay: float = 0.0, accept: bool = False,
    ) -> None:  # fmt: skip
        text = description or {
            429: f"Too Many Requests: retry after {retry_after}",
            500: "Internal Server Error",
            502: "Bad Gateway",
            403: "Forbidden: bot was blocked by the user",
            400: "Bad Request: chat not found",
        }.get(status, "Error")
        with self._lock:
            self._script.setdefault(method, deque()).append(
                Planned(status, text, retry_after, delay, accept)
            )

    def queue_updates(self, *updates: dict[str, Any]) -> None:
        with self._cond:
            self._updates.extend(updates)
            self._cond.notify_all()

    def texts(self, chat_id: int | str | None = None) -> list[str]:
        with self._lock:
            return [
                s.text or ""
                for s in self.sent
                if s.text is not None and (chat_id is None or s.chat_id == str(chat_id))
            ]

    def commands_for(self, chat_id: int | str | None = None, language: str = "") -> list[str]:
        """The command names a person sees in `chat_id` (their chat's own list, else the
        default one), as Telegram resolves scopes for a private chat."""
        with self._lock:
            if chat_id is not None:
                own = self.commands.get(
                    (scope_key({"type": "chat", "chat_id": int(chat_id)}), language)
                )
                if own is not None:
                    return [c["command"] for c in own]
            found = self.commands.get((scope_key(None), language), [])
            return [c["command"] for c in found]

    def count(self, method: str) -> int:
        with self._lock:
            return sum(1 for m, _ in self.calls if m == method)

    # --- server --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_BASE_URL is set to (the python-telegram-bot `base_url` form)."""
        return f"{self.url}/bot"

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        super().stop()

    def _reply(self, request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _error(self, request: BaseHTTPRequestHandler, status: int, description: str,
               retry_after: int | None = None) -> None:  # fmt: skip
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        self._reply(request, status, body)

    def _params(
        self, request: BaseHTTPRequestHandler, raw: bytes
    ) -> tuple[dict[str, Any], dict[str, bytes], dict[str, tuple[str, str, bytes]]]:
        kind = request.headers.get("Content-Type", "")
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        uploads: dict[str, tuple[str, str, bytes]] = {}
        if kind.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {kind}\r\n\r\n".encode() + raw
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                decoded = part.get_payload(decode=True)  # bytes for a leaf part, or None
                payload = decoded if isinstance(decoded, bytes) else b""
                filename = part.get_filename()
                if filename:
                    files[str(name)] = payload
                    uploads[str(name)] = (filename, part.get_content_type(), payload)
                else:
                    params[str(name)] = payload.decode()
        elif kind.startswith("application/json"):
            params = json.loads(raw or b"{}")
        else:
            params = dict(parse_qsl(raw.decode()))
        return params, files, uploads

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        path = request.path.split("?")[0]
        prefix = f"/bot{self.token}/"
        if path.startswith("/file/bot"):
            self._download(request, path)
            return
        if not path.startswith("/bot"):
            self._error(request, 404, "Not Found")
            return
        if not path.startswith(prefix):
            self._error(request, 401, "Unauthorized")
            return
        method = path[len(prefix) :]
        params, files, uploads = self._params(request, raw)
        kind = request.headers.get("Content-Type", "").split(";")[0]
        agent = request.headers.get("User-Agent", "")
        with self._lock:
            self.calls.append((method, params))
            self.received.append(Received(method, kind, agent, dict(params), uploads))
            queue = self._script.get(method)
            planned = queue.popleft() if queue else None
        if planned is None and self.latency and method.startswith("send"):
            time.sleep(self.latency)
        if planned is not None:
            if planned.delay:
                time.sleep(planned.delay)
            if planned.status == 200 or planned.accept:
                result = self._method(method, params, files)
                if planned.status == 200 and result is not None:
                    self._reply(request, 200, {"ok": True, "result": result})
                    return
            if planned.status != 200:
                self._error(request, planned.status, planned.description, planned.retry_after)
                return
        if method == "getUpdates":
            self._reply(request, 200, {"ok": True, "result": self._get_updates(params)})
            return
        chat = str(params.get("chat_id", ""))
        if method.startswith("send") and chat in self.blocked:
            self._error(request, 403, "Forbidden: bot was blocked by the user")
            return
        text = params.get("text")
        if method == "sendMessage" and params.get("parse_mode") == "HTML" and text:
            try:
                params["raw_text"] = text
                text = params["text"] = read_html(str(text))
            except ValueError as problem:
                self._error(request, 400, f"Bad Request: can't parse entities: {problem}")
                return
        refused = _refused(method, params)
        if refused is not None:
            self._error(request, 400, refused)
            return
        if method == "sendMessage" and (not text or _utf16_len(str(text)) > 4096):
            self._error(
                request,
                400,
                "Bad Request: message is too long"
                if text
                else "Bad Request: message text is empty",
            )
            return
        result = self._method(method, params, files)
        if result is None:
            self._error(request, 404, "Not Found")
            return
        if self.on_accept is not None and method.startswith("send"):
            self.on_accept(self.sent[-1])  # e.g. kill the bot before it hears the answer
        self._reply(request, 200, {"ok": True, "result": result})

    def _download(self, request: BaseHTTPRequestHandler, path: str) -> None:
        """The file host: GET /file/bot<token>/<file_path>."""
        prefix = f"/file/bot{self.token}/"
        path = unquote(path)  # the token's ":" arrives as %3A
        wanted = path[len(prefix) :] if path.startswith(prefix) else None
        with self._lock:
            found = next((d for p, d in self.files.values() if p == wanted), None)
            self.downloads.append(wanted or path)
        if found is None:
            self._error(request, 404, "Not Found")
            return
        request.send_response(200)
        request.send_header("Content-Type", "application/octet-stream")
        request.send_header("Content-Length", str(len(found)))
        request.end_headers()
        request.wfile.write(found)

    def _method(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        now = int(time.time())
        if method == "getFile":
            file_id = str(params.get("file_id", ""))
            with self._lock:
                stored = self.files.get(file_id)
            if stored is None:
                return None  # 404 "Not Found"; Telegram says "Bad Request: invalid file_id"
            return {"file_id": file_id, "file_unique_id": f"u{file_id}",
                    "file_size": len(stored[1]), "file_path": stored[0]}  # fmt: skip
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Sammachip", "username": BOT_USERNAME,
                    "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}  # fmt: skip
        if method in ("deleteWebhook", "setWebhook", "close", "logOut"):
            if method == "setWebhook":
                self.webhook = params
                self.webhook_error = None
            elif method == "deleteWebhook":
                self.webhook = None
            return True
        if method == "getWebhookInfo":
            hook = self.webhook or {}
            info: dict[str, Any] = {
                "url": hook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
            if hook.get("allowed_updates"):
                allowed = hook["allowed_updates"]
                info["allowed_updates"] = (
                    json.loads(allowed) if isinstance(allowed, str) else allowed
                )
            if hook.get("max_connections"):
                info["max_connections"] = int(hook["max_connections"])
            if self.webhook_error:
                info.update(last_error_date=now, last_error_message=self.webhook_error)
            return info  # like Telegram: the secret token is never read back
        if method in ("setMyCommands", "deleteMyCommands", "getMyCommands"):
            key = (scope_key(_json(params.get("scope"))), str(params.get("language_code") or ""))
            with self._lock:
                if method == "setMyCommands":
                    self.commands[key] = list(_json(params.get("commands")) or [])
                    return True
                if method == "deleteMyCommands":
                    self.commands.pop(key, None)
                    return True
                return list(self.commands.get(key, []))
        if method == "setChatMenuButton":
            with self._lock:
                self.menu_buttons[str(params.get("chat_id") or "")] = _json(
                    params.get("menu_button")
                ) or {"type": "default"}
            return True
        if method == "getChatMenuButton":
            with self._lock:
                return self.menu_buttons.get(str(params.get("chat_id") or ""), {"type": "default"})
        if method == "sendChatAction":
            with self._lock:
                self.actions.append((str(params.get("chat_id")), str(params.get("action"))))
            return True
        if method == "editMessageReplyMarkup":
            with self._lock:
                self.edited_markup.append(
                    (str(params.get("chat_id")), int(params.get("message_id") or 0))
                )
            return True
        if method == "answerCallbackQuery":
            with self._lock:
                self.answered.append(str(params.get("callback_query_id")))
            return True
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            chat = str(params["chat_id"])
            markup = params.get("reply_markup")
            markup = json.loads(markup) if isinstance(markup, str) else markup
            text = params.get("text") if method == "sendMessage" else params.get("caption")
            with self._lock:
                self.sent.append(
                    Sent(
                        method,
                        chat,
                        text if method == "sendMessage" else None,
                        markup,
                        params,
                        files,
                    )
                )
            message: dict[str, Any] = {
                "message_id": next(self._message_ids),
                "date": now,
                "chat": _chat(chat),
                "from": {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "Sammachip",
                    "username": BOT_USERNAME,
                },
            }
            if method == "sendMessage":
                message["text"] = text
            elif method == "sendPhoto":
                message["photo"] = [
                    {"file_id": "p1", "file_unique_id": "u1", "width": 10, "height": 10}
                ]
            else:
                message["document"] = {"file_id": "d1", "file_unique_id": "u2"}
            return message
        return None

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params["offset"]) if params.get("offset") not in (None, "", "null") else None
        timeout = min(float(params.get("timeout") or 0), 0.5)  # tests never wait long
        with self._cond:
            self.offsets.append(offset)
            if offset is not None:  # confirmed: Telegram forgets everything before the offset
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            deadline = time.monotonic() + timeout
            while not self._updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return list(self._updates)


def _json(value: Any) -> Any:
    """A parameter python-telegram-bot sent JSON-encoded in a form field (or already JSON)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def scope_key(scope: dict[str, Any] | None) -> str:
    if not scope or scope.get("type") == "default":
        return "default"
    return json.dumps({k: scope[k] for k in sorted(scope)}, sort_keys=True)


_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
              "tg-spoiler", "span", "blockquote", "tg-emoji"}  # fmt: skip


class _Html(HTMLParser):
    """Telegram's HTML parse mode: only its tags, closed in order; the text read out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise ValueError(f'Unsupported start tag "{tag}"')
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise ValueError(f'Unmatched end tag "{tag}"')
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _refused(method: str, params: dict[str, Any]) -> str | None:
    """The Bot API's own checks on the set-up methods (what makes it answer 400)."""
    if method == "setMyCommands":
        commands = _json(params.get("commands")) or []
        if len(commands) > 100:
            return "Bad Request: too many commands"
        for command in commands:
            if not _COMMAND.match(str(command.get("command", ""))):
                return "Bad Request: BOT_COMMAND_INVALID"
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                return "Bad Request: command description is invalid"
    if method == "setWebhook":
        if not str(params.get("url", "")).startswith("https://"):
            return "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            return "Bad Request: secret token contains unallowed characters"
    if method == "answerCallbackQuery" and len(str(params.get("text") or "")) > 200:
        return "Bad Request: MESSAGE_TOO_LONG"
    return None


def read_html(markup: str) -> str:
    """The text a person sees for an HTML-formatted message, or ValueError as Telegram."""
    if re.search(r"<(?![a-z/])", markup) or re.search(r"&(?![a-z]+;|#\d+;)", markup):
        raise ValueError("unescaped < or & in the text")
    parser = _Html()
    parser.feed(markup)
    parser.close()
    if parser.open:
        raise ValueError(f'Can\'t find end tag corresponding to start tag "{parser.open[-1]}"')
    return "".join(parser.text)


def _chat(chat_id: str) -> dict[str, Any]:
    if chat_id.startswith("-"):
        return {
            "id": int(chat_id),
            "type": "supergroup" if chat_id.startswith("-100") else "group",
            "title": "กลุ่ม",
        }
    return {"id": int(chat_id), "type": "private", "first_name": "Person"}


class TelegramUpdates:
    """Updates as the Bot API sends them (webhook body or getUpdates result items)."""

    def __init__(self) -> None:
        self._update_ids = itertools.count(880000001)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(4400000000000000001)

    @staticmethod
    def user(user_id: int, first_name: str = "บุญมี", last_name: str = "ใจงาม") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "last_name": last_name,
                "language_code": "th"}  # fmt: skip

    @staticmethod
    def chat(chat_id: int, title: str = "กลุ่มไข่เค็ม") -> dict[str, Any]:
        if chat_id < 0:
            return {
                "id": chat_id,
                "type": "supergroup" if str(chat_id).startswith("-100") else "group",
                "title": title,
            }
        return {"id": chat_id, "type": "private", "first_name": "บุญมี"}

    def next_id(self) -> int:
        return next(self._update_ids)

    def message(
        self, text: str, *, user_id: int, chat_id: int | None = None, entities: list[dict[str, Any]] | None = None,
        reply_to_bot: bool = False, update_id: int | None = None, message_id: int | None = None,
        first_name: str = "บุญมี",
    ) -> dict[str, Any]:  # fmt: skip
        chat = chat_id if chat_id is not None else user_id
        message: dict[str, Any] = {
            "message_id": message_id or next(self._message_ids),
            "from": self.user(user_id, first_name),
            "chat": self.chat(chat),
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        if entities:
            message["entities"] = entities
        if reply_to_bot:
            message["reply_to_message"] = {
                "message_id": 1,
                "from": {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "Sammachip",
                    "username": BOT_USERNAME,
                },
                "chat": self.chat(chat),
                "date": int(time.time()) - 60,
                "text": "บันทึกแล้วค่ะ",
            }
        return {"update_id": update_id or self.next_id(), "message": message}

    def mention(self, text_after: str, *, user_id: int, chat_id: int) -> dict[str, Any]:
        """`@bot <text>` in a group, with the mention entity Telegram adds."""
        handle = f"@{BOT_USERNAME}"
        return self.message(
            f"{handle} {text_after}", user_id=user_id, chat_id=chat_id,
            entities=[{"type": "mention", "offset": 0, "length": _utf16_len(handle)}],
        )  # fmt: skip

    def edited(self, original: dict[str, Any], text: str) -> dict[str, Any]:
        message = dict(original["message"])
        message.update(text=text, edit_date=int(time.time()))
        message.pop("entities", None)
        return {"update_id": self.next_id(), "edited_message": message}

    def callback(self, data: str, *, user_id: int, chat_id: int) -> dict[str, Any]:
        return {
            "update_id": self.next_id(),
            "callback_query": {
                "id": str(next(self._callback_ids)),
                "from": self.user(user_id),
                "chat_instance": "-4455667788",
                "data": data,
                "message": {
                    "message_id": next(self._message_ids),
                    "from": {
                        "id": BOT_ID,
                        "is_bot": True,
                        "first_name": "Sammachip",
                        "username": BOT_USERNAME,
                    },
                    "chat": self.chat(chat_id),
                    "date": int(time.time()) - 10,
                    "text": "ยืนยันไหมคะ",
                },
            },
        }

    def my_chat_member(self, *, chat_id: int, user_id: int, old: str, new: str) -> dict[str, Any]:
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Sammachip", "username": BOT_USERNAME}
        return {
            "update_id": self.next_id(),
            "my_chat_member": {
                "chat": self.chat(chat_id),
                "from": self.user(user_id),
                "date": int(time.time()),
                "old_chat_member": _member(bot, old),
                "new_chat_member": _member(bot, new),
            },
        }

    def voice(
        self, *, user_id: int, file_id: str, duration: int = 4, size: int = 1000,
        chat_id: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A voice note (ogg/opus) as the Bot API sends it; its bytes come from getFile."""
        chat = chat_id if chat_id is not None else user_id
        return {
            "update_id": self.next_id(),
            "message": {
                "message_id": next(self._message_ids),
                "from": self.user(user_id),
                "chat": self.chat(chat),
                "date": int(time.time()),
                "voice": {"file_id": file_id, "file_unique_id": f"u{file_id}",
                          "duration": duration, "mime_type": "audio/ogg", "file_size": size},
            },
        }  # fmt: skip

    def sticker(self, *, user_id: int) -> dict[str, Any]:
        return {
            "update_id": self.next_id(),
            "message": {
                "message_id": next(self._message_ids),
                "from": self.user(user_id),
                "chat": self.chat(user_id),
                "date": int(time.time()),
                "sticker": {"file_id": "s", "file_unique_id": "su", "width": 512, "height": 512,
                            "is_animated": False, "is_video": False, "type": "regular"},
            },
        }  # fmt: skip


def _member(user: dict[str, Any], status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"user": user, "status": status}
    if status == "kicked":
        member["until_date"] = 0
    if status == "administrator":
        member.update(
            can_be_edited=False, is_anonymous=False, can_manage_chat=True, can_delete_messages=True,
            can_manage_video_chats=True, can_restrict_members=True, can_promote_members=False,
            can_change_info=True, can_invite_users=True, can_post_stories=False,
            can_edit_stories=False, can_delete_stories=False,
        )  # fmt: skip
    if status == "restricted":
        member.update(
            is_member=True, can_send_messages=True, can_send_audios=True, can_send_documents=True,
            can_send_photos=True, can_send_videos=True, can_send_video_notes=True,
            can_send_voice_notes=True, can_send_polls=True, can_send_other_messages=True,
            can_add_web_page_previews=True, can_change_info=False, can_invite_users=True,
            can_pin_messages=False, can_manage_topics=False, until_date=0,
        )  # fmt: skip
    return member
