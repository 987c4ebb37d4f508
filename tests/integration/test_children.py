"""The supervisor of `emulation up` on small real processes: restarts, giving up, and stops that win every race."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from emulation import children
from emulation.children import Child, Supervisor
from emulation.restarts import RestartPolicy
from tests.support.system import wait_for

pytestmark = pytest.mark.integration


def sh(root: Path, name: str, script: str) -> Child:
    return Child(name, ["/bin/sh", "-c", script], lambda: dict(os.environ), root / "logs" / f"{name}.log")


def supervisor(root: Path, policy: RestartPolicy, said: list[str]) -> Supervisor:
    return Supervisor(root / "processes.json", policy, said.append)


def states(root: Path) -> dict[str, dict[str, object]]:
    return dict(json.loads((root / "processes.json").read_text()))


async def test_a_child_exiting_at_once_is_restarted_with_backoff_then_given_up(tmp_path: Path) -> None:
    said: list[str] = []
    sup = supervisor(tmp_path, RestartPolicy(backoff=0.05, limit=3, window=60), said)
    sup.start(sh(tmp_path, "flaky", "echo started; exit 3"))
    sup.start(sh(tmp_path, "steady", "sleep 60"))
    await wait_for(lambda: states(tmp_path)["flaky"]["state"] == "failed", timeout=10)
    flaky, steady = states(tmp_path)["flaky"], states(tmp_path)["steady"]
    assert (flaky["restarts"], flaky["last_exit"]) == (3, "exit code 3")
    assert (steady["state"], steady["restarts"]) == ("running", 0)
    assert (tmp_path / "logs" / "flaky.log").read_text() == "started\n" * 4
    assert [line.split(" (pid")[0] for line in said if "exited" in line] == ["flaky"] * 3
    assert "restart 3 of 3 within 60 s, in 0.2 s" in said[-3]
    assert said[-1].startswith("flaky keeps crashing: 4 exits within 60 s (last: exit code 3)")
    await sup.stop()
    assert states(tmp_path)["steady"]["state"] == "stopped" and states(tmp_path)["flaky"]["state"] == "failed"


async def test_a_stop_during_the_backoff_starts_nothing(tmp_path: Path) -> None:
    said: list[str] = []
    sup = supervisor(tmp_path, RestartPolicy(backoff=30), said)
    sup.start(sh(tmp_path, "crashes", "exit 1"))
    await wait_for(lambda: states(tmp_path)["crashes"]["state"] == "restarting", timeout=10)
    pid = states(tmp_path)["crashes"]["pid"]
    began = time.monotonic()
    await sup.stop()
    assert time.monotonic() - began < 1, "the stop did not wait for the backoff"
    assert states(tmp_path)["crashes"] | {"state": "stopped", "pid": pid, "restarts": 0} == states(tmp_path)["crashes"]
    assert not any("started again" in line for line in said)


async def test_a_stop_signals_the_children_and_kills_one_that_ignores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(children, "STOP_GRACE", 0.5)
    sup = supervisor(tmp_path, RestartPolicy(), [])
    stubborn = sh(tmp_path, "stubborn", "trap '' TERM; echo ready; while :; do sleep 0.1; done")
    polite = Child("polite", [sys.executable, "-c", "import time; time.sleep(60)"], dict, tmp_path / "polite.log")
    sup.start(stubborn)
    sup.start(polite)
    await wait_for(lambda: "ready" in stubborn.log.read_text(), timeout=10)
    await sup.stop()
    assert stubborn.proc is not None and stubborn.proc.returncode == -signal.SIGKILL
    assert polite.proc is not None and polite.proc.returncode == -signal.SIGTERM
    assert {s["state"] for s in states(tmp_path).values()} == {"stopped"}
