"""Waiting, bounded, until a service has seen the events a command depends on (`after`).

A service checks some commands against a view of other services' events (the evaluation against its copy of
the registry facts), which trails them by the time the stream takes to deliver: a command sent right after
the registry's reply could be refused `unknown_campaign` for a campaign that exists. The command names in
`after` the events it depends on, as the earlier replies listed them (`{id, type}`); the handler awaits,
holding no thread and before the command goes to the writer, until the view has applied each of them, and
answers `not_caught_up` (nothing recorded) if it has not within the bound. Events of the service itself are in
its own store, and events of types the view does not read cannot change the decision: neither is waited for.

At most MAX_WAITING commands of a service instance wait at once; beyond them a command whose events are not
there yet is answered `not_caught_up` at once. A sender naming events that never come (by mistake, or to tie
the service up) thus holds at most that many of the handlers of a command subject (COMMAND_WORKERS each), and
commands without `after` are never kept waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from shared.domain.errors import DomainError
from shared.events import errors
from shared.events.base import EventRef
from shared.events.catalog import EVENT_TYPES
from shared.infra.views import View

DEFAULT_TIMEOUT = 5.0
POLL = 0.01
"""The first pause between two looks at the view; doubled up to POLL_MAX."""
POLL_MAX = 0.1
MAX_WAITING = 32
"""Commands waiting at once per service instance: half the handlers of one command subject
(`shared/infra/commands.py: COMMAND_WORKERS`)."""


class NotCaughtUp(DomainError):
    code = errors.NOT_CAUGHT_UP


class UnknownEventType(DomainError):
    code = errors.INVALID_FIELD


class CatchUp:
    """What `service` waits for before deciding a command that names events in `after`, and for how long.

    `view`: the view of other services' events its use cases read (one that `remembers` the events it applies);
    None for a service that decides from its own store only (every event it names is then already seen).
    """

    def __init__(self, service: str, view: View | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.service = service
        self.view = view
        self.timeout = timeout
        self.reads = set(view.handlers()) if view is not None else set()
        self.waiting = 0
        """Commands waiting now (read and written on the event loop only)."""

    def awaited(self, after: Sequence[EventRef]) -> list[str]:
        """The ids among `after` to wait for: events of other services that the view reads."""
        out = []
        for i, ref in enumerate(after):
            known = EVENT_TYPES.get(ref.type)
            if known is None:
                raise UnknownEventType(f"after.{i}.type: no event type {ref.type!r} in the contract", f"after.{i}.type")
            if known.source != self.service and known.name in self.reads:
                out.append(ref.id)
        return out

    async def wait(self, after: Sequence[EventRef]) -> None:
        """Return once the view holds every awaited event; `NotCaughtUp` after `timeout` seconds, or at once while
        MAX_WAITING commands wait already."""
        awaited = self.awaited(after)
        if not awaited or self.view is None:
            return
        view, deadline, pause = self.view, time.monotonic() + self.timeout, POLL
        missing = set(awaited) - await asyncio.to_thread(view.holds, awaited)
        if not missing:
            return
        if self.waiting >= MAX_WAITING:
            raise self.refusal(missing, f"{MAX_WAITING} other commands are waiting already")
        self.waiting += 1
        try:
            while missing:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self.refusal(missing, f"not within {self.timeout:g} s")
                await asyncio.sleep(min(pause, left))
                pause = min(pause * 2, POLL_MAX)
                missing -= await asyncio.to_thread(view.holds, list(missing))
        finally:
            self.waiting -= 1

    def refusal(self, missing: set[str], why: str) -> NotCaughtUp:
        name = self.view.name if self.view is not None else ""
        return NotCaughtUp(
            f"the {self.service} service has not seen {', '.join(sorted(missing))} ({why}; its view {name} trails "
            "the stream); nothing was recorded: send the same command again, with the same command_id, in a moment",
            "after",
        )
