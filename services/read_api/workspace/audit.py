"""The auditors' page: the audit trail filtered and paged with its cursor, and the verify status.

The trail is what `GET /v1/audit` answers (auditors only: anyone else is refused by that route). Verification
re-reads the whole stream and every store, so it runs only when an auditor asks (`?verify=1`), through the same
route functions as `GET /v1/audit/verify` and `/v1/audit/checksums` (one job at a time, in a process of its own).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import TypeAdapter, ValidationError

from services.read_api.access import AUDITOR, Caller, require
from services.read_api.pages import Limit
from services.read_api.routes import audit, evaluation, verification
from services.read_api.routes.audit import AuditDep
from services.read_api.routes.evaluation import ReferenceDep
from services.read_api.workspace.render import PageRoute, page
from shared.events.catalog import EVENT_TYPES
from shared.events.types import Moment

router = APIRouter(route_class=PageRoute)
PAGE_SIZE = 50
EVENT_NAMES = sorted({e.name for e in EVENT_TYPES.values()})
FIELDS = ("campaign", "unit", "block", "type", "actor", "since", "until")
Text = Annotated[str, Query(max_length=200)]


def moment(value: str, field: str, problems: list[str]) -> str | None:
    """A `datetime-local` value (`2026-12-01T07:30`, UTC) as the view compares it; a bad one is reported."""
    if not value.strip():
        return None
    try:
        return TypeAdapter(Moment).validate_python(datetime.fromisoformat(value.strip())).isoformat()
    except (ValueError, ValidationError):
        problems.append(f"{field}: “{value}” không phải một thời điểm hợp lệ (ngày giờ từ 1945 đến 2200)")
        return None


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    p: Caller,
    trail: AuditDep,
    reference: ReferenceDep,
    campaign: Text = "",
    unit: Text = "",
    block: Text = "",
    type: Text = "",
    actor: Text = "",
    since: Text = "",
    until: Text = "",
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Limit = PAGE_SIZE,
    verify: bool = False,
) -> HTMLResponse:
    require(p, AUDITOR, what="the audit trail")  # before verifying anything: the routes below check it too
    problems: list[str] = []
    form = {"campaign": campaign, "unit": unit, "block": block, "type": type, "actor": actor, "since": since,
            "until": until}  # fmt: skip
    where = audit.filters(
        campaign=campaign.strip() or None,
        unit=unit.strip() or None,
        block=block.strip() or None,
        type=type.strip() or None,
        actor=actor.strip() or None,
    ) | {"since": moment(since, "Từ", problems), "until": moment(until, "Đến", problems)}
    answer = audit.list_audit(request, Response(), p, trail, where, after, limit)
    report = None
    if verify:
        report = {
            "verify": await verification.verify(request, p),
            "checksums": await verification.checksums(request, p),
        }
    kept: dict[str, str | int] = {k: v for k, v in form.items() if v} | ({"limit": limit} if limit != PAGE_SIZE else {})
    return page(
        request,
        p,
        "audit.html",
        title="Nhật ký kiểm toán",
        section="audit",
        entries=[e | {"data_json": json.dumps(e["data"], ensure_ascii=False, indent=1)} for e in answer["entries"]],
        next_href=f"/audit?{urlencode(kept | {'after': answer['next']})}" if answer["next"] is not None else None,
        first_href=f"/audit?{urlencode(kept)}" if after else None,
        verify_href=f"/audit?{urlencode(kept | ({'after': after} if after else {}) | {'verify': 1})}",
        form=form,
        problems=problems,
        campaigns=evaluation.list_campaigns(reference),
        event_names=EVENT_NAMES,
        report=report,
        after=after,
        limit=None if limit == PAGE_SIZE else limit,
    )
