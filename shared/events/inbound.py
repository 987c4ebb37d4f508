"""The inbound contract: facts other city systems publish, each only on its own subject space.

A city system publishes a CloudEvents-shaped JSON document (`InboundEvent`) on `city.<system>.events.<event>`
(stream `CITY_INBOUND`, account EMULATION). The server lets each system's account publish only on the subjects of
the facts it is granted (`emulation/security.py`: `publishes`), so the subject names the system; the envelope's
`source` must name it too. `id` is the source event id: the same id again records nothing.

The evaluation service takes each accepted fact as a use case of its own (`RecordDossierResolved`, …: internal
commands, never sent over NATS) and records it as its own events with their provenance (actor
`system:<source>`, the command id derived from the source event id), so the audit trail, replay and `as_of`
include them. See docs/contract.md, "Inbound: facts from other city systems".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, Self
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.events.base import Command, CommandType, Contract
from shared.events.types import Day, LongText, Moment, Name, Slug

INBOUND_STREAM = "CITY_INBOUND"
INBOUND_PREFIX = "city"
"""`city.<system>.events.<event>`: a city system's facts, on its own subject space."""

SourceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")]
"""An id in another system (a source event id, a dossier number): letters, digits and `._:/-`, up to 128."""

Measure = Literal["khien-trach", "canh-cao", "ha-bac-luong", "giang-chuc", "cach-chuc", "buoc-thoi-viec"]
"""Disciplinary measures of the existing scale (`AwardFactsIn.discipline`), mildest first; each bars every award."""


def inbound_subject(system: str, event: str) -> str:
    return f"{INBOUND_PREFIX}.{system}.events.{event}"


class InboundEvent(BaseModel):
    """The envelope of an inbound fact: CloudEvents 1.0 attributes, `id` the source event id, `source` the system."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: SourceId
    """The event's id in its source system: a repeated id records nothing."""
    source: Slug
    """The publishing system (`one-stop`, `personnel`); must be the system of the subject."""
    type: str = Field(max_length=80)
    """`dossier_resolved.v1`."""
    time: Moment
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]


class DossierResolved(Contract):
    """The one-stop system resolved an administrative dossier (hồ sơ một cửa) of a unit."""

    dossier_id: SourceId
    unit_id: Slug
    """The unit that handled the dossier (as registered in the registry)."""
    procedure_code: SourceId
    received_at: Moment
    due_at: Moment
    """The appointment (ngày hẹn trả): resolved after it, the dossier is late."""
    resolved_at: Moment

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.due_at < self.received_at:
            raise ValueError("due_at must not be before received_at")
        if self.resolved_at < self.received_at:
            raise ValueError("resolved_at must not be before received_at")
        return self


class DisciplinaryMeasureRecorded(Contract):
    """The personnel system recorded a disciplinary decision about a person of a unit."""

    decision_no: Name
    """The decision's number (`15/QĐ-STP`), which names it in every reason."""
    person: Name
    unit_id: Slug
    measure: Measure
    decided_on: Day


class DisciplinaryMeasureAnnulled(Contract):
    """The personnel system annulled a decision (cancelled, or quashed on appeal): it no longer counts."""

    decision_no: Name
    """The annulled decision."""
    unit_id: Slug
    """The unit the annulled decision concerns."""
    annulled_on: Day
    reason: LongText | None = None


class InboundCommand(Command):
    """A fact taken from the inbound stream, as the use case that records it: never sent over NATS."""

    source: Slug
    source_event_id: SourceId


class RecordDossierResolved(InboundCommand):
    fact: DossierResolved


class RecordDisciplinaryMeasure(InboundCommand):
    fact: DisciplinaryMeasureRecorded


class AnnulDisciplinaryMeasure(InboundCommand):
    fact: DisciplinaryMeasureAnnulled


@dataclass(frozen=True)
class InboundType:
    """An inbound fact of the contract: its name and version, payload, the system that publishes it, and the
    use case (internal command) of the consuming service that records it."""

    name: str
    version: int
    model: type[Contract]
    system: str
    command: CommandType

    @property
    def type(self) -> str:
        return f"{self.name}.v{self.version}"


_NS = uuid5(NAMESPACE_URL, "urn:emulation:inbound")


def inbound_command_id(source: str, source_event_id: str) -> UUID:
    """The command id of a source event: the same source and id give the same command (and its receipt)."""
    return uuid5(_NS, f"{source}:{source_event_id}")


def as_command(kind: InboundType, event: InboundEvent) -> InboundCommand:
    """The internal command recording `event` (its data already checked against `kind.model`)."""
    model: type[InboundCommand] = kind.command.model  # type: ignore[assignment]
    return model(
        command_id=inbound_command_id(event.source, event.id),
        actor=f"system:{event.source}",
        source=event.source,
        source_event_id=event.id,
        fact=event.data,  # type: ignore[call-arg]
    )


ONE_STOP, PERSONNEL = "one-stop", "personnel"
SERVICE = "evaluation"
INBOUND: list[InboundType] = [
    InboundType(
        "dossier_resolved",
        1,
        DossierResolved,
        ONE_STOP,
        CommandType("record_dossier_resolved", RecordDossierResolved, SERVICE),
    ),
    InboundType(
        "disciplinary_measure_recorded",
        1,
        DisciplinaryMeasureRecorded,
        PERSONNEL,
        CommandType("record_disciplinary_measure", RecordDisciplinaryMeasure, SERVICE),
    ),
    InboundType(
        "disciplinary_measure_annulled",
        1,
        DisciplinaryMeasureAnnulled,
        PERSONNEL,
        CommandType("annul_disciplinary_measure", AnnulDisciplinaryMeasure, SERVICE),
    ),
]
INBOUND_TYPES: dict[str, InboundType] = {t.type: t for t in INBOUND}
"""Every inbound fact, keyed by CloudEvents `type` (`dossier_resolved.v1`)."""


def received(subject: str, body: bytes) -> tuple[InboundType, InboundEvent]:
    """Check an inbound message: its envelope, that its `source` is the system of its subject, that this system
    publishes its type, and its data against the type's contract. `ValueError` (or pydantic's) saying why not."""
    event = InboundEvent.model_validate_json(body)
    parts = subject.split(".")
    if len(parts) != 4 or parts[0] != INBOUND_PREFIX or parts[2] != "events":
        raise ValueError(f"not an inbound subject: {subject!r}")
    system, name = parts[1], parts[3]
    if event.source != system:
        raise ValueError(f"source {event.source!r} is not the system of subject {subject!r}")
    kind = INBOUND_TYPES.get(event.type)
    if kind is None:
        raise ValueError(f"unknown inbound type {event.type!r}")
    if kind.name != name or kind.system != system:
        raise ValueError(f"type {event.type!r} is not published by {system!r} on {subject!r}")
    return kind, event.model_copy(update={"data": kind.model.model_validate(event.data).model_dump(mode="json")})


def envelope(system: str, event: str, source_id: str, data: dict[str, Any], time: datetime) -> dict[str, Any]:
    """An inbound message as a city system sends it (the demo, tests)."""
    kind = next(t for t in INBOUND if t.name == event)
    return {"specversion": "1.0", "id": source_id, "source": system, "type": kind.type, "time": time.isoformat(),
            "datacontenttype": "application/json", "data": data}  # fmt: skip
