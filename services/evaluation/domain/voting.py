"""A block's year-end vote (bình xét, suy tôn) for its leading unit: rounds, secret ballots, tally, runoff.

One aggregate per block and campaign holds every round, so two ballots from the same unit, even
sent at the same moment, are two writes to the same aggregate: one wins, the other is retried,
sees the first and is refused.

A ballot is recorded as the voter, a commitment to the choice and the choice sealed (`ballots.py`);
the close opens each sealed choice, counts only those that still match their commitment, and
publishes the tally with the anonymous ballots only when enough units took part to hide each one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.ballots import Seal, count_ballots, open_choice, seal_choice
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
from services.evaluation.domain.rules import runoff_candidates, vote_min_voters, vote_quorum, vote_share

DEFAULT_MIN_VOTERS = Policy().vote_min_voters
"""Rounds opened before the rule existed (their `RoundOpened` has no `min_voters`) close under the default."""


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
            min_voters=policy.get("vote_min_voters", DEFAULT_MIN_VOTERS),
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
        min_voters: int = DEFAULT_MIN_VOTERS,
    ) -> None:
        self.rounds[round_id] = {
            "candidates": candidates,
            "eligible": eligible_voters,
            "ballots": {},
            "share": share,
            "quorum": quorum,
            "self_vote_allowed": self_vote_allowed,
            "runoffs_left": runoffs_left,
            "min_voters": min_voters,
            "status": "open",
        }
        self.open_round = round_id

    # ---- cast ------------------------------------------------------------------------------------

    def cast(self, round_id: str, voter: str, candidate: str, receipt: str, seal: Seal) -> None:
        """One secret ballot per eligible unit and round: recorded as a commitment and a sealed choice."""
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
        committed, sealed = seal_choice(seal, self.campaign_id, self.block_id, round_id, voter, receipt, candidate)
        self.trigger_event(
            self.BallotCast,
            campaign_id=self.campaign_id,
            block_id=self.block_id,
            round_id=round_id,
            voter_unit_id=voter,
            commitment=committed,
            sealed=sealed,
        )

    class BallotCast(Aggregate.Event):
        """A ballot: the voter, the commitment to the choice, and the choice with the receipt sealed.

        Class version 1 held the choice in clear (`candidate_unit_id`, published as `block_vote_cast.v1`
        without it); such ballots load with `commitment` and `sealed` null and count as recorded.
        """

        class_version = 2
        campaign_id: str
        block_id: str
        round_id: str
        voter_unit_id: str
        commitment: str | None
        sealed: str | None
        plain_choice: str | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["plain_choice"] = state.pop("candidate_unit_id")
            state["commitment"] = None
            state["sealed"] = None

        def intact(self, seal: Seal) -> bool:
            """Whether the sealed choice still opens and matches the commitment (one in clear: nothing to check)."""
            if self.sealed is None:
                return True
            opened = open_choice(
                seal,
                self.campaign_id,
                self.block_id,
                self.round_id,
                self.voter_unit_id,
                self.commitment or "",
                self.sealed,
            )
            return opened is not None

        def apply(self, election: BlockElection) -> None:
            election.rounds[self.round_id]["ballots"][self.voter_unit_id] = {
                "commitment": self.commitment,
                "sealed": self.sealed,
                "plain_choice": self.plain_choice,
                "version": self.originator_version,
            }

    def opened_ballot(self, round_id: str, voter: str, seal: Seal) -> tuple[str, int] | None:
        """The receipt of `voter`'s sealed ballot in the round and the version that recorded it, if it opens."""
        ballot = self.rounds.get(round_id, {}).get("ballots", {}).get(voter)
        if ballot is None or ballot["sealed"] is None:
            return None
        choice = open_choice(
            seal, self.campaign_id, self.block_id, round_id, voter, ballot["commitment"], ballot["sealed"]
        )
        return None if choice is None else (choice.receipt, ballot["version"])

    # ---- close -----------------------------------------------------------------------------------

    def runoff_id(self, round_id: str) -> str:
        """`<round>-r<n>`: n is the number of rounds of the block so far plus one (a valid id of at most 64)."""
        base = round_id[:56].rstrip("-")
        n = len(self.rounds) + 1
        while f"{base}-r{n}" in self.rounds:
            n += 1
        return f"{base}-r{n}"

    def close(self, round_id: str, seal: Seal) -> None:
        """Count the ballots that verify; elect, fail, or open a runoff among the leading candidates.

        The tally and the anonymous ballots are published only when the quorum is met and at least
        `min_voters` ballots count; otherwise the round fails and says nothing about any choice.
        """
        r = self._round(round_id)
        if r["status"] != "open":
            raise RoundNotOpen(f"round {round_id!r} is already closed", "round_id")
        counted, rejected = count_ballots(
            seal, self.campaign_id, self.block_id, round_id, r["ballots"], r["candidates"]
        )
        eligible = len(r["eligible"])
        quorum = vote_quorum(len(counted), eligible, r["quorum"])
        enough = vote_min_voters(len(counted), r["min_voters"])
        published = quorum.passed and enough.passed
        tally: dict[str, int] | None = None
        winner, runoff = None, []
        if not published:
            outcome, reason = "failed", (quorum if not quorum.passed else enough).reason
            counted = []
        else:
            ballots = Counter(b["candidate_unit_id"] for b in counted)
            tally = {c: ballots.get(c, 0) for c in r["candidates"]}
            winner, share = vote_share(tally, eligible, r["share"])
            if winner is not None:
                outcome, reason = "elected", share.reason
            else:
                runoff = runoff_candidates(tally)
                can_runoff = r["runoffs_left"] > 0 and len(runoff) >= 2
                outcome = "runoff" if can_runoff else "failed"
                reason = share.reason
                if not can_runoff:
                    reason += "; no runoff left" if r["runoffs_left"] <= 0 else ""
                    runoff = []
        if rejected:
            reason += f"; {rejected} ballot(s) rejected: the sealed choice does not match its commitment"
        self.trigger_event(
            self.RoundClosed,
            campaign_id=self.campaign_id,
            block_id=self.block_id,
            round_id=round_id,
            tally=tally,
            ballots=counted,
            voters=len(r["ballots"]),
            rejected=rejected,
            eligible=eligible,
            quorum_met=quorum.passed,
            min_voters=r["min_voters"],
            outcome=outcome,
            reason=reason,
            winner=winner,
        )
        if winner is not None and tally is not None:
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
                "vote_min_voters": r["min_voters"],
            }
            self._open(self.runoff_id(round_id), runoff, r["eligible"], round_id, policy)

    class RoundClosed(Aggregate.Event):
        """A round's result. Class version 1 published every ballot with its voter (`vote_round_closed.v2`);
        such closes load with `min_voters` null (their own wire version is kept for verification)."""

        class_version = 2
        campaign_id: str
        block_id: str
        round_id: str
        tally: dict[str, int] | None
        """Null unless the result was published (quorum met and at least `min_voters` ballots counted)."""
        ballots: list[dict[str, Any]]
        """The counted anonymous ballots (`ballot`, `candidate_unit_id`); empty unless published."""
        voters: int
        """Ballots cast."""
        rejected: int
        """Ballots not counted: their sealed choice no longer opens or no longer matches its commitment."""
        eligible: int
        quorum_met: bool
        min_voters: int | None
        outcome: str
        reason: str
        winner: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["rejected"] = 0
            state["min_voters"] = None
            state.setdefault("winner", None)

        def apply(self, election: BlockElection) -> None:
            election.rounds[self.round_id]["status"] = self.outcome
            election.open_round = None

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
