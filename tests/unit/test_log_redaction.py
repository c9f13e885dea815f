"""What `serve`'s access log keeps of a request line: never a sign-in token, a code or a file's
key (bot/web/commands.py `RedactQuery`)."""

from __future__ import annotations

import logging

import pytest

from bot.web.commands import QuietHealthChecks, RedactQuery, redact


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        (
            "GET /dashboard/login?token=abc123 HTTP/1.1",
            "GET /dashboard/login?token=[redacted] HTTP/1.1",
        ),
        ("GET /x?a=1&CODE=ABCD-1234&b=2", "GET /x?a=1&CODE=[redacted]&b=2"),
        ("GET /files/Zx9_secret-key HTTP/1.1", "GET /files/[redacted] HTTP/1.1"),
        ("GET /files/k1?key=k2", "GET /files/[redacted]?key=[redacted]"),
        ("POST /webhooks/line HTTP/1.1", "POST /webhooks/line HTTP/1.1"),
        ("GET /dashboard?page=2", "GET /dashboard?page=2"),
    ],
)
def test_secrets_in_a_request_line_are_blanked_and_nothing_else(line: str, logged: str) -> None:
    assert redact(line) == logged


def test_the_access_log_filter_blanks_every_string_argument() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/dashboard/login?secret=s3", "1.1", 200), None,
    )  # fmt: skip
    assert RedactQuery().filter(record) is True
    assert (
        record.getMessage()
        == '127.0.0.1:5000 - "GET /dashboard/login?secret=[redacted] HTTP/1.1" 200'
    )


def _access(method: str, path: str, status: int) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", method, path, "1.1", status), None,
    )  # fmt: skip


def test_caddys_passed_health_checks_stay_out_of_the_log_and_a_failed_one_does_not() -> None:
    quiet = QuietHealthChecks()
    assert quiet.filter(_access("GET", "/healthz", 200)) is False
    assert quiet.filter(_access("GET", "/healthz", 503)) is True
    assert quiet.filter(_access("POST", "/webhooks/line", 200)) is True
