"""When `emulation up` restarts a process that exited, and when it stops trying.

Pure policy, no processes: the supervisor (`emulation/children.py`) asks `Restarts.exited()` each time a
child exits unexpectedly and follows the `Decision`. Backoff and budget count the exits within one
window: a process that crashes once a day is restarted after the first delay every time, a process that
crashes at once after every start waits longer each time and is given up after `limit` restarts, so it
can neither spin the CPU nor fill its log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.infra.settings import Settings


@dataclass(frozen=True)
class RestartPolicy:
    backoff: float = 0.5
    """Seconds before the first restart within the window; doubled for each further one."""
    backoff_max: float = 30.0
    """The longest wait before a restart."""
    limit: int = 5
    """Restarts of one process within `window` seconds; the exit after them is not restarted."""
    window: float = 60.0

    @classmethod
    def from_settings(cls, s: Settings) -> RestartPolicy:
        return cls(s.restart_backoff, s.restart_backoff_max, s.restart_limit, s.restart_window)


@dataclass(frozen=True)
class Decision:
    restart: bool
    delay: float
    """Seconds to wait before restarting (0 when giving up)."""
    exits: int
    """Exits within the window, this one included: the restart's attempt number when restarting."""


@dataclass
class Restarts:
    """The exits of one process and what to do about the latest; `clock` is monotonic seconds."""

    policy: RestartPolicy
    clock: Callable[[], float] = time.monotonic
    _exits: list[float] = field(default_factory=list)

    def exited(self) -> Decision:
        now = self.clock()
        self._exits = [t for t in self._exits if now - t < self.policy.window] + [now]
        n = len(self._exits)
        if n > self.policy.limit:
            return Decision(False, 0.0, n)
        return Decision(True, min(self.policy.backoff * 2 ** (n - 1), self.policy.backoff_max), n)
