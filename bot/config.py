"""Settings, read from the environment or `.env`. This is the only module that reads the
environment: everything else receives a `Settings` object from the composition root."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("data") / "sammachip.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Storage: SQLite file under ./data/ by default; a postgresql+asyncpg:// URL for production.
    database_url: str = Field(default=f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}")
    bot_timezone: str = "Asia/Bangkok"

    # Channels: a channel whose credentials are absent is simply off.
    line_channel_secret: str | None = None
    line_channel_access_token: str | None = None
    line_api_base_url: str = "https://api.line.me"
    # Rich menu images go to LINE's data host; empty: api-data.line.me, or LINE_API_BASE_URL
    # when that points somewhere else (a proxy or a test fake that serves both).
    line_data_api_base_url: str | None = None
    # The LINE Official Account's basic id ("@123abcde") for join posters' QR codes; empty:
    # read from LINE (bot info) when the channel opens.
    line_basic_id: str | None = None
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # The bot's username for posters' t.me links; empty: from getMe when the channel opens.
    telegram_bot_username: str | None = None
    public_base_url: str | None = None

    # Webhooks and sending (docs/channels.md).
    max_webhook_body_bytes: int = 1_048_576  # larger webhook bodies are refused with 413
    line_messages_per_second: float = 100.0  # LINE API calls per second from this process
    line_reply_token_seconds: float = 50.0  # a reply token older than this is not tried
    telegram_messages_per_second: float = 30.0  # Bot API: about 30 messages/s overall
    telegram_chat_messages_per_second: float = 1.0  # about 1 message/s in one chat
    telegram_group_messages_per_minute: float = 20.0  # about 20 messages/min in one group
    telegram_poll_timeout_seconds: int = 30  # `sammachip poll`: long-polling wait per request
    send_timeout_seconds: float = 10.0  # one platform API call; a timeout is retried later
    # A one-to-one chat whose answer takes longer than this shows LINE's loading animation
    # (Telegram: "typing…"); 0 shows it for every message, a negative number never.
    loading_after_seconds: float = 0.8
    outbox_drain_seconds: float = 2.0  # `serve`/`poll`: how often leftover outbox rows are tried
    # `serve` stores webhook events first (one commit for many requests) and answers 2xx, then
    # handles them in this many ordered lanes (a chat always uses the same lane; SQLite: 1).
    intake_lanes: int = 8
    intake_retry_seconds: float = 30.0  # a stored event not handled by then is tried again
    # `serve` and `poll`'s event loop, and `serve`'s HTTP parser (bot/web/stack.py): "auto"
    # takes uvloop and httptools (installed with the bot) and falls back to asyncio and h11.
    event_loop: Literal["auto", "uvloop", "asyncio"] = "auto"
    http_parser: Literal["auto", "httptools", "h11"] = "auto"

    # Officer dashboard (bot/dashboard/): signs one-time sign-in links and session cookies.
    # Unset: a random key is created once and kept in the database (see docs/dashboard.md).
    dashboard_secret: str | None = None
    dashboard_session_hours: int = 12

    # Identity (SECURITY.md, "Link codes"): codes that grant a role expire after this many days;
    # this many wrong codes lock a chat account (15 minutes, doubling each time, at most a day);
    # code failures per hour across the deployment that alert the officers, and that pause
    # code checks for the rest of the hour (the global limit the guessing arithmetic assumes).
    code_expiry_days: int = 14
    code_attempts_per_account: int = 5
    code_lock_minutes: int = 15
    code_failures_alarm_per_hour: int = 100
    code_failures_per_hour: int = 1000
    # Officer ids (comma-separated) who get security alerts; empty = every linked officer.
    security_alert_officers: str = ""
    # สรุป, ส่งออก and ข้อมูลของฉัน per person per minute (they draw charts and build files).
    expensive_per_minute: int = 4
    # Download links for exports and personal data: single use, valid this many minutes.
    file_link_minutes: int = 15

    # Voice notes (docs/voice.md): an OpenAI-compatible speech-to-text server, e.g. a local
    # whisper.cpp server at http://127.0.0.1:8080. Empty STT_BASE_URL: voice notes get a
    # short reply asking the person to type, and nothing is sent anywhere.
    stt_base_url: str | None = None
    stt_model: str = "whisper-1"
    stt_api_key: str | None = None
    stt_timeout_seconds: float = 30.0
    voice_max_seconds: int = 60  # longer voice notes are refused politely (one report = a few s)
    voice_max_bytes: int = 2_000_000  # about 10 minutes of LINE m4a; a minute is ~250 kB
    voice_keep_days: int = 30  # the audio is kept this long (the transcript stays with the record)
    voice_per_minute: int = 6  # voice notes one person may have transcribed per minute

    # Conversation: an abandoned guided flow expires after this many minutes.
    flow_timeout_minutes: int = 30
    # Flood control per person: this many messages back to back, then this many per second.
    flood_burst: int = 10
    flood_per_second: float = 1.0

    # Checks before saving (DESIGN "reports"): a treasurer's income that differs from the
    # members' logged sales by more than this share is pointed out; a unit price this many
    # times above or below the item's usual price is asked about ("ถูกต้องไหม").
    reconcile_tolerance: Decimal = Decimal("0.10")
    price_check_factor: Decimal = Decimal("3")
    # Work is the basis of dividends: one person's hours on one day never add up to more
    # than this (a group may set it lower, e.g. 12).
    max_work_hours_per_day: Decimal = Decimal("24")

    # Follow-up cadence defaults (DOMAIN.md); each can be overridden per group.
    new_group_months: int = 12
    meeting_due_day: int = 20
    figures_remind_days: str = "1,5"
    figures_escalate_day: int = 10
    fiscal_year_start_month: int = 10  # the Thai government fiscal year starts in October
    quiet_hours: str = "20:00-07:00"
    # Follow-up scheduler (scheduler/jobs.py, scheduler/policy.py); times are local (BOT_TIMEZONE).
    sweep_time: str = "08:00"  # the daily sweep; also where เตือนพรุ่งนี้ snoozes to
    digest_plan_day: str = "mon"  # officer's weekly visit plan ("" = off)
    digest_plan_time: str = "08:00"
    digest_followup_day: str = "thu"  # officer's "still not visited" digest ("" = off)
    digest_followup_time: str = "08:00"
    digest_households: bool = True  # target households due a monthly visit appear in the digest
    annual_escalate_days: int = 14  # annual summary missing this many days into the year -> officer
    household_progress_day: int = 20  # trainer reminded from this day if a household has no record

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def alert_officer_ids(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.security_alert_officers.replace(" ", "").split(",") if p)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def line_enabled(self) -> bool:
        return bool(self.line_channel_secret and self.line_channel_access_token)

    @property
    def line_data_url(self) -> str:
        if self.line_data_api_base_url:
            return self.line_data_api_base_url.rstrip("/")
        base = self.line_api_base_url.rstrip("/")
        return "https://api-data.line.me" if base == "https://api.line.me" else base

    @property
    def stt_enabled(self) -> bool:
        return bool(self.stt_base_url)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)
