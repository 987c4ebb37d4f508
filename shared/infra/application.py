"""The base of every service application: idempotent, provenance-stamped command execution.

A service answers a command with `await app.handle(command)`. The command goes to the application's writer
thread, which runs the use case named after the command (the method `launch_campaign` for a `LaunchCampaign`:
it loads, asks the domain, and returns the changed aggregates), checks each new event against its wire
contract, and records the events with the command's receipt, in one transaction for all commands that
waited together (group commit); the handler awaits the outcome without holding a thread.

A command's events and its receipt are saved in one transaction. The receipt, keyed by the
command id, holds the reply and a digest of the command; the same command again (same id, same
name and body) returns that reply and records nothing, while the same id on another command is
refused `command_id_reused`. Concurrent writers that collide (optimistic concurrency) are retried
from a fresh read.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from queue import SimpleQueue
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Transcoder

from shared.domain.errors import DomainError
from shared.events import errors
from shared.events.base import Accepted, Command, EventRef
from shared.events.catalog import COMMAND_TYPES, INTERNAL_COMMANDS
from shared.infra.catchup import CatchUp
from shared.infra.clock import Clock
from shared.infra.eventstore import DateAsISO, ProvenanceMapper, ProvenanceTranscoder, event_id, provenance
from shared.infra.wire import WireMap

_RECEIPT_NS = uuid5(NAMESPACE_URL, "urn:emulation:command")
MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class Problem:
    """One stored event that fails a service's own integrity check: which, what kind, and why."""

    event_id: str
    kind: str
    detail: str


class CommandConflict(Exception):
    """Concurrent writers kept colliding; nothing was recorded."""


class CommandIdReused(DomainError):
    """A command id already recorded for another command (another name, or another body)."""

    code = errors.COMMAND_ID_REUSED


class CommandReceipt(Aggregate):
    """Proof that a command was executed, with the reply it got. Internal: never published."""

    @staticmethod
    def create_id(command_id: str) -> UUID:
        return uuid5(_RECEIPT_NS, command_id)

    @event("Recorded")
    def __init__(self, command_id: str, command: str, events: list[dict[str, str]], digest: str = "") -> None:
        self.command_id = command_id
        self.command = command
        self.events = events
        self.digest = digest
        """`command_digest` of what was executed; receipts recorded before digests have "" (the default)."""

    def reply_to(self, name: str, digest: str) -> Accepted:
        """The first reply, for the same command sent again; another command under this id is refused."""
        if name != self.command or (self.digest and digest != self.digest):
            what = "another body" if name == self.command else "another command"
            raise CommandIdReused(
                f"command_id {self.command_id} was already used for a {self.command} command; "
                f"this is {what}: send it with a new command_id",
                "command_id",
            )
        return accepted(self.events)


def command_digest(name: str, command: Command) -> str:
    """SHA-256 of the command's name and its canonical body without `command_id` and `after`: the validated
    model's JSON (fields in the contract's order, defaults left out), so key order, spacing, a default sent or
    omitted, and an optional field the contract gains later make no difference. `after` says when to decide, not
    what: the same command sent again naming other events (or none) is still the same command."""
    body = command.model_dump_json(exclude={"command_id", "after"}, exclude_defaults=True)
    return hashlib.sha256(f"{name}\n{body}".encode()).hexdigest()


Decide = Callable[[Any], Sequence[Aggregate]]


class ServiceApplication(Application[UUID]):
    """An `eventsourcing` application whose use cases run through `handle` (or `submit`).

    Each command of the service (`shared/events/catalog.py`) has a use case: a method named after it, taking
    the command and returning the aggregates it changed (or raising a `DomainError`). It runs on the writer
    thread only, so a use case may keep caches without locks.
    """

    name = ""
    """The service's name, as in the catalogue of services and the contract."""

    def __init__(self, wire: WireMap, env: dict[str, str] | None = None, clock: Clock | None = None) -> None:
        super().__init__(env=env)
        self.wire = wire
        self.clock = clock or Clock.from_env()
        self.writer = Writer(self.record_batch, name=f"{wire.service}-writer")
        self.use_cases: dict[type[Command], tuple[str, Decide]] = {
            c.model: (c.name, getattr(self, c.name))
            for c in (*COMMAND_TYPES.values(), *INTERNAL_COMMANDS.values())
            if c.service == wire.service
        }
        """Command type → its name and use case (the service's commands, and the internal ones recording facts from
        other city systems)."""
        self.recorded: list[Callable[[], None]] = []
        """Called on the recording thread after each commit of events: the runtime wakes the relay with it
        (`shared/infra/relay.py: Relay.nudged`), so a new event waits for no poll. Must not raise."""
        self.catch_up = CatchUp(wire.service)
        """What a command naming events in `after` waits for: factories of services that check commands against
        a view of other services' events give it that view (`CatchUp(name, view, timeout)`)."""

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
        """Whether an aggregate has any event, without reconstructing it."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def find(self, aggregate_id: UUID) -> Any | None:
        """The aggregate, or None if it has no event yet (use cases turn that into their own `NotFound`)."""
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    async def handle(self, command: Command) -> Accepted:
        """Execute a command: its reply once it is recorded, or the `DomainError` that refused it.

        A command naming events in `after` first waits here, bounded, until the service has seen them: the
        writer, which decides every other command meanwhile, never waits."""
        if command.after:
            await self.catch_up.wait(command.after)
        return await asyncio.wrap_future(self.submit(command))

    def submit(self, command: Command) -> Future[Accepted]:
        """Queue a command for the writer; the future settles once it is recorded or refused (tools, tests)."""
        name, decide = self.use_cases[type(command)]
        pending = Pending(command, name, decide)
        self.writer.submit(pending)
        return pending.future

    def reply(self, command: Command, accepted: Accepted) -> Accepted:
        """The reply to a recorded command (or to the same command sent again); run on the writer thread.
        Services whose replies say more (a ballot's receipt) override it."""
        return accepted

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Save outside a command (the notification dispatcher's records), each event checked like a command's."""
        for obj in objs:
            if isinstance(obj, Aggregate):
                for e in obj.pending_events:
                    self.wire.check(e)
        saved = super().save(*objs, **kwargs)
        self._announce()
        return saved

    def _announce(self) -> None:
        for callback in self.recorded:
            callback()

    def close(self) -> None:
        self.writer.close()
        super().close()

    def integrity_problems(self) -> Iterator[Problem]:
        """Stored events whose content contradicts itself (e.g. a sealed ballot that no longer matches its
        published commitment), for `audit verify`; services with such invariants override this."""
        return iter(())

    def record_batch(self, batch: Sequence[Pending]) -> None:
        """Decide every command of a batch and record them together; settles each one's future.

        A write collision (one aggregate changed by two commands of the batch, a re-sent command,
        another writer) voids the whole transaction; then each command runs alone, from a fresh read.
        """
        decided: list[tuple[Pending, list[Aggregate], list[dict[str, str]]]] = []
        for pending in batch:
            try:
                decided.append((pending, *self._decide(pending)))
            except Exception as e:
                self._settle_failure(pending, e)
        if not decided:
            return
        try:
            self._insert(decided)
        except IntegrityError:
            for pending, _, _ in decided:
                self._execute_alone(pending)
            return
        for pending, _, refs in decided:
            self._settle(pending, accepted(refs))

    def _settle(self, pending: Pending, done: Accepted) -> None:
        try:
            pending.future.set_result(self.reply(pending.command, done))
        except Exception as e:
            pending.future.set_exception(e)

    def _decide(self, pending: Pending) -> tuple[list[Aggregate], list[dict[str, str]]]:
        """The use case's aggregates, each new event checked against its contract, and the command's receipt."""
        aggregates = list(pending.decide(pending.command))
        refs = [
            {"id": event_id(e.originator_id, e.originator_version), "type": wire}
            for a in aggregates
            for e in a.pending_events
            if (wire := self.wire.check(e)) is not None
        ]
        receipt = CommandReceipt(
            command_id=str(pending.command.command_id), command=pending.name, events=refs, digest=pending.digest()
        )
        return [receipt, *aggregates], refs

    def _insert(self, decided: Sequence[tuple[Pending, list[Aggregate], list[dict[str, str]]]]) -> None:
        """One transaction for all the batch's events, each stamped with its own command's provenance."""
        stored = []
        for pending, aggregates, _ in decided:
            with provenance(**pending.meta()):
                stored += [self.mapper.to_stored_event(e) for a in aggregates for e in a.collect_events()]
        self.recorder.insert_events(stored)
        self._announce()

    def _receipt(self, pending: Pending) -> Accepted | None:
        """The reply a command already got, if it was executed before (`CommandIdReused` if that was another)."""
        try:
            receipt: CommandReceipt = self.repository.get(CommandReceipt.create_id(str(pending.command.command_id)))
        except AggregateNotFoundError:
            return None
        return receipt.reply_to(pending.name, pending.digest())

    def _settle_failure(self, pending: Pending, error: Exception) -> None:
        """A refused command may be a re-send of one already executed: that one keeps its first reply."""
        try:
            done = self._receipt(pending)
        except Exception as e:
            done, error = None, e
        if done is not None:
            self._settle(pending, done)
        else:
            pending.future.set_exception(error)

    def _execute_alone(self, pending: Pending) -> None:
        for _ in range(MAX_ATTEMPTS):
            try:
                done = self._receipt(pending)
                if done is not None:
                    self._settle(pending, done)
                    return
                aggregates, refs = self._decide(pending)
                self._insert([(pending, aggregates, refs)])
            except IntegrityError:
                continue
            except Exception as e:
                pending.future.set_exception(e)
                return
            self._settle(pending, accepted(refs))
            return
        pending.future.set_exception(CommandConflict(pending.name))


def accepted(refs: list[dict[str, str]]) -> Accepted:
    """The reply of a recorded command: its published events (id and type; made here, nothing to validate)."""
    return Accepted(events=[EventRef.model_construct(id=r["id"], type=r["type"]) for r in refs])


@dataclass
class Pending:
    """A command waiting for the writer, with the future its caller awaits."""

    command: Command
    name: str
    decide: Decide
    future: Future[Accepted] = field(default_factory=Future)

    def digest(self) -> str:
        return command_digest(self.name, self.command)

    def meta(self) -> dict[str, str]:
        """Provenance stamped on each of the command's stored events."""
        command_id = str(self.command.command_id)
        return {
            "actor": self.command.actor,
            "command_id": command_id,
            "command": self.name,
            "correlation_id": self.command.correlation_id or command_id,
        }


class Writer:
    """The one thread that records an application's commands, taking all that wait as one batch."""

    MAX_BATCH = 256

    def __init__(self, record: Callable[[Sequence[Pending]], None], name: str) -> None:
        self.record = record
        self.name = name
        self.queue: SimpleQueue[Pending | None] = SimpleQueue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, pending: Pending) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self.thread.start()
        self.queue.put(pending)

    def close(self) -> None:
        with self.lock:
            thread, self.thread = self.thread, None
        if thread is not None:
            self.queue.put(None)
            thread.join()

    def _run(self) -> None:
        while (first := self.queue.get()) is not None:
            batch = [first]
            while len(batch) < self.MAX_BATCH and not self.queue.empty():
                item = self.queue.get()
                if item is None:
                    self._record(batch)
                    return
                batch.append(item)
            self._record(batch)

    def _record(self, batch: list[Pending]) -> None:
        try:
            self.record(batch)
        except Exception as e:  # e.g. the store is unreachable: every waiting command is told
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(e)
