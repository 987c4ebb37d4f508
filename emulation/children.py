"""The child processes of `emulation up`: started, watched, restarted under the `RestartPolicy`, stopped.

Everything runs on one event loop thread, and a process is started by a plain `Popen` with no await in
between, so a restart cannot race with a stop: `stop()` first halts every watcher (which then starts
nothing more), then terminates the processes the watchers left. Children run in their own process
group, so a Ctrl-C on the terminal reaches only `up`, which stops the services before nats-server.

Operators see the children in `processes.json` (kept current at every change of state), each child's
output in `logs/<child>.log`, and a short line on the terminal when one exits, is restarted or given up;
the same facts go to `logs/supervisor.log` as JSON records.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from emulation.restarts import Decision, RestartPolicy, Restarts

log = logging.getLogger("emulation.supervisor")
POLL = 0.1
"""Seconds between checks of whether a child is still running."""
STOP_GRACE = 15.0
"""Seconds a child has to stop after SIGTERM before it is killed."""


def slug(name: str) -> str:
    """`registry (relay, views)` → `registry-relay-views` (a file name)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def exit_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class Child:
    """One supervised process: how to start it and what has happened to it so far."""

    name: str
    argv: list[str]
    env: Callable[[], dict[str, str]]
    """Called at every start, the first and each restart: one place builds a child's environment."""
    log: Path
    stop_last: bool = False
    """Stopped after the others (nats-server: the services drain their connections to it first)."""
    proc: subprocess.Popen[bytes] | None = None
    state: str = "starting"
    """running, restarting (waiting for its backoff), failed (restart budget spent), stopped."""
    started_at: str = ""
    restarts: int = 0
    last_exit: str | None = None
    halt: asyncio.Event = field(default_factory=asyncio.Event)

    def status(self) -> dict[str, Any]:
        return {
            "pid": self.proc.pid if self.proc else None,
            "state": self.state,
            "started_at": self.started_at,
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "log": str(self.log),
        }


class Supervisor:
    def __init__(
        self,
        status_file: Path,
        policy: RestartPolicy,
        say: Callable[[str], None],
    ) -> None:
        self.status_file = status_file
        self.policy = policy
        self.say = say
        """Prints a line meant for a person (the terminal)."""
        self.children: dict[str, Child] = {}
        self.watchers: dict[str, asyncio.Task[None]] = {}

    def start(self, child: Child) -> None:
        """Start `child` now and restart it whenever it exits, until `stop()`."""
        child.log.parent.mkdir(parents=True, exist_ok=True)
        self.children[child.name] = child
        self._spawn(child)
        self.watchers[child.name] = asyncio.create_task(self._supervise(child), name=f"watch {child.name}")

    async def stop(self) -> None:
        """Stop every child (nats-server last) and watch none any more."""
        for last in (False, True):
            group = [c for c in self.children.values() if c.stop_last is last]
            for child in group:
                child.halt.set()
            await asyncio.gather(*(self.watchers[c.name] for c in group), return_exceptions=True)
            await asyncio.gather(*(self._terminate(c) for c in group))

    def _spawn(self, child: Child) -> None:
        with open(child.log, "ab") as out:  # the child keeps its own descriptor
            child.proc = subprocess.Popen(
                child.argv, env=child.env(), stdout=out, stderr=subprocess.STDOUT, process_group=0
            )
        child.state = "running"
        child.started_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        self._save()

    async def _supervise(self, child: Child) -> None:
        try:
            await self._watch(child)
        except Exception as e:  # a bug here must not pass unnoticed: the child is no longer watched
            log.exception("supervision failed", extra={"child": child.name})
            self.say(f"{child.name} is no longer supervised: {e!r} (details in the supervisor's log)")

    async def _watch(self, child: Child) -> None:
        restarts = Restarts(self.policy)
        while True:
            returncode = await self._exit_of(child)
            if returncode is None:
                return  # halted: `stop()` terminates the process
            child.last_exit = exit_reason(returncode)
            decision = restarts.exited()
            if not decision.restart:
                child.state = "failed"
                self._save()
                self._gave_up(child, returncode, decision)
                return
            child.state = "restarting"
            self._save()
            self._restarting(child, returncode, decision)
            if await self._halted(child, decision.delay) or child.halt.is_set():
                return
            try:
                self._spawn(child)
            except OSError as e:  # cannot even start (a file gone): counts as an exit
                log.error("cannot start process", extra={"child": child.name, "error": repr(e)})
                child.proc = None
            child.restarts += 1
            self._save()
            if child.proc is not None:
                self.say(f"{child.name} started again (pid {child.proc.pid}).")
                log.info("process restarted", extra={"child": child.name, "pid": child.proc.pid})

    async def _exit_of(self, child: Child) -> int | None:
        """The child's return code once it exits; None if halted first."""
        if child.proc is None:
            return 127
        while (returncode := child.proc.poll()) is None:
            if await self._halted(child, POLL):
                return None
        return returncode

    async def _halted(self, child: Child, timeout: float) -> bool:
        try:
            await asyncio.wait_for(child.halt.wait(), timeout)
            return True
        except TimeoutError:
            return False

    async def _terminate(self, child: Child) -> None:
        proc = child.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            deadline = asyncio.get_running_loop().time() + STOP_GRACE
            while proc.poll() is None and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(POLL / 2)
            if proc.poll() is None:
                log.warning("process did not stop in time; killed", extra={"child": child.name, "pid": proc.pid})
                proc.kill()
                proc.wait()
        if child.state != "failed":
            child.state = "stopped"
        self._save()

    def _restarting(self, child: Child, returncode: int, decision: Decision) -> None:
        self.say(
            f"{child.name} (pid {self._pid(child)}) exited unexpectedly ({child.last_exit}); "
            f"restart {decision.exits} of {self.policy.limit} within {self.policy.window:g} s, "
            f"in {decision.delay:g} s. Log: {child.log}"
        )
        log.warning(
            "process exited unexpectedly; restarting",
            extra=self._record(child, returncode) | {"attempt": decision.exits, "delay": decision.delay},
        )

    def _gave_up(self, child: Child, returncode: int, decision: Decision) -> None:
        self.say(
            f"{child.name} keeps crashing: {decision.exits} exits within {self.policy.window:g} s "
            f"(last: {child.last_exit}); not restarting it, the other processes keep running. "
            f"Log: {child.log}"
        )
        log.error(
            "process keeps crashing; restart budget spent, not restarting it",
            extra=self._record(child, returncode) | {"exits": decision.exits},
        )

    def _record(self, child: Child, returncode: int) -> dict[str, Any]:
        return {
            "child": child.name,
            "pid": self._pid(child),
            "exit_code": returncode if returncode >= 0 else None,
            "signal": exit_reason(returncode).removeprefix("killed by ") if returncode < 0 else None,
            "restarts": child.restarts,
            "limit": self.policy.limit,
            "window": self.policy.window,
            "log": str(child.log),
        }

    @staticmethod
    def _pid(child: Child) -> int | None:
        return child.proc.pid if child.proc else None

    def _save(self) -> None:
        """Write `processes.json` whole, then rename it into place: readers never see half a file."""
        body = json.dumps({name: c.status() for name, c in self.children.items()}, indent=2)
        tmp = self.status_file.with_suffix(".tmp")
        tmp.write_text(body)
        os.replace(tmp, self.status_file)
