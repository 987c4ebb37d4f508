"""The blocks of each campaign with their members, leader and deputy (and the campaigns they belong to)."""

from __future__ import annotations

from typing import Any

from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View


class BlocksView(View):
    name = "registry-blocks"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {reg_campaigns} (campaign_id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
        "year INTEGER NOT NULL, title TEXT NOT NULL, registration_deadline TEXT NOT NULL, status TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {reg_blocks} (campaign_id TEXT NOT NULL, block_id TEXT NOT NULL, "
        "name TEXT NOT NULL, leader_unit_id TEXT, deputy_unit_id TEXT, seq BIGINT NOT NULL, "
        "PRIMARY KEY (campaign_id, block_id))",
        "CREATE TABLE IF NOT EXISTS {reg_members} (campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
        "block_id TEXT NOT NULL, PRIMARY KEY (campaign_id, unit_id))",
        "CREATE TABLE IF NOT EXISTS {reg_member_names} (unit_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
        "kind TEXT NOT NULL)",
    )

    def handlers(self) -> dict[str, Handler]:
        return {
            "campaign_launched": self.on_launched,
            "campaign_amended": self.on_amended,
            "campaign_closed": self.on_closed,
            "block_defined": self.on_block_defined,
            "block_leader_designated": self.on_leader,
            "unit_registered": self.on_unit,
            "unit_renamed": self.on_renamed,
            "unit_assigned_to_block": self.on_assigned,
            "unit_withdrawn": self.on_withdrawn,
        }

    def on_launched(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {reg_campaigns} (campaign_id, kind, year, title, registration_deadline, status) "
            "VALUES (?, ?, ?, ?, ?, 'open') ON CONFLICT (campaign_id) DO NOTHING",
            (d["campaign_id"], d["kind"], d["year"], d["title"], d["registration_deadline"]),
        )

    def on_amended(self, c: Any, e: CloudEvent, seq: int) -> None:
        for column in ("kind", "year", "title", "registration_deadline"):
            if column in e.data["changes"]:
                self.execute(
                    c,
                    f"UPDATE {{reg_campaigns}} SET {column} = ? WHERE campaign_id = ?",
                    (e.data["changes"][column], e.data["campaign_id"]),
                )

    def on_closed(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(c, "UPDATE {reg_campaigns} SET status = 'closed' WHERE campaign_id = ?", (e.data["campaign_id"],))

    def on_block_defined(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {reg_blocks} (campaign_id, block_id, name, seq) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (campaign_id, block_id) DO NOTHING",
            (d["campaign_id"], d["block_id"], d["name"], seq),
        )

    def on_leader(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "UPDATE {reg_blocks} SET leader_unit_id = ?, deputy_unit_id = ? WHERE campaign_id = ? AND block_id = ?",
            (d["leader_unit_id"], d.get("deputy_unit_id"), d["campaign_id"], d["block_id"]),
        )

    def on_unit(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {reg_member_names} (unit_id, name, kind) VALUES (?, ?, ?) ON CONFLICT (unit_id) DO NOTHING",
            (d["unit_id"], d["name"], d["kind"]),
        )

    def on_renamed(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(c, "UPDATE {reg_member_names} SET name = ? WHERE unit_id = ?", (e.data["name"], e.data["unit_id"]))

    def on_assigned(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {reg_members} (campaign_id, unit_id, block_id) VALUES (?, ?, ?) "
            "ON CONFLICT (campaign_id, unit_id) DO UPDATE SET block_id = excluded.block_id",
            (d["campaign_id"], d["unit_id"], d["block_id"]),
        )

    def on_withdrawn(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(
            c,
            "DELETE FROM {reg_members} WHERE campaign_id = ? AND unit_id = ?",
            (e.data["campaign_id"], e.data["unit_id"]),
        )

    # ---- queries -----------------------------------------------------------------------------------

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM {reg_campaigns} WHERE campaign_id = ?", (campaign_id,))
        return rows[0] if rows else None

    def blocks(self, campaign_id: str, block_id: str | None = None) -> list[dict[str, Any]]:
        """Blocks in definition order, each with its members (by unit id), leader and deputy."""
        blocks = self.query(
            "SELECT block_id, name, leader_unit_id, deputy_unit_id FROM {reg_blocks} WHERE campaign_id = ? ORDER BY seq",
            (campaign_id,),
        )
        blocks = [b for b in blocks if block_id is None or b["block_id"] == block_id]
        members = self.query(
            "SELECT m.block_id, m.unit_id, n.name, n.kind FROM {reg_members} m "
            "LEFT JOIN {reg_member_names} n ON n.unit_id = m.unit_id WHERE m.campaign_id = ? ORDER BY m.unit_id",
            (campaign_id,),
        )
        names = {m["unit_id"]: m["name"] for m in members}
        out = []
        for b in blocks:
            units = [{k: m[k] for k in ("unit_id", "name", "kind")} for m in members if m["block_id"] == b["block_id"]]
            out.append(
                {
                    "block_id": b["block_id"],
                    "name": b["name"],
                    "leader": _role(b["leader_unit_id"], names),
                    "deputy": _role(b["deputy_unit_id"], names),
                    "members": units,
                }
            )
        return out


def _role(unit_id: str | None, names: dict[str, str]) -> dict[str, Any] | None:
    return None if unit_id is None else {"unit_id": unit_id, "name": names.get(unit_id)}
