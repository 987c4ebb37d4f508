"""The audit projection: every event on the `EMULATION` stream, in stream order, filterable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from shared.events.catalog import EVENT_TYPES
from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps

UNIT_FIELDS = ("unit_id", "voter_unit_id", "leader_unit_id", "deputy_unit_id", "candidate_unit_id")
FILTERS = {
    "campaign": "campaign_id = ?",
    "unit": "unit_ids LIKE ?",
    "block": "block_id = ?",
    "type": "event_name = ?",
    "actor": "actor = ?",
    "since": "time >= ?",
    "until": "time <= ?",
}


def units_of(data: dict[str, Any]) -> str:
    """`|a|b|`: every unit an event concerns, for `unit=` filtering with LIKE '%|id|%'."""
    ids = [str(value) for f in UNIT_FIELDS if (value := data.get(f))]
    if len(ids) > 1:
        ids = sorted(set(ids))
    return "|" + "|".join(ids) + "|" if ids else ""


class AuditView(View):
    name = "audit"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {audit} (seq BIGINT PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, "
        "event_name TEXT NOT NULL, source TEXT NOT NULL, time TEXT NOT NULL, actor TEXT NOT NULL, "
        "causationid TEXT NOT NULL, correlationid TEXT NOT NULL, subject TEXT, campaign_id TEXT, "
        "block_id TEXT, unit_ids TEXT NOT NULL, data TEXT NOT NULL, hash TEXT, predecessorhash TEXT)",
        "CREATE INDEX IF NOT EXISTS audit_campaign ON {audit} (campaign_id, seq)",
        "CREATE INDEX IF NOT EXISTS audit_time ON {audit} (time)",
    )

    def handlers(self) -> dict[str, Handler]:
        return {t.name: self.on_event for t in EVENT_TYPES.values()}

    def on_event(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(
            c,
            "INSERT INTO {audit} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING",
            (
                seq,
                e.id,
                e.type,
                e.event_name,
                e.source,
                e.time.isoformat(),
                e.actor,
                e.causationid,
                e.correlationid,
                e.subject,
                e.data.get("campaign_id"),
                e.data.get("block_id"),
                units_of(e.data),
                dumps(e.data),
                e.hash,
                e.predecessorhash,
            ),
        )

    def where(self, filters: dict[str, str | None]) -> tuple[str, list[Any]]:
        clauses, params = [], []
        for key, value in filters.items():
            if value is None:
                continue
            clauses.append(FILTERS[key])
            params.append(f"%|{value}|%" if key == "unit" else value)
        return (" AND " + " AND ".join(clauses) if clauses else ""), params

    def page(self, filters: dict[str, str | None], after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Entries after stream sequence `after`, oldest first (the cursor is the last `seq` returned)."""
        where, params = self.where(filters)
        rows = self.query(f"SELECT * FROM {{audit}} WHERE seq > ?{where} ORDER BY seq LIMIT ?", (after, *params, limit))
        return [entry(r) for r in rows]

    def stream(self, filters: dict[str, str | None], chunk: int = 1000) -> Iterator[dict[str, Any]]:
        """Every matching entry, fetched `chunk` at a time (for exports that must not build in memory)."""
        after = 0
        while page := self.page(filters, after, chunk):
            yield from page
            after = page[-1]["seq"]


def entry(row: dict[str, Any]) -> dict[str, Any]:
    import json

    out = {k: v for k, v in row.items() if k not in ("unit_ids", "data")}
    out["data"] = json.loads(row["data"])
    return out
