"""A small client for city systems and tools: send a command over NATS request/reply."""

from __future__ import annotations

import json
from typing import Any

from shared.events.envelope import command_subject


async def send(nc: Any, command: str, body: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    """Send `emulation.cmd.<command>` and return the decoded reply."""
    msg = await nc.request(
        command_subject(command), json.dumps(body, ensure_ascii=False, default=str).encode(), timeout=timeout
    )
    reply: dict[str, Any] = json.loads(msg.data)
    return reply
