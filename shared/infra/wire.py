"""Maps a service's internal domain events onto the public wire contracts, in one place per service."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.events.base import EventType
from shared.events.catalog import EVENT_TYPES
from shared.events.envelope import CloudEvent, event_subject


@dataclass(frozen=True)
class WireEvent:
    """What a domain event looks like on the wire, before the envelope."""

    name: str
    campaign_id: str | None
    data: dict[str, Any]
    subject: str | None = None
    """CloudEvents `subject`: the entity the event is about (a unit, a block, an achievement)."""


class WireMap:
    """Domain event class → function giving its `WireEvent`. Unmapped classes are internal."""

    def __init__(self, service: str, mappings: dict[type, Callable[[Any], WireEvent]]) -> None:
        self.service = service
        self.mappings = mappings
        self.event_types: dict[str, EventType] = {}
        for t in EVENT_TYPES.values():
            if t.source == service:
                self.event_types.setdefault(t.name, t)
                if t.version > self.event_types[t.name].version:
                    self.event_types[t.name] = t

    def wire_type(self, domain_event: Any) -> str | None:
        fn = self.mappings.get(type(domain_event))
        return None if fn is None else self.event_types[fn(domain_event).name].type

    def envelope(self, domain_event: Any, event_id: str, meta: dict[str, str]) -> tuple[str, CloudEvent] | None:
        """The subject and CloudEvent for a stored domain event, or None if it is internal."""
        fn = self.mappings.get(type(domain_event))
        if fn is None:
            return None
        wire = fn(domain_event)
        etype = self.event_types[wire.name]
        data = json.loads(etype.model.model_validate(wire.data).model_dump_json())
        timestamp: datetime = domain_event.timestamp
        envelope = CloudEvent(
            id=event_id,
            source=f"/services/{self.service}",
            type=etype.type,
            subject=wire.subject,
            time=timestamp,
            data=data,
            actor=meta.get("actor", "system"),
            causationid=meta.get("command_id", ""),
            correlationid=meta.get("correlation_id", meta.get("command_id", "")),
        )
        return event_subject(wire.campaign_id, wire.name), envelope
