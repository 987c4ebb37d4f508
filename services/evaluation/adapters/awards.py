"""Award proposals with their rule results (an ad-hoc one with its exceptional achievement), and the council's
decisions."""

from __future__ import annotations

import json
from typing import Any

from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps


class AwardsView(View):
    name = "awards"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {award_proposals} (campaign_id TEXT NOT NULL, proposal_id TEXT NOT NULL, "
        "award TEXT NOT NULL, unit_id TEXT NOT NULL, person TEXT, rule_results TEXT NOT NULL, eligible INTEGER NOT NULL, "
        "status TEXT NOT NULL, decision TEXT, proposed_at TEXT NOT NULL, decided_at TEXT, seq BIGINT NOT NULL, "
        "PRIMARY KEY (campaign_id, proposal_id))",
        "CREATE TABLE IF NOT EXISTS {eval_policies} (campaign_id TEXT PRIMARY KEY, body TEXT NOT NULL, seq BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {award_achievements} (campaign_id TEXT NOT NULL, proposal_id TEXT NOT NULL, "
        "body TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (campaign_id, proposal_id))",
    )
    """`award_achievements`: the exceptional achievement of each ad-hoc proposal (a table of its own, so a store
    from before ad-hoc awards takes it as it is)."""

    def handlers(self) -> dict[str, Handler]:
        return {
            "award_proposed": self.on_proposed,
            "award_decided": self.on_decided,
            "evaluation_policy_set": self.on_policy,
        }

    def on_policy(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(
            c,
            "INSERT INTO {eval_policies} (campaign_id, body, seq) VALUES (?, ?, ?) ON CONFLICT (campaign_id) "
            "DO UPDATE SET body = excluded.body, seq = excluded.seq",
            (e.data["campaign_id"], dumps(e.data["policy"]), seq),
        )

    def on_proposed(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {award_proposals} (campaign_id, proposal_id, award, unit_id, person, rule_results, eligible, "
            "status, proposed_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, proposal_id) DO NOTHING",
            (
                d["campaign_id"],
                d["proposal_id"],
                d["award"],
                d["unit_id"],
                d.get("person"),
                dumps(d["rule_results"]),
                int(bool(d["eligible"])),
                "proposed" if d["eligible"] else "ineligible",
                e.time.isoformat(),
                seq,
            ),
        )
        if d.get("achievement"):
            self.execute(
                c,
                "INSERT INTO {award_achievements} (campaign_id, proposal_id, body, seq) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (campaign_id, proposal_id) DO NOTHING",
                (d["campaign_id"], d["proposal_id"], dumps(d["achievement"]), seq),
            )

    def on_decided(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        decision = {
            k: d[k] for k in ("approved", "votes_for", "votes_against", "members_present", "members_total", "reason")
        }
        self.execute(
            c,
            "UPDATE {award_proposals} SET status = ?, decision = ?, decided_at = ?, seq = ? "
            "WHERE campaign_id = ? AND proposal_id = ?",
            (
                "approved" if d["approved"] else "rejected",
                dumps(decision),
                e.time.isoformat(),
                seq,
                d["campaign_id"],
                d["proposal_id"],
            ),
        )

    def proposals(self, campaign_id: str, unit: str | None = None, award: str | None = None) -> list[dict[str, Any]]:
        sql = (
            "SELECT p.proposal_id, p.award, p.unit_id, p.person, p.rule_results, p.eligible, p.status, p.decision, "
            "a.body AS achievement FROM {award_proposals} p LEFT JOIN {award_achievements} a "
            "ON a.campaign_id = p.campaign_id AND a.proposal_id = p.proposal_id WHERE p.campaign_id = ?"
        )
        params: list[Any] = [campaign_id]
        if unit:
            sql += " AND p.unit_id = ?"
            params.append(unit)
        if award:
            sql += " AND p.award = ?"
            params.append(award)
        rows = self.query(sql + " ORDER BY p.proposed_at, p.proposal_id", params)
        for r in rows:
            r["rule_results"] = json.loads(r["rule_results"])
            r["eligible"] = bool(r["eligible"])
            r["decision"] = json.loads(r["decision"]) if r["decision"] else None
            r["achievement"] = json.loads(r["achievement"]) if r["achievement"] else None
        return rows

    def policy(self, campaign_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT body FROM {eval_policies} WHERE campaign_id = ?", (campaign_id,))
        return json.loads(rows[0]["body"]) if rows else None
