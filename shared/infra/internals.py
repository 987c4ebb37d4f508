"""The one module allowed to reach past a dependency's public API; `tests/unit/test_internals.py` fails when one
of these changes in a new release of the dependency.

- eventsourcing's SQL tracking recorders write and read a tracking record only in a transaction of their own.
  A view must commit its rows and its stream position in the same transaction (nothing doubled after a crash),
  so it uses the cursor-level methods the recorders build their public ones from (as the library's own
  projection examples do).
- Building a domain event from its decoded state without its `__init__` is what eventsourcing's `Mapper` does
  (`to_domain_event`); the relay does it directly for published events, once per event, to skip the mapper's
  second JSON pass.
- eventsourcing's SQLite connection pool opens connections with no hook for per-connection settings; the views'
  stores need one (`synchronous=NORMAL`, see `shared/infra/eventstore.py: view_factory`), so the pool's
  connection constructor is wrapped.
- pydantic-settings' environment source reads `os.environ` in `_load_env_vars`; `Settings.from_env` reads the
  variables it is given (a test's, or a child process's about to be started) through the same source, so that
  they are parsed exactly as the process's own would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, Tracking, TrackingRecorder
from pydantic_settings import BaseSettings, EnvSettingsSource
from pydantic_settings.sources.utils import parse_env_vars


def max_tracking_id(recorder: TrackingRecorder, name: str, cursor: Any) -> int:
    """The last position recorded for `name`, read in the caller's transaction (0 if none)."""
    found: int | None = recorder._max_tracking_id(name, cursor)  # type: ignore[attr-defined]
    return found or 0


def insert_tracking(recorder: TrackingRecorder, cursor: Any, name: str, position: int) -> None:
    """Record `position` for `name` in the caller's transaction (a duplicate raises the store's IntegrityError)."""
    recorder._insert_tracking(cursor, Tracking(name, position))  # type: ignore[attr-defined]


def event_from_state(cls: type, state: dict[str, Any]) -> Any:
    """An instance of the domain event class `cls` holding `state`, built as eventsourcing's mapper builds it."""
    event: Any = object.__new__(cls)
    object.__setattr__(event, "__dict__", state)
    return event


def on_sqlite_connect(factory: InfrastructureFactory[Any], *statements: str) -> None:
    """Run `statements` (PRAGMAs) on each connection the SQLite pool of `factory` opens from now on."""
    pool = factory.datastore.pool  # type: ignore[attr-defined]
    opened = pool._create_connection

    def create() -> Any:
        connection = opened()
        for statement in statements:
            connection._sqlite_conn.execute(statement)
        return connection

    pool._create_connection = create


def variables_source(settings_cls: type[BaseSettings], variables: Mapping[str, str]) -> EnvSettingsSource:
    """pydantic-settings' environment source of `settings_cls`, over `variables` instead of `os.environ`."""

    class Variables(EnvSettingsSource):
        def _load_env_vars(self) -> Mapping[str, str | None]:
            return parse_env_vars(variables, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)

    return Variables(settings_cls)
