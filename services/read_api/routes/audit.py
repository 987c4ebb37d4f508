"""The audit trail over HTTP: filtered, cursor-paginated entries and a streamed export (verification: verification.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.audit.views import AuditView
from services.read_api.access import AUDITOR, Caller, require
from services.read_api.errors import error_responses
from services.read_api.pages import DEFAULT_LIMIT, Limit, link_next, page
from services.read_api.responses.audit import AuditEntry, AuditPage
from services.read_api.views import ViewOf
from shared.events.types import Moment

router = APIRouter(tags=["audit"], responses=error_responses(403))
AuditDep = Annotated[AuditView, Depends(ViewOf(AuditView))]
TIME = "ISO 8601 time between 1945 and 2200 (UTC without an offset), inclusive"
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
EXPORTED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The matching entries in stream order: one `AuditEntry` per line (ndjson), or CSV",
        "content": {
            "application/x-ndjson": {"schema": AuditEntry.model_json_schema()},
            "text/csv": {"schema": {"type": "string", "description": f"columns: {', '.join(CSV_COLUMNS)}"}},
        },
    }
}


def filters(
    campaign: str | None = None,
    unit: Annotated[str | None, Query(description="events concerning this unit, in any of their unit fields")] = None,
    block: str | None = None,
    type: Annotated[str | None, Query(description="event name, e.g. campaign_launched")] = None,
    actor: str | None = None,
    since: Annotated[Moment | None, Query(description=TIME)] = None,
    until: Annotated[Moment | None, Query(description=TIME)] = None,
) -> dict[str, str | None]:
    """The audit view's filters, one dependency for the list and the export (and `emulation audit export`);
    times as the view stores them (UTC ISO 8601, compared as text)."""
    return {
        "campaign": campaign,
        "unit": unit,
        "block": block,
        "type": type,
        "actor": actor,
        "since": None if since is None else since.isoformat(),
        "until": None if until is None else until.isoformat(),
    }


Filters = Annotated[dict[str, str | None], Depends(filters)]


@router.get("/v1/audit", response_model=AuditPage)
def list_audit(
    request: Request,
    response: Response,
    p: Caller,
    audit: AuditDep,
    where: Filters,
    after: Annotated[
        int, Query(ge=0, le=2**62, description="cursor: the `next` of the previous page (a stream sequence)")
    ] = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Who did what, when, through which command and from which system, in stream order (auditors).
    One page at a time (`next`, and the `Link` header)."""
    require(p, AUDITOR, what="the audit trail")
    entries, cursor = page(audit.page(where, after, limit + 1), limit, lambda e: int(e["seq"]))
    link_next(request, response, cursor)
    return {"entries": entries, "next": cursor}


@router.get("/v1/audit/export", response_class=StreamingResponse, responses=EXPORTED)
def export_audit(
    p: Caller, audit: AuditDep, where: Filters, format: Literal["ndjson", "csv"] = "ndjson"
) -> StreamingResponse:
    """The matching audit entries, streamed page by page (never built in memory)."""
    require(p, AUDITOR, what="the audit trail")
    media = "application/x-ndjson" if format == "ndjson" else "text/csv; charset=utf-8"
    return StreamingResponse(render(audit.stream(where), format), media_type=media)


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
