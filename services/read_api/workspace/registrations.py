"""Registrations per block: who registered on time, who late (and by how many days), who has not yet registered.

Everything comes from the registry's JSON routes for the same caller: a unit gets only its own registration (the
route filters), so the page lists only the units whose registrations the caller may read; the per-block summary
(on-time share against the plan's 100 %) is the council's and auditors' (the route refuses anyone else: omitted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from services.read_api.access import Caller, Principal
from services.read_api.routes import evaluation, registry
from services.read_api.routes.evaluation import ReferenceDep
from services.read_api.routes.registry import BlocksDep, RegistrationsDep
from services.read_api.workspace.cursors import object_pages
from services.read_api.workspace.names import TITLES
from services.read_api.workspace.render import PageRoute, page, today
from services.registry.domain.rules import DEPARTMENT_TZ

router = APIRouter(route_class=PageRoute)
WITHDRAWN = "__withdrawn__"


@dataclass
class BlockRegistrations:
    """One block's section: its registrations split by lateness, and the members not yet registered."""

    block_id: str
    name: str
    on_time: list[dict[str, Any]] = field(default_factory=list)
    late: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] | None = None


def days_late(registered_at: str, deadline: date) -> int:
    """Calendar days after the deadline day, in Ho Chi Minh City (as the registry decides lateness)."""
    at = datetime.fromisoformat(registered_at.replace("Z", "+00:00"))
    return max(0, (at.astimezone(DEPARTMENT_TZ).date() - deadline).days)


def by_block(
    p: Principal, rosters: list[dict[str, Any]], rows: list[dict[str, Any]], deadline: date, summary: dict[str, Any]
) -> list[BlockRegistrations]:
    """Sections in the blocks' order; a block shows the members this caller may read, units withdrawn come last."""
    names = {m["unit_id"]: m["name"] or m["unit_id"] for b in rosters for m in b["members"]}
    sections = {
        b["block_id"]: BlockRegistrations(b["block_id"], b["name"], summary=summary.get(b["block_id"])) for b in rosters
    }
    withdrawn = BlockRegistrations(WITHDRAWN, "Đơn vị đã rút khỏi khối")
    registered = set()
    for r in rows:
        registered.add(r["unit_id"])
        row = r | {"name": names.get(r["unit_id"], r["unit_id"]), "days_late": days_late(r["registered_at"], deadline)}
        section = sections.get(r["block_id"] or "", withdrawn)
        (section.late if r["late"] else section.on_time).append(row)
    for b in rosters:
        sections[b["block_id"]].missing = [
            m | {"name": m["name"] or m["unit_id"]}
            for m in b["members"]
            if m["unit_id"] not in registered and p.may_see_unit(m["unit_id"])
        ]
    shown = [s for s in sections.values() if s.summary is not None or s.on_time or s.late or s.missing]
    return shown + ([withdrawn] if withdrawn.on_time or withdrawn.late else [])


def summaries(campaign_id: str, p: Caller, blocks: BlocksDep, registrations: RegistrationsDep) -> dict[str, Any] | None:
    """Block id → its summary, where the caller may read the summary (council, auditors); else None."""
    try:
        found = registry.registration_summary(campaign_id, p, blocks, registrations)
    except HTTPException as e:
        if e.status_code in (401, 403):
            return None
        raise
    return {b["block_id"]: b for b in found["blocks"]}


@router.get("/campaigns/{campaign_id}/registrations", response_class=HTMLResponse)
def registrations_page(
    campaign_id: str,
    request: Request,
    p: Caller,
    reference: ReferenceDep,
    blocks: BlocksDep,
    registrations: RegistrationsDep,
) -> HTMLResponse:
    campaign = evaluation.get_campaign(campaign_id, reference)
    rows = object_pages(
        registry.list_registrations,
        "registrations",
        request,
        campaign_id=campaign_id,
        p=p,
        blocks=blocks,
        registrations=registrations,
    )
    rosters = registry.list_blocks(campaign_id, p, blocks)["blocks"]
    deadline = date.fromisoformat(campaign["registration_deadline"])
    summary = summaries(campaign_id, p, blocks, registrations)
    sections = by_block(p, rosters, rows, deadline, summary or {})
    return page(
        request,
        p,
        "registrations.html",
        title=f"Đăng ký thi đua — {campaign['title']}",
        campaign=campaign,
        section="registrations",
        sections=sections,
        everyone=summary is not None,
        days_left=(deadline - today()).days,
        titles=TITLES,
    )
