"""What `audit verify` finds: divergences (every one counted, the first `limit` listed) and pending events."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import BaseModel

DEFAULT_LIMIT = 1000
"""Divergences listed in a report; every one is counted in its summary."""


@dataclass(frozen=True)
class Divergence:
    """One place where stores, stream and checkpoints disagree. `index`: the event's place in its service's
    chain (0 for the first), or None when it has none (a problem a service finds in its own store)."""

    service: str
    kind: str
    event_id: str | None
    index: int | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Findings:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.listed: list[Divergence] = []
        self.counts: Counter[tuple[str, str]] = Counter()
        self.pending: Counter[str] = Counter()

    def add(self, divergence: Divergence) -> None:
        self.counts[divergence.service, divergence.kind] += 1
        if len(self.listed) < self.limit:
            self.listed.append(divergence)

    def __call__(self, service: str, kind: str, event_id: str | None, index: int | None, detail: str) -> None:
        self.add(Divergence(service, kind, event_id, index, detail))

    def report(self, **checked: int) -> dict[str, Any]:
        by_service: dict[str, dict[str, int]] = {}
        for (service, kind), n in sorted(self.counts.items()):
            by_service.setdefault(service, {})[kind] = n
        total = sum(self.counts.values())
        return {
            "status": "diverged" if total else "intact",
            **checked,
            "pending": dict(sorted(self.pending.items())),
            "summary": {"divergences": total, "by_service": by_service},
            "divergences": [d.to_dict() for d in self.listed],
            "truncated": total > len(self.listed),
        }


class DivergenceModel(BaseModel):
    service: str
    kind: str
    """`missing`, `altered`, `reordered`, `duplicated`, `chain_broken`, `checkpoint_forged`, `rewritten`,
    `unreadable`, `unknown_source`, or a service's own integrity check (e.g. `ballot_tampered`)."""
    event_id: str | None
    index: int | None
    detail: str


class Summary(BaseModel):
    divergences: int
    by_service: dict[str, dict[str, int]]
    """Service → kind → how many."""


class VerifyReport(BaseModel):
    """The answer of `GET /v1/audit/verify` and `emulation audit verify`."""

    status: Literal["intact", "diverged"]
    events_checked: int
    """Messages read from the stream (events and checkpoints)."""
    checkpoints_checked: int
    """Checkpoints on the stream checked against the chain recomputed from the stores."""
    kept_checkpoints_checked: int
    """Checkpoints a third party kept (`--checkpoints`) checked the same way."""
    pending: dict[str, int]
    """Service → stored events after its last published one: not yet relayed, not a divergence."""
    summary: Summary
    divergences: list[DivergenceModel]
    """Every divergence, in the order found, up to the limit (1,000); `summary` counts them all."""
    truncated: bool
