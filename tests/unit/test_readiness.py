"""When a service counts as taking its commands, and when `emulation up` stops waiting for it (no NATS here)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import nats
import pytest

from emulation.readiness import NotAnswering, Outcome, answering, answers, line

pytestmark = pytest.mark.unit
STARTING = {"ok": False, "error": {"code": "service_starting", "message": "…", "field": None}}
MISSING = {
    "ok": False,
    "error": {"code": "missing_field", "message": "command_id: Field required", "field": "command_id"},
}


@dataclass
class Msg:
    data: bytes


@dataclass
class FakeNats:
    """Answers each subject from a script: a reply, or an exception to raise; the last entry repeats."""

    script: dict[str, list[Any]]
    asked: list[tuple[str, bytes]] = field(default_factory=list)

    async def request(self, subject: str, payload: bytes, timeout: float) -> Msg:
        self.asked.append((subject, payload))
        steps = self.script[subject]
        step = steps.pop(0) if len(steps) > 1 else steps[0]
        if isinstance(step, Exception):
            raise step
        return Msg(json.dumps(step).encode())


async def test_only_an_answer_from_the_service_itself_counts() -> None:
    nc = FakeNats(
        {
            "emulation.cmd.a": [nats.errors.NoRespondersError()],
            "emulation.cmd.b": [nats.errors.TimeoutError()],
            "emulation.cmd.c": [STARTING],
            "emulation.cmd.d": [MISSING],
        }
    )
    assert [await answers(nc, c) for c in "abcd"] == [False, False, False, True]
    assert {payload for _, payload in nc.asked} == {b"{}"}  # refused by validation: records nothing


async def test_waits_until_every_command_is_taken_asking_only_for_those_not_yet_taken() -> None:
    nc = FakeNats(
        {
            "emulation.cmd.a": [nats.errors.NoRespondersError(), STARTING, MISSING],
            "emulation.cmd.b": [MISSING],
        }
    )
    await answering(nc, ["a", "b"], timeout=10, interval=0)
    assert [s for s, _ in nc.asked] == ["emulation.cmd.a", "emulation.cmd.b", "emulation.cmd.a", "emulation.cmd.a"]


async def test_stops_waiting_when_the_service_failed_or_the_time_ran_out() -> None:
    nc = FakeNats({"emulation.cmd.a": [STARTING]})
    with pytest.raises(NotAnswering, match="registry \\(commands\\) keeps crashing"):
        await answering(nc, ["a"], timeout=10, failed=lambda: "registry (commands) keeps crashing", interval=0)
    with pytest.raises(NotAnswering, match="a not answered after 0.05 s"):
        await answering(nc, ["a"], timeout=0.05, interval=0.01)


def test_a_status_line_says_what_failed() -> None:
    assert line(Outcome("registry", True, "takes its 11 commands")) == "  registry       takes its 11 commands"
    assert line(Outcome("notification", False, "x keeps crashing")) == "  notification   FAILED: x keeps crashing"
