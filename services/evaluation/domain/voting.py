"""A block's year-end vote (bình xét, suy tôn) for its leading unit: rounds, sealed ballots, tally, runoff.

One aggregate per block and campaign holds every round, so two ballots from the same unit, even
sent at the same moment, are two writes to the same aggregate: one wins, the other is retried,
sees the first and is refused.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.errors import (
    AlreadyVoted,
    InvalidCandidates,
    NotACandidate,
    NotEligibleVoter,
    RoundAlreadyOpen,
    RoundExists,
    RoundNotFound,
    RoundNotOpen,
    SelfVoteNotAllowed,
)
from services.evaluation.domain.ids import aggregate_id
from services.evaluation.domain.policy import Policy
from services.evaluation.domain.rules import runoff_candidates, vote_quorum, vote_share


class BlockElection(Aggregate):
    @staticmethod
    def create_id(campaign_id: str, block_id: str) -> UUID:
        return aggregate_id("election", campaign_id, block_id)

    @event("Started")
    def __init__(self, campaign_id: str, block_id: str) -> None:
        self.campaign_id = campaign_id
        self.block_id = block_id
        self.rounds: dict[str, dict[str, Any]] = {}
        self.open_round: str | None = None
        self.leader: str | None = None

    # ---- open ------------------------------------------------------------------------------------

    def open(self, round_id: str, members: list[str], candidates: list[str] | None, policy: Policy) -> None:
        """Open a round with its candidates (default: all member units); every member unit may vote."""
        if round_id in self.rounds:
            raise RoundExists(f"round {round_id!r} already exists in this block", "round_id")
        if self.open_round is not None:
            raise RoundAlreadyOpen(f"round {self.open_round!r} of this block is still open", "round_id")
        if not members:
            raise InvalidCandidates("the block has no member units to vote", "block_id")
        chosen = sorted(set(candidates)) if candidates else sorted(members)
        outsiders = [c for c in chosen if c not in members]
        if outsiders:
            raise InvalidCandidates(f"candidates not in the block: {', '.join(outsiders)}", "candidates")
        self._open(round_id, chosen, sorted(members), None, policy.to_dict())

    def _open(
        self, round_id: str, candidates: list[str], voters: list[str], runoff_of: str | None, policy: dict[str, Any]
    ) -> None:
        self._opened(
            campaign_id=self.campaign_id,
            block_id=self.block_id,
            round_id=round_id,
            candidates=candidates,
            eligible_voters=voters,
            runoff_of=runoff_of,
            share=policy["vote_share"],
            quorum=policy["vote_quorum"],
            self_vote_allowed=policy["self_vote_allowed"],
            runoffs_left=policy["max_runoffs"],
        )

    @event("RoundOpened")
    def _opened(
        self,
        campaign_id: str,
        block_id: str,
        round_id: str,
        candidates: list[str],
        eligible_voters: list[str],
        runoff_of: str | None,
        share: float,
        quorum: float,
        self_vote_allowed: bool,
        runoffs_left: int,
    ) -> None:
        self.rounds[round_id] = {
            "candidates": candidates,
            "eligible": eligible_voters,
            "ballots": {},
            "share": share,
            "quorum": quorum,
            "self_vote_allowed": self_vote_allowed,
            "runoffs_left": runoffs_left,
            "status": "open",
        }
        self.open_round = round_id

    # ---- cast ------------------------------------------------------------------------------------

    def cast(self, round_id: str, voter: str, candidate: str) -> None:
        """One sealed ballot per eligible unit and round."""
        r = self._round(round_id)
        if r["status"] != "open":
            raise RoundNotOpen(f"round {round_id!r} is closed", "round_id")
        if voter not in r["eligible"]:
            raise NotEligibleVoter(f"{voter} is not a member unit of this block's round", "voter_unit_id")
        if voter in r["ballots"]:
            raise AlreadyVoted(f"{voter} has already voted in round {round_id!r}", "voter_unit_id")
        if candidate not in r["candidates"]:
            raise NotACandidate(f"{candidate} is not a candidate of round {round_id!r}", "candidate_unit_id")
        if candidate == voter and not r["self_vote_allowed"]:
            raise SelfVoteNotAllowed(
                "this campaign's policy does not allow a unit to vote for itself", "candidate_unit_id"
            )
        self._cast(
            campaign_id=self.campaign_id,
            block_id=self.block_id,
            round_id=round_id,
            voter_unit_id=voter,
            candidate_unit_id=candidate,
        )

    @event("BallotCast")
    def _cast(self, campaign_id: str, block_id: str, round_id: str, voter_unit_id: str, candidate_unit_id: str) -> None:
        self.rounds[round_id]["ballots"][voter_unit_id] = candidate_unit_id

    # ---- close -----------------------------------------------------------------------------------

    def runoff_id(self, round_id: str) -> str:
        """`<round>-r<n>`: n is the number of rounds of the block so far plus one (a valid id of at most 64)."""
        base = round_id[:56].rstrip("-")
        n = len(self.rounds) + 1
        while f"{base}-r{n}" in self.rounds:
            n += 1
        return f"{base}-r{n}"

    def close(self, round_id: str) -> None:
        """Tally; elect, fail, or open a runoff among the leading candidates."""
        r = self._round(round_id)
        if r["status"] != "open":
            raise RoundNotOpen(f"round {round_id!r} is already closed", "round_id")
        ballots = r["ballots"]
        counted = Counter(ballots.values())
        tally = {c: counted.get(c, 0) for c in r["candidates"]}
        eligible = len(r["eligible"])
        quorum = vote_quorum(len(ballots), eligible, r["quorum"])
        winner, share = vote_share(tally, eligible, r["share"]) if quorum.passed else (None, None)
        runoff: list[str] = []
        if winner is not None:
            outcome, reason = "elected", share.reason if share else ""
        elif not quorum.passed:
            outcome, reason = "failed", quorum.reason
        else:
            runoff = runoff_candidates(tally)
            can_runoff = r["runoffs_left"] > 0 and len(runoff) >= 2
            outcome = "runoff" if can_runoff else "failed"
            reason = share.reason if share else ""
            if not can_runoff:
                reason += "; no runoff left" if r["runoffs_left"] <= 0 else ""
                runoff = []
        self._closed(
            campaign_id=self.campaign_id,
            block_id=self.block_id,
            round_id=round_id,
            tally=tally,
            ballots=[{"voter_unit_id": v, "candidate_unit_id": c} for v, c in sorted(ballots.items())],
            voters=len(ballots),
            eligible=eligible,
            quorum_met=quorum.passed,
            outcome=outcome,
            reason=reason,
            winner=winner,
        )
        if winner is not None:
            self._elected(
                campaign_id=self.campaign_id,
                block_id=self.block_id,
                round_id=round_id,
                unit_id=winner,
                votes=tally[winner],
            )
            return
        self._failed(
            campaign_id=self.campaign_id,
            block_id=self.block_id,
            round_id=round_id,
            reason=reason,
            runoff_candidates=runoff,
        )
        if runoff:
            policy = {
                "vote_share": r["share"],
                "vote_quorum": r["quorum"],
                "self_vote_allowed": r["self_vote_allowed"],
                "max_runoffs": r["runoffs_left"] - 1,
            }
            self._open(self.runoff_id(round_id), runoff, r["eligible"], round_id, policy)

    @event("RoundClosed")
    def _closed(
        self,
        campaign_id: str,
        block_id: str,
        round_id: str,
        tally: dict[str, int],
        ballots: list[dict[str, str]],
        voters: int,
        eligible: int,
        quorum_met: bool,
        outcome: str,
        reason: str,
        winner: str | None,
    ) -> None:
        self.rounds[round_id]["status"] = outcome
        self.open_round = None

    @event("LeaderElected")
    def _elected(self, campaign_id: str, block_id: str, round_id: str, unit_id: str, votes: int) -> None:
        self.leader = unit_id

    @event("RoundFailed")
    def _failed(
        self, campaign_id: str, block_id: str, round_id: str, reason: str, runoff_candidates: list[str]
    ) -> None:
        pass

    def _round(self, round_id: str) -> dict[str, Any]:
        if round_id not in self.rounds:
            raise RoundNotFound(f"no round {round_id!r} in this block", "round_id")
        return self.rounds[round_id]
