"""The audit trail over HTTP: filtered, cursor-paginated entries and a streamed export (verification: verification.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.audit.views import AuditView
from services.read_api.access import AUDITOR, Principal, principal, require
from services.read_api.errors import error_responses
from services.read_api.pages import DEFAULT_LIMIT, Limit, link_next, page
from services.read_api.responses import AuditPage
from shared.events.types import Moment

router = APIRouter(tags=["audit"], responses=error_responses(403))
SINCE = Query(None, description="ISO 8601 time between 1945 and 2200 (UTC without an offset), inclusive")
UNTIL = Query(None, description="ISO 8601 time between 1945 and 2200 (UTC without an offset), inclusive")
CSV_COLUMNS = [
    "seq",
    "id",
    "type",
    "time",
    "source",
    "actor",
    "causationid",
    "correlationid",
    "subject",
    "campaign_id",
    "block_id",
    "hash",
    "data",
]


def audit(request: Request) -> AuditView:
    view: AuditView = request.app.state.views["audit"]
    return view


def filters(
    campaign: str | None = None,
    unit: str | None = None,
    block: str | None = None,
    type: str | None = None,
    actor: str | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
) -> dict[str, str | None]:
    """The audit view's filters; times as the view stores them (UTC ISO 8601, compared as text)."""
    return {
        "campaign": campaign,
        "unit": unit,
        "block": block,
        "type": type,
        "actor": actor,
        "since": None if since is None else since.isoformat(),
        "until": None if until is None else until.isoformat(),
    }


@router.get("/v1/audit", response_model=AuditPage)
def list_audit(
    request: Request,
    response: Response,
    p: Principal = Depends(principal),
    campaign: str | None = None,
    unit: str | None = None,
    block: str | None = None,
    type: str | None = Query(None, description="event name, e.g. campaign_launched"),
    actor: str | None = None,
    since: Moment | None = SINCE,
    until: Moment | None = UNTIL,
    after: int = Query(0, ge=0, le=2**62, description="cursor: the `next` of the previous page (a stream sequence)"),
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Who did what, when, through which command and from which system, in stream order (auditors).
    One page at a time (`next`, and the `Link` header)."""
    require(p, AUDITOR, what="the audit trail")
    rows = audit(request).page(filters(campaign, unit, block, type, actor, since, until), after, limit + 1)
    entries, cursor = page(rows, limit, lambda e: int(e["seq"]))
    link_next(request, response, cursor)
    return {"entries": entries, "next": cursor}


@router.get("/v1/audit/export")
def export_audit(
    request: Request,
    p: Principal = Depends(principal),
    format: Literal["ndjson", "csv"] = "ndjson",
    campaign: str | None = None,
    unit: str | None = None,
    block: str | None = None,
    type: str | None = None,
    actor: str | None = None,
    since: Moment | None = SINCE,
    until: Moment | None = UNTIL,
) -> StreamingResponse:
    """The matching audit entries, streamed page by page (never built in memory)."""
    require(p, AUDITOR, what="the audit trail")
    rows = audit(request).stream(filters(campaign, unit, block, type, actor, since, until))
    media = "application/x-ndjson" if format == "ndjson" else "text/csv; charset=utf-8"
    return StreamingResponse(render(rows, format), media_type=media)


def render(rows: Iterator[dict[str, Any]], fmt: str) -> Iterator[str]:
    if fmt == "ndjson":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([json.dumps(row[c], ensure_ascii=False) if c == "data" else row.get(c) for c in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
