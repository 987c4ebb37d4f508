"""Routes over the notification service's views: the delivery log, per unit and per campaign."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from services.notification.adapters.log import DeliveryLog
from services.read_api.access import AUDITOR, COUNCIL, Principal, own_unit, principal, require

router = APIRouter()


def deliveries(request: Request) -> DeliveryLog:
    view: DeliveryLog = request.app.state.views["notification-log"]
    return view


@router.get("/v1/units/{unit_id}/notifications", tags=["notifications"])
def unit_notifications(unit_id: str, request: Request, p: Principal = Depends(principal)) -> list[dict[str, Any]]:
    """A unit's notices (reminders, vote, award and rejection notices), oldest first, each with its
    delivery records: `notification_scheduled`, any `notification_failed`, then `notification_sent`
    (or a failed record with `dead: true`)."""
    own_unit(p, unit_id, "notices")
    return deliveries(request).for_unit(unit_id)


@router.get("/v1/notifications", tags=["notifications"])
def list_notifications(
    request: Request,
    p: Principal = Depends(principal),
    campaign: str | None = Query(default=None, description="Only this campaign's notices."),
    status: str | None = Query(default=None, description="scheduled, retrying, sent or dead"),
) -> list[dict[str, Any]]:
    """Every notice with its delivery records, oldest first (council and auditors)."""
    require(p, COUNCIL, AUDITOR, what="the notice log of every unit")
    return deliveries(request).list(campaign, status)
