"""Reviews (sơ kết 6 tháng, tổng kết năm): per review and per block, who submitted (on time, or late by how many
days), who is missing, the council's review of each unit, and the share of units and of staff completing their
tasks well or excellently against the plan's 100% target.

The summary (the shares, who is missing) is the council's and the auditors' (`review_summary` refuses others); a
unit reads its own submissions only, as the submissions route answers it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from services.read_api.access import Caller, Principal
from services.read_api.routes import evaluation, registry
from services.read_api.routes.evaluation import ReferenceDep
from services.read_api.routes.registry import BlocksDep, ReviewsDep
from services.read_api.workspace.cursors import object_pages
from services.read_api.workspace.render import PageRoute, page
from services.read_api.workspace.rosters import Names, names

router = APIRouter(route_class=PageRoute)

REVIEWS = {"mid_year": "Sơ kết 6 tháng đầu năm", "year_end": "Tổng kết năm"}
PROGRESS = {"on_track": "Đúng tiến độ", "completed": "Hoàn thành", "not_completed": "Không hoàn thành"}
"""A unit's own word on a target."""
ASSESSMENTS = {
    "excellent": "Hoàn thành xuất sắc nhiệm vụ",
    "good": "Hoàn thành tốt nhiệm vụ",
    "completed": "Hoàn thành nhiệm vụ",
    "not_completed": "Không hoàn thành nhiệm vụ",
}
"""The council's word; `excellent` and `good` meet the plan's target (content 4)."""
WELL = ("excellent", "good")
WITHDRAWN = ""
"""The group of submissions of units since withdrawn from their block (`block_id` null)."""


def share(done: int, of: int, share_: float, target: float) -> dict[str, Any]:
    """A meter's numbers: how many of how many, the share (as the route computed it) and how far from the target."""
    return {"done": done, "of": of, "share": share_, "target": target, "gap": max(target - share_, 0.0)}


def progress(submission: dict[str, Any]) -> dict[str, Any]:
    """A submission's own counts: its staff on course by the unit's word, and well assessed by the council's."""
    staff = submission["staff"]
    assessed = {a["person"]: a for a in (submission["assessment"] or {}).get("staff", [])}
    return {
        "staff": len(staff),
        "staff_on_course": sum(s["status"] != "not_completed" for s in staff),
        "staff_well": sum(assessed.get(s["person"], {}).get("assessment") in WELL for s in staff),
        "people": [s | {"assessment": assessed.get(s["person"])} for s in staff],
    }


def blocks_of(summary: dict[str, Any] | None, submissions: list[dict[str, Any]], known: Names) -> list[dict[str, Any]]:
    """One group per block: the summary's counts and meters where the caller may read them, and the submissions
    of its units; blocks in the summary's (definition) order, else the registry's, withdrawn units last."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for s in submissions:
        rows.setdefault(s["block_id"] or WITHDRAWN, []).append(s | progress(s))
    counts = {b["block_id"]: b for b in summary["blocks"]} if summary else {}
    order = list(counts) or list(known.blocks)
    order += [b for b in rows if b not in order and b != WITHDRAWN] + [WITHDRAWN]
    target = summary["target_share"] if summary else 1.0
    groups = []
    for block_id in order:
        c = counts.get(block_id)
        if c is None and not rows.get(block_id):
            continue
        groups.append(
            {
                "block_id": block_id,
                "name": (c or {}).get("name") or (known.block(block_id) if block_id else "Đơn vị đã rút khỏi khối"),
                "counts": c,
                "meters": meters(c, target) if c else None,
                "submissions": rows.get(block_id, []),
            }
        )
    return groups


def meters(c: dict[str, Any], target: float) -> dict[str, dict[str, Any]]:
    return {
        "units": share(c["units_completing_well"], c["members"], c["unit_share"], target),
        "staff": share(c["staff_completing_well"], c["staff_registered"], c["staff_share"], target),
    }


def summary_for(campaign_id: str, review: str, p: Principal, blocks: BlocksDep, reviews: ReviewsDep) -> Any:
    """The review's summary where the caller may read it (council, auditors); None for a unit."""
    try:
        return registry.review_summary(campaign_id, review, p, blocks, reviews)  # type: ignore[arg-type]
    except HTTPException as e:
        if e.status_code in (401, 403):
            return None
        raise


@router.get("/campaigns/{campaign_id}/reviews", response_class=HTMLResponse)
def reviews_page(
    campaign_id: str, request: Request, p: Caller, reference: ReferenceDep, blocks: BlocksDep, reviews: ReviewsDep
) -> HTMLResponse:
    scheduled = registry.list_reviews(campaign_id, p, blocks, reviews)["reviews"]
    campaign = evaluation.get_campaign(campaign_id, reference)
    known = names(campaign_id, p, blocks)
    shown = []
    for r in scheduled:
        review = r["review"]
        submissions = object_pages(
            registry.list_review_submissions, "submissions", request, campaign_id=campaign_id, review=review, p=p,
            blocks=blocks, reviews=reviews,
        )  # fmt: skip
        summary = summary_for(campaign_id, review, p, blocks, reviews)
        shown.append(
            {
                "review": review,
                "name": REVIEWS.get(review, review),
                "due_on": r["due_on"],
                "totals": summary["totals"] if summary else None,
                "meters": meters(summary["totals"], summary["target_share"]) if summary else None,
                "target": summary["target_share"] if summary else 1.0,
                "blocks": blocks_of(summary, submissions, known),
            }
        )
    return page(
        request,
        p,
        "reviews.html",
        title=f"Sơ kết, tổng kết — {campaign['title']}",
        campaign=campaign,
        section="reviews",
        reviews=shown,
        names=known,
        progress_names=PROGRESS,
        assessment_names=ASSESSMENTS,
        well=WELL,
    )
