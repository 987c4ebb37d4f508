"""Checkpoints as witnesses: each one (on the stream, or kept by a third party) is checked against the chain
recomputed from its service's store, and a checkpoint that no longer holds names the first event that changed.

An operator holding the stores and the stream can rewrite both consistently and let the relay republish a
fresh chain; plain verification then finds nothing. A checkpoint signed before the rewrite still carries the
old chain: its head no longer matches, and the hash prefixes of its window say from which event on history
differs. Chained hashes diverge for good after a change, so a later checkpoint whose window starts on an
already changed chain is a consequence of the change reported, not a new one.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from services.audit.findings import Findings
from shared.events.audit import MAX_WINDOW, ChainCheckpoint, ChainCheckpointV2
from shared.infra.chain import GENESIS
from shared.infra.checkpoints import SIGNED, forgery, relay_source

RECENT = 2 * MAX_WINDOW + 5_000
"""Chain hashes kept behind the store's reading: a checkpoint arrives at most a window and a batch after its
first event."""


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint asserts about its service's chain. v1 ones have no window (`start_length` None)."""

    service: str
    length: int
    head: str
    origin: str
    """Which checkpoint, for the report: `the checkpoint at stream sequence 812`, `kept checkpoint 3`."""
    kept: bool
    signed: bool
    start_length: int | None = None
    start_head: str | None = None
    hashes: tuple[str, ...] = ()


def read_checkpoint(
    envelope: Mapping[str, Any], keys: Mapping[str, Ed25519PublicKey], origin: str, kept: bool
) -> Checkpoint | str:
    """The checkpoint an envelope carries, or why it cannot be taken as its service's relay's word."""
    kind = envelope.get("type")
    data = envelope.get("data")
    if kind == SIGNED:
        problem = forgery(envelope, keys)
        if problem is not None:
            return problem
        try:
            v2 = ChainCheckpointV2.model_validate(data)
        except ValidationError as e:
            return f"it is not a valid {SIGNED}: {e.errors()[0]['msg']}"
        return Checkpoint(
            v2.service, v2.length, v2.head, origin, kept, True, v2.start_length, v2.start_head, tuple(v2.hashes)
        )
    if kind == "chain_checkpoint.v1":
        try:
            v1 = ChainCheckpoint.model_validate(data)
        except ValidationError as e:
            return f"it is not a valid chain_checkpoint.v1: {e.errors()[0]['msg']}"
        if envelope.get("source") != relay_source(v1.service):
            return f"it names service {v1.service!r} but comes from {envelope.get('source')!r}"
        return Checkpoint(v1.service, v1.length, v1.head, origin, kept, False)
    return f"{kind!r} is not a checkpoint type"


class Witness:
    """One service's checkpoints, checked as the chain recomputed from its store reaches each one."""

    def __init__(self, service: str, found: Findings, recent: int = RECENT) -> None:
        self.service = service
        self.found = found
        self.length = 0
        self.recent: deque[tuple[str, str]] = deque(maxlen=recent)
        """(chain hash, event id) of the last events chained."""
        self.waiting: list[tuple[int, int, Checkpoint]] = []
        self.order = itertools.count()
        self.broken: set[bool] = set()
        """`kept` flags of the checkpoints already found broken: later ones follow from the change reported."""
        self.checked = {False: 0, True: 0}

    def advance(self, head: str, event_id: str) -> None:
        """The next stored event, chained as the relay would chain it."""
        self.length += 1
        self.recent.append((head, event_id))
        while self.waiting and self.waiting[0][0] <= self.length:
            self._check(heapq.heappop(self.waiting)[2])

    def expect(self, checkpoint: Checkpoint) -> None:
        if checkpoint.length <= self.length:
            self._check(checkpoint)
        else:
            heapq.heappush(self.waiting, (checkpoint.length, next(self.order), checkpoint))

    def finish(self) -> None:
        """The store is read to its end: a checkpoint beyond it means events were removed."""
        for _, _, checkpoint in sorted(self.waiting):
            self.checked[checkpoint.kept] += 1
            detail = f"the store's chain ends at length {self.length}, before {self._named(checkpoint)}: events removed"
            self._broken(checkpoint, None, None, detail)
        self.waiting.clear()

    def at(self, length: int) -> tuple[str, str | None] | None:
        """(chain hash, event id) at `length`, if still at hand."""
        if length == 0:
            return GENESIS, None
        back = self.length - length
        return self.recent[-1 - back] if 0 <= back < len(self.recent) else None

    def _check(self, checkpoint: Checkpoint) -> None:
        end = self.at(checkpoint.length)
        if end is None:
            return  # out of reach (the store ran far ahead of the stream): other divergences explain why
        self.checked[checkpoint.kept] += 1
        if end[0] == checkpoint.head:
            return
        named = self._named(checkpoint)
        if checkpoint.start_length is not None:
            start = self.at(checkpoint.start_length)
            if start is not None and start[0] == checkpoint.start_head:
                for length, expected in enumerate(checkpoint.hashes, start=checkpoint.start_length + 1):
                    here = self.at(length)
                    if here is not None and not here[0].startswith(expected):
                        detail = (
                            f"the first place where history differs from {named}: this event was changed, "
                            "inserted or moved here, or the one that was here removed"
                        )
                        self._broken(checkpoint, here[1], length - 1, detail, located=True)
                        return
        if checkpoint.kept in self.broken:
            return
        before = checkpoint.start_length if checkpoint.start_length is not None else checkpoint.length
        detail = f"history differs from {named}: the first change is at or before length {before}"
        self._broken(checkpoint, None, None, detail)

    def _broken(
        self, checkpoint: Checkpoint, event_id: str | None, index: int | None, detail: str, located: bool = False
    ) -> None:
        if located or checkpoint.kept not in self.broken:
            self.found(self.service, "rewritten", event_id, index, detail)
        self.broken.add(checkpoint.kept)

    @staticmethod
    def _named(checkpoint: Checkpoint) -> str:
        signed = "signed" if checkpoint.signed else "unsigned"
        return f"{checkpoint.origin} ({signed}, length {checkpoint.length})"
