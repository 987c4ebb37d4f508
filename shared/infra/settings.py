"""The settings of a process, read from EMULATION_* variables with documented defaults (see README).

pydantic-settings reads the variables (instead of casting each by hand): each field's alias is its variable, so a value that does not parse
is reported with the variable's name, and each field's docstring is its description.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from shared.infra.internals import variables_source


class InvalidSettings(ValueError):
    """Variables whose values do not parse, each named with its value and what is wrong with it."""


class EnvSettings(BaseSettings):
    """Settings from EMULATION_* variables (`from_env`); an unset or empty variable keeps the default.

    `Settings(...)` itself reads no variable: it is the defaults and the values given, so that code and tests
    building settings do not depend on the environment they run in.
    """

    model_config = SettingsConfigDict(
        alias_generator=lambda name: f"EMULATION_{name.upper()}",
        validate_by_name=True,
        case_sensitive=True,
        env_ignore_empty=True,
        frozen=True,
        use_attribute_docstrings=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values given: `from_env` alone reads variables."""
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """The settings the variables `env` (default: this process's environment) give, and nothing else."""
        try:
            return cls(**variables_source(cls, os.environ if env is None else env)())
        except ValidationError as e:
            problems = (
                f"{error['loc'][0]}={error['input']!r}: {error['msg']}"
                for error in e.errors()
                if error["type"] != "default_factory_not_called"  # a field defaulting to one that did not parse
            )
            raise InvalidSettings("; ".join(problems)) from e

    def replace(self, **changes: Any) -> Self:
        """These settings with `changes` (by field name), validated like the rest."""
        return self.model_validate({**self.model_dump(), **changes})

    def to_env(self) -> dict[str, str]:
        """The environment that reproduces these settings in a child process."""
        return {name: str(value) for name, value in self.model_dump(by_alias=True).items()}


class Settings(EnvSettings):
    """Where this process keeps its data, how it reaches NATS and its store, logs, and how it is supervised."""

    data_dir: Path = Path("data")
    """EMULATION_DATA_DIR: SQLite stores, NATS storage and generated files."""
    nats_port: int = 14222
    """EMULATION_NATS_PORT: the port `emulation up` gives its embedded nats-server."""
    nats_url: str = Field(default_factory=lambda given: f"nats://127.0.0.1:{given['nats_port']}")
    """EMULATION_NATS_URL: where services connect (comma-separated for a cluster); unset: the embedded
    nats-server on this machine, at EMULATION_NATS_PORT."""
    nats_user: str = ""
    """EMULATION_NATS_USER: this process's NATS identity (the embedded default gives each service its own)."""
    nats_password: str = ""
    """EMULATION_NATS_PASSWORD"""
    nats_relay_user: str = ""
    """EMULATION_NATS_RELAY_USER: the identity of this service's relay (the only one that may publish its events
    and checkpoints); empty: the relay connects as EMULATION_NATS_USER."""
    nats_relay_password: str = ""
    """EMULATION_NATS_RELAY_PASSWORD"""
    nats_views_user: str = ""
    """EMULATION_NATS_VIEWS_USER: the identity of this service's view consumers; empty: EMULATION_NATS_USER."""
    nats_views_password: str = ""
    """EMULATION_NATS_VIEWS_PASSWORD"""
    keys_dir: str = ""
    """EMULATION_KEYS_DIR: secret keys (ballot key, relay signing keys), kept outside the data dir so that a copy
    of the data dir holds none; empty: `<data dir>-keys` beside the data dir."""
    actor_grants_file: str = ""
    """EMULATION_ACTOR_GRANTS_FILE: which actors each city system's account may act as (JSON)."""
    api_host: str = "127.0.0.1"
    """EMULATION_API_HOST"""
    api_port: int = 8000
    """EMULATION_API_PORT"""
    api_tokens_file: str = ""
    """EMULATION_API_TOKENS_FILE: bearer tokens → roles for the read API; unset, the API is open (dev, tests)."""
    store: str = "sqlite"
    """EMULATION_STORE: `sqlite` (default), `postgres` or `memory` (unit tests and docs only)."""
    postgres_dsn: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    """EMULATION_POSTGRES_DSN: used when EMULATION_STORE=postgres; each service gets its own schema."""
    postgres_pool_size: int = 2
    """EMULATION_POSTGRES_POOL_SIZE: connections each store keeps open (up to 3 more under load)."""
    postgres_schema_prefix: str = ""
    """EMULATION_POSTGRES_SCHEMA_PREFIX: prepended to each service's schema name (tests isolate runs with it)."""
    stream_replicas: int = 1
    """EMULATION_STREAM_REPLICAS: replicas of the EMULATION stream (3 in a cluster)."""
    relay_batch: int = 500
    """EMULATION_RELAY_BATCH: events the relay publishes per round trip."""
    consumer_batch: int = 500
    """EMULATION_CONSUMER_BATCH: stream messages a projection applies per transaction."""
    poll_interval: float = 0.01
    """EMULATION_POLL_INTERVAL: seconds the relay waits at most when its store has nothing new (a commit wakes it
    sooner)."""
    checkpoint_every: int = 1000
    """EMULATION_CHECKPOINT_EVERY: the relay publishes a chain_checkpoint after this many events."""
    catch_up_timeout: float = Field(default=5.0, ge=0, le=60)
    """EMULATION_CATCH_UP_TIMEOUT: seconds a command naming events in `after` waits for the service to see them
    before it is answered `not_caught_up`."""
    log_level: str = "INFO"
    """EMULATION_LOG_LEVEL: what each process writes to its log file (JSON lines)."""
    log_stderr_level: str = "WARNING"
    """EMULATION_LOG_STDERR_LEVEL: from this level on, log lines also go to stderr (what a person must see)."""
    log_dir: str = ""
    """EMULATION_LOG_DIR: where each process keeps its rotated JSON log `<process>.json.log`; empty: `<data dir>/logs`."""
    log_max_bytes: int = 10 * 1024 * 1024
    """EMULATION_LOG_MAX_BYTES: a log file is rotated when it would grow past this size."""
    log_backups: int = 5
    """EMULATION_LOG_BACKUPS: rotated files kept per process (`.json.log.1` … `.json.log.N`); older ones are deleted."""
    restart_backoff: float = 0.5
    """EMULATION_RESTART_BACKOFF: seconds `emulation up` waits before restarting a process that exited; doubled
    for each further exit within EMULATION_RESTART_WINDOW."""
    restart_backoff_max: float = 30.0
    """EMULATION_RESTART_BACKOFF_MAX: the longest wait before a restart."""
    restart_limit: int = 5
    """EMULATION_RESTART_LIMIT: restarts of one process within EMULATION_RESTART_WINDOW; after them `emulation up`
    gives up on that process (and keeps running the others)."""
    restart_window: float = 60.0
    """EMULATION_RESTART_WINDOW: seconds over which restarts are counted."""

    @property
    def keys_path(self) -> Path:
        """Where secret keys live: EMULATION_KEYS_DIR, else `<data dir>-keys` beside the data dir."""
        if self.keys_dir:
            return Path(self.keys_dir)
        data = self.data_dir.resolve()
        return data.with_name(data.name + "-keys")

    @property
    def log_path(self) -> Path:
        """Where process logs are kept: EMULATION_LOG_DIR, else `<data dir>/logs`."""
        return Path(self.log_dir) if self.log_dir else self.data_dir / "logs"

    def for_role(self, role: str) -> Settings:
        """These settings connecting as the identity of `role` (`relay`, `views`), else as EMULATION_NATS_USER."""
        user, password = {
            "relay": (self.nats_relay_user, self.nats_relay_password),
            "views": (self.nats_views_user, self.nats_views_password),
        }.get(role, ("", ""))
        return self.replace(nats_user=user, nats_password=password) if user else self
