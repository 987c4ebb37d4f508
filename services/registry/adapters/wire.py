"""Registry domain events → wire contracts (shared/events). The one place they are mapped."""

from __future__ import annotations

from typing import Any

from services.registry.domain.campaign import Campaign
from shared.infra.wire import WireEvent, WireMap

_CAMPAIGN_FIELDS = [
    "campaign_id",
    "kind",
    "year",
    "title",
    "document_number",
    "issued_on",
    "issued_by",
    "signed_by",
    "theme",
    "period_start",
    "period_end",
    "registration_deadline",
    "secretariat_unit_id",
    "contents",
]


def campaign_launched(e: Any) -> WireEvent:
    data = {k: getattr(e, k) for k in _CAMPAIGN_FIELDS}
    return WireEvent("campaign_launched", e.campaign_id, data, subject=f"campaign/{e.campaign_id}")


WIRE = WireMap("registry", {Campaign.Launched: campaign_launched})
