"""Registry facts the evaluation needs (campaigns, blocks, members, leaders, staff), built from the stream.

These are the evaluation's own copies of registry events; the application validates commands
against them (eventually consistent with the registry, as any read model).
"""

from __future__ import annotations

import json
from typing import Any

from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps


class CampaignsView(View):
    """The campaigns the council evaluates, as launched, amended and closed by the registry."""

    name = "campaigns"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {campaigns} (campaign_id TEXT PRIMARY KEY, year INTEGER, "
        "body TEXT NOT NULL, launched_at TEXT NOT NULL, seq BIGINT NOT NULL)",
    )

    def handlers(self) -> dict[str, Handler]:
        return {
            "campaign_launched": self.on_launched,
            "campaign_amended": self.on_amended,
            "campaign_closed": self.on_closed,
        }

    def on_launched(self, c: Any, e: CloudEvent, seq: int) -> None:
        body = e.data | {"status": "open"}
        self.execute(
            c,
            "INSERT INTO {campaigns} (campaign_id, year, body, launched_at, seq) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (campaign_id) DO NOTHING",
            (e.data["campaign_id"], e.data["year"], dumps(body), e.time.isoformat(), seq),
        )

    def _update(self, c: Any, campaign_id: str, change: dict[str, Any], seq: int) -> None:
        self.execute(c, "SELECT body FROM {campaigns} WHERE campaign_id = ?", (campaign_id,))
        row = c.fetchone()
        if row is None:
            return
        body = json.loads(row["body"]) | change
        self.execute(
            c,
            "UPDATE {campaigns} SET body = ?, year = ?, seq = ? WHERE campaign_id = ?",
            (dumps(body), body.get("year"), seq, campaign_id),
        )

    def on_amended(self, c: Any, e: CloudEvent, seq: int) -> None:
        changes = {k: v for k, v in e.data["changes"].items() if k != "campaign_id"}
        self._update(c, e.data["campaign_id"], changes, seq)

    def on_closed(self, c: Any, e: CloudEvent, seq: int) -> None:
        self._update(c, e.data["campaign_id"], {"status": "closed", "closed_reason": e.data.get("reason")}, seq)

    def list(self) -> list[dict[str, Any]]:
        rows = self.query("SELECT body, launched_at FROM {campaigns} ORDER BY year DESC, campaign_id")
        return [json.loads(r["body"]) | {"launched_at": r["launched_at"]} for r in rows]

    def get(self, campaign_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT body, launched_at FROM {campaigns} WHERE campaign_id = ?", (campaign_id,))
        return json.loads(rows[0]["body"]) | {"launched_at": rows[0]["launched_at"]} if rows else None


class ReferenceView(View):
    """Blocks (with designated leader), block membership per campaign, units and registered staff counts."""

    name = "evaluation-reference"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {eval_blocks} (campaign_id TEXT NOT NULL, block_id TEXT NOT NULL, "
        "name TEXT NOT NULL, leader_unit_id TEXT, deputy_unit_id TEXT, seq BIGINT NOT NULL, "
        "PRIMARY KEY (campaign_id, block_id))",
        "CREATE TABLE IF NOT EXISTS {eval_members} (campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
        "block_id TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (campaign_id, unit_id))",
        "CREATE TABLE IF NOT EXISTS {eval_units} (unit_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
        "kind TEXT NOT NULL, seq BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {eval_staff} (campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
        "staff INTEGER NOT NULL, late INTEGER NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (campaign_id, unit_id))",
    )

    def handlers(self) -> dict[str, Handler]:
        return {
            "block_defined": self.on_block_defined,
            "block_leader_designated": self.on_leader,
            "unit_registered": self.on_unit,
            "unit_renamed": self.on_renamed,
            "unit_assigned_to_block": self.on_assigned,
            "unit_withdrawn": self.on_withdrawn,
            "emulation_registered": self.on_registration,
            "emulation_registration_amended": self.on_registration,
        }

    def on_block_defined(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {eval_blocks} (campaign_id, block_id, name, seq) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (campaign_id, block_id) DO UPDATE SET name = excluded.name, seq = excluded.seq",
            (d["campaign_id"], d["block_id"], d["name"], seq),
        )

    def on_leader(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "UPDATE {eval_blocks} SET leader_unit_id = ?, deputy_unit_id = ?, seq = ? WHERE campaign_id = ? AND block_id = ?",
            (d["leader_unit_id"], d.get("deputy_unit_id"), seq, d["campaign_id"], d["block_id"]),
        )

    def on_unit(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {eval_units} (unit_id, name, kind, seq) VALUES (?, ?, ?, ?) ON CONFLICT (unit_id) "
            "DO UPDATE SET name = excluded.name, kind = excluded.kind, seq = excluded.seq",
            (d["unit_id"], d["name"], d["kind"], seq),
        )

    def on_renamed(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(
            c, "UPDATE {eval_units} SET name = ?, seq = ? WHERE unit_id = ?", (e.data["name"], seq, e.data["unit_id"])
        )

    def on_assigned(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {eval_members} (campaign_id, unit_id, block_id, seq) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (campaign_id, unit_id) DO UPDATE SET block_id = excluded.block_id, seq = excluded.seq",
            (d["campaign_id"], d["unit_id"], d["block_id"], seq),
        )

    def on_withdrawn(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(
            c,
            "DELETE FROM {eval_members} WHERE campaign_id = ? AND unit_id = ?",
            (e.data["campaign_id"], e.data["unit_id"]),
        )

    def on_registration(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {eval_staff} (campaign_id, unit_id, staff, late, seq) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (campaign_id, unit_id) DO UPDATE SET staff = excluded.staff, late = excluded.late, "
            "seq = excluded.seq",
            (d["campaign_id"], d["unit_id"], len(d["staff"]), int(bool(d["late"])), seq),
        )

    # ---- queries -----------------------------------------------------------------------------------

    def block(self, campaign_id: str, block_id: str) -> dict[str, Any] | None:
        rows = self.query(
            "SELECT block_id, name, leader_unit_id, deputy_unit_id FROM {eval_blocks} WHERE campaign_id = ? AND block_id = ?",
            (campaign_id, block_id),
        )
        return rows[0] if rows else None

    def blocks(self, campaign_id: str) -> list[dict[str, Any]]:
        return self.query(
            "SELECT block_id, name, leader_unit_id, deputy_unit_id FROM {eval_blocks} WHERE campaign_id = ? ORDER BY block_id",
            (campaign_id,),
        )

    def members(self, campaign_id: str, block_id: str) -> list[str]:
        rows = self.query(
            "SELECT unit_id FROM {eval_members} WHERE campaign_id = ? AND block_id = ? ORDER BY unit_id",
            (campaign_id, block_id),
        )
        return [r["unit_id"] for r in rows]

    def block_of(self, campaign_id: str, unit_id: str) -> str | None:
        rows = self.query(
            "SELECT block_id FROM {eval_members} WHERE campaign_id = ? AND unit_id = ?", (campaign_id, unit_id)
        )
        return rows[0]["block_id"] if rows else None

    def staff_count(self, campaign_id: str, unit_id: str) -> int | None:
        rows = self.query(
            "SELECT staff FROM {eval_staff} WHERE campaign_id = ? AND unit_id = ?", (campaign_id, unit_id)
        )
        return int(rows[0]["staff"]) if rows else None

    def unit_names(self) -> dict[str, str]:
        return {r["unit_id"]: r["name"] for r in self.query("SELECT unit_id, name FROM {eval_units}")}


class RegistryFacts:
    """What the evaluation application may ask about the registry: one facade over the reference views."""

    def __init__(self, campaigns: CampaignsView, reference: ReferenceView) -> None:
        self.campaigns = campaigns
        self.reference = reference

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        return self.campaigns.get(campaign_id)

    def block(self, campaign_id: str, block_id: str) -> dict[str, Any] | None:
        return self.reference.block(campaign_id, block_id)

    def members(self, campaign_id: str, block_id: str) -> list[str]:
        return self.reference.members(campaign_id, block_id)

    def block_of(self, campaign_id: str, unit_id: str) -> str | None:
        return self.reference.block_of(campaign_id, unit_id)

    def staff_count(self, campaign_id: str, unit_id: str) -> int | None:
        return self.reference.staff_count(campaign_id, unit_id)
