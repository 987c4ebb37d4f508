"""A small client for city systems and tools: send a command over NATS request/reply."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import nats

from shared.events import errors
from shared.events.envelope import command_subject


def starting(reply: dict[str, Any]) -> bool:
    """The service is starting: nothing was recorded, the same command may be sent again."""
    return reply.get("ok") is False and reply.get("error", {}).get("code") == errors.SERVICE_STARTING


async def send(
    nc: Any, command: str, body: dict[str, Any], timeout: float = 10.0, retry_for: float = 0.0
) -> dict[str, Any]:
    """Send `emulation.cmd.<command>` and return the decoded reply.

    `retry_for`: seconds to keep sending the same body (same `command_id`) while the service is not running
    (no responders) or is starting (`service_starting`), as the contract says; the last answer after that.
    """
    payload = json.dumps(body, ensure_ascii=False, default=str).encode()
    deadline = time.monotonic() + retry_for
    while True:
        try:
            msg = await nc.request(command_subject(command), payload, timeout=timeout)
        except nats.errors.NoRespondersError:
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.2)
            continue
        reply: dict[str, Any] = json.loads(msg.data)
        if starting(reply) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            continue
        return reply
