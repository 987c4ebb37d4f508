"""Routes over the evaluation service's views: campaigns (as the council evaluates them), achievements,
standings, block votes, awards and exemplary models."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from services.evaluation.adapters.exemplary import funnel
from services.evaluation.adapters.standings import Rendering
from services.evaluation.adapters.views import (
    AwardsView,
    ExemplaryModelsView,
    ReferenceView,
    StandingsView,
    VotesView,
)
from services.read_api.access import (
    AUDITOR,
    COUNCIL,
    UNIT,
    Caller,
    Principal,
    deny,
    own_unit,
    read_standings,
    require,
    sees_model,
    sees_proposal,
)
from services.read_api.encodings import GZIP, accepts_gzip, not_modified, weak
from services.read_api.errors import api_error, error_responses
from services.read_api.pages import DEFAULT_LIMIT, After, Limit, link_next, page
from services.read_api.responses.evaluation import (
    Achievements,
    Awards,
    Campaign,
    CampaignModels,
    CountedBallot,
    ExemplaryModel,
    Standings,
    Votes,
)
from services.read_api.views import ViewOf
from shared.events.evaluation import EvaluationPolicy
from shared.events.types import Moment

router = APIRouter(responses=error_responses(404))
ReferenceDep = Annotated[ReferenceView, Depends(ViewOf(ReferenceView))]
StandingsDep = Annotated[StandingsView, Depends(ViewOf(StandingsView))]
VotesDep = Annotated[VotesView, Depends(ViewOf(VotesView))]
AwardsDep = Annotated[AwardsView, Depends(ViewOf(AwardsView))]
ModelsDep = Annotated[ExemplaryModelsView, Depends(ViewOf(ExemplaryModelsView))]
AS_OF = "ISO 8601 time between 1945 and 2200 (UTC without an offset): the standings as they were then"


def known_campaign(campaigns: ReferenceView, campaign_id: str) -> dict[str, Any]:
    found = campaigns.campaign(campaign_id)
    if found is None:
        raise api_error(404, "unknown_campaign", f"no campaign {campaign_id!r}", "campaign_id")
    return found


@router.get("/v1/campaigns", tags=["campaigns"], response_model=list[Campaign])
def list_campaigns(campaigns: ReferenceDep) -> list[dict[str, Any]]:
    """Every launched campaign, newest year first."""
    return campaigns.campaigns()


@router.get("/v1/campaigns/{campaign_id}", tags=["campaigns"], response_model=Campaign)
def get_campaign(campaign_id: str, campaigns: ReferenceDep) -> dict[str, Any]:
    return known_campaign(campaigns, campaign_id)


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
    p: Caller,
    campaigns: ReferenceDep,
    standings: StandingsDep,
    unit: str | None = None,
    status: Annotated[str | None, Query(description="reported, verified or rejected")] = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Reported achievements with their verification (points, late penalty, adjustment and reason), in the order
    they were reported, one page at a time (`next`, and the `Link` header)."""
    mine = own_unit(p, unit, "achievements")
    known_campaign(campaigns, campaign_id)
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
    response_model=Standings,  # documents the rendering the view keeps (a Response is served as it is)
    responses=error_responses(403),
)
async def get_standings(
    campaign_id: str,
    request: Request,
    p: Caller,
    standings: StandingsDep,
    reference: ReferenceDep,
    block: str | None = None,
    as_of: Annotated[Moment | None, Query(description=AS_OF)] = None,
) -> Response:
    """Each block's units in rank order. Tie-break: verified score, fewer late items, more verified items, unit id.

    With `as_of`, only achievements reported and decisions taken by then count (no replay needed).
    The `ETag` changes whenever the standings may have; send it back as `If-None-Match` to get 304.
    Gzipped (`Content-Encoding: gzip`, a weak `ETag`) when `Accept-Encoding` accepts it, as every browser's does.
    """
    # `async`: answered inline from the rendering the view keeps (one read of three stored positions); only a new
    # rendering goes to a thread. Its gzip form was made with it, once: a request only picks one of two kept bodies.
    moment = None if as_of is None else as_of.isoformat()  # already UTC
    etag, kept, status = checked(campaign_id, p, standings, reference, block, moment)
    gzipped = accepts_gzip(request.headers.get("accept-encoding"))
    headers = {"ETag": weak(etag) if gzipped else etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if kept is None:
        kept = await render(standings, reference, etag, status, campaign_id, block, moment)
    if gzipped:
        return Response(kept.gzipped, media_type="application/json", headers=headers | {"Content-Encoding": GZIP})
    return Response(kept.body, media_type="application/json", headers=headers)


def checked(
    campaign_id: str,
    p: Principal,
    standings: StandingsView,
    reference: ReferenceView,
    block: str | None,
    moment: str | None,
) -> tuple[str, Rendering | None, str]:
    """The state the standings come from (their identity `ETag`), the rendering kept for it and the campaign's
    status, once the caller may read them (401/403) and the campaign and block are known (404). A kept rendering
    was made in this very state: its campaign and block were known, and its campaign's status is the one to check."""
    etag = standings.etag(reference)
    kept = standings.rendered(etag, campaign_id, block, moment)
    status = kept.campaign_status if kept else str(known_campaign(reference, campaign_id).get("status"))
    read_standings(p, status)
    if kept is None and block is not None and reference.block(campaign_id, block) is None:
        raise api_error(404, "unknown_block", f"no block {block!r}", "block")
    return etag, kept, status


async def render(standings: StandingsView, reference: ReferenceView, etag: str, *question: Any) -> Rendering:
    """A new rendering of state `etag` (both forms), in a thread: the event loop goes on serving kept ones."""
    return await run_in_threadpool(standings.render, reference, etag, *question)


async def rendering(
    campaign_id: str,
    p: Principal,
    standings: StandingsView,
    reference: ReferenceView,
    block: str | None,
    moment: str | None,
) -> tuple[str, Rendering]:
    """The standings as `get_standings` serves them, checked the same way, whatever the request accepts: for the
    workspace's page, which reads the identity JSON."""
    etag, kept, status = checked(campaign_id, p, standings, reference, block, moment)
    return etag, kept or await render(standings, reference, etag, status, campaign_id, block, moment)


@router.get(
    "/v1/campaigns/{campaign_id}/votes", tags=["evaluation"], response_model=Votes, responses=error_responses(403)
)
def get_votes(
    campaign_id: str, p: Caller, campaigns: ReferenceDep, votes: VotesDep, block: str | None = None
) -> dict[str, Any]:
    """Block vote rounds; a round's tally and its ballots without voters (to recount) appear only once it is
    closed with enough voters. `leaders`: block → elected unit."""
    require(p, COUNCIL, AUDITOR, UNIT, what="block votes")
    known_campaign(campaigns, campaign_id)
    return {
        "campaign_id": campaign_id,
        "rounds": votes.rounds(campaign_id, block),
        "leaders": votes.leaders(campaign_id),
    }


@router.get(
    "/v1/campaigns/{campaign_id}/ballots/{ballot}",
    tags=["evaluation"],
    response_model=CountedBallot,
    responses=error_responses(403),
)
def get_ballot(campaign_id: str, ballot: str, p: Caller, campaigns: ReferenceDep, votes: VotesDep) -> dict[str, Any]:
    """A counted ballot by its anonymous id, which its voter computes from the receipt without sending the
    receipt anywhere (`emulation ballot check`): the voter checks it was counted as cast."""
    require(p, COUNCIL, AUDITOR, UNIT, what="block votes")
    known_campaign(campaigns, campaign_id)
    found = votes.ballot(campaign_id, ballot)
    if found is None:
        message = f"no counted ballot {ballot!r} in campaign {campaign_id!r} (not cast, not counted, or not yet closed)"
        raise api_error(404, "unknown_ballot", message, "ballot")
    return found


@router.get("/v1/campaigns/{campaign_id}/awards", tags=["evaluation"], response_model=Awards)
def get_awards(
    campaign_id: str,
    p: Caller,
    campaigns: ReferenceDep,
    awards: AwardsDep,
    unit: str | None = None,
    award: str | None = None,
) -> dict[str, Any]:
    """The policy in force (defaults until set), award proposals with every rule's result, the council's decisions."""
    known_campaign(campaigns, campaign_id)
    return {
        "campaign_id": campaign_id,
        "policy": awards.policy(campaign_id) or EvaluationPolicy().model_dump(),
        "proposals": [x for x in awards.proposals(campaign_id, unit, award) if sees_proposal(p, x)],
    }


Stage = Literal["identified", "nurtured", "summed_up", "spread", "dropped"]
MODELS_AS_OF = "ISO 8601 time between 1945 and 2200 (UTC without an offset): the models as they were then"


@router.get("/v1/campaigns/{campaign_id}/models", tags=["evaluation"], response_model=CampaignModels)
def list_campaign_models(
    campaign_id: str,
    p: Caller,
    campaigns: ReferenceDep,
    models: ModelsDep,
    stage: Annotated[Stage | None, Query(description="only the models at this stage (the funnel counts all)")] = None,
    unit: Annotated[str | None, Query(description="only this unit's models")] = None,
    as_of: Annotated[Moment | None, Query(description=MODELS_AS_OF)] = None,
) -> dict[str, Any]:
    """The campaign's exemplary models (any stage recorded in it) as a funnel: per stage, how many are at it and how
    many reached it, counted over every model; then the models the caller may see, each at the stage it has
    reached (in whichever campaign) with its history."""
    known_campaign(campaigns, campaign_id)
    moment = None if as_of is None else as_of.isoformat()
    found = models.campaign_models(campaign_id, moment)
    shown = [m for m in found if sees_model(p, m) and stage in (None, m["stage"]) and unit in (None, m["unit_id"])]
    return {"campaign_id": campaign_id, "as_of": moment, "funnel": funnel(found), "models": shown}


@router.get("/v1/models/{model_id}", tags=["evaluation"], response_model=ExemplaryModel, responses=error_responses(403))
def get_model(
    model_id: str,
    p: Caller,
    models: ModelsDep,
    as_of: Annotated[Moment | None, Query(description=MODELS_AS_OF)] = None,
) -> dict[str, Any]:
    """An exemplary model with every step of its history, across the campaigns it spans."""
    found = models.model(model_id, None if as_of is None else as_of.isoformat())
    if found is None:
        raise api_error(404, "unknown_model", f"no exemplary model {model_id!r}", "model_id")
    if not sees_model(p, found):
        raise deny(p, "a model is public once summed up; until then council, auditors and its own unit only")
    return found
