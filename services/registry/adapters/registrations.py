"""Emulation registrations with their late flags, and per block the share of units registered on time.

Blocks and their members come from the registry facts in the same store (`BlocksView`'s `blocks` and `members`).
"""

from __future__ import annotations

import json
from typing import Any

from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps


class RegistrationsView(View):
    name = "registry-registrations"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {reg_registrations} (campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
        "collective_target TEXT NOT NULL, staff TEXT NOT NULL, registered_at TEXT NOT NULL, late INTEGER NOT NULL, "
        "amendments INTEGER NOT NULL, last_amended_at TEXT, last_amendment_late INTEGER, "
        "PRIMARY KEY (campaign_id, unit_id))",
    )

    def handlers(self) -> dict[str, Handler]:
        return {
            "emulation_registered": self.on_registered,
            "emulation_registration_amended": self.on_amended,
        }

    def on_registered(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {reg_registrations} (campaign_id, unit_id, collective_target, staff, registered_at, late, "
            "amendments) VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (campaign_id, unit_id) DO NOTHING",
            (
                d["campaign_id"],
                d["unit_id"],
                d["collective_target"],
                dumps(d["staff"]),
                d["registered_at"],
                int(d["late"]),
            ),
        )

    def on_amended(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "UPDATE {reg_registrations} SET collective_target = ?, staff = ?, amendments = amendments + 1, "
            "last_amended_at = ?, last_amendment_late = ? WHERE campaign_id = ? AND unit_id = ?",
            (
                d["collective_target"],
                dumps(d["staff"]),
                d["registered_at"],
                int(d["late"]),
                d["campaign_id"],
                d["unit_id"],
            ),
        )

    # ---- queries -----------------------------------------------------------------------------------

    def registrations(
        self,
        campaign_id: str,
        late: bool | None = None,
        block_id: str | None = None,
        unit_id: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Registrations by unit id, each with its block (null once withdrawn) and late flags.

        `after`/`limit`: the page of at most `limit` registrations whose unit id follows `after`.
        """
        sql = (
            "SELECT r.*, m.block_id FROM {reg_registrations} r LEFT JOIN {members} m "
            "ON m.campaign_id = r.campaign_id AND m.unit_id = r.unit_id WHERE r.campaign_id = ?"
        )
        params: list[Any] = [campaign_id]
        for clause, value in (
            ("r.late = ?", None if late is None else int(late)),
            ("m.block_id = ?", block_id),
            ("r.unit_id = ?", unit_id),
            ("r.unit_id > ?", after),
        ):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        sql += " ORDER BY r.unit_id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [
            {
                "unit_id": r["unit_id"],
                "block_id": r["block_id"],
                "collective_target": r["collective_target"],
                "staff": json.loads(r["staff"]),
                "registered_at": r["registered_at"],
                "late": bool(r["late"]),
                "amendments": r["amendments"],
                "last_amended_at": r["last_amended_at"],
                "last_amendment_late": None if r["last_amendment_late"] is None else bool(r["last_amendment_late"]),
            }
            for r in self.query(sql, params)
        ]

    def summary(self, campaign_id: str) -> list[dict[str, Any]]:
        """Per block: members, registered, on time, late, not yet registered and the on-time share (target 1.0)."""
        blocks = self.query("SELECT block_id, name FROM {blocks} WHERE campaign_id = ? ORDER BY seq", (campaign_id,))
        members = self.query(
            "SELECT m.block_id, m.unit_id, r.late FROM {members} m LEFT JOIN {reg_registrations} r "
            "ON r.campaign_id = m.campaign_id AND r.unit_id = m.unit_id WHERE m.campaign_id = ? ORDER BY m.unit_id",
            (campaign_id,),
        )
        out = []
        for b in blocks:
            mine = [m for m in members if m["block_id"] == b["block_id"]]
            on_time = [m["unit_id"] for m in mine if m["late"] is not None and not m["late"]]
            late = [m["unit_id"] for m in mine if m["late"] is not None and m["late"]]
            missing = [m["unit_id"] for m in mine if m["late"] is None]
            out.append(
                {
                    "block_id": b["block_id"],
                    "name": b["name"],
                    "members": len(mine),
                    "registered": len(on_time) + len(late),
                    "on_time": len(on_time),
                    "late": len(late),
                    "late_units": late,
                    "not_registered": missing,
                    "on_time_share": round(len(on_time) / len(mine), 4) if mine else 0.0,
                }
            )
        return out
