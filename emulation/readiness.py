"""Whether a started service takes its commands: the condition `emulation up` and the tests wait on.

A service takes its commands when each of them gets an answer from its application: here, the refusal of an
empty body (`missing_field`: validation runs before any rule, so the probe records nothing). Until then a
command gets no responders (no process yet), `service_starting` (the process is building the service), or
no reply at all (in a deployment without NATS permissions, where the registry's catch-all also receives
the commands of a service that is not running and leaves them be).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import nats

from emulation.client import starting
from shared.events.envelope import command_subject

PROBE = b"{}"
"""A body every command refuses before any rule runs: nothing is recorded."""


async def answers(nc: Any, command: str, timeout: float = 2.0) -> bool:
    """Whether the service of `command` took it (any reply but `service_starting`)."""
    try:
        msg = await nc.request(command_subject(command), PROBE, timeout=timeout)
    except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
        return False
    return not starting(json.loads(msg.data))


@dataclass(frozen=True)
class Outcome:
    """How one part of the system came up: ready, or failed and why (for the start-up status)."""

    part: str
    ok: bool
    detail: str


def line(outcome: Outcome) -> str:
    """`  registry       takes its 11 commands` / `  notification   FAILED: …`: one status line."""
    return f"  {outcome.part:<14} {outcome.detail if outcome.ok else 'FAILED: ' + outcome.detail}"


class NotAnswering(Exception):
    """A service did not come to take its commands; the message says why (its process failed, or the time ran out)."""


async def answering(
    nc: Any,
    commands: Sequence[str],
    timeout: float = 60.0,
    failed: Callable[[], str | None] = lambda: None,
    interval: float = 0.1,
) -> None:
    """Wait until every one of `commands` is taken; `NotAnswering` after `timeout` seconds, or as soon as
    `failed()` names a reason to stop waiting (the service's process given up)."""
    deadline = time.monotonic() + timeout
    waiting = list(commands)
    while waiting:
        reason = failed()
        if reason:
            raise NotAnswering(reason)
        left = deadline - time.monotonic()
        if left <= 0:
            raise NotAnswering(f"{', '.join(waiting)} not answered after {timeout:g} s")
        taken = await asyncio.gather(*(answers(nc, c, min(2.0, max(left, 0.1))) for c in waiting))
        waiting = [c for c, ok in zip(waiting, taken, strict=True) if not ok]
        if waiting:
            await asyncio.sleep(interval)
