"""Audit contracts: the chain checkpoints each service's relay publishes."""

from __future__ import annotations

from shared.events.base import CommandType, Contract, EventType
from shared.events.types import Slug

SERVICE = "relay"


class ChainCheckpoint(Contract):
    """A service's hash-chain head after `length` published events; keep it to prove history later."""

    service: Slug
    head: str
    length: int
    position: int


EVENTS = [EventType("chain_checkpoint", 1, ChainCheckpoint, SERVICE)]
COMMANDS: list[CommandType] = []
