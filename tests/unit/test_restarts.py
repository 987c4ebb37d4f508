"""The restart policy of `emulation up`: backoff and budget, on a fake clock."""

from __future__ import annotations

import pytest

from emulation.restarts import Decision, RestartPolicy, Restarts
from shared.infra.settings import Settings

pytestmark = pytest.mark.unit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_crash_loop_waits_longer_each_time_then_is_given_up() -> None:
    clock = FakeClock()
    restarts = Restarts(RestartPolicy(backoff=0.5, backoff_max=30, limit=5, window=60), clock)
    decisions = []
    for _ in range(6):
        decisions.append(restarts.exited())
        clock.now += 1
    assert decisions == [
        Decision(True, 0.5, 1),
        Decision(True, 1.0, 2),
        Decision(True, 2.0, 3),
        Decision(True, 4.0, 4),
        Decision(True, 8.0, 5),
        Decision(False, 0.0, 6),
    ]


def test_the_wait_is_capped() -> None:
    clock = FakeClock()
    restarts = Restarts(RestartPolicy(backoff=1, backoff_max=3, limit=10, window=60), clock)
    assert [restarts.exited().delay for _ in range(4)] == [1, 2, 3, 3]


def test_crashes_far_apart_are_always_restarted_after_the_first_wait() -> None:
    clock = FakeClock()
    restarts = Restarts(RestartPolicy(backoff=0.5, limit=2, window=60), clock)
    for _ in range(10):
        assert restarts.exited() == Decision(True, 0.5, 1)
        clock.now += 60


def test_only_exits_within_the_window_count() -> None:
    clock = FakeClock()
    restarts = Restarts(RestartPolicy(backoff=0.5, limit=2, window=60), clock)
    assert restarts.exited().restart
    clock.now += 40
    assert restarts.exited() == Decision(True, 1.0, 2)
    clock.now += 30  # the first exit is now 70 s old
    assert restarts.exited() == Decision(True, 1.0, 2)
    assert restarts.exited() == Decision(False, 0.0, 3)


def test_the_policy_comes_from_settings() -> None:
    env = {
        "EMULATION_RESTART_BACKOFF": "0.1",
        "EMULATION_RESTART_BACKOFF_MAX": "2",
        "EMULATION_RESTART_LIMIT": "3",
        "EMULATION_RESTART_WINDOW": "30",
    }
    assert RestartPolicy.from_settings(Settings.from_env(env)) == RestartPolicy(0.1, 2.0, 3, 30.0)
    assert RestartPolicy.from_settings(Settings()) == RestartPolicy()
