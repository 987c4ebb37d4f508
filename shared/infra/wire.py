"""Maps a service's internal domain events onto the public wire contracts, in one place per service."""

from __future__ import annotations

import inspect
import json
import re
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal, Union

import annotated_types
from pydantic import AfterValidator, BaseModel, StringConstraints
from pydantic.fields import FieldInfo
from pydantic_core import to_json

from shared.events.base import EventType
from shared.events.catalog import EVENT_TYPES
from shared.events.envelope import CloudEvent, event_subject
from shared.infra.chain import canonical


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
        self.converters = {key: model_converter(t.model) for key, t in self.versions.items()}
        """Per event type and version, the direct conversion of its data (None: always through pydantic)."""

    def contract(self, wire: WireEvent) -> EventType:
        """The event type a `WireEvent` is published as."""
        if wire.version is None:
            return self.event_types[wire.name]
        return self.versions[(wire.name, wire.version)]

    def wire_type(self, domain_event: Any) -> str | None:
        fn = self.mappings.get(type(domain_event))
        return None if fn is None else self.contract(fn(domain_event)).type

    def envelope(self, domain_event: Any, event_id: str, meta: dict[str, str]) -> tuple[str, CloudEvent] | None:
        """The subject and CloudEvent for a stored domain event, or None if it is internal."""
        fn = self.mappings.get(type(domain_event))
        if fn is None:
            return None
        wire = fn(domain_event)
        etype = self.contract(wire)
        data = json.loads(etype.model.model_validate(wire.data).model_dump_json())
        timestamp: datetime = domain_event.timestamp
        envelope = CloudEvent(
            id=event_id,
            source=self.source,
            type=etype.type,
            subject=wire.subject,
            time=timestamp,
            data=data,
            actor=meta.get("actor", "system"),
            causationid=meta.get("command_id", ""),
            correlationid=meta.get("correlation_id", meta.get("command_id", "")),
        )
        return event_subject(wire.campaign_id, wire.name), envelope

    def canonical(self, domain_event: Any, event_id: str, meta: dict[str, str]) -> tuple[str, bytes] | None:
        """The subject and the canonical JSON (`shared/infra/chain.py: canonical`) of `envelope(...)`, or None.

        The relay's hot path: `direct` when it can vouch for the result, else through `envelope`.
        """
        if type(domain_event) not in self.mappings:
            return None
        try:
            return self.direct(domain_event, event_id, meta)
        except Exception:  # Unexpected, or a validator's refusal: the validated way decides
            wired = self.envelope(domain_event, event_id, meta)
            assert wired is not None
            return wired[0], canonical(wired[1].model_dump(mode="json", exclude_none=True))

    def direct(self, domain_event: Any, event_id: str, meta: dict[str, str]) -> tuple[str, bytes]:
        """`canonical` without pydantic: raises `Unexpected` (or a validator's error) where it might differ.

        Pydantic's validation of a contract costs more than all the rest of the relay's work on an
        event, and the data our domain records passes it unchanged; so the data is converted directly
        (`model_converter`), with the same checks, its keys already in canonical order, and
        pydantic_core's `to_json`, several times faster than `json.dumps(sort_keys=True)`, writes it.
        """
        wire = self.mappings[type(domain_event)](domain_event)
        etype = self.contract(wire)
        convert = self.converters[(etype.name, etype.version)]
        actor = meta.get("actor", "system")
        causation = meta.get("command_id", "")
        correlation = meta.get("correlation_id", causation)
        if convert is None or not (type(actor) is type(causation) is type(correlation) is str):
            raise Unexpected(meta)
        attributes = {
            "actor": actor,
            "causationid": causation,
            "correlationid": correlation,
            "data": convert(wire.data),
            "datacontenttype": "application/json",
            "id": event_id,
            "source": self.source,
            "specversion": "1.0",
        }
        if wire.subject is not None:
            attributes["subject"] = text(wire.subject)
        attributes["time"] = instant(domain_event.timestamp)
        attributes["type"] = etype.type
        return event_subject(wire.campaign_id, wire.name), to_json(attributes)


# ---- the direct conversion: what pydantic would dump in JSON mode, for values it takes unchanged ---
#
# A converter returns a value's JSON form with object keys sorted, or raises `Unexpected` for anything
# pydantic might treat differently: another type, a failed constraint, a validator that would change
# the value, a float `to_json` would not write as `json.dumps` does. Building one raises TypeError
# for a type, constraint or validator it does not cover; such a contract always goes through pydantic.

Convert = Callable[[Any], Any]
Check = Callable[[Any], bool]
NONE = type(None)


class Unexpected(Exception):
    """A value the direct conversion cannot vouch for; the validated way takes the event."""


def text(value: Any) -> str:
    if type(value) is not str:
        raise Unexpected(value)
    return value


def instant(value: Any) -> str:
    """A datetime as pydantic writes it: ISO 8601, `Z` for UTC."""
    if type(value) is not datetime:
        raise Unexpected(value)
    offset = value.utcoffset()
    if offset is not None and offset % timedelta(minutes=1):
        raise Unexpected(value)  # pydantic drops offset seconds; leave such oddities to it
    iso = value.isoformat()
    return iso[:-6] + "Z" if offset == timedelta(0) else iso


def day(value: Any) -> str:
    if type(value) is not date:
        raise Unexpected(value)
    return value.isoformat()


def number(value: Any) -> float:
    """A float, where Python's repr has no exponent: `to_json` writes those identically."""
    if type(value) is int:
        value = float(value)
    if type(value) is float and (value == 0 or 1e-4 <= abs(value) < 1e16):
        return value
    raise Unexpected(value)


def any_value(value: Any) -> Any:
    """An `Any`/`object` field: pydantic writes what the value's type makes of it."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return number(value)
    if kind is date:
        return value.isoformat()
    if kind is datetime:
        return instant(value)
    if kind is list or kind is tuple:
        return [any_value(v) for v in value]
    if kind is dict and all(type(k) is str for k in value):
        return {k: any_value(value[k]) for k in sorted(value)}
    raise Unexpected(value)


SIMPLE: dict[Any, Convert] = {float: number, date: day, datetime: instant, Any: any_value, object: any_value}
PLAIN = (str, int, bool)
"""Types whose values (of exactly that type) pydantic takes and writes unchanged."""


def model_converter(model: type[BaseModel]) -> Convert | None:
    """The direct conversion of a dict of a contract's field values; None if the contract is not covered."""
    hooks = model.__pydantic_decorators__
    if hooks.model_validators or hooks.field_validators or hooks.model_serializers or hooks.field_serializers:
        return None
    if hooks.computed_fields or model.model_config.get("extra") == "allow":
        return None
    fields: list[tuple[str, tuple[type, ...], Convert | None]] = []
    try:
        for name, info in sorted(model.model_fields.items()):
            kinds = plain(info.annotation, info.metadata)
            fields.append((name, kinds, None if kinds else converter(info.annotation, info.metadata)))
    except TypeError:
        return None
    names = {name for name, _, _ in fields}
    defaults = {
        n: i.get_default(call_default_factory=True) for n, i in model.model_fields.items() if not i.is_required()
    }

    def convert(value: Any) -> dict[str, Any]:
        if type(value) is not dict or not value.keys() <= names:
            raise Unexpected(value)
        out = {}
        for name, kinds, inner in fields:
            v = value[name] if name in value else defaults[name]  # pydantic does not check defaults either
            if inner is not None:
                out[name] = inner(v)
            elif type(v) in kinds:
                out[name] = v
            else:
                raise Unexpected(v)
        return out

    return convert


def plain(annotation: Any, constraints: Iterable[Any] = ()) -> tuple[type, ...]:
    """The types a field takes unchanged without any check (str, int, bool, or None beside one), else ()."""
    if any(True for _ in constraints):
        return ()
    if annotation in PLAIN:
        return (annotation,)
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (Union, types.UnionType) and len(args) == 2 and NONE in args:
        inner = args[0] if args[1] is NONE else args[1]
        return (inner, NONE) if inner in PLAIN else ()
    return ()


def converter(annotation: Any, constraints: Iterable[Any] = ()) -> Convert:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return converter(args[0], [*constraints, *args[1:]])
    if origin in (Union, types.UnionType):
        if len(args) != 2 or NONE not in args:
            raise TypeError(annotation)
        inner = converter(args[0] if args[1] is NONE else args[1], constraints)
        return lambda value: None if value is None else inner(value)
    base = bare(annotation, origin, args)
    tests, validators = checks(constraints)
    if not (tests or validators):
        return base
    kinds = (annotation,) if annotation in PLAIN else ()

    def checked(value: Any) -> Any:
        for test in tests:
            if not test(value):
                raise Unexpected(value)
        for validate in validators:  # they must leave the value as it is (e.g. text already NFC and trimmed)
            if (new := validate(value)) is not value and (new != value or type(new) is not type(value)):
                raise Unexpected(value)
        return value if type(value) in kinds else base(value)

    return checked


def bare(annotation: Any, origin: Any, args: tuple[Any, ...]) -> Convert:
    """The converter of a type without its constraints."""
    if annotation in PLAIN:
        return lambda value: value if type(value) is annotation else refuse(value)
    if annotation in SIMPLE:
        return SIMPLE[annotation]
    if origin is Literal and all(type(a) is str for a in args):
        return lambda value: value if type(value) is str and value in args else refuse(value)
    if origin is list:
        inner = converter(args[0])
        return lambda value: [inner(v) for v in value] if type(value) in (list, tuple) else refuse(value)
    if origin is dict and args[0] is str:
        inner = converter(args[1])
        return lambda value: {k: inner(value[k]) for k in sorted(value)} if keyed(value) else refuse(value)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        nested = model_converter(annotation)
        if nested is not None:
            return nested
    raise TypeError(annotation)


def refuse(value: Any) -> Any:
    raise Unexpected(value)


def keyed(value: Any) -> bool:
    return type(value) is dict and all(type(k) is str for k in value)


def checks(constraints: Iterable[Any]) -> tuple[list[Check], list[Convert]]:
    """Pydantic's constraints as tests, and its after-validators; TypeError for anything else."""
    tests: list[Check] = []
    validators: list[Convert] = []
    for c in constraints:
        if isinstance(c, AfterValidator) and len(inspect.signature(c.func).parameters) == 1:
            validators.append(typing.cast(Convert, c.func))
        elif isinstance(c, FieldInfo):
            more, also = checks(c.metadata)
            tests += more
            validators += also
        else:
            tests += check(c)
    return tests, validators


def check(c: Any) -> list[Check]:
    if isinstance(c, annotated_types.MaxLen):
        longest = c.max_length
        return [lambda v: len(v) <= longest]
    if isinstance(c, annotated_types.MinLen):
        shortest = c.min_length
        return [lambda v: len(v) >= shortest]
    if isinstance(c, annotated_types.Ge):
        ge = c.ge
        return [lambda v: v >= ge]
    if isinstance(c, annotated_types.Gt):
        gt = c.gt
        return [lambda v: v > gt]
    if isinstance(c, annotated_types.Le):
        le = c.le
        return [lambda v: v <= le]
    if isinstance(c, annotated_types.Lt):
        lt = c.lt
        return [lambda v: v < lt]
    if isinstance(c, StringConstraints) and not (c.strip_whitespace or c.to_lower or c.to_upper):
        tests = []
        if c.pattern is not None:  # a full match implies pydantic's (unanchored) search
            pattern = re.compile(str(c.pattern))
            tests.append(lambda v: pattern.fullmatch(v) is not None)
        if c.max_length is not None:
            tests += check(annotated_types.MaxLen(c.max_length))
        if c.min_length is not None:
            tests += check(annotated_types.MinLen(c.min_length))
        return tests
    raise TypeError(c)
