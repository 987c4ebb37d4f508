"""What the services know of the registry, built from its events: one projection, kept by each service in its own store.

The registry shows its blocks from it, the evaluation checks commands against it and the notifier decides
notices from it. Each keeps its own copy (services share no database) as a view of its own name
(`registry-blocks`, `evaluation-reference`, `notification-state`), so each copy has its own durable
consumer and stream position; the DDL, the handlers and the queries are these.

Its tables are also read by the service's other views in the same store (`members` by the standings,
`blocks` and `members` by the registry's registrations): their names and columns are part of this module's
interface. A withdrawn unit leaves `members` and is listed in `withdrawn` (until it is assigned again).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps

DDL = (
    "CREATE TABLE IF NOT EXISTS {campaigns} (campaign_id TEXT PRIMARY KEY, year INTEGER, body TEXT NOT NULL, "
    "launched_at TEXT NOT NULL, launched_event_id TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {blocks} (campaign_id TEXT NOT NULL, block_id TEXT NOT NULL, name TEXT NOT NULL, "
    "leader_unit_id TEXT, deputy_unit_id TEXT, seq BIGINT NOT NULL, PRIMARY KEY (campaign_id, block_id))",
    "CREATE TABLE IF NOT EXISTS {members} (campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
    "block_id TEXT NOT NULL, PRIMARY KEY (campaign_id, unit_id))",
    "CREATE TABLE IF NOT EXISTS {withdrawn} (campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
    "PRIMARY KEY (campaign_id, unit_id))",
    "CREATE TABLE IF NOT EXISTS {units} (unit_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, email TEXT)",
    "CREATE TABLE IF NOT EXISTS {registrations} (campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
    "staff INTEGER NOT NULL, late INTEGER NOT NULL, PRIMARY KEY (campaign_id, unit_id))",
)
"""`campaigns.body`: the launch payload with every amendment applied, `status` (open, closed) and `closed_reason`;
`blocks.seq`: the stream position of the block's definition (blocks are listed in definition order);
`registrations.staff`: how many staff the unit registered (its latest registration or amendment)."""


class FactQueries:
    """The questions the services ask of the registry facts, read through `rows`."""

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        """The campaign as launched and amended, with `status`, `closed_reason` and `launched_at`."""
        rows = self.rows("SELECT body, launched_at FROM {campaigns} WHERE campaign_id = ?", (campaign_id,))
        return _campaign(rows[0]) if rows else None

    def campaigns(self) -> list[dict[str, Any]]:
        """Every campaign, newest year first."""
        return [
            _campaign(r) for r in self.rows("SELECT body, launched_at FROM {campaigns} ORDER BY year DESC, campaign_id")
        ]

    def launch_event(self, campaign_id: str) -> str | None:
        """The id of the event that launched the campaign (its reminders are triggered by it)."""
        rows = self.rows("SELECT launched_event_id FROM {campaigns} WHERE campaign_id = ?", (campaign_id,))
        return str(rows[0]["launched_event_id"]) if rows else None

    def block(self, campaign_id: str, block_id: str) -> dict[str, Any] | None:
        """`block_id`, `name`, `leader_unit_id`, `deputy_unit_id`."""
        rows = self.rows(
            "SELECT block_id, name, leader_unit_id, deputy_unit_id FROM {blocks} WHERE campaign_id = ? AND block_id = ?",
            (campaign_id, block_id),
        )
        return rows[0] if rows else None

    def blocks(self, campaign_id: str) -> list[dict[str, Any]]:
        """The campaign's blocks (as `block`) in definition order."""
        return self.rows(
            "SELECT block_id, name, leader_unit_id, deputy_unit_id FROM {blocks} WHERE campaign_id = ? ORDER BY seq",
            (campaign_id,),
        )

    def rosters(self, campaign_id: str, block_id: str | None = None) -> list[dict[str, Any]]:
        """Blocks in definition order, each with its leader and deputy (`{unit_id, name}`) and its members by unit id."""
        blocks = self.rows(
            "SELECT b.block_id, b.name, b.leader_unit_id, l.name AS leader_name, b.deputy_unit_id, "
            "d.name AS deputy_name FROM {blocks} b LEFT JOIN {units} l ON l.unit_id = b.leader_unit_id "
            "LEFT JOIN {units} d ON d.unit_id = b.deputy_unit_id WHERE b.campaign_id = ? ORDER BY b.seq",
            (campaign_id,),
        )
        members = self.rows(
            "SELECT m.block_id, m.unit_id, u.name, u.kind FROM {members} m LEFT JOIN {units} u ON u.unit_id = m.unit_id "
            "WHERE m.campaign_id = ? ORDER BY m.unit_id",
            (campaign_id,),
        )
        return [
            {
                "block_id": b["block_id"],
                "name": b["name"],
                "leader": _role(b["leader_unit_id"], b["leader_name"]),
                "deputy": _role(b["deputy_unit_id"], b["deputy_name"]),
                "members": [
                    {"unit_id": m["unit_id"], "name": m["name"], "kind": m["kind"]}
                    for m in members
                    if m["block_id"] == b["block_id"]
                ],
            }
            for b in blocks
            if block_id is None or b["block_id"] == block_id
        ]

    def members(self, campaign_id: str, block_id: str | None = None) -> list[str]:
        """The member units of a block (or of every block of the campaign), by unit id."""
        if block_id is None:
            rows = self.rows("SELECT unit_id FROM {members} WHERE campaign_id = ? ORDER BY unit_id", (campaign_id,))
        else:
            rows = self.rows(
                "SELECT unit_id FROM {members} WHERE campaign_id = ? AND block_id = ? ORDER BY unit_id",
                (campaign_id, block_id),
            )
        return [r["unit_id"] for r in rows]

    def block_of(self, campaign_id: str, unit_id: str) -> str | None:
        rows = self.rows("SELECT block_id FROM {members} WHERE campaign_id = ? AND unit_id = ?", (campaign_id, unit_id))
        return rows[0]["block_id"] if rows else None

    def withdrawn(self, campaign_id: str) -> list[str]:
        """Units withdrawn from the campaign and not assigned again."""
        rows = self.rows("SELECT unit_id FROM {withdrawn} WHERE campaign_id = ? ORDER BY unit_id", (campaign_id,))
        return [r["unit_id"] for r in rows]

    def unit(self, unit_id: str) -> dict[str, Any] | None:
        """`unit_id`, `name`, `kind`, `email` (None: not registered, as far as the stream has told)."""
        rows = self.rows("SELECT unit_id, name, kind, email FROM {units} WHERE unit_id = ?", (unit_id,))
        return rows[0] if rows else None

    def unit_names(self) -> dict[str, str]:
        """Unit id → its current name, for every unit the stream has told of (one query for a whole list)."""
        return {r["unit_id"]: r["name"] for r in self.rows("SELECT unit_id, name FROM {units}")}

    def unit_ids(self) -> list[str]:
        return [r["unit_id"] for r in self.rows("SELECT unit_id FROM {units} ORDER BY unit_id")]

    def registered(self, campaign_id: str) -> list[str]:
        """The units that registered for the campaign (emulation registration), by unit id."""
        rows = self.rows("SELECT unit_id FROM {registrations} WHERE campaign_id = ? ORDER BY unit_id", (campaign_id,))
        return [r["unit_id"] for r in rows]

    def staff_count(self, campaign_id: str, unit_id: str) -> int | None:
        """How many staff the unit registered for the campaign (None: not registered)."""
        rows = self.rows(
            "SELECT staff FROM {registrations} WHERE campaign_id = ? AND unit_id = ?", (campaign_id, unit_id)
        )
        return int(rows[0]["staff"]) if rows else None


class RegistryFacts(FactQueries, View):
    """The projection. A service subclasses it to name its copy (`name`), and may add tables and handlers."""

    ddl: Sequence[str] = DDL

    def handlers(self) -> dict[str, Handler]:
        return {
            "campaign_launched": self.on_campaign_launched,
            "campaign_amended": self.on_campaign_amended,
            "campaign_closed": self.on_campaign_closed,
            "block_defined": self.on_block_defined,
            "block_leader_designated": self.on_block_leader_designated,
            "unit_registered": self.on_unit_registered,
            "unit_renamed": self.on_unit_renamed,
            "unit_assigned_to_block": self.on_unit_assigned,
            "unit_withdrawn": self.on_unit_withdrawn,
            "emulation_registered": self.on_emulation_registration,
            "emulation_registration_amended": self.on_emulation_registration,
        }

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """In a read transaction of its own."""
        return self.query(statement, params)

    def within(self, c: Any) -> Within:
        """The same queries inside the transaction of `c` (a handler reading what its batch wrote so far)."""
        return Within(self, c)

    # ---- handlers ------------------------------------------------------------------------------

    def on_campaign_launched(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {campaigns} (campaign_id, year, body, launched_at, launched_event_id) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (campaign_id) DO NOTHING",
            (d["campaign_id"], d["year"], dumps(d | {"status": "open"}), e.time.isoformat(), e.id),
            key=d["campaign_id"],
        )

    def on_campaign_amended(self, c: Any, e: CloudEvent, seq: int) -> None:
        changes = {k: v for k, v in e.data["changes"].items() if k != "campaign_id"}
        self._change_campaign(c, e.data["campaign_id"], changes)

    def on_campaign_closed(self, c: Any, e: CloudEvent, seq: int) -> None:
        self._change_campaign(c, e.data["campaign_id"], {"status": "closed", "closed_reason": e.data.get("reason")})

    def _change_campaign(self, c: Any, campaign_id: str, change: dict[str, Any]) -> None:
        self.execute(c, "SELECT body FROM {campaigns} WHERE campaign_id = ?", (campaign_id,))
        row = c.fetchone()
        if row is None:
            return
        body = json.loads(row["body"]) | change
        self.execute(
            c,
            "UPDATE {campaigns} SET body = ?, year = ? WHERE campaign_id = ?",
            (dumps(body), body.get("year"), campaign_id),
            key=campaign_id,
        )

    def on_block_defined(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {blocks} (campaign_id, block_id, name, seq) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (campaign_id, block_id) DO UPDATE SET name = excluded.name",
            (d["campaign_id"], d["block_id"], d["name"], seq),
            key=(d["campaign_id"], d["block_id"]),
        )

    def on_block_leader_designated(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "UPDATE {blocks} SET leader_unit_id = ?, deputy_unit_id = ? WHERE campaign_id = ? AND block_id = ?",
            (d["leader_unit_id"], d.get("deputy_unit_id"), d["campaign_id"], d["block_id"]),
            key=(d["campaign_id"], d["block_id"]),
        )

    def on_unit_registered(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {units} (unit_id, name, kind, email) VALUES (?, ?, ?, ?) ON CONFLICT (unit_id) "
            "DO UPDATE SET name = excluded.name, kind = excluded.kind, email = excluded.email",
            (d["unit_id"], d["name"], d["kind"], d.get("email")),
            key=d["unit_id"],
        )

    def on_unit_renamed(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(c, "UPDATE {units} SET name = ? WHERE unit_id = ?", (d["name"], d["unit_id"]), key=d["unit_id"])

    def on_unit_assigned(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        key = (d["campaign_id"], d["unit_id"])
        self.execute(
            c,
            "INSERT INTO {members} (campaign_id, unit_id, block_id) VALUES (?, ?, ?) "
            "ON CONFLICT (campaign_id, unit_id) DO UPDATE SET block_id = excluded.block_id",
            (d["campaign_id"], d["unit_id"], d["block_id"]),
            key=key,
        )
        self.execute(c, "DELETE FROM {withdrawn} WHERE campaign_id = ? AND unit_id = ?", key, key=key)

    def on_unit_withdrawn(self, c: Any, e: CloudEvent, seq: int) -> None:
        key = (e.data["campaign_id"], e.data["unit_id"])
        self.execute(c, "DELETE FROM {members} WHERE campaign_id = ? AND unit_id = ?", key, key=key)
        self.execute(
            c,
            "INSERT INTO {withdrawn} (campaign_id, unit_id) VALUES (?, ?) ON CONFLICT (campaign_id, unit_id) DO NOTHING",
            key,
            key=key,
        )

    def on_emulation_registration(self, c: Any, e: CloudEvent, seq: int) -> None:
        """A registration or its amendment: the unit is registered, with this many staff."""
        d = e.data
        self.execute(
            c,
            "INSERT INTO {registrations} (campaign_id, unit_id, staff, late) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (campaign_id, unit_id) DO UPDATE SET staff = excluded.staff, late = excluded.late",
            (d["campaign_id"], d["unit_id"], len(d["staff"]), int(bool(d["late"]))),
            key=(d["campaign_id"], d["unit_id"]),
        )


class Within(FactQueries):
    """`FactQueries` read through the cursor of a transaction being applied."""

    def __init__(self, view: View, c: Any) -> None:
        self.view = view
        self.c = c

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.view.execute(self.c, statement, params)
        return [dict(r) for r in self.c.fetchall()]


def _campaign(row: dict[str, Any]) -> dict[str, Any]:
    campaign: dict[str, Any] = json.loads(row["body"])
    return campaign | {"launched_at": row["launched_at"]}


def _role(unit_id: str | None, name: str | None) -> dict[str, Any] | None:
    return None if unit_id is None else {"unit_id": unit_id, "name": name}
