"""The base of every service application: idempotent, provenance-stamped command execution.

A command's events and its receipt are saved in one transaction. The receipt, keyed by the
command id, holds the reply; the same command id again returns that reply and records nothing.
Concurrent writers that collide (optimistic concurrency) are retried from a fresh read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Transcoder

from shared.events.base import Accepted, Command, EventRef
from shared.infra.clock import Clock
from shared.infra.eventstore import DateAsISO, ProvenanceMapper, ProvenanceTranscoder, event_id, provenance
from shared.infra.wire import WireMap

_RECEIPT_NS = uuid5(NAMESPACE_URL, "urn:emulation:command")
MAX_ATTEMPTS = 20


class CommandConflict(Exception):
    """Concurrent writers kept colliding; nothing was recorded."""


class CommandReceipt(Aggregate):
    """Proof that a command was executed, with the reply it got. Internal: never published."""

    @staticmethod
    def create_id(command_id: str) -> UUID:
        return uuid5(_RECEIPT_NS, command_id)

    @event("Recorded")
    def __init__(self, command_id: str, command: str, events: list[dict[str, str]]) -> None:
        self.command_id = command_id
        self.command = command
        self.events = events


class ServiceApplication(Application[UUID]):
    """An `eventsourcing` application whose use cases run through `execute`."""

    def __init__(self, wire: WireMap, env: dict[str, str] | None = None, clock: Clock | None = None) -> None:
        super().__init__(env=env)
        self.wire = wire
        self.clock = clock or Clock.from_env()

    def construct_transcoder(self) -> Transcoder:
        transcoder = ProvenanceTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def construct_mapper(self) -> Mapper[UUID]:
        return ProvenanceMapper(transcoder=self.construct_transcoder())

    def exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def execute(self, command: Command, name: str, decide: Callable[[], Sequence[Aggregate]]) -> Accepted:
        """Run `decide` (which raises a DomainError or returns changed aggregates) and save atomically."""
        receipt_id = CommandReceipt.create_id(str(command.command_id))
        for _ in range(MAX_ATTEMPTS):
            try:
                receipt: CommandReceipt = self.repository.get(receipt_id)
            except AggregateNotFoundError:
                pass
            else:
                return Accepted(events=[EventRef(**e) for e in receipt.events])
            aggregates = decide()
            refs = [
                {"id": event_id(e.originator_id, e.originator_version), "type": wire}
                for a in aggregates
                for e in a.pending_events
                if (wire := self.wire.wire_type(e)) is not None
            ]
            receipt = CommandReceipt(command_id=str(command.command_id), command=name, events=refs)
            meta = {
                "actor": command.actor,
                "command_id": str(command.command_id),
                "command": name,
                "correlation_id": command.correlation_id or str(command.command_id),
            }
            try:
                with provenance(**meta):
                    self.save(receipt, *aggregates)
            except IntegrityError:
                continue
            return Accepted(events=[EventRef(**r) for r in refs])
        raise CommandConflict(name)
