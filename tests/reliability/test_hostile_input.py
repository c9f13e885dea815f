"""Hostile and broken input over the real webhooks: fuzzed bodies (validly signed, so they
reach the parsers), invalid UTF-8, missing fields, huge and deeply nested bodies, and hostile
messages from a linked person. Always a 2xx or a 4xx, never a 5xx; the server keeps serving;
a person always gets a Thai reply; what is stored is stored verbatim."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.storage.models import InboundEvent, Meeting, Sale
from tests.reliability.harness import link_many
from tests.support.channel_stack import (
    LINE_SECRET,
    TELEGRAM_SECRET,
    Stack,
    running_stack,
)
from tests.support.fake_line import FakeLine, LineEvents, sign, user_id
from tests.support.fake_telegram import FakeTelegram, TelegramUpdates
from tests.support.live_server import until

THAI = re.compile(r"[\u0e00-\u0e7f]")
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)


class ThreadedStack:
    """The in-process stack on its own event loop in a thread, so synchronous hypothesis tests
    can post to it over HTTP for a whole module."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.line = FakeLine().start()
        self.telegram = FakeTelegram().start()
        self.ready = threading.Event()
        self.stack: Stack | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with running_stack(self.url, self.line, self.telegram) as stack:
            self.stack = stack
            self.ready.set()
            await self._stop.wait()

    def start(self) -> ThreadedStack:
        self._thread.start()
        assert self.ready.wait(60), "the stack did not start"
        return self

    def run(self, coroutine: Any) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(30)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        self.line.stop()
        self.telegram.stop()

    @property
    def base(self) -> str:
        assert self.stack is not None
        return self.stack.server.url


@pytest.fixture(scope="module")
def served(
    seeded_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThreadedStack]:
    import shutil

    path = tmp_path_factory.mktemp("hostile") / "hostile.db"
    shutil.copyfile(seeded_sqlite, path)
    threaded = ThreadedStack(f"sqlite+aiosqlite:///{path}").start()
    yield threaded
    threaded.stop()


@pytest.fixture(scope="module")
def http(served: ThreadedStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.base, timeout=30) as client:
        yield client


def post_line(http: httpx.Client, body: bytes) -> httpx.Response:
    headers = {"Content-Type": "application/json", "X-Line-Signature": sign(body, LINE_SECRET)}
    return http.post("/webhooks/line", content=body, headers=headers)


def post_telegram(http: httpx.Client, body: bytes) -> httpx.Response:
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    return http.post("/webhooks/telegram", content=body, headers=headers)


def assert_no_5xx(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text


# --- strategies ------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
hostile_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "ก" * 10_000,
            "😀" * 2_000,
            "\x00\x01\x07\x1b[31m\u200b\u202e\ufeff",
            "'; DROP TABLE sale; --",
            "ขาย -500 บาท",
            "ขายไข่เค็ม 10 ฟอง 99999999999999999999 บาท",
            "ขายไข่เค็ม 10 ฟอง 50 บาท 31 ก.พ. 2568",
            "ประชุม 30/02/2568",
            "{{7*7}} ${jndi:ldap://x} <script>alert(1)</script>",
        ]
    ),
)
events = LineEvents()


@st.composite
def line_events(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed text event with hostile text, then some fields dropped or retyped."""
    event = events.text(draw(hostile_text), user=user_id(), reply_token="0" * 32)
    for key in draw(st.lists(st.sampled_from(sorted(event)), max_size=2, unique=True)):
        if draw(st.booleans()):
            del event[key]
        else:
            event[key] = draw(json_values)
    return event


line_bodies = st.one_of(
    st.binary(max_size=3000),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.lists(line_events(), min_size=1, max_size=3).map(
        lambda evs: json.dumps({"destination": "Ubot", "events": evs}).encode()
    ),
)


@st.composite
def telegram_updates(draw: st.DrawFn) -> dict[str, Any]:
    update = TelegramUpdates().message(draw(hostile_text), user_id=draw(st.integers(1, 2**40)))
    for key in draw(st.lists(st.sampled_from(sorted(update["message"])), max_size=2, unique=True)):
        if draw(st.booleans()):
            del update["message"][key]
        else:
            update["message"][key] = draw(json_values)
    return update


telegram_bodies = st.one_of(
    st.binary(max_size=3000),
    json_values.map(lambda v: json.dumps(v).encode()),
    telegram_updates().map(lambda u: json.dumps(u).encode()),
)


# --- fuzzing ---------------------------------------------------------------------------------


@FUZZ
@given(body=line_bodies)
def test_fuzzed_line_bodies_get_2xx_or_4xx(http: httpx.Client, body: bytes) -> None:
    assert_no_5xx(post_line(http, body))


@FUZZ
@given(body=telegram_bodies)
def test_fuzzed_telegram_bodies_get_2xx_or_4xx(http: httpx.Client, body: bytes) -> None:
    assert_no_5xx(post_telegram(http, body))


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe\xfa invalid utf-8 \xc3\x28",
        b'{"destination": "Ubot", "events": [{"type": "message", "text": "\xed\xa0\x80"}]}',
        b"[" * 20_000 + b"]" * 20_000,
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        b'{"destination": "Ubot", "events": [{}]}',
        b'{"destination": "Ubot", "events": null}',
        b'{"destination": "Ubot"}',
        b'{"events": [{"type": "message", "source": {"type": "user"}, "message": {"type": "text"}}]}',
        b"",
        b"null",
        b"1e999999",
    ],
    ids=[
        "invalid-utf8",
        "lone-surrogate",
        "nested-lists",
        "nested-objects",
        "empty-event",
        "null-events",
        "no-events",
        "missing-ids",
        "empty",
        "null",
        "huge-number",
    ],
)
def test_broken_bodies_on_both_webhooks(http: httpx.Client, body: bytes) -> None:
    assert_no_5xx(post_line(http, body))
    assert_no_5xx(post_telegram(http, body))


def test_a_huge_body_is_refused_with_413_on_both(http: httpx.Client) -> None:
    body = json.dumps({"events": [], "pad": "x" * 200_000}).encode()
    assert post_line(http, body).status_code == 413
    assert post_telegram(http, body).status_code == 413


def test_a_body_cut_off_by_the_caller_leaves_no_traceback_and_nothing_stored(
    served: ThreadedStack, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """A proxy in front (Caddy) gives up on a request mid-body, as when a worker died and it
    retries elsewhere: nothing was read whole, so nothing is stored, and the log says so in
    one line instead of an "Exception in ASGI application" traceback."""
    host, port = served.base.removeprefix("http://").split(":")
    assert served.stack is not None
    before = served.run(served.stack.count(InboundEvent))
    user = user_id()
    event = events.text("ขายไข่เค็ม 3 ฟอง 15 บาท", user=user, reply_token="cut-off")
    body = json.dumps({"destination": "Ubot", "events": [event]}).encode()
    for path in ("/webhooks/line", "/webhooks/telegram"):
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            raw.sendall(
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"X-Line-Signature: {sign(body, LINE_SECRET)}\r\n"
                f"X-Telegram-Bot-Api-Secret-Token: {TELEGRAM_SECRET}\r\n"
                f"Content-Length: {len(body) + 100}\r\n\r\n".encode()
                + body
            )
            time.sleep(0.3)  # the server is reading, waiting for the rest
    assert http.get("/healthz").status_code == 200
    served.run(asyncio.sleep(0.3))
    tracebacks = [r for r in caplog.records if r.exc_info or "Exception in ASGI" in r.getMessage()]
    assert tracebacks == []
    assert served.run(served.stack.count(InboundEvent)) == before


def test_the_server_keeps_serving_after_the_fuzzing(
    served: ThreadedStack, http: httpx.Client
) -> None:
    assert http.get("/healthz").status_code == 200
    user = user_id()
    served.run(link_many(served.url, "line", [user]))
    token = served.line.issue_token(user)
    body = json.dumps(
        {
            "destination": "Ubot",
            "events": [events.text("ขายไข่เค็ม 3 ฟอง 15 บาท", user=user, reply_token=token)],
        }
    ).encode()
    assert post_line(http, body).status_code == 200
    served.run(until(lambda: any(c.reply_token == token for c in served.line.delivered)))


# --- hostile messages from a linked person ---------------------------------------------------

HOSTILE = [
    "ก" * 10_000,
    "ขายไข่เค็ม " + "😀🥚" * 1_000 + " 2 ฟอง 10 บาท",
    "\x00\x07\x1b[K\u200b\u202eขาย\ufeff",
    "'; DROP TABLE sale; --",
    "ขาย Robert'); DROP TABLE sale;-- 2 ชิ้น 40 บาท",
    "ขาย -500 บาท",
    "ขายไข่เค็ม 10 ฟอง 50000000 บาท",
    "ขายไข่เค็ม 10 ฟอง 99999999999999999999999999 บาท",
    "ขายไข่เค็ม 10 ฟอง 50 บาท 31 ก.พ. 2568",
    "ขายไข่เค็ม 10 ฟอง 50 บาท วันที่ 32/13/2568",
    "ทำงาน 500 ชั่วโมง",
    "ขายไข่เค็ม 10 ฟอง 50 บาท พ.ศ. 3000",
]


async def test_hostile_messages_get_a_thai_reply_over_the_webhook(stack: Stack) -> None:
    users = [user_id() for _ in HOSTILE]
    await link_many(str(stack.app.settings.database_url), "line", users)
    sales_before = await stack.count(Sale)
    for text, user in zip(HOSTILE, users, strict=True):
        token = stack.line.issue_token(user)
        response = await stack.post_line(stack.events.text(text, user=user, reply_token=token))
        assert response.status_code == 200, text
    for text, user in zip(HOSTILE, users, strict=True):

        def replied(u: str = user) -> bool:
            return bool(stack.line.texts(u))

        await until(replied, what=f"a reply to {text[:30]!r}")
        answer = stack.line.texts(user)[0]
        assert THAI.search(answer), (text[:40], answer)
        assert "Traceback" not in answer and "Error" not in answer
    # Absurd, negative and impossible values are never stored; the only sales stored are the
    # plausible ones ("ขายไข่เค็ม 😀🥚… 2 ฟอง 10 บาท", "ขาย Robert'); DROP TABLE sale;-- …").
    async with stack.app.uow() as uow:
        from sqlalchemy import select

        stored = list(await uow.session.scalars(select(Sale).order_by(Sale.id)))[sales_before:]
    assert len(stored) <= 2, [(s.item, s.amount, s.on_date) for s in stored]
    assert await stack.count(Sale, Sale.amount >= 50_000_000) == 0


async def test_sql_injection_in_free_text_is_stored_verbatim(stack: Stack) -> None:
    """A chair's meeting topic is free text: it is stored exactly as typed, and harmless."""
    from bot.demo import PERSONAS
    from bot.storage.models import ChatAccount, Person

    hostile = "Robert'); DROP TABLE sale;-- \" OR 'a'='a"
    async with stack.app.uow() as uow:
        from sqlalchemy import select

        chair = await uow.session.scalar(select(Person).where(Person.name == PERSONAS["chair"]))
        assert chair is not None
        account = await uow.session.scalar(
            select(ChatAccount).where(ChatAccount.person_id == chair.id)
        )
        assert account is not None
    chat = await _line_account_for(stack, chair.id)
    token = stack.line.issue_token(chat)
    response = await stack.post_line(
        stack.events.text(f"ประชุมกลุ่มวันนี้ 8 คน เรื่อง {hostile}", user=chat, reply_token=token)
    )
    assert response.status_code == 200
    await until(lambda: bool(stack.line.texts(chat)), what="a reply")
    async with stack.app.uow() as uow:
        from sqlalchemy import select

        topics = list(await uow.session.scalars(select(Meeting.topics).order_by(Meeting.id.desc())))
    assert any(t and hostile in t for t in topics), (stack.line.texts(chat), topics[:3])
    assert await stack.count(Sale) > 0


async def _line_account_for(stack: Stack, person_id: int) -> str:
    from bot.storage.models import ChatAccount, utcnow

    external = user_id()
    async with stack.app.uow() as uow:
        uow.session.add(
            ChatAccount(
                channel="line", external_id=external, person_id=person_id, consented_at=utcnow()
            )
        )
        await uow.commit()
    return external
