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

from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore

from shared.events.envelope import STREAM, CloudEvent
from shared.infra.internals import insert_tracking, max_tracking_id

Handler = Callable[[Any, CloudEvent, int], None]
"""(cursor, event, stream sequence) → writes rows."""

_TABLE = re.compile(r"\{(\w+)\}")
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_ANY = object()
STATEMENT_CACHE = 256
"""Statements translated and remembered per view."""
_json_string = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) writes for a str


class Writes:
    """The cursor handlers write through inside `View.apply`: a batch's writes as few `executemany` as order allows.

    A write joins the latest run of the same statement unless a run after that one may touch the same
    rows: any run on its table, or, when the handler names the one row the statement touches (`key`),
    a run that touched that row or was not keyed. Moving a write earlier, past writes it commutes with,
    keeps the result: writes to different tables, or to different rows of a table, commute (view tables
    have no triggers or foreign keys, and such a write names one table). The database then prepares each
    statement once per run, not once per event (eventsourcing's SQLite connections cache a single
    statement). Anything else (a read, a statement naming several tables) sends the pending runs first,
    so handlers read their own writes.
    """

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.runs: list[tuple[str, list[Sequence[Any]]]] = []
        self.latest: dict[str, int] = {}
        """Statement → index in `runs` of its latest run."""
        self.touched: dict[tuple[str, Any], int] = {}
        """(table, key) → the last run touching that row; (table, _ANY) any row; (table, None) unkeyed."""

    def write(self, table: str, sql: str, params: Sequence[Any], key: Any = None) -> None:
        touched = self.touched
        if key is None:
            after = touched.get((table, _ANY), -1)
        else:
            after = max(touched.get((table, key), -1), touched.get((table, None), -1))
        i = self.latest.get(sql, -1)
        if i < after or i < 0:
            i = self.latest[sql] = len(self.runs)
            self.runs.append((sql, []))
        self.runs[i][1].append(params)
        touched[table, key] = i
        if touched.get((table, _ANY), -1) < i:
            touched[table, _ANY] = i

    def flush(self) -> None:
        for sql, rows in self.runs:
            if len(rows) == 1:
                self.cursor.execute(sql, rows[0])
            else:
                self.cursor.executemany(sql, rows)
        self.runs.clear()
        self.latest.clear()
        self.touched.clear()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.flush()
        self.cursor.execute(sql, params)

    def fetchone(self) -> Any:
        return self.cursor.fetchone()

    def fetchall(self) -> Any:
        return self.cursor.fetchall()


class View:
    """Base of every read model. Subclasses set `name`, `ddl` and `handlers` (event name → method)."""

    name = "view"
    ddl: Sequence[str] = ()
    operational: Sequence[str] = ()
    """Tables a process also writes as it works (not only from the stream); replay checksums leave them out."""
    remembers = False
    """Whether the view keeps the id of every event it applies (table `<name>_events`, which checksums leave out:
    a store from before this table knows only the events applied since), so that a command naming events it
    depends on (`after`) can wait until the view holds them (`shared/infra/catchup.py`)."""

    def __init__(self, factory: InfrastructureFactory[Any]) -> None:
        self._statements: dict[str, tuple[str, str | None]] = {}
        self.recorder: TrackingRecorder = factory.tracking_recorder()
        self.datastore: Any = self.recorder.datastore  # type: ignore[attr-defined]
        self.postgres = type(self.recorder).__module__.startswith("eventsourcing.postgres")
        self.schema = getattr(self.datastore, "schema", "") if self.postgres else ""
        self.remembered = "{" + self.name.replace("-", "_") + "_events}"
        self._remember = (
            f"INSERT INTO {self.remembered} (event_id, seq) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING"
        )
        remembered = (
            (f"CREATE TABLE IF NOT EXISTS {self.remembered} (event_id TEXT PRIMARY KEY, seq BIGINT NOT NULL)",)
            if self.remembers
            else ()
        )
        with self.datastore.transaction(commit=True) as c:
            for statement in (*self.ddl, *remembered):
                c.execute(self._sql(statement))

    @property
    def tracking_name(self) -> str:
        return f"{STREAM}:{self.name}"

    def handlers(self) -> dict[str, Handler]:
        """Event name (`campaign_launched`) → handler. Only these event types are fetched."""
        return {}

    def _sql(self, statement: str) -> str:
        """`{table}` → the table in this store's schema; `?` → `%s` on PostgreSQL."""
        return self._prepared(statement)[0]

    def _prepared(self, statement: str) -> tuple[str, str | None]:
        """The statement as this store runs it, and the table it writes if it is a write naming one table.

        Translated once per statement text: handlers run the same few statements for every event. Queries
        built from a request (a search with n words) are translated each time once the cache is full.
        """
        try:
            return self._statements[statement]
        except KeyError:
            pass
        prefix = f"{self.schema}." if self.schema else ""
        sql = _TABLE.sub(lambda m: prefix + m.group(1), statement)
        sql = sql.replace("?", "%s") if self.postgres else sql
        tables = set(_TABLE.findall(statement))
        one_table_write = _WRITE.match(statement) and len(tables) == 1 and "RETURNING" not in statement.upper()
        prepared = (sql, tables.pop() if one_table_write else None)
        if len(self._statements) < STATEMENT_CACHE:
            self._statements[statement] = prepared
        return prepared

    def execute(self, c: Any, statement: str, params: Sequence[Any] = (), key: Any = None) -> None:
        """Run a statement; `key`: the one row it touches, if so (a hashable of its primary key)."""
        sql, table = self._prepared(statement)
        if table is not None and isinstance(c, Writes):
            c.write(table, sql, params, key)
        else:
            c.execute(sql, params)

    def position(self) -> int:
        return self.recorder.max_tracking_id(self.tracking_name) or 0

    def apply(self, batch: Iterable[tuple[int, CloudEvent]]) -> int:
        """Apply events in stream order in one transaction; those at or below the stored position are skipped."""
        handlers = self.handlers()
        applied = 0
        with self.datastore.transaction(commit=True) as c:
            position = max_tracking_id(self.recorder, self.tracking_name, c)
            last = position
            writes = Writes(c)
            for seq, event in batch:
                if seq <= position:
                    continue
                handler = handlers.get(event.event_name)
                if handler is not None:
                    handler(writes, event, seq)
                    if self.remembers:
                        self.execute(writes, self._remember, (event.id, seq), key=event.id)
                    applied += 1
                last = seq
            writes.flush()
            if last > position:
                insert_tracking(self.recorder, c, self.tracking_name, last)
        return applied

    def holds(self, event_ids: Sequence[str]) -> set[str]:
        """Which of these events the view has applied (a view that `remembers`)."""
        marks = ", ".join("?" for _ in event_ids)
        rows = self.query(f"SELECT event_id FROM {self.remembered} WHERE event_id IN ({marks})", event_ids)
        return {row["event_id"] for row in rows}

    def skip(self, seq: int) -> None:
        """Move the stored position to `seq` (messages this view does not read, or dead-lettered ones)."""
        with self.datastore.transaction(commit=True) as c:
            if max_tracking_id(self.recorder, self.tracking_name, c) < seq:
                insert_tracking(self.recorder, c, self.tracking_name, seq)

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
            with self.datastore.transaction(commit=False) as c:
                self.execute(c, f"SELECT * FROM {{{table}}}")
                rows = sorted(row_json(row.values() if isinstance(row, dict) else row) for row in c.fetchall())
            digest.update(f"{table}:{len(rows)}\n".encode())
            digest.update(b"".join(row.encode() + b"\n" for row in rows))
        return digest.hexdigest()


def positions(*views: View) -> tuple[int, ...]:
    """The stored positions of several views, read in one snapshot when they share a store: what a read API
    request checking its views' state costs (the standings' `ETag`, on every request).

    On SQLite, one `SELECT` of each recorder's own max-position query as a subquery, in autocommit: a statement
    reads one snapshot by itself, so no `BEGIN`/`ROLLBACK` around it (17 µs against 29 µs for a transaction of one
    query per view, measured with two views)."""
    store = views[0].datastore
    if any(v.datastore is not store for v in views):
        return tuple(v.position() for v in views)
    if not isinstance(store, SQLiteDatastore):  # PostgreSQL: one transaction of one query per view
        with store.transaction(commit=False) as c:
            return tuple(max_tracking_id(v.recorder, v.tracking_name, c) for v in views)
    queries = ", ".join(f"({v.recorder.select_max_tracking_id_statement})" for v in views)  # type: ignore[attr-defined]
    with store.get_connection(commit=False) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT " + queries, [v.tracking_name for v in views])
        return tuple(found or 0 for found in cursor.fetchone())


def row_json(values: Iterable[Any]) -> str:
    """`dumps([str(v) for v in values])`, built directly (a million audit rows at the end of a replay)."""
    return "[" + ",".join([_json_string(str(v)) for v in values]) + "]"


def dumps(value: Any) -> str:
    """JSON for a view column: compact, Vietnamese kept as is (NFC text round-trips byte for byte)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
