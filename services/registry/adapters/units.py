"""Units with their history (registration, every rename, assignment, move and withdrawal) and a search key."""

from __future__ import annotations

import json
from typing import Any

from services.registry.adapters.search import like_pattern, search_key
from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps


class UnitsView(View):
    name = "registry-units"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {reg_units} (unit_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, "
        "head TEXT, email TEXT, search_key TEXT NOT NULL, registered_at TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {reg_unit_history} (unit_id TEXT NOT NULL, seq BIGINT NOT NULL, "
        "event TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (unit_id, seq))",
        "CREATE TABLE IF NOT EXISTS {reg_unit_campaigns} (unit_id TEXT NOT NULL, campaign_id TEXT NOT NULL, "
        "block_id TEXT, status TEXT NOT NULL, PRIMARY KEY (unit_id, campaign_id))",
    )

    def handlers(self) -> dict[str, Handler]:
        return {
            "unit_registered": self.on_registered,
            "unit_renamed": self.on_renamed,
            "unit_assigned_to_block": self.on_assigned,
            "unit_withdrawn": self.on_withdrawn,
        }

    def _history(self, c: Any, e: CloudEvent, seq: int) -> None:
        body = {k: v for k, v in e.data.items() if k != "unit_id"}
        self.execute(
            c,
            "INSERT INTO {reg_unit_history} (unit_id, seq, event, at, actor, body) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (unit_id, seq) DO NOTHING",
            (e.data["unit_id"], seq, e.event_name, e.time.isoformat(), e.actor, dumps(body)),
        )

    def on_registered(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {reg_units} (unit_id, name, kind, head, email, search_key, registered_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id) DO NOTHING",
            (
                d["unit_id"],
                d["name"],
                d["kind"],
                d.get("head"),
                d.get("email"),
                search_key(d["name"]),
                e.time.isoformat(),
            ),
        )
        self._history(c, e, seq)

    def on_renamed(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "UPDATE {reg_units} SET name = ?, search_key = ? WHERE unit_id = ?",
            (d["name"], search_key(d["name"]), d["unit_id"]),
        )
        self._history(c, e, seq)

    def on_assigned(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {reg_unit_campaigns} (unit_id, campaign_id, block_id, status) VALUES (?, ?, ?, 'member') "
            "ON CONFLICT (unit_id, campaign_id) DO UPDATE SET block_id = excluded.block_id, status = 'member'",
            (d["unit_id"], d["campaign_id"], d["block_id"]),
        )
        self._history(c, e, seq)

    def on_withdrawn(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "UPDATE {reg_unit_campaigns} SET block_id = NULL, status = 'withdrawn' WHERE unit_id = ? AND campaign_id = ?",
            (d["unit_id"], d["campaign_id"]),
        )
        self._history(c, e, seq)

    # ---- queries -----------------------------------------------------------------------------------

    def search(
        self, q: str | None = None, kind: str | None = None, after: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Units whose name contains every word of `q`, with or without diacritics; by unit id.

        `after`/`limit`: the page of at most `limit` units whose id follows `after` (keyset pagination).
        """
        sql = "SELECT unit_id, name, kind, head, email FROM {reg_units} WHERE 1 = 1"
        params: list[Any] = []
        for token in search_key(q or "").split():
            sql += " AND search_key LIKE ? ESCAPE '\\'"
            params.append(like_pattern(token))
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        if after is not None:
            sql += " AND unit_id > ?"
            params.append(after)
        sql += " ORDER BY unit_id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self.query(sql, params)

    def get(self, unit_id: str) -> dict[str, Any] | None:
        """One unit, its block in each campaign and its history in stream order."""
        rows = self.query(
            "SELECT unit_id, name, kind, head, email, registered_at FROM {reg_units} WHERE unit_id = ?", (unit_id,)
        )
        if not rows:
            return None
        campaigns = self.query(
            "SELECT campaign_id, block_id, status FROM {reg_unit_campaigns} WHERE unit_id = ? ORDER BY campaign_id",
            (unit_id,),
        )
        history = self.query(
            "SELECT event, at, actor, body FROM {reg_unit_history} WHERE unit_id = ? ORDER BY seq", (unit_id,)
        )
        return rows[0] | {
            "campaigns": campaigns,
            "history": [
                {"event": h["event"], "at": h["at"], "actor": h["actor"], **json.loads(h["body"])} for h in history
            ],
        }
