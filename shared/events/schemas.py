"""JSON Schemas of the contract, for city systems that do not read Python."""

from __future__ import annotations

from typing import Any

from shared.events.base import Accepted, Rejected
from shared.events.catalog import COMMAND_TYPES, EVENT_TYPES
from shared.events.envelope import CloudEvent
from shared.events.evaluation import BallotAccepted
from shared.events.inbound import INBOUND_TYPES, InboundEvent


def json_schemas() -> dict[str, Any]:
    """Every schema, keyed `envelope`, `events/<type>`, `commands/<name>`, `replies/accepted|rejected`,
    `replies/ballot_accepted` (the reply to `cast_block_vote`, with the voter's receipt), and the inbound direction:
    `inbound/envelope` and `inbound/<type>` (facts other city systems publish)."""
    out: dict[str, Any] = {"envelope": CloudEvent.model_json_schema()}
    out["inbound/envelope"] = InboundEvent.model_json_schema()
    out |= {f"inbound/{t}": i.model.model_json_schema() for t, i in INBOUND_TYPES.items()}
    out |= {f"events/{t}": e.model.model_json_schema() for t, e in EVENT_TYPES.items()}
    out |= {f"commands/{n}": c.model.model_json_schema() for n, c in COMMAND_TYPES.items()}
    out["replies/accepted"] = Accepted.model_json_schema()
    out["replies/rejected"] = Rejected.model_json_schema()
    out["replies/ballot_accepted"] = BallotAccepted.model_json_schema()
    return out
