"""Exemplary models (điển hình tiên tiến): a campaign's funnel of stages with its models listed by stage, and one
model's history across the campaigns it spans.

The funnel counts every model of the campaign (the route counts them whoever asks); the list shows only the models
the caller may see (`sees_model`, the route's decision): the page says how many it does not show.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.evaluation.domain.exemplary import DROPPED, STAGES
from services.read_api.access import Caller, Principal
from services.read_api.routes import evaluation
from services.read_api.routes.evaluation import ModelsDep, ReferenceDep
from services.read_api.routes.registry import BlocksDep
from services.read_api.workspace.render import PageRoute, page
from services.read_api.workspace.rosters import Names, names

router = APIRouter(route_class=PageRoute)

STAGE_NAMES = {
    "identified": "Phát hiện",
    "nurtured": "Bồi dưỡng",
    "summed_up": "Tổng kết",
    "spread": "Nhân rộng",
    "dropped": "Dừng theo dõi",
}
STEP_NAMES = STAGE_NAMES | {"supported": "Hỗ trợ"}
"""Each step of a model's history as the plan names it (a support action is recorded while it is nurtured)."""


def funnel_rows(funnel: dict[str, Any]) -> list[dict[str, Any]]:
    """The funnel's stages in order, then the dropped ones; each bar's width is its share of the widest stage."""
    top = max([s["reached"] for s in funnel["stages"]] + [1])
    rows = [
        {"stage": s["stage"], "at": s["at"], "reached": s["reached"], "width": s["reached"] / top}
        for s in funnel["stages"]
    ]
    rows.append({"stage": DROPPED, "at": funnel["dropped"], "reached": None, "width": funnel["dropped"] / top})
    return [r | {"name": STAGE_NAMES[r["stage"]]} for r in rows]


def by_stage(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The models grouped by the stage they have reached, in the plan's order (dropped last), by title within."""
    ordered = sorted(models, key=lambda m: (m["title"], m["model_id"]))
    return [
        {"stage": s, "name": STAGE_NAMES[s], "models": [m for m in ordered if m["stage"] == s]}
        for s in (*STAGES, DROPPED)
    ]


def who(model: dict[str, Any], known: Names) -> str:
    """A person of a unit, or the unit itself."""
    unit = known.unit(model["unit_id"])
    return f"{model['person']} ({unit})" if model.get("person") else unit


@router.get("/campaigns/{campaign_id}/models", response_class=HTMLResponse)
def models_page(
    campaign_id: str, request: Request, p: Caller, reference: ReferenceDep, models: ModelsDep, blocks: BlocksDep
) -> HTMLResponse:
    answer = evaluation.list_campaign_models(campaign_id, p, reference, models)
    campaign = evaluation.get_campaign(campaign_id, reference)
    shown = answer["models"]
    return page(
        request,
        p,
        "models.html",
        title=f"Điển hình tiên tiến — {campaign['title']}",
        campaign=campaign,
        section="models",
        funnel=funnel_rows(answer["funnel"]),
        total=answer["funnel"]["total"],
        hidden=answer["funnel"]["total"] - len(shown),
        stages=by_stage(shown),
        names=names(campaign_id, p, blocks),
        who=who,
    )


def campaigns_of(model: dict[str, Any]) -> list[str]:
    """The campaigns a model's history was recorded in, in the order it went through them."""
    return list(dict.fromkeys(h["campaign_id"] for h in model["history"]))


def names_across(campaign_ids: list[str], p: Principal, blocks: BlocksDep) -> Names:
    """Unit names from every campaign the model spans (an adopter may be in a later campaign's blocks only)."""
    units: dict[str, str] = {}
    for c in reversed(campaign_ids):  # the latest campaign's name of a unit wins
        units = names(c, p, blocks).units | units
    return Names(units)


@router.get("/models/{model_id}", response_class=HTMLResponse)
def model_page(
    model_id: str, request: Request, p: Caller, reference: ReferenceDep, models: ModelsDep, blocks: BlocksDep
) -> HTMLResponse:
    model = evaluation.get_model(model_id, p, models)
    spans = campaigns_of(model)
    campaigns = {c: evaluation.get_campaign(c, reference) for c in spans}
    latest = model["stage_campaigns"].get(model["stage"], spans[-1] if spans else model["identified_in"])
    reached = set(model["stage_campaigns"])
    return page(
        request,
        p,
        "model.html",
        title=f"Điển hình tiên tiến: {model['title']}",
        campaign=campaigns.get(latest) or evaluation.get_campaign(latest, reference),
        section="models",
        model=model,
        campaigns=campaigns,
        stages=[
            {"stage": s, "name": STAGE_NAMES[s], "reached": s in reached, "current": s == model["stage"]}
            for s in STAGES
        ],  # fmt: skip
        stage_names=STAGE_NAMES,
        step_names=STEP_NAMES,
        names=names_across(spans, p, blocks),
        who=who,
    )
