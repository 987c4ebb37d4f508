"""A small client for city systems and tools: send a command over NATS request/reply."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import nats

from shared.events.envelope import command_subject


async def send(
    nc: Any, command: str, body: dict[str, Any], timeout: float = 10.0, retry_for: float = 0.0
) -> dict[str, Any]:
    """Send `emulation.cmd.<command>` and return the decoded reply.

    `retry_for`: seconds to keep trying while no service answers yet (a system that is starting).
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
        return reply
