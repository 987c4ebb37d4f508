"""Block vote rounds: who may vote, who voted, and — only once a round is closed with enough voters — the
tally and the counted ballots without voters, each findable by the anonymous id its voter computes."""

from __future__ import annotations

import json
from typing import Any

from shared.events.envelope import CloudEvent
from shared.infra.views import Handler, View, dumps


class VotesView(View):
    name = "votes"
    ddl = (
        "CREATE TABLE IF NOT EXISTS {vote_rounds} (campaign_id TEXT NOT NULL, block_id TEXT NOT NULL, "
        "round_id TEXT NOT NULL, status TEXT NOT NULL, candidates TEXT NOT NULL, eligible TEXT NOT NULL, "
        "voted TEXT NOT NULL, runoff_of TEXT, share REAL, quorum REAL, self_vote_allowed INTEGER, "
        "tally TEXT, quorum_met INTEGER, outcome TEXT, reason TEXT, winner TEXT, runoff_candidates TEXT, "
        "opened_at TEXT NOT NULL, closed_at TEXT, seq BIGINT NOT NULL, PRIMARY KEY (campaign_id, block_id, round_id))",
        "CREATE TABLE IF NOT EXISTS {vote_counts} (campaign_id TEXT NOT NULL, block_id TEXT NOT NULL, "
        "round_id TEXT NOT NULL, rejected INTEGER NOT NULL, min_voters INTEGER NOT NULL, ballots TEXT NOT NULL, "
        "PRIMARY KEY (campaign_id, block_id, round_id))",
        "CREATE TABLE IF NOT EXISTS {vote_ballots} (campaign_id TEXT NOT NULL, ballot TEXT NOT NULL, "
        "block_id TEXT NOT NULL, round_id TEXT NOT NULL, candidate_unit_id TEXT NOT NULL, "
        "PRIMARY KEY (campaign_id, ballot))",
    )

    def handlers(self) -> dict[str, Handler]:
        return {
            "vote_round_opened": self.on_opened,
            "block_vote_cast": self.on_cast,
            "vote_round_closed": self.on_closed,
            "block_leader_elected": self.on_elected,
            "vote_round_failed": self.on_failed,
        }

    def key(self, e: CloudEvent) -> tuple[str, str, str]:
        return e.data["campaign_id"], e.data["block_id"], e.data["round_id"]

    def on_opened(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "INSERT INTO {vote_rounds} (campaign_id, block_id, round_id, status, candidates, eligible, voted, runoff_of, "
            "share, quorum, self_vote_allowed, opened_at, seq) VALUES (?, ?, ?, 'open', ?, ?, '[]', ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (campaign_id, block_id, round_id) DO NOTHING",
            (
                *self.key(e),
                dumps(d["candidates"]),
                dumps(d["eligible_voters"]),
                d.get("runoff_of"),
                d.get("share"),
                d.get("quorum"),
                int(bool(d.get("self_vote_allowed"))),
                e.time.isoformat(),
                seq,
            ),
        )

    def on_cast(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(
            c, "SELECT voted FROM {vote_rounds} WHERE campaign_id = ? AND block_id = ? AND round_id = ?", self.key(e)
        )
        row = c.fetchone()
        if row is None:
            return
        voted = sorted(set(json.loads(row["voted"])) | {e.data["voter_unit_id"]})
        self.execute(
            c,
            "UPDATE {vote_rounds} SET voted = ?, seq = ? WHERE campaign_id = ? AND block_id = ? AND round_id = ?",
            (dumps(voted), seq, *self.key(e)),
        )

    def on_closed(self, c: Any, e: CloudEvent, seq: int) -> None:
        d = e.data
        self.execute(
            c,
            "UPDATE {vote_rounds} SET status = ?, tally = ?, quorum_met = ?, outcome = ?, reason = ?, closed_at = ?, "
            "seq = ? WHERE campaign_id = ? AND block_id = ? AND round_id = ?",
            (
                d["outcome"],
                None if d["tally"] is None else dumps(d["tally"]),
                int(bool(d["quorum_met"])),
                d["outcome"],
                d.get("reason"),
                e.time.isoformat(),
                seq,
                *self.key(e),
            ),
        )
        self.execute(
            c,
            "INSERT INTO {vote_counts} (campaign_id, block_id, round_id, rejected, min_voters, ballots) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, block_id, round_id) DO NOTHING",
            (*self.key(e), d["rejected"], d["min_voters"], dumps(d["ballots"])),
        )
        for b in d["ballots"]:
            if b["ballot"] is not None:
                self.execute(
                    c,
                    "INSERT INTO {vote_ballots} (campaign_id, ballot, block_id, round_id, candidate_unit_id) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (campaign_id, ballot) DO NOTHING",
                    (d["campaign_id"], b["ballot"], d["block_id"], d["round_id"], b["candidate_unit_id"]),
                )

    def on_elected(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(
            c,
            "UPDATE {vote_rounds} SET winner = ?, seq = ? WHERE campaign_id = ? AND block_id = ? AND round_id = ?",
            (e.data["unit_id"], seq, *self.key(e)),
        )

    def on_failed(self, c: Any, e: CloudEvent, seq: int) -> None:
        self.execute(
            c,
            "UPDATE {vote_rounds} SET runoff_candidates = ?, reason = ?, seq = ? "
            "WHERE campaign_id = ? AND block_id = ? AND round_id = ?",
            (dumps(e.data.get("runoff_candidates", [])), e.data["reason"], seq, *self.key(e)),
        )

    def rounds(self, campaign_id: str, block: str | None = None) -> list[dict[str, Any]]:
        """Every round in opening order; `tally` and `ballots` are null while the round is open, and stay null
        when it closed without enough voters to publish them."""
        sql = (
            "SELECT r.*, k.rejected, k.min_voters, k.ballots FROM {vote_rounds} r LEFT JOIN {vote_counts} k "
            "ON k.campaign_id = r.campaign_id AND k.block_id = r.block_id AND k.round_id = r.round_id "
            "WHERE r.campaign_id = ?"
        )
        params: list[Any] = [campaign_id]
        if block:
            sql += " AND r.block_id = ?"
            params.append(block)
        out = []
        for r in self.query(sql + " ORDER BY r.opened_at, r.block_id, r.round_id", params):
            voted = json.loads(r["voted"])
            out.append(
                {
                    "block_id": r["block_id"],
                    "round_id": r["round_id"],
                    "status": r["status"],
                    "runoff_of": r["runoff_of"],
                    "candidates": json.loads(r["candidates"]),
                    "eligible_voters": json.loads(r["eligible"]),
                    "voted": voted,
                    "voters": len(voted),
                    "share": r["share"],
                    "quorum": r["quorum"],
                    "self_vote_allowed": bool(r["self_vote_allowed"]),
                    "tally": json.loads(r["tally"]) if r["tally"] else None,
                    "ballots": json.loads(r["ballots"]) if r["tally"] and r["ballots"] else None,
                    "rejected": r["rejected"],
                    "min_voters": r["min_voters"],
                    "quorum_met": None if r["quorum_met"] is None else bool(r["quorum_met"]),
                    "outcome": r["outcome"],
                    "reason": r["reason"],
                    "winner": r["winner"],
                    "runoff_candidates": json.loads(r["runoff_candidates"]) if r["runoff_candidates"] else None,
                }
            )
        return out

    def ballot(self, campaign_id: str, ballot: str) -> dict[str, Any] | None:
        """A counted ballot by its anonymous id (the voter computes it from the receipt), once published."""
        rows = self.query(
            "SELECT campaign_id, block_id, round_id, ballot, candidate_unit_id FROM {vote_ballots} "
            "WHERE campaign_id = ? AND ballot = ?",
            (campaign_id, ballot),
        )
        return dict(rows[0]) if rows else None

    def leaders(self, campaign_id: str) -> dict[str, str]:
        """Block id → its elected leader (the latest round that elected one)."""
        rows = self.query(
            "SELECT block_id, winner FROM {vote_rounds} WHERE campaign_id = ? AND winner IS NOT NULL "
            "ORDER BY closed_at, round_id",
            (campaign_id,),
        )
        return {r["block_id"]: r["winner"] for r in rows}
