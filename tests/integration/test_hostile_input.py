"""Hostile commands: random payloads for every command and random bytes on command subjects.

Every reply is a structured error (or a success), never a timeout; the services stay up and do not
grow without bound.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulation.readiness import answering
from services import catalogue
from shared.events.catalog import COMMAND_TYPES
from tests.support.system import NatsServer, System

pytestmark = pytest.mark.integration
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
SERVICES = ("registry", "evaluation", "notification")


class Client:
    """A NATS connection on its own event loop thread, so hypothesis can drive it from plain tests."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.nc: Any = self.run(nats.connect(url))

    def run(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def request(self, subject: str, body: bytes) -> dict[str, Any]:
        msg = self.run(self.nc.request(subject, body, timeout=5))
        reply: dict[str, Any] = json.loads(msg.data)
        return reply

    def close(self) -> None:
        self.run(self.nc.close())
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[System, Client]]:
    root: Path = tmp_path_factory.mktemp("hostile")
    server = NatsServer(root / "nats")
    server.start()
    (root / "data").mkdir()
    system = System(root / "data", server.url)
    for service in SERVICES:
        system.start(service)
    client = Client(server.url)
    commands = [c for s in SERVICES for c in catalogue.service(s).command_names()]
    client.run(answering(client.nc, commands, timeout=80), timeout=90)  # until every service takes its commands
    yield system, client
    client.close()
    system.stop_all()
    server.stop()


def assert_structured(reply: dict[str, Any]) -> None:
    assert isinstance(reply.get("ok"), bool)
    if not reply["ok"]:
        error = reply["error"]
        assert CODE.match(error["code"]), error
        assert isinstance(error["message"], str) and error["message"]
        assert error.get("field") is None or isinstance(error["field"], str)
        assert error["code"] != "internal_error", error


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)


@st.composite
def payloads(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(sorted(COMMAND_TYPES)))
    fields = list(COMMAND_TYPES[name].model.model_fields)
    keys = draw(st.lists(st.sampled_from(fields) | st.text(max_size=12), max_size=len(fields) + 2))
    body = {k: draw(json_values) for k in keys}
    if draw(st.booleans()):
        body |= {"command_id": str(uuid.uuid4()), "actor": "van-phong-so"}
    return name, body


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(payloads())
def test_random_payloads_for_every_command_get_structured_replies(
    hostile: tuple[System, Client], case: tuple[str, dict[str, Any]]
) -> None:
    name, body = case
    assert_structured(hostile[1].request(f"emulation.cmd.{name}", json.dumps(body, allow_nan=True).encode()))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(COMMAND_TYPES) + ["nope", "a.b"]), st.binary(max_size=2000))
def test_random_bytes_on_command_subjects_get_structured_replies(
    hostile: tuple[System, Client], name: str, raw: bytes
) -> None:
    assert_structured(hostile[1].request(f"emulation.cmd.{name}", raw))


def base(**fields: Any) -> bytes:
    from emulation.demo import load_scenario

    body = {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **load_scenario()["campaign"], **fields}
    return json.dumps(body, allow_nan=True).encode()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"\xff\xfe\xfa", "invalid_json"),
        (base(title="bad\x07title"), "invalid_field"),
        (base(theme="x" * 200_000), "invalid_field"),
        (b'{"title": "' + b"x" * 1_000_000 + b'"}', "payload_too_large"),
        (base(year=float("nan")), "invalid_json"),  # NaN and Infinity are not JSON
        (base(year=float("inf")), "invalid_json"),
        (base(year=-2022), "invalid_field"),
        (base(year=99999), "invalid_field"),
        (base(period_end="9999-12-31"), "invalid_field"),
        (base(campaign_id="2022.*"), "invalid_id"),
        (base(secretariat_unit_id="van phong"), "invalid_id"),
    ],
    ids=[
        "non-utf8",
        "control-char",
        "200k-string",
        "1mb-body",
        "nan",
        "inf",
        "negative",
        "far-year",
        "far-future-date",
        "wildcard-id",
        "space-id",
    ],
)
def test_each_hostile_input_class_is_refused_with_its_code(
    hostile: tuple[System, Client], body: bytes, code: str
) -> None:
    reply = hostile[1].request("emulation.cmd.launch_campaign", body)
    assert reply["ok"] is False and reply["error"]["code"] == code, reply


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_services_survive_and_do_not_grow_without_bound(hostile: tuple[System, Client]) -> None:
    system, client = hostile
    before = {k: rss_kb(p.pid) for k, p in system.procs.items()}
    garbage = [b"{", b"\x00" * 1000, base(campaign_id="x y"), json.dumps({"command_id": "x"}).encode()]
    for i in range(2000):
        assert_structured(client.request("emulation.cmd.launch_campaign", garbage[i % len(garbage)]))
    after = {k: rss_kb(p.pid) for k, p in system.procs.items()}
    assert all(p.poll() is None for p in system.procs.values()), "a service crashed"
    for key in before:
        assert after[key] - before[key] < 20_000, f"{key} grew from {before[key]} kB to {after[key]} kB"
