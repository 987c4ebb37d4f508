"""The delivery log read model: every notice with its scheduled, failed and sent records, per unit."""

from __future__ import annotations

import json
from typing import Any

from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps


class DeliveryLog(View):
    name = "notification-log"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {deliveries} (notification_id TEXT PRIMARY KEY, campaign_id TEXT, "
        "unit_id TEXT NOT NULL, rule TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL, "
        "trigger_event_id TEXT, due_at TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT, "
        "seq BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS deliveries_unit ON {deliveries} (unit_id, seq)",
        "CREATE INDEX IF NOT EXISTS deliveries_campaign ON {deliveries} (campaign_id, seq)",
        "CREATE INDEX IF NOT EXISTS deliveries_order ON {deliveries} (seq)",
        "CREATE TABLE IF NOT EXISTS {delivery_records} (seq BIGINT PRIMARY KEY, notification_id TEXT NOT NULL, "
        "type TEXT NOT NULL, at_time TEXT NOT NULL, body TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS delivery_records_notice ON {delivery_records} (notification_id, seq)",
    )

    def handlers(self) -> dict[str, Handler]:
        return {
            "notification_scheduled": self.on_scheduled,
            "notification_sent": self.on_sent,
            "notification_failed": self.on_failed,
        }

    def _record(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(
            c,
            "INSERT INTO {delivery_records} (seq, notification_id, type, at_time, body) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (seq) DO NOTHING",
            (seq, e.data["notification_id"], e.event_name, e.time.isoformat(), dumps(e.data)),
        )

    def _upsert(self, c: Any, e: CloudEvent, seq: int, status: str, attempts: int, error: str | None) -> None:
        """Order-independent: the record with the most attempts sets the status, whatever order they come in."""
        d = e.data
        self.execute(
            c,
            "INSERT INTO {deliveries} AS d (notification_id, campaign_id, unit_id, rule, channel, recipient, "
            "trigger_event_id, due_at, status, attempts, last_error, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (notification_id) DO UPDATE SET "
            "trigger_event_id = COALESCE(excluded.trigger_event_id, d.trigger_event_id), "
            "due_at = COALESCE(excluded.due_at, d.due_at), "
            "status = CASE WHEN excluded.status <> 'scheduled' AND excluded.attempts >= d.attempts "
            "THEN excluded.status ELSE d.status END, "
            "last_error = CASE WHEN excluded.last_error IS NOT NULL AND excluded.attempts >= d.attempts "
            "THEN excluded.last_error ELSE d.last_error END, "
            "attempts = CASE WHEN excluded.attempts > d.attempts THEN excluded.attempts ELSE d.attempts END, "
            "seq = CASE WHEN excluded.seq < d.seq THEN excluded.seq ELSE d.seq END",
            (
                d["notification_id"],
                d.get("campaign_id"),
                d["unit_id"],
                d["rule"],
                d["channel"],
                d["recipient"],
                d.get("trigger_event_id"),
                d.get("due_at"),
                status,
                attempts,
                error,
                seq,
            ),
        )
        self._record(c, e, seq)

    def on_scheduled(self, c: Any, e: CloudEvent, seq: int) -> None:
        self._upsert(c, e, seq, "scheduled", 0, None)

    def on_sent(self, c: Any, e: CloudEvent, seq: int) -> None:
        self._upsert(c, e, seq, "sent", e.data["attempt"], None)

    def on_failed(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self._upsert(c, e, seq, "dead" if d["dead"] else "retrying", d["attempts"], d["error"])

    def _with_records(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for r in rows:
            records = self.query(
                "SELECT type, at_time, body FROM {delivery_records} WHERE notification_id = ? ORDER BY seq",
                (r["notification_id"],),
            )
            log = [{"type": x["type"], "time": x["at_time"], **json.loads(x["body"])} for x in records]
            out.append({k: v for k, v in r.items() if k != "seq"} | {"log": log})
        return out

    def for_unit(self, unit_id: str, after: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """A unit's notices, oldest first, each with its delivery records."""
        return self.list(unit_id=unit_id, after=after, limit=limit)

    def list(
        self,
        campaign_id: str | None = None,
        status: str | None = None,
        unit_id: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Notices oldest first; `after`/`limit`: the page of at most `limit` following notice `after`."""
        sql, params = "SELECT * FROM {deliveries} WHERE 1 = 1", list[Any]()
        for clause, value in (
            ("campaign_id = ?", campaign_id),
            ("status = ?", status),
            ("unit_id = ?", unit_id),
            ("seq > (SELECT seq FROM {deliveries} WHERE notification_id = ?)", after),
        ):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self._with_records(self.query(sql, params))
