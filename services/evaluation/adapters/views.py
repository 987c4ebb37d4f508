"""Evaluation read models, built from the stream."""

from __future__ import annotations

import json
from typing import Any

from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps


class CampaignsView(View):
    """The campaigns the council evaluates, as launched by the registry."""

    name = "campaigns"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {campaigns} (campaign_id TEXT PRIMARY KEY, year INTEGER, "
        "body TEXT NOT NULL, launched_at TEXT NOT NULL, seq BIGINT NOT NULL)",
    )

    def handlers(self) -> dict[str, Handler]:
        return {"campaign_launched": self.on_launched}

    def on_launched(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(
            c,
            "INSERT INTO {campaigns} (campaign_id, year, body, launched_at, seq) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (campaign_id) DO NOTHING",
            (e.data["campaign_id"], e.data["year"], dumps(e.data), e.time.isoformat(), seq),
        )

    def list(self) -> list[dict[str, Any]]:
        rows = self.query("SELECT body, launched_at FROM {campaigns} ORDER BY year DESC, campaign_id")
        return [json.loads(r["body"]) | {"launched_at": r["launched_at"]} for r in rows]

    def get(self, campaign_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT body, launched_at FROM {campaigns} WHERE campaign_id = ?", (campaign_id,))
        return json.loads(rows[0]["body"]) | {"launched_at": rows[0]["launched_at"]} if rows else None
