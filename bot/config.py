"""`Settings` (pydantic-settings); the only code that reads the environment or `.env`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///siaga.db", validation_alias="DATABASE_URL")
    language: Literal["id", "en"] = Field("id", validation_alias="SIAGA_LANGUAGE")
    draft_ttl_hours: float = Field(24.0, gt=0, validation_alias="SIAGA_DRAFT_TTL_HOURS")
    attachments_dir: Path = Field(Path("attachments"), validation_alias="SIAGA_ATTACHMENTS_DIR")
    log_level: str = Field("INFO", validation_alias="SIAGA_LOG_LEVEL")
    # Handled inbound message ids and sent outbox messages are deleted after this many days.
    retention_days: int = Field(90, ge=1, le=3650, validation_alias="SIAGA_RETENTION_DAYS")
    # Threads running chat turns against PostgreSQL (SQLite always uses one: it has a single write lock).
    turn_workers: int = Field(4, ge=1, le=64, validation_alias="SIAGA_TURN_WORKERS")
    # Group commit: at most this many turns waiting for a database thread share one transaction (1: off).
    group_commit: int = Field(1, ge=1, le=256, validation_alias="SIAGA_GROUP_COMMIT")
    # Tests only: the process's clock reads this instant when it starts and runs on from there
    # (ISO 8601 with an offset, e.g. 2026-12-31T23:59:00+08:00), so a child process can live in another year.
    clock_start: AwareDatetime | None = Field(None, validation_alias="SIAGA_CLOCK_START")

    # The web server that hosts webhooks (Telegram in webhook mode, WhatsApp) and /healthz.
    host: str = Field("127.0.0.1", validation_alias="HOST")
    port: int = Field(8080, validation_alias="PORT")
    # The address the outside world reaches this server at, e.g. https://siaga.kesbangpol.example.go.id
    public_base_url: str | None = Field(None, validation_alias="PUBLIC_BASE_URL")

    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field("https://api.telegram.org", validation_alias="TELEGRAM_API_BASE_URL")
    # Telegram sends it with every webhook call; derived from the token when unset.
    telegram_webhook_secret: SecretStr | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_SECRET")

    # WhatsApp through Twilio: enabled when the account SID, auth token and sender are all set.
    twilio_account_sid: str | None = Field(None, validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = Field(None, validation_alias="TWILIO_AUTH_TOKEN")
    twilio_whatsapp_from: str | None = Field(None, validation_alias="TWILIO_WHATSAPP_FROM")
    # None: the real api.twilio.com; tests point it at a local fake.
    twilio_api_base_url: str | None = Field(None, validation_alias="TWILIO_API_BASE_URL")
    # Approved templates by name, e.g. {"alert": "HX…"}: used outside WhatsApp's 24-hour window.
    twilio_templates: dict[str, str] = Field(default_factory=dict, validation_alias="TWILIO_TEMPLATES")
    # Messages per second the sender may send (Twilio default 80; the sandbox allows about 0.33).
    twilio_mps: float = Field(80.0, gt=0, validation_alias="TWILIO_MPS")
    twilio_media_max_bytes: int = Field(16 * 1024 * 1024, gt=0, validation_alias="TWILIO_MEDIA_MAX_BYTES")
    # Unique users a WhatsApp sender may start conversations with per 24 h (Meta's tier; 250 to begin with):
    # `siaga run` warns in its log as the count nears it.
    whatsapp_daily_cap: int = Field(250, gt=0, validation_alias="WHATSAPP_DAILY_CAP")

    @property
    def whatsapp_enabled(self) -> bool:
        """Tell whether the Twilio WhatsApp channel is configured."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_whatsapp_from)

    @property
    def retention(self) -> timedelta:
        """How long handled inbound ids and sent outbox messages are kept."""
        return timedelta(days=self.retention_days)

    @property
    def draft_ttl(self) -> timedelta:
        """How long an untouched draft lives."""
        return timedelta(hours=self.draft_ttl_hours)
