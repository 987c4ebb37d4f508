"""Routes over the evaluation service's views: campaigns (as the council evaluates them), achievements,
standings, block votes and awards."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from services.evaluation.adapters.views import AwardsView, ReferenceView, StandingsView, VotesView
from services.read_api.access import AUDITOR, COUNCIL, UNIT, Principal, deny, own_unit, principal, require
from services.read_api.errors import api_error, error_responses
from services.read_api.pages import DEFAULT_LIMIT, After, Limit, link_next, page
from services.read_api.responses import Achievements, Standings
from shared.events.evaluation import EvaluationPolicy
from shared.events.types import Moment

router = APIRouter(responses=error_responses(404))


def campaigns(request: Request) -> ReferenceView:
    view: ReferenceView = request.app.state.views["evaluation-reference"]
    return view


def view(request: Request, name: str) -> Any:
    return request.app.state.views[name]


def known_campaign(request: Request, campaign_id: str) -> dict[str, Any]:
    found = campaigns(request).campaign(campaign_id)
    if found is None:
        raise api_error(404, "unknown_campaign", f"no campaign {campaign_id!r}", "campaign_id")
    return found


@router.get("/v1/campaigns", tags=["campaigns"])
def list_campaigns(request: Request) -> list[dict[str, Any]]:
    """Every launched campaign, newest year first."""
    return campaigns(request).campaigns()


@router.get("/v1/campaigns/{campaign_id}", tags=["campaigns"])
def get_campaign(campaign_id: str, request: Request) -> dict[str, Any]:
    return known_campaign(request, campaign_id)


@router.get(
    "/v1/campaigns/{campaign_id}/achievements",
    tags=["evaluation"],
    response_model=Achievements,
    responses=error_responses(403),
)
def list_achievements(
    campaign_id: str,
    request: Request,
    response: Response,
    p: Principal = Depends(principal),
    unit: str | None = None,
    status: str | None = Query(None, description="reported, verified or rejected"),
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Reported achievements with their verification (points, late penalty, adjustment and reason), in the order
    they were reported, one page at a time (`next`, and the `Link` header)."""
    mine = own_unit(p, unit, "achievements")
    known_campaign(request, campaign_id)
    standings: StandingsView = view(request, "standings")
    rows = standings.achievements(campaign_id, mine, status, after, limit + 1)
    found, cursor = page(rows, limit, lambda a: a["achievement_id"])
    link_next(request, response, cursor)
    return {
        "campaign_id": campaign_id,
        "scoring_table": standings.scoring_table(campaign_id),
        "achievements": found,
        "next": cursor,
    }


@router.get(
    "/v1/campaigns/{campaign_id}/standings",
    tags=["evaluation"],
    # rendered once per state of the views and cached as bytes (see below): the model documents them
    responses={200: {"model": Standings, "description": "Each block's units in rank order"}, **error_responses(403)},
)
async def get_standings(
    campaign_id: str,
    request: Request,
    p: Principal = Depends(principal),
    block: str | None = None,
    as_of: Moment | None = Query(
        None, description="ISO 8601 time between 1945 and 2200 (UTC without an offset): the standings as they were then"
    ),
) -> Response:
    """Each block's units in rank order. Tie-break: verified score, fewer late items, more verified items, unit id.

    With `as_of`, only achievements reported and decisions taken by then count (no replay needed).
    The `ETag` changes whenever the standings may have; send it back as `If-None-Match` to get 304.
    """
    # `async`: the checks below are indexed point reads, answered inline; only a new rendering goes to a thread
    campaign = known_campaign(request, campaign_id)
    if not p.is_(COUNCIL, AUDITOR, UNIT) and campaign.get("status") != "closed":
        raise deny(p, "standings are public once the campaign is closed; until then council, auditors and units only")
    standings: StandingsView = view(request, "standings")
    reference: ReferenceView = view(request, "evaluation-reference")
    if block is not None and reference.block(campaign_id, block) is None:
        raise api_error(404, "unknown_block", f"no block {block!r}", "block")
    moment = None if as_of is None else as_of.isoformat()  # already UTC
    # standings change only when their views move on: answer from the last rendering until then
    key = (campaign_id, block, moment)
    positions = (standings.position(), reference.position())
    # the ETag names that state, so a dashboard polling with If-None-Match gets 304 until it changes
    etag = f'"{positions[0]}-{positions[1]}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    cache: dict[Any, tuple[Any, bytes]] = request.app.state.__dict__.setdefault("standings_cache", {})
    hit = cache.get(key)
    if hit is None or hit[0] != positions:
        body = await run_in_threadpool(render_standings, standings, reference, campaign_id, block, moment)
        if len(cache) > 256:
            cache.clear()
        hit = cache[key] = (positions, body)
    return Response(hit[1], media_type="application/json", headers=headers)


def render_standings(
    standings: StandingsView, reference: ReferenceView, campaign_id: str, block: str | None, moment: str | None
) -> bytes:
    ranked = standings.standings(campaign_id, block, moment)
    blocks = [b for b in reference.blocks(campaign_id) if block is None or b["block_id"] == block]
    body = {
        "campaign_id": campaign_id,
        "as_of": moment,
        "blocks": [
            {"block_id": b["block_id"], "name": b["name"], "units": ranked.get(b["block_id"], [])} for b in blocks
        ],
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@router.get("/v1/campaigns/{campaign_id}/votes", tags=["evaluation"], responses=error_responses(403))
def get_votes(
    campaign_id: str, request: Request, block: str | None = None, p: Principal = Depends(principal)
) -> dict[str, Any]:
    """Block vote rounds; a round's tally and its ballots without voters (to recount) appear only once it is
    closed with enough voters. `leaders`: block → elected unit."""
    require(p, COUNCIL, AUDITOR, UNIT, what="block votes")
    known_campaign(request, campaign_id)
    votes: VotesView = view(request, "votes")
    return {
        "campaign_id": campaign_id,
        "rounds": votes.rounds(campaign_id, block),
        "leaders": votes.leaders(campaign_id),
    }


@router.get("/v1/campaigns/{campaign_id}/ballots/{ballot}", tags=["evaluation"])
def get_ballot(campaign_id: str, ballot: str, request: Request, p: Principal = Depends(principal)) -> dict[str, Any]:
    """A counted ballot by its anonymous id, which its voter computes from the receipt without sending the
    receipt anywhere (`emulation ballot check`): the voter checks it was counted as cast."""
    require(p, COUNCIL, AUDITOR, UNIT, what="block votes")
    known_campaign(request, campaign_id)
    votes: VotesView = view(request, "votes")
    found = votes.ballot(campaign_id, ballot)
    if found is None:
        message = f"no counted ballot {ballot!r} in campaign {campaign_id!r} (not cast, not counted, or not yet closed)"
        raise api_error(404, "unknown_ballot", message, "ballot")
    return found


@router.get("/v1/campaigns/{campaign_id}/awards", tags=["evaluation"])
def get_awards(
    campaign_id: str,
    request: Request,
    unit: str | None = None,
    award: str | None = None,
    p: Principal = Depends(principal),
) -> dict[str, Any]:
    """The policy in force (defaults until set), award proposals with every rule's result, the council's decisions."""
    known_campaign(request, campaign_id)
    awards: AwardsView = view(request, "awards")
    return {
        "campaign_id": campaign_id,
        "policy": awards.policy(campaign_id) or EvaluationPolicy().model_dump(),
        "proposals": [
            x
            for x in awards.proposals(campaign_id, unit, award)
            if x["decision"] is not None or p.may_see_unit(x["unit_id"])
        ],
    }
