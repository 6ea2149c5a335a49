"""Settings from the environment and `.env`; a bad value stops start-up with one clear line."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.i18n import SUPPORTED

OFFICIAL_TELEGRAM_API = "https://api.telegram.org/bot"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the key."""


class Settings(BaseSettings):
    """Everything configurable; see `.env.example` for each key."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/diaspora-bot.db"
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = OFFICIAL_TELEGRAM_API
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "0.0.0.0:8443"
    telegram_webhook_secret: SecretStr | None = None
    discord_bot_token: SecretStr | None = None
    discord_api_base_url: str | None = None
    discord_gateway_url: str | None = None
    discord_dev_guild_id: int | None = None
    discord_shard_count: int | None = None
    discord_shard_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    operator_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    default_language: str = "en"
    default_timezone: str = "UTC"
    secret_key: SecretStr | None = None
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Scheduled items missed by more than this while the bot was down are skipped.
    schedule_grace_seconds: int = Field(default=6 * 3600, ge=0)
    console_user: str = "me"
    # Audit entries older than this many days are deleted (0 keeps them forever).
    audit_retention_days: int = Field(default=365, ge=0)
    # Session minutes older than this many days are deleted (0 keeps them forever).
    minutes_retention_days: int = Field(default=0, ge=0)
    # host:port for /healthz and /metrics (Prometheus); unset: no HTTP endpoint.
    metrics_listen: str | None = None
    # Per person: at most this many commands and button presses per so many seconds.
    command_rate_limit: str = "12/10"

    @field_validator("telegram_bot_token", "discord_bot_token", "telegram_webhook_url",
                     "telegram_webhook_secret", "discord_api_base_url", "discord_gateway_url",
                     "discord_dev_guild_id", "discord_shard_count", "secret_key", "metrics_listen",
                     mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("operator_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            items = [v.strip() for v in value.split(",") if v.strip()]
            for item in items:
                platform, _, ident = item.partition(":")
                if platform not in ("telegram", "discord", "console") or not ident:
                    raise ValueError(f"expected platform:id such as telegram:123, got {item!r}")
            return items
        return value

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _split_shards(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(v) for v in value.split(",") if v.strip()]
        return value

    @field_validator("command_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        count, _, seconds = value.partition("/")
        if not count.strip().isdigit() or (seconds and not seconds.strip().isdigit()):
            raise ValueError("use COUNT/SECONDS such as 12/10, or 0 for no limit")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in SUPPORTED:
            raise ValueError(f"must be one of {', '.join(SUPPORTED)}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")
        return value

    @property
    def platforms_configured(self) -> bool:
        """True when at least one platform token is set."""
        return bool(self.telegram_bot_token or self.discord_bot_token)


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise ConfigError naming the first bad key."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        key = str(err["loc"][0]).upper() if err["loc"] else "?"
        msg = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"setting {key}: {msg}") from None
