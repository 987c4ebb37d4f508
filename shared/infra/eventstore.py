"""Each service's own `eventsourcing` store, chosen by settings, and how provenance rides along with events.

Provenance (actor, command id, correlation id, source system) is not part of any domain event: the
command executor puts it in a context variable, the transcoder writes it beside the event's state,
and the mapper drops it again when an aggregate is rebuilt. The relay reads it into the envelope.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import (
    InfrastructureFactory,
    JSONTranscoder,
    Mapper,
    Notification,
    StoredEvent,
    Transcoding,
)
from eventsourcing.utils import Environment, resolve_topic

from shared.infra.internals import event_from_state, on_sqlite_connect
from shared.infra.settings import Settings

PROVENANCE_KEY = "_provenance"
_provenance: ContextVar[dict[str, str] | None] = ContextVar("provenance", default=None)
_EVENT_NS = uuid5(NAMESPACE_URL, "urn:emulation:event")


_EVENT_SHA1 = hashlib.sha1(_EVENT_NS.bytes, usedforsecurity=False)
"""SHA-1 over the namespace alone: `event_id` copies it and adds the name, as `uuid5` hashes both."""
_VARIANT = "89ab89ab89ab89ab"
"""By the high nibble of byte 8, its hex digit once the two top bits are set to 10 (the RFC 4122 variant)."""


def event_id(originator_id: UUID | str, originator_version: int) -> str:
    """The stable id of a stored event (CloudEvents `id`, `Nats-Msg-Id`): same event, same id, forever.

    `str(uuid5(_EVENT_NS, f"{originator_id}:{originator_version}"))` written out, as the relay makes one per
    event and `uuid5` with `str(UUID)` took five times as long: the SHA-1's first 16 bytes in hex, the version
    digit set to 5, the variant bits to 10, dashed 8-4-4-4-12. `tests/unit/test_wire_contract.py` compares the
    two over many inputs.
    """
    sha = _EVENT_SHA1.copy()
    sha.update(f"{originator_id}:{originator_version}".encode())
    digest = sha.digest()
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-5{x[13:16]}-{_VARIANT[digest[8] >> 4]}{x[17:20]}-{x[20:32]}"


@contextmanager
def provenance(**values: str) -> Iterator[None]:
    token = _provenance.set(values)
    try:
        yield
    finally:
        _provenance.reset(token)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ProvenanceTranscoder(JSONTranscoder):
    def encode(self, obj: Any) -> bytes:
        meta = _provenance.get()
        if meta is not None and isinstance(obj, dict):
            obj = {**obj, PROVENANCE_KEY: meta}
        return super().encode(obj)


class ProvenanceMapper(Mapper[UUID]):
    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        domain_event = super().to_domain_event(stored_event)
        domain_event.__dict__.pop(PROVENANCE_KEY, None)
        return domain_event

    def decode_notification(self, n: Notification) -> tuple[Any, dict[str, str]]:
        """The domain event of a notification and the provenance recorded with it (decoded once)."""
        state = self.decode_state(n.state)
        meta = state.pop(PROVENANCE_KEY, None) or {}
        cls = resolve_topic(n.topic)
        state["originator_id"] = n.originator_id if isinstance(n.originator_id, UUID) else UUID(str(n.originator_id))
        state["originator_version"] = n.originator_version
        state.pop("class_version", None)
        return event_from_state(cls, state), meta

    def decode_state(self, data: bytes) -> dict[str, Any]:
        """What `transcoder.decode` gives, faster where the tagged values are all attributes of the event.

        The transcoder calls a Python hook for every JSON object; the relay decodes every event, most
        of whose objects are untagged (a campaign's contents). Tagged values (`{"_type_": …, "_data_":
        …}`: timestamps, dates) are counted in the raw JSON, where that key cannot occur inside a
        string; if all are attributes of the event they are decoded here, else the transcoder decodes.
        """
        transcoder = self.transcoder
        if not isinstance(transcoder, JSONTranscoder):
            return transcoder.decode(data)  # type: ignore[no-any-return]
        state = json.loads(data.decode("utf8"))
        tagged = [k for k, v in state.items() if type(v) is dict and len(v) == 2 and "_type_" in v and "_data_" in v]
        if len(tagged) != data.count(b'"_type_":') or not all(state[k]["_type_"] in transcoder.names for k in tagged):
            return transcoder.decode(data)  # type: ignore[no-any-return]
        for key in tagged:
            state[key] = transcoder.names[state[key]["_type_"]].decode(state[key]["_data_"])
        return state


def store_env(settings: Settings, service: str, purpose: str = "events") -> dict[str, str]:
    """`eventsourcing` environment for one service's store (`events`) or its read models (`views`)."""
    if settings.store == "memory":  # events in memory; views in an in-memory SQLite (they need SQL)
        if purpose == "events":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": f"file:{service}-{purpose}?mode=memory&cache=shared",
        }
    if settings.store == "postgres":
        from urllib.parse import urlparse

        dsn = urlparse(settings.postgres_dsn)
        schema = f"{settings.postgres_schema_prefix}{service}"
        ensure_schema(settings.postgres_dsn, schema)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dsn.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": dsn.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(dsn.port or 5432),
            "POSTGRES_USER": dsn.username or "postgres",
            "POSTGRES_PASSWORD": dsn.password or "",
            "POSTGRES_SCHEMA": schema,
            "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size),
            "POSTGRES_MAX_OVERFLOW": "3",
        }
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = settings.data_dir / f"{service}-{purpose}.db"
    prepare_sqlite(db)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(db),
        "SQLITE_LOCK_TIMEOUT": "30",
    }


def view_factory(settings: Settings, service: str) -> InfrastructureFactory[Any]:
    """The `eventsourcing` infrastructure holding a service's read models and their tracking records.

    On SQLite a view's commits are not synced to disk one by one (`synchronous=NORMAL`, WAL): a commit is still
    atomic, rows and stream position together, and survives the process dying; only an operating-system crash
    or power cut can take back the last commits, which leaves the view at an earlier position it resumes from
    (the stream, not the view, is the record). The event stores keep `synchronous=FULL`.
    """
    factory = InfrastructureFactory.construct(Environment(f"{service}-views", store_env(settings, service, "views")))
    if settings.store == "sqlite":
        on_sqlite_connect(factory, "PRAGMA synchronous=NORMAL")
    return factory


def ensure_schema(dsn: str, schema: str) -> None:
    """One PostgreSQL schema per service: its event store and its views (tables of different names)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


def prepare_sqlite(db: Path) -> None:
    """Switch a new SQLite store to WAL under a file lock, so processes opening it together don't collide."""
    import fcntl
    import sqlite3

    with open(db.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with sqlite3.connect(db, timeout=30) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.close()
