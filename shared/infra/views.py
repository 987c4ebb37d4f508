"""Read models (views) built from the stream, each stored with its stream position in one transaction.

A view is a set of tables in its service's view store plus one handler per event type it reads.
It uses the `eventsourcing` tracking recorder of that store: the batch's rows and the tracking
record (the last stream sequence applied) commit together, so a redelivered message is skipped.
The same SQL runs on SQLite and PostgreSQL (`?` placeholders, `ON CONFLICT` upserts).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, Tracking, TrackingRecorder

from shared.events.envelope import STREAM, CloudEvent

Handler = Callable[[Any, CloudEvent, int], None]
"""(cursor, event, stream sequence) → writes rows."""


class View:
    """Base of every read model. Subclasses set `name`, `ddl` and `handlers` (event name → method)."""

    name = "view"
    ddl: Sequence[str] = ()
    operational: Sequence[str] = ()
    """Tables a process also writes as it works (not only from the stream); replay checksums leave them out."""

    def __init__(self, factory: InfrastructureFactory[Any]) -> None:
        self.recorder: TrackingRecorder = factory.tracking_recorder()
        self.datastore: Any = self.recorder.datastore  # type: ignore[attr-defined]
        self.postgres = type(self.recorder).__module__.startswith("eventsourcing.postgres")
        self.schema = getattr(self.datastore, "schema", "") if self.postgres else ""
        with self.datastore.transaction(commit=True) as c:
            for statement in self.ddl:
                c.execute(self._sql(statement))

    @property
    def tracking_name(self) -> str:
        return f"{STREAM}:{self.name}"

    def handlers(self) -> dict[str, Handler]:
        """Event name (`campaign_launched`) → handler. Only these event types are fetched."""
        return {}

    def _sql(self, statement: str) -> str:
        """`{table}` → the table in this store's schema; `?` → `%s` on PostgreSQL."""
        prefix = f"{self.schema}." if self.schema else ""
        statement = re.sub(r"\{(\w+)\}", lambda m: prefix + m.group(1), statement)
        return statement.replace("?", "%s") if self.postgres else statement

    def execute(self, c: Any, statement: str, params: Sequence[Any] = ()) -> None:
        c.execute(self._sql(statement), params)

    def position(self) -> int:
        return self.recorder.max_tracking_id(self.tracking_name) or 0

    def apply(self, batch: Iterable[tuple[int, CloudEvent]]) -> int:
        """Apply events in stream order in one transaction; those at or below the stored position are skipped."""
        handlers = self.handlers()
        applied = 0
        with self.datastore.transaction(commit=True) as c:
            position = self.recorder._max_tracking_id(self.tracking_name, c) or 0  # type: ignore[attr-defined]
            last = position
            for seq, event in batch:
                if seq <= position:
                    continue
                handler = handlers.get(event.event_name)
                if handler is not None:
                    handler(c, event, seq)
                    applied += 1
                last = seq
            if last > position:
                self.recorder._insert_tracking(c, Tracking(self.tracking_name, last))  # type: ignore[attr-defined]
        return applied

    def skip(self, seq: int) -> None:
        """Move the stored position to `seq` (messages this view does not read, or dead-lettered ones)."""
        with self.datastore.transaction(commit=True) as c:
            if (self.recorder._max_tracking_id(self.tracking_name, c) or 0) < seq:  # type: ignore[attr-defined]
                self.recorder._insert_tracking(c, Tracking(self.tracking_name, seq))  # type: ignore[attr-defined]

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as c:
            self.execute(c, statement, params)
            return [dict(row) for row in c.fetchall()]

    def tables(self) -> list[str]:
        return re.findall(r"CREATE TABLE IF NOT EXISTS \{(\w+)\}", " ".join(self.ddl))

    def checksum(self) -> str:
        """SHA-256 over every row of every table, independent of storage order (for replay checks)."""
        digest = hashlib.sha256()
        for table in (t for t in self.tables() if t not in self.operational):
            rows = sorted(dumps([str(v) for v in row.values()]) for row in self.query(f"SELECT * FROM {{{table}}}"))
            digest.update(f"{table}:{len(rows)}\n".encode())
            for row in rows:
                digest.update(row.encode() + b"\n")
        return digest.hexdigest()


def dumps(value: Any) -> str:
    """JSON for a view column: compact, Vietnamese kept as is (NFC text round-trips byte for byte)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
