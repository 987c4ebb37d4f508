"""Maps a service's internal domain events onto the public wire contracts, in one place per service.

An event is checked against its contract when it is decided, before it is stored (`WireMap.check`): what the
contract would refuse or publish differently is never stored, and the command that decided it is refused
`invalid_event`. The relay then only serialises (`WireMap.serialise`): it never validates and has no event
it cannot publish.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from shared.domain.errors import DomainError
from shared.events import errors
from shared.events.base import EventType
from shared.events.catalog import EVENT_TYPES
from shared.events.envelope import CloudEvent, event_subject
from shared.infra.chain import canonical, canonical_json, encode_string

MAX_EVENT_BYTES = 512 * 1024
"""The largest event the relay may publish (nats-server refuses messages over its 1 MB `max_payload`)."""


@dataclass(frozen=True)
class WireEvent:
    """What a domain event looks like on the wire, before the envelope."""

    name: str
    campaign_id: str | None
    data: dict[str, Any]
    subject: str | None = None
    """CloudEvents `subject`: the entity the event is about (a unit, a block, an achievement)."""
    version: int | None = None
    """The contract version; None for the newest. An event stored before its type gained a version keeps
    the version it was published as, so the envelope derived from the store again is the one published."""


class InvalidEvent(DomainError):
    """An event that its wire contract would refuse, or publish otherwise than it is recorded."""

    code = errors.INVALID_EVENT


class WireMap:
    """Domain event class → function giving its `WireEvent`. Unmapped classes are internal."""

    def __init__(self, service: str, mappings: dict[type, Callable[[Any], WireEvent]]) -> None:
        self.service = service
        self.mappings = mappings
        self.event_types: dict[str, EventType] = {}
        """Event name → its newest version."""
        self.versions: dict[tuple[str, int], EventType] = {}
        for t in EVENT_TYPES.values():
            if t.source == service:
                self.versions[(t.name, t.version)] = t
                self.event_types.setdefault(t.name, t)
                if t.version > self.event_types[t.name].version:
                    self.event_types[t.name] = t
        self.source = f"/services/{service}"
        self.constant = _attribute(b"source", self.source) + b"," + _attribute(b"specversion", "1.0")
        """The canonical JSON of the envelope attributes between `id` and `subject`, the same for every event."""
        self.defaults = {
            key: {
                n: f.get_default(call_default_factory=True)
                for n, f in t.model.model_fields.items()
                if not f.is_required()
            }
            for key, t in self.versions.items()
        }
        """Per event type and version, the values its contract gives the fields an event leaves out."""

    def contract(self, wire: WireEvent) -> EventType:
        """The event type a `WireEvent` is published as."""
        if wire.version is None:
            return self.event_types[wire.name]
        return self.versions[(wire.name, wire.version)]

    def check(self, domain_event: Any) -> str | None:
        """The published type of a domain event about to be stored (None if internal), once its contract has
        taken it exactly as the relay will publish it; `InvalidEvent` otherwise, naming the field."""
        fn = self.mappings.get(type(domain_event))
        if fn is None:
            return None
        wire = fn(domain_event)
        etype = self.contract(wire)
        try:
            expected = etype.model.model_validate(wire.data).model_dump(mode="json")
        except ValidationError as e:
            first = e.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or None
            raise InvalidEvent(
                f"the {etype.type} event would break its contract: {field}: {first['msg']}", field
            ) from e
        data = self.data(etype, wire)
        published = canonical(data)
        if published != canonical(expected):
            name = next(
                n
                for n in sorted(expected.keys() | data.keys())
                if canonical_value(data, n) != canonical_value(expected, n)
            )
            raise InvalidEvent(
                f"the {etype.type} event's {name} would be published as {expected.get(name)!r}, "
                f"not as recorded ({data.get(name)!r})",
                name,
            )
        if len(published) > MAX_EVENT_BYTES:
            raise InvalidEvent(f"the {etype.type} event's data takes {len(published)} bytes, over {MAX_EVENT_BYTES}")
        return etype.type

    def data(self, etype: EventType, wire: WireEvent) -> dict[str, Any]:
        """The event's data in JSON form, the contract's defaults filled in: what is published, unvalidated."""
        return to_jsonable_python({**self.defaults[(etype.name, etype.version)], **wire.data})  # type: ignore[no-any-return]

    def serialise(self, domain_event: Any, event_id: str, meta: dict[str, str]) -> tuple[str, bytes] | None:
        """The subject and the canonical JSON (`shared/infra/chain.py`) of a stored domain event, or None if it
        is internal. Only serialises: the contract took the event before it was stored (`check`).

        The relay serialises every event, so the envelope's canonical JSON is written out around the data's
        rather than sorted and encoded whole: its attributes in sorted order, those the same for every event
        of the service encoded once, a None attribute left out, as `canonical` does (the bytes are the same:
        `tests/unit/test_wire_contract.py`)."""
        fn = self.mappings.get(type(domain_event))
        if fn is None:
            return None
        wire = fn(domain_event)
        etype = self.contract(wire)
        causation = meta.get("command_id", "")
        head = (
            _attribute(b"actor", meta.get("actor", "system")),
            _attribute(b"causationid", causation),
            _attribute(b"correlationid", meta.get("correlation_id", causation)),
            b'"data":' + canonical_json(self.data(etype, wire)),
            _CONTENT_TYPE,
            _attribute(b"id", event_id),
        )
        tail = (
            _attribute(b"subject", wire.subject),
            _attribute(b"time", to_jsonable_python(domain_event.timestamp)),
            _attribute(b"type", etype.type),
        )
        body = b",".join(a for a in (*head, self.constant, *tail) if a)
        return event_subject(wire.campaign_id, wire.name), b"{%s}" % body

    def envelope(self, domain_event: Any, event_id: str, meta: dict[str, str]) -> tuple[str, CloudEvent] | None:
        """The subject and CloudEvent the relay publishes for a stored domain event, or None if it is internal."""
        wired = self.serialise(domain_event, event_id, meta)
        return None if wired is None else (wired[0], CloudEvent.model_validate_json(wired[1]))


def canonical_value(values: dict[str, Any], name: str) -> bytes | None:
    """The canonical JSON of one value of `values` (None if absent): where two forms of an event differ."""
    return canonical({"v": values[name]}) if name in values else None


def _attribute(name: bytes, value: Any) -> bytes:
    """`"name":value` in canonical JSON, or nothing for None (`canonical` leaves out an envelope's None attributes)."""
    if value is None:
        return b""
    return b'"%s":%s' % (name, encode_string(value).encode() if type(value) is str else canonical_json(value))


_CONTENT_TYPE = _attribute(b"datacontenttype", "application/json")
