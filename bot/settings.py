"""Runtime settings, read from the environment (names fixed by the deployment contract)."""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    """Everything configurable. Unset LINE credentials mean "local mode" (no LINE account needed)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    line_channel_secret: str = Field(default="", alias="LINE_CHANNEL_SECRET")
    line_channel_access_token: str = Field(default="", alias="LINE_CHANNEL_ACCESS_TOKEN")
    line_api_base_url: str = Field(default="https://api.line.me", alias="LINE_API_BASE_URL")
    line_data_api_base_url: str = Field(default="", alias="LINE_DATA_API_BASE_URL")
    database_url: str = Field(default="", alias="DATABASE_URL")
    redis_url: str = Field(default="", alias="REDIS_URL")
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, alias="THONGTHIN_DATA_DIR")
    knowledge_dir: Path | None = Field(default=None, alias="THONGTHIN_KNOWLEDGE_DIR")

    # Event pipeline tuning. Defaults suit production; tests shorten the timings.
    stream_prefix: str = Field(default="tt", alias="THONGTHIN_STREAM_PREFIX")
    worker_concurrency: int = Field(default=32, alias="THONGTHIN_WORKER_CONCURRENCY")
    reclaim_idle_ms: int = Field(default=30_000, alias="THONGTHIN_RECLAIM_IDLE_MS")
    max_attempts: int = Field(default=5, alias="THONGTHIN_MAX_ATTEMPTS")
    dedupe_ttl_s: int = Field(default=7 * 24 * 3600, alias="THONGTHIN_DEDUPE_TTL_S")
    state_ttl_s: int = Field(default=30 * 60, alias="THONGTHIN_STATE_TTL_S")
    reply_window_s: float = Field(default=50.0, alias="THONGTHIN_REPLY_WINDOW_S")
    line_max_retries: int = Field(default=4, alias="THONGTHIN_LINE_MAX_RETRIES")
    line_backoff_base_s: float = Field(default=0.5, alias="THONGTHIN_LINE_BACKOFF_BASE_S")
    line_timeout_s: float = Field(default=10.0, alias="THONGTHIN_LINE_TIMEOUT_S")
    loading_after_s: float = Field(default=1.0, alias="THONGTHIN_LOADING_AFTER_S")
    max_body_bytes: int = Field(default=1024 * 1024, alias="THONGTHIN_MAX_BODY_BYTES")
    timezone: str = Field(default="Asia/Bangkok", alias="THONGTHIN_TIMEZONE")
    allow_clock_override: bool = Field(default=False, alias="THONGTHIN_ALLOW_CLOCK_OVERRIDE")

    # Escalation: business hours (Asia/Bangkok), SLA timers, and how often workers look for due work.
    business_open: str = Field(default="08:30", alias="THONGTHIN_BUSINESS_OPEN")
    business_close: str = Field(default="16:30", alias="THONGTHIN_BUSINESS_CLOSE")
    business_holidays: bool = Field(default=True, alias="THONGTHIN_BUSINESS_HOLIDAYS")  # Thai public holidays
    sla_claim_hours: float = Field(default=2.0, alias="THONGTHIN_SLA_CLAIM_HOURS")  # unclaimed -> re-route
    sla_answer_hours: float = Field(default=8.0, alias="THONGTHIN_SLA_ANSWER_HOURS")  # 1 business day: admins
    # Report cases: no officer update -> remind the LAO's officers, later alert admins and tell the reporter.
    report_ack_hours: float = Field(default=8.0, alias="THONGTHIN_REPORT_ACK_HOURS")  # 1 business day
    report_escalate_hours: float = Field(default=24.0, alias="THONGTHIN_REPORT_ESCALATE_HOURS")  # 3 days
    sla_poll_s: float = Field(default=1.0, alias="THONGTHIN_SLA_POLL_S")  # one indexed query per tick
    learning_poll_s: float = Field(default=5.0, alias="THONGTHIN_LEARNING_POLL_S")  # approved knowledge

    @property
    def local_mode(self) -> bool:
        """True when no LINE channel is configured: replies go nowhere but the pipeline still runs."""
        return not (self.line_channel_secret and self.line_channel_access_token)

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    @cached_property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file under the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'thongthin.db').as_posix()}"

    @property
    def effective_data_api_base_url(self) -> str:
        """Content downloads live on api-data.line.me; a custom API base (a fake) serves both."""
        if self.line_data_api_base_url:
            return self.line_data_api_base_url
        if self.line_api_base_url.rstrip("/") == "https://api.line.me":
            return "https://api-data.line.me"
        return self.line_api_base_url
