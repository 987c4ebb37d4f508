"""The audit trail over HTTP: filtered, cursor-paginated entries and a streamed export (verification: verification.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from services.audit.views import AuditView
from services.read_api.access import AUDITOR, Principal, principal, require

router = APIRouter(tags=["audit"])
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
    since: str | None = None,
    until: str | None = None,
) -> dict[str, str | None]:
    return {
        "campaign": campaign,
        "unit": unit,
        "block": block,
        "type": type,
        "actor": actor,
        "since": since,
        "until": until,
    }


@router.get("/v1/audit")
def list_audit(
    request: Request,
    p: Principal = Depends(principal),
    campaign: str | None = None,
    unit: str | None = None,
    block: str | None = None,
    type: str | None = Query(None, description="event name, e.g. campaign_launched"),
    actor: str | None = None,
    since: str | None = Query(None, description="ISO 8601 time, inclusive"),
    until: str | None = Query(None, description="ISO 8601 time, inclusive"),
    after: int = Query(0, ge=0, le=2**62, description="cursor: the `next` of the previous page (a stream sequence)"),
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    """Who did what, when, through which command and from which system, in stream order (auditors)."""
    require(p, AUDITOR, what="the audit trail")
    entries = audit(request).page(filters(campaign, unit, block, type, actor, since, until), after, limit)
    return {"entries": entries, "next": entries[-1]["seq"] if len(entries) == limit else None}


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
    since: str | None = None,
    until: str | None = None,
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
