"""Routes over the registry service's views: blocks, units, registrations, reviews."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from services.read_api.access import AUDITOR, COUNCIL, UNIT, Caller, own_unit, read_blocks, require
from services.read_api.errors import api_error, error_responses
from services.read_api.pages import DEFAULT_LIMIT, After, Limit, link_next, page
from services.read_api.responses.registry import (
    Blocks,
    CampaignBlock,
    Registrations,
    RegistrationSummary,
    Reviews,
    ReviewSubmissions,
    ReviewSummary,
    Unit,
    UnitDetail,
)
from services.read_api.views import ViewOf
from services.registry.adapters.reviews import TARGET_SHARE, totals
from services.registry.adapters.views import BlocksView, RegistrationsView, ReviewsView, UnitsView
from shared.events.registry import ReviewKind

router = APIRouter(responses=error_responses(403, 404))
BlocksDep = Annotated[BlocksView, Depends(ViewOf(BlocksView))]
UnitsDep = Annotated[UnitsView, Depends(ViewOf(UnitsView))]
RegistrationsDep = Annotated[RegistrationsView, Depends(ViewOf(RegistrationsView))]
ReviewsDep = Annotated[ReviewsView, Depends(ViewOf(ReviewsView))]


def not_found(code: str, message: str, field: str) -> HTTPException:
    return api_error(404, code, message, field)


def known_campaign(blocks: BlocksView, campaign_id: str) -> dict[str, Any]:
    found = blocks.campaign(campaign_id)
    if found is None:
        raise not_found("unknown_campaign", f"no campaign {campaign_id!r}", "campaign_id")
    return found


@router.get("/v1/campaigns/{campaign_id}/blocks", tags=["registry"], response_model=Blocks)
def list_blocks(campaign_id: str, p: Caller, blocks: BlocksDep) -> dict[str, Any]:
    """The campaign's blocks in definition order, each with its leader, deputy and members (public once the
    campaign is closed, like its standings)."""
    campaign = known_campaign(blocks, campaign_id)
    read_blocks(p, campaign["status"])
    return {"campaign_id": campaign_id, "status": campaign["status"], "blocks": blocks.rosters(campaign_id)}


@router.get("/v1/campaigns/{campaign_id}/blocks/{block_id}", tags=["registry"], response_model=CampaignBlock)
def get_block(campaign_id: str, block_id: str, p: Caller, blocks: BlocksDep) -> dict[str, Any]:
    read_blocks(p, known_campaign(blocks, campaign_id)["status"])
    found = blocks.rosters(campaign_id, block_id)
    if not found:
        raise not_found("unknown_block", f"no block {block_id!r} in campaign {campaign_id!r}", "block_id")
    return found[0] | {"campaign_id": campaign_id}


@router.get("/v1/units", tags=["registry"], response_model=list[Unit])
def search_units(
    request: Request,
    response: Response,
    p: Caller,
    units: UnitsDep,
    q: Annotated[str | None, Query(max_length=300, description="words of the name, with or without diacritics")] = None,
    kind: Annotated[str | None, Query(description="department or affiliated")] = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    """Units whose name contains every word of `q` (`cong chung` finds "Phòng Công chứng số 1"), by unit id.

    One page at a time: the `Link` header (`rel="next"`) gives the next page's address while more follow."""
    require(p, COUNCIL, AUDITOR, UNIT, what="units")
    found, cursor = page(units.search(q, kind, after, limit + 1), limit, lambda u: u["unit_id"])
    link_next(request, response, cursor)
    return found


@router.get("/v1/units/{unit_id}", tags=["registry"], response_model=UnitDetail)
def get_unit(unit_id: str, p: Caller, units: UnitsDep) -> dict[str, Any]:
    """One unit, its block in each campaign and its history (registration, renames, moves, withdrawals)."""
    require(p, COUNCIL, AUDITOR, UNIT, what="units")
    found = units.get(unit_id)
    if found is None:
        raise not_found("unknown_unit", f"no unit {unit_id!r}", "unit_id")
    return found


@router.get("/v1/campaigns/{campaign_id}/registrations", tags=["registry"], response_model=Registrations)
def list_registrations(
    campaign_id: str,
    request: Request,
    response: Response,
    p: Caller,
    blocks: BlocksDep,
    registrations: RegistrationsDep,
    late: bool | None = None,
    block: str | None = None,
    unit: str | None = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Emulation registrations by unit id with their late flags (`late`: the registration itself came after the
    deadline), one page at a time (`next`, and the `Link` header)."""
    mine = own_unit(p, unit, "registrations")
    campaign = known_campaign(blocks, campaign_id)
    rows = registrations.registrations(campaign_id, late, block, mine, after, limit + 1)
    found, cursor = page(rows, limit, lambda r: r["unit_id"])
    link_next(request, response, cursor)
    return {
        "campaign_id": campaign_id,
        "registration_deadline": campaign["registration_deadline"],
        "registrations": found,
        "next": cursor,
    }


@router.get("/v1/campaigns/{campaign_id}/registration-summary", tags=["registry"], response_model=RegistrationSummary)
def registration_summary(
    campaign_id: str, p: Caller, blocks: BlocksDep, registrations: RegistrationsDep
) -> dict[str, Any]:
    """Per block, the share of member units registered on time (the plan aims at 100%)."""
    require(p, COUNCIL, AUDITOR, what="the registration summary")
    campaign = known_campaign(blocks, campaign_id)
    return {
        "campaign_id": campaign_id,
        "registration_deadline": campaign["registration_deadline"],
        "target_share": 1.0,
        "blocks": registrations.summary(campaign_id),
    }


def scheduled_review(reviews: ReviewsView, campaign_id: str, review: str) -> str:
    """The review's due date, or 404 `unknown_review` while the campaign has not scheduled it."""
    due_on = reviews.schedule(campaign_id).get(review)
    if due_on is None:
        raise not_found("unknown_review", f"campaign {campaign_id!r} has not scheduled its {review} review", "review")
    return due_on


@router.get("/v1/campaigns/{campaign_id}/reviews", tags=["registry"], response_model=Reviews)
def list_reviews(campaign_id: str, p: Caller, blocks: BlocksDep, reviews: ReviewsDep) -> dict[str, Any]:
    """The campaign's mid-year and year-end reviews (sơ kết, tổng kết) and their due dates."""
    require(p, COUNCIL, AUDITOR, UNIT, what="reviews")
    known_campaign(blocks, campaign_id)
    due = reviews.schedule(campaign_id)
    return {"campaign_id": campaign_id, "reviews": [{"review": r, "due_on": due[r]} for r in sorted(due)]}


@router.get(
    "/v1/campaigns/{campaign_id}/reviews/{review}/submissions", tags=["registry"], response_model=ReviewSubmissions
)
def list_review_submissions(
    campaign_id: str,
    review: ReviewKind,
    request: Request,
    response: Response,
    p: Caller,
    blocks: BlocksDep,
    reviews: ReviewsDep,
    late: bool | None = None,
    block: str | None = None,
    unit: str | None = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Units' self-assessments for a review by unit id, with their late flags and the council's review, one page at a
    time (`next`, and the `Link` header); a unit sees only its own."""
    mine = own_unit(p, unit, "review submissions")
    known_campaign(blocks, campaign_id)
    due_on = scheduled_review(reviews, campaign_id, review)
    found, cursor = page(reviews.submissions(campaign_id, review, late, block, mine, after, limit + 1), limit,
                         lambda r: r["unit_id"])  # fmt: skip
    link_next(request, response, cursor)
    return {"campaign_id": campaign_id, "review": review, "due_on": due_on, "submissions": found, "next": cursor}


@router.get("/v1/campaigns/{campaign_id}/reviews/{review}/summary", tags=["registry"], response_model=ReviewSummary)
def review_summary(
    campaign_id: str, review: ReviewKind, p: Caller, blocks: BlocksDep, reviews: ReviewsDep
) -> dict[str, Any]:
    """Per block: who submitted, on time or late, who is missing, and the shares of units and of staff completing their
    tasks well or excellently, against the plan's 100% target."""
    require(p, COUNCIL, AUDITOR, what="the review summary")
    known_campaign(blocks, campaign_id)
    due_on = scheduled_review(reviews, campaign_id, review)
    per_block = reviews.summary(campaign_id, review)
    return {
        "campaign_id": campaign_id,
        "review": review,
        "due_on": due_on,
        "target_share": TARGET_SHARE,
        "blocks": per_block,
        "totals": totals(per_block),
    }
