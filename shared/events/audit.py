"""Audit contracts: the chain checkpoints each service's relay publishes."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, StringConstraints, model_validator

from shared.events.base import CommandType, Contract, EventType
from shared.events.types import Slug

SERVICE = "relay"
HASH_PREFIX = 16
"""Hex digits of each event's chain hash a `chain_checkpoint.v2` keeps (64 bits: enough to name a changed event)."""
MAX_WINDOW = 10_000
"""Most events one checkpoint covers (`EMULATION_CHECKPOINT_EVERY` at most this): about 190 KB, under NATS's 1 MB."""

Hash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
HashPrefix = Annotated[str, StringConstraints(pattern=rf"^[0-9a-f]{{{HASH_PREFIX}}}$")]


class ChainCheckpoint(Contract):
    """A service's hash-chain head after `length` published events; keep it to prove history later (unsigned)."""

    service: Slug
    head: str
    length: int
    position: int


class ChainCheckpointV2(Contract):
    """A signed checkpoint: the chain head after `length` events, and a prefix of each event's chain hash since
    `start_length`, so that whoever kept it can later prove history up to it unchanged, or name the first event
    that changed. `signature`: Ed25519 by the service's relay (see docs/contract.md, Tamper evidence)."""

    service: Slug
    length: int = Field(ge=1)
    head: Hash
    position: int = Field(ge=1)
    """Notification id of event `length` in the service's store."""
    start_length: int = Field(ge=0)
    """The chain length this checkpoint's window starts after (the previous checkpoint's `length`, 0 at first)."""
    start_head: Hash
    """The chain head at `start_length` (64 zeros at 0)."""
    hashes: list[HashPrefix] = Field(max_length=MAX_WINDOW)
    """The first 16 hex digits of the chain hash of events `start_length + 1` … `length`, in order."""
    signature: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{86}==$")]
    """Base64 of the 64-byte Ed25519 signature over `chain_checkpoint.v2\\n` + the canonical JSON of the other fields."""

    @model_validator(mode="after")
    def _window_matches_length(self) -> Self:
        if self.start_length >= self.length or len(self.hashes) != self.length - self.start_length:
            raise ValueError("hashes must hold one prefix per event from start_length + 1 to length")
        if self.hashes[-1] != self.head[:HASH_PREFIX]:
            raise ValueError("the last prefix must be the head's")
        return self


EVENTS = [
    EventType("chain_checkpoint", 1, ChainCheckpoint, SERVICE),
    EventType("chain_checkpoint", 2, ChainCheckpointV2, SERVICE),
]
COMMANDS: list[CommandType] = []
