"""`Settings` (pydantic-settings); the only code that reads the environment or `.env`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///siaga.db", validation_alias="DATABASE_URL")
    language: Literal["id", "en"] = Field("id", validation_alias="SIAGA_LANGUAGE")
    draft_ttl_hours: float = Field(24.0, gt=0, validation_alias="SIAGA_DRAFT_TTL_HOURS")
    attachments_dir: Path = Field(Path("attachments"), validation_alias="SIAGA_ATTACHMENTS_DIR")
    log_level: str = Field("INFO", validation_alias="SIAGA_LOG_LEVEL")

    @property
    def draft_ttl(self) -> timedelta:
        """How long an untouched draft lives."""
        return timedelta(hours=self.draft_ttl_hours)
