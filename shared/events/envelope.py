"""The one envelope on the `EMULATION` stream: a CloudEvents 1.0 structured-mode JSON document."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

STREAM = "EMULATION"
EVENTS_PREFIX = "emulation.events"
COMMANDS_PREFIX = "emulation.cmd"
DEADLETTER_STREAM = "EMULATION_DEADLETTER"
DEADLETTER_PREFIX = "emulation.deadletter"
"""`emulation.deadletter.<service>`: messages a consumer could not take, with the reason and original bytes."""
NO_CAMPAIGN = "_"
"""Subject token for events that belong to no campaign (a unit exists across campaigns)."""


def event_subject(campaign_id: str | None, event_name: str) -> str:
    """`emulation.events.<campaign_id>.<event_name>`; campaign-less events use `_`."""
    return f"{EVENTS_PREFIX}.{campaign_id or NO_CAMPAIGN}.{event_name}"


def stored_subject(service: str) -> str:
    """`emulation.stored.<service>`, core NATS (never stored): the service's commands process committed events,
    which wakes its relay in another process. Only that identity publishes it and only the service's relay
    subscribes (`emulation/security.py`); a lost or forged nudge costs one read of the store, nothing more."""
    return f"emulation.stored.{service}"


def command_subject(command_name: str) -> str:
    return f"{COMMANDS_PREFIX}.{command_name}"


class CloudEvent(BaseModel):
    """CloudEvents 1.0 attributes plus the extensions `actor`, `causationid` and `correlationid`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str
    type: str
    subject: str | None = None
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
    actor: str
    causationid: str
    correlationid: str
    hash: str | None = None
    """SHA-256 of this event chained to its predecessor in the source service's order (see shared/infra/chain.py)."""
    predecessorhash: str | None = None

    @property
    def event_name(self) -> str:
        """`campaign_launched` for type `campaign_launched.v1`."""
        return self.type.rsplit(".", 1)[0]

    @property
    def version(self) -> int:
        return int(self.type.rsplit(".v", 1)[1])
