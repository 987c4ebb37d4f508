"""Evaluation command subscribers: `emulation.cmd.<command>` request/reply, queue group `evaluation`."""

from __future__ import annotations

import asyncio

from faststream.nats import NatsRouter

from services.evaluation.application import EvaluationApplication
from shared.events.base import Accepted
from shared.events.evaluation import (
    BallotAccepted,
    CastBlockVote,
    CloseVoteRound,
    DecideAward,
    OpenVoteRound,
    ProposeAward,
    RejectAchievement,
    ReportAchievement,
    SetEvaluationPolicy,
    SetScoringTable,
    VerifyAchievement,
)
from shared.infra.commands import command_subscriber


def command_router(app: EvaluationApplication) -> NatsRouter:
    router = NatsRouter()

    def sub(name: str):  # type: ignore[no-untyped-def]
        return command_subscriber(router, name, "evaluation")

    @sub("set_evaluation_policy")
    async def set_evaluation_policy(cmd: SetEvaluationPolicy) -> Accepted:
        """Set the campaign's rule parameters (vote share and quorum, quotas, council threshold)."""
        return await asyncio.to_thread(app.set_evaluation_policy, cmd)

    @sub("set_scoring_table")
    async def set_scoring_table(cmd: SetScoringTable) -> Accepted:
        """Set or replace the campaign's scoring table; replies with `scoring_table_set`."""
        return await asyncio.to_thread(app.set_scoring_table, cmd)

    @sub("report_achievement")
    async def report_achievement(cmd: ReportAchievement) -> Accepted:
        """A unit (or one of its people) reports an achievement with claimed points."""
        return await asyncio.to_thread(app.report_achievement, cmd)

    @sub("verify_achievement")
    async def verify_achievement(cmd: VerifyAchievement) -> Accepted:
        """The council accepts an achievement, as claimed or with adjusted points and a reason."""
        return await asyncio.to_thread(app.verify_achievement, cmd)

    @sub("reject_achievement")
    async def reject_achievement(cmd: RejectAchievement) -> Accepted:
        return await asyncio.to_thread(app.reject_achievement, cmd)

    @sub("open_vote_round")
    async def open_vote_round(cmd: OpenVoteRound) -> Accepted:
        """The council or the block leader opens a block vote; candidates default to all member units."""
        return await asyncio.to_thread(app.open_vote_round, cmd)

    @sub("cast_block_vote")
    async def cast_block_vote(cmd: CastBlockVote) -> BallotAccepted:
        """A member unit casts its one secret ballot; only the reply carries its receipt."""
        return await asyncio.to_thread(app.cast_block_vote, cmd)

    @sub("close_vote_round")
    async def close_vote_round(cmd: CloseVoteRound) -> Accepted:
        """Tally: elect the leader, fail, or open a runoff among the leading candidates."""
        return await asyncio.to_thread(app.close_vote_round, cmd)

    @sub("propose_award")
    async def propose_award(cmd: ProposeAward) -> Accepted:
        """Propose an award; every rule's result is recorded with the proposal."""
        return await asyncio.to_thread(app.propose_award, cmd)

    @sub("decide_award")
    async def decide_award(cmd: DecideAward) -> Accepted:
        """Record the council's secret-ballot counts and its decision."""
        return await asyncio.to_thread(app.decide_award, cmd)

    return router
