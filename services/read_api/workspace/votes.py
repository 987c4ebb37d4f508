"""Block votes (bình xét, suy tôn): open rounds with their turnout, closed rounds with their published result,
each block's elected leader, and each runoff linked to the round it follows.

The page shows what the votes route answers for the caller and nothing more: an open round has no counts there,
and no route says who voted for whom (docs/contract/evaluation.md, "Secret ballot").
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.read_api.access import Caller
from services.read_api.routes import evaluation
from services.read_api.routes.evaluation import ReferenceDep, VotesDep
from services.read_api.routes.registry import BlocksDep
from services.read_api.workspace.render import PageRoute, page
from services.read_api.workspace.rosters import names

router = APIRouter(route_class=PageRoute)

STATUS = {"open": "Đang bỏ phiếu", "elected": "Đã bầu", "runoff": "Phải bầu lại", "failed": "Không bầu được"}


def anchor(block_id: str, round_id: str) -> str:
    return f"vong-{block_id}-{round_id}"


def turnout(r: dict[str, Any]) -> dict[str, Any]:
    """How many of the eligible units voted, and how many the quorum needs (rounded up: whole units vote)."""
    eligible = len(r["eligible_voters"])
    need = math.ceil(r["quorum"] * eligible - 1e-9) if r["quorum"] is not None else None
    return {
        "eligible": eligible,
        "voters": r["voters"],
        "share": r["voters"] / eligible if eligible else 0.0,
        "need": need,
        "not_yet": [u for u in r["eligible_voters"] if u not in set(r["voted"])],
    }


def rounds_by_block(rounds: list[dict[str, Any]], block_order: list[str]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Rounds grouped by block (the registry's order, then any other), each knowing its runoffs."""
    followed_by: dict[tuple[str, str], list[str]] = {}
    for r in rounds:
        if r["runoff_of"]:
            followed_by.setdefault((r["block_id"], r["runoff_of"]), []).append(r["round_id"])
    grouped: dict[str, list[dict[str, Any]]] = {b: [] for b in block_order}
    for r in rounds:
        grouped.setdefault(r["block_id"], []).append(
            r
            | {
                "anchor": anchor(r["block_id"], r["round_id"]),
                "runoffs": [
                    {"round_id": x, "anchor": anchor(r["block_id"], x)}
                    for x in followed_by.get((r["block_id"], r["round_id"]), [])
                ],
                "runoff_anchor": anchor(r["block_id"], r["runoff_of"]) if r["runoff_of"] else None,
                "turnout": turnout(r),
                "results": sorted((r["tally"] or {}).items(), key=lambda kv: (-kv[1], kv[0])),
            }
        )
    return [(b, rs) for b, rs in grouped.items() if rs]


@router.get("/campaigns/{campaign_id}/votes", response_class=HTMLResponse)
def votes_page(
    campaign_id: str, request: Request, p: Caller, reference: ReferenceDep, votes: VotesDep, blocks: BlocksDep
) -> HTMLResponse:
    answer = evaluation.get_votes(campaign_id, p, reference, votes)
    campaign = evaluation.get_campaign(campaign_id, reference)
    known = names(campaign_id, p, blocks)
    return page(
        request,
        p,
        "votes.html",
        title=f"Bình xét, suy tôn khối trưởng — {campaign['title']}",
        campaign=campaign,
        section="votes",
        blocks=rounds_by_block(answer["rounds"], list(known.blocks)),
        leaders=answer["leaders"],
        names=known,
        status_names=STATUS,
    )
