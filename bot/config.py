"""Settings: a TOML file plus ``SORABOT_*`` environment variables (``__`` nests).

Everything an operator may change lives here, with the defaults of DESIGN §2. Tokens and API
keys are ``SecretStr`` so they never print. A bad value stops start-up with one readable line
(see :func:`load_settings`).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

Environment = Literal["production", "staging", "development"]
Period = Literal["day", "week", "month"]
ALIAS_TARGET_CURRENT = "current"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SnapshotConfig(_Strict):
    id: str
    released: dt.date | None = None
    durations: list[int] = Field(default_factory=lambda: [10, 15, 20])
    storyboard: bool = False
    characters: bool = False
    label: str = ""  # "stable", "latest", …
    current: bool = False  # the alias resolves to the snapshot marked current
    stable: bool = False  # the production default
    price_per_second: float = 0.10  # USD, for cost reports
    credit_factor: float = 1.0
    retires_on: dt.date | None = None
    successor: str | None = None
    alias_of: str | None = None  # set on an alias entry: "current" or an id

    @field_validator("durations")
    @classmethod
    def _durations(cls, v: list[int]) -> list[int]:
        if not v or any(d <= 0 for d in v):
            raise ValueError("durations must be a non-empty list of positive seconds")
        return sorted(set(v))


def default_snapshots() -> list[SnapshotConfig]:
    return [
        SnapshotConfig(id="sora-2-2025-10-06", released=dt.date(2025, 10, 6), durations=[10, 15, 20],
                       label="stable", stable=True),
        SnapshotConfig(id="sora-2-2025-12-08", released=dt.date(2025, 12, 8), durations=[10, 15, 20, 25],
                       storyboard=True, characters=True, label="latest", current=True),
        SnapshotConfig(id="sora-2", alias_of=ALIAS_TARGET_CURRENT, label="alias"),
    ]


ProviderKind = Literal["openai", "gateway", "simulator", "simulator-gateway"]


class ProviderConfig(_Strict):
    name: str
    # "simulator" / "simulator-gateway": the bundled simulator started in-process (demo), speaking the
    # OpenAI Videos shape / the task-gateway shape.
    kind: ProviderKind = "openai"
    base_url: str = ""
    api_key: SecretStr = SecretStr("")
    snapshots: list[str] = Field(default_factory=lambda: ["sora-2-2025-10-06", "sora-2-2025-12-08"])
    durations: list[int] = Field(default_factory=lambda: [10, 15, 20, 25])
    characters: bool = True
    storyboard: bool = False
    price_per_second: float | None = None  # USD; None → the snapshot's price
    price_per_request: float | None = None  # USD, task gateways
    max_in_flight: int = Field(default=32, ge=1)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    stability: int = Field(default=50, ge=0, le=100)  # higher is more reliable (routing priority)
    # Circuit breaker: this many consecutive failures (5xx, timeouts, connection errors) take the
    # provider out of rotation for the cool-down; then one job probes it before it returns.
    breaker_failures: int = Field(default=5, ge=1)
    breaker_cooldown_seconds: float = Field(default=60.0, gt=0)


class QuotaConfig(_Strict):
    allowance: float = Field(default=10.0, ge=0)  # credits per member per period
    period: Period = "day"


class LimitsConfig(_Strict):
    prompt_max_chars: int = Field(default=1000, ge=1)
    active_jobs_per_member: int = Field(default=2, ge=1)
    active_jobs_per_scope: int = Field(default=10, ge=1)
    job_deadline_seconds: float = Field(default=1800.0, gt=0)
    poll_min_interval: float = Field(default=0.5, gt=0)  # seconds; the provider's hint may ask for more
    poll_max_interval: float = Field(default=30.0, gt=0)
    character_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    character_fetch_timeout: float = Field(default=30.0, gt=0)


class StorageConfig(_Strict):
    url: str = "sqlite+aiosqlite:///data/sorabot.db"
    media_dir: Path = Path("data/media")  # temporary downloads and character source videos
    media_retention_hours: float = Field(default=24.0, gt=0)  # finished jobs' videos are kept this long
    # Where media_dir/characters/ is served publicly (e.g. by your reverse proxy), so a task gateway
    # can fetch a character video made from an upload; None: such characters stay on OpenAI-shape providers.
    public_media_url: str | None = None

    @field_validator("public_media_url")
    @classmethod
    def _public_url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if not v.strip().lower().startswith(("https://", "http://")):
            raise ValueError("public_media_url must be an http(s) URL")
        return v.strip().rstrip("/")


class SimulatorConfig(_Strict):
    speed: float = Field(default=1.0, gt=0)  # >1 makes jobs finish faster (tests)
    render_fps: int = Field(default=12, ge=1, le=60)
    render_width: int = Field(default=320, ge=16)  # small frames: a fast, small demo MP4


class ConsoleConfig(_Strict):
    out_dir: Path = Path("out")
    user: str = "you"


class DiscordConfig(_Strict):
    token: SecretStr | None = None
    admin_role_ids: list[int] = Field(default_factory=list)
    dev_guild_ids: list[int] = Field(default_factory=list)
    api_base: str = "https://discord.com/api/v10"
    gateway_url: str | None = None  # None: ask the REST API (GET /gateway/bot)


class TelegramConfig(_Strict):
    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    local_bot_api: bool = False  # a local Bot API server allows 2,000 MB uploads
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    poll_interval: float = 0.0


def default_providers() -> list[ProviderConfig]:
    """The bundled simulator, once per API shape: a stable one priced per second and a cheaper,
    less stable task gateway priced per request (the only one with storyboards)."""
    snapshots = ["sora-2-2025-10-06", "sora-2-2025-12-08"]
    return [ProviderConfig(name="simulator", kind="simulator", snapshots=snapshots, durations=[10, 15, 20, 25],
                           characters=True, storyboard=False, stability=90),
            ProviderConfig(name="simulator-gateway", kind="simulator-gateway", snapshots=snapshots,
                           durations=[10, 15, 20, 25], characters=True, storyboard=True, price_per_request=0.5,
                           stability=60)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SORABOT_", env_nested_delimiter="__", extra="forbid",
                                      toml_file=None)

    environment: Environment = "development"
    locale: str = "en"
    owners: list[str] = Field(default_factory=list)  # "discord:123", "telegram:456", "console:you"
    snapshots: list[SnapshotConfig] = Field(default_factory=default_snapshots)
    providers: list[ProviderConfig] = Field(default_factory=default_providers)
    # API keys by provider name, so they can come from the environment: SORABOT_PROVIDER_KEYS__<NAME>=…
    provider_keys: dict[str, SecretStr] = Field(default_factory=dict)
    quota: QuotaConfig = Field(default_factory=QuotaConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    simulator: SimulatorConfig = Field(default_factory=SimulatorConfig)
    console: ConsoleConfig = Field(default_factory=ConsoleConfig)
    discord: DiscordConfig = Field(default_factory=DiscordConfig)
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        ids = [s.id for s in self.snapshots]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"snapshot ids must be unique; repeated: {', '.join(sorted(dupes))}")
        real = {s.id for s in self.snapshots if s.alias_of is None}
        if not real:
            raise ValueError("the snapshot catalogue needs at least one real (non-alias) snapshot")
        for s in self.snapshots:
            if s.alias_of and s.alias_of != ALIAS_TARGET_CURRENT and s.alias_of not in real:
                raise ValueError(f"snapshot alias {s.id!r} points to unknown snapshot {s.alias_of!r}")
            if s.successor and s.successor not in ids:
                raise ValueError(f"snapshot {s.id!r} names unknown successor {s.successor!r}")
        if sum(1 for s in self.snapshots if s.current) > 1:
            raise ValueError("at most one snapshot may be marked current = true")
        keys = {k.lower(): v for k, v in self.provider_keys.items()}
        unknown_keys = sorted(set(keys) - {p.name.lower() for p in self.providers})
        if unknown_keys:
            raise ValueError(f"provider_keys names unknown provider(s): {', '.join(unknown_keys)}")
        for p in self.providers:
            if p.name.lower() in keys:
                p.api_key = keys[p.name.lower()]
        names = [p.name for p in self.providers]
        if len(names) != len(set(names)):
            raise ValueError("provider names must be unique")
        for p in self.providers:
            unknown = [s for s in p.snapshots if s not in real]
            if unknown:
                raise ValueError(f"provider {p.name!r} serves unknown snapshot(s): {', '.join(unknown)}")
            if p.price_per_second is not None and p.price_per_request is not None:
                raise ValueError(f"provider {p.name!r}: set price_per_second or price_per_request, not both")
            if p.kind in ("openai", "gateway") and not p.base_url:
                raise ValueError(f"provider {p.name!r} of kind {p.kind!r} needs base_url")
        return self

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = _CONFIG_PATH_OVERRIDE or os.environ.get("SORABOT_CONFIG")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_path)))
        return tuple(sources)


_CONFIG_PATH_OVERRIDE: str | None = None


class ConfigError(Exception):
    """One readable line naming the key and what is allowed."""


def load_settings(config_path: str | Path | None = None, **overrides: Any) -> Settings:
    """Load settings or raise :class:`ConfigError` with one readable line."""
    global _CONFIG_PATH_OVERRIDE
    path = str(config_path) if config_path else os.environ.get("SORABOT_CONFIG")
    if path and not Path(path).is_file():
        raise ConfigError(f"config file {path}: not found (pass --config PATH or set SORABOT_CONFIG)")
    _CONFIG_PATH_OVERRIDE = path
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
    except ValueError as exc:  # TOML syntax errors and the like
        raise ConfigError(f"config: {exc}") from None
    finally:
        _CONFIG_PATH_OVERRIDE = None


def _one_line(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "config"
    msg = err["msg"].removeprefix("Value error, ")
    extra = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    return f"config key {loc}: {msg}{extra}"
