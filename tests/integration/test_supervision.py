"""`emulation up` restarts what crashes, keeps serving meanwhile, and gives up only on what keeps crashing.

`emulation up` runs as a real subprocess (its own nats-server with authentication, every service
process, the read API) in a tmp data dir on free ports. City systems send commands as the `portal`
identity, each until acknowledged, with the same `command_id` when asked again (the contract's retry).
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import nats
import pytest

from emulation.client import starting
from emulation.demo import load_scenario
from emulation.supervisor import service_processes
from shared.infra.eventstore import event_id
from tests.support.embedded import Up
from tests.support.system import decode, stream_messages, wait_for

pytestmark = pytest.mark.integration

TIMEOUT = 5.0
"""Seconds a command may take before it is asked again (same command_id)."""
ANSWERS: dict[str, set[str]] = {
    "registry (commands)": {"register_unit"},
    "evaluation (commands)": {"set_evaluation_policy"},
    "notification (commands)": {"register_subscription"},
    "api": {"read"},
    "nats-server": {"register_unit", "set_evaluation_policy", "register_subscription"},
}
"""Which requests a process's death may leave unanswered until it is back; the other processes' deaths none."""
TARGETS = ("register_unit", "set_evaluation_policy", "register_subscription", "read")
EVENTS = {
    "register_unit": "unit_registered",
    "set_evaluation_policy": "evaluation_policy_set",
    "register_subscription": "subscription_registered",
}
STORED = {
    "register_unit": ("registry", "Unit.Registered"),
    "set_evaluation_policy": ("evaluation", "PolicyBook."),
    "register_subscription": ("notification", "Subscription.Registered"),
}
"""Where each command's event is stored, and its topic."""
ACTOR = "van-phong-so"
ACTORS = {"register_subscription": "system:portal"}
"""A webhook for every unit's notices is for city systems (docs/contract/notification.md, "Who may act")."""


@dataclass
class Load:
    """City systems and a reader at work while processes die."""

    nc: Any
    http: Any
    acked: dict[str, dict[str, str]] = field(default_factory=lambda: {name: {} for name in EVENTS})
    """command → command_id → the id of the event it recorded."""
    bodies: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {name: [] for name in EVENTS})
    """command → the bodies of its acknowledged commands."""
    answered: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[float, str, str]] = field(default_factory=list)
    """(when the request was sent, what it was, the error): each must be explained by a process down."""
    refused: list[dict[str, Any]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def command(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Send until answered, asking again with the same command_id after a timeout, while nobody answers or
        while the service is starting (`service_starting`), as the contract says."""
        payload = json.dumps(body).encode()
        while not self.stop.is_set():
            sent = time.monotonic()
            try:
                msg = await self.nc.request(f"emulation.cmd.{name}", payload, timeout=TIMEOUT)
            except (nats.errors.Error, TimeoutError) as e:
                self.failures.append((sent, name, repr(e)))
                await asyncio.sleep(0.05)
                continue
            reply: dict[str, Any] = json.loads(msg.data)
            if starting(reply):
                self.failures.append((sent, name, "service_starting"))
                await asyncio.sleep(0.05)
                continue
            if reply.get("ok"):
                self.acked.setdefault(name, {})[body["command_id"]] = reply["events"][0]["id"]
                self.bodies.setdefault(name, []).append(body)
                self.answered[name] += 1
            return reply
        return {"ok": False, "error": {"code": "stopped", "message": "the test stopped sending"}}

    async def send(self, name: str, body_of: Callable[[int], dict[str, Any]], worker: int) -> None:
        i = 0
        while not self.stop.is_set():
            body = {
                "command_id": str(uuid.uuid4()),
                "actor": ACTORS.get(name, ACTOR),
                **body_of(worker * 1_000_000 + i),
            }
            reply = await self.command(name, body)
            if not reply.get("ok"):
                self.refused.append(reply)
            i += 1

    async def read(self, unit_id: str) -> None:
        while not self.stop.is_set():
            sent = time.monotonic()
            try:
                r = await self.http.get(f"/v1/units/{unit_id}")
                assert r.status_code == 200, r.text
                self.answered["read"] += 1
            except Exception as e:
                self.failures.append((sent, "read", repr(e)))
            await asyncio.sleep(0.05)


def unit(i: int) -> dict[str, Any]:
    return {"unit_id": f"unit-{i}", "name": f"Đơn vị {i}", "kind": "department"}


def policy(i: int) -> dict[str, Any]:
    return {"campaign_id": "2022", "policy": {}}


def subscription(i: int) -> dict[str, Any]:
    return {
        "subscription_id": f"hook-{i}",
        "url": "http://127.0.0.1:9/hook",
        "secret": "s" * 16,
        "event_types": ["award_decided"],
    }


@pytest.fixture
async def up(tmp_path: Path) -> Any:
    system = Up(tmp_path)
    try:
        await system.ready()
        yield system
    finally:
        assert system.stop() == 0, system.terminal()


async def test_each_process_killed_under_load_comes_back_and_nothing_is_lost_or_doubled(up: Up) -> None:
    portal, admin, http = await up.connect("portal"), await up.connect("admin"), up.http()
    load = Load(portal, http)
    await prepare(up, load)
    workers = [asyncio.create_task(load.send("register_unit", unit, w)) for w in (1, 2, 3)]
    workers += [
        asyncio.create_task(load.send("set_evaluation_policy", policy, 4)),
        asyncio.create_task(load.send("register_subscription", subscription, 5)),
        asyncio.create_task(load.read("unit-0")),
    ]
    try:
        await serving(up, load)
        outages: list[tuple[str, float, float]] = []
        for name in [key for key, _, _ in service_processes()] + ["api", "nats-server"]:
            before = up.processes()[name]
            killed = time.monotonic()
            os.kill(before["pid"], signal.SIGKILL)

            def back(name: str = name, old: int = before["pid"]) -> bool:
                now = up.processes()[name]
                return now["state"] == "running" and now["pid"] != old

            await wait_for(back, timeout=30)
            await serving(up, load)
            outages.append((name, killed, time.monotonic()))
            after = up.processes()[name]
            assert (after["restarts"], after["last_exit"]) == (before["restarts"] + 1, "killed by SIGKILL")
    finally:  # a failure must not leave senders running (the test would never end)
        load.stop.set()
        await asyncio.gather(*workers, return_exceptions=True)

    assert not load.refused

    def explained(sent: float, target: str) -> bool:
        return any(target in ANSWERS.get(n, set()) and k - TIMEOUT - 1 <= sent <= b for n, k, b in outages)

    unexplained = [f for f in load.failures if not explained(f[0], f[1])]
    assert not unexplained, f"requests left unanswered while no process serving them was down: {unexplained[:5]}"
    durations = {name: round(b - k, 1) for name, k, b in outages}
    print(f"answered {dict(load.answered)}; {len(load.failures)} asked again; back and serving after {durations}")
    await exactly_once(up, admin, load)
    assert {s["state"] for s in up.processes().values()} == {"running"}
    await http.aclose()
    await portal.close()
    await admin.close()


async def prepare(up: Up, load: Load) -> None:
    """A campaign the evaluation knows (its policy can be set) and a unit the read API shows."""
    campaign = {**copy.deepcopy(load_scenario()["campaign"]), "command_id": str(uuid.uuid4()), "actor": ACTOR}
    assert (await load.command("launch_campaign", campaign))["ok"]
    assert (await load.command("register_unit", {"command_id": str(uuid.uuid4()), "actor": ACTOR, **unit(0)}))["ok"]

    async def policy_accepted() -> bool:
        body = {"command_id": str(uuid.uuid4()), "actor": ACTOR, **policy(0)}
        return bool((await load.command("set_evaluation_policy", body)).get("ok"))

    await wait_for(policy_accepted, timeout=30, interval=0.2)
    await wait_for(lambda: up.view_rows("registry", "SELECT 1 FROM reg_units WHERE unit_id = 'unit-0'"))
    load.failures.clear()  # only what happens once the system is prepared must be explained by an outage


def view_sizes(up: Up) -> dict[str, int]:
    return {
        "registry": up.view_rows("registry", "SELECT COUNT(*) FROM reg_units")[0][0],
        "evaluation": up.view_rows("evaluation", "SELECT COUNT(*) FROM units")[0][0],
        "notification": up.view_rows("notification", "SELECT COUNT(*) FROM units")[0][0],
        "audit": up.view_rows("audit", "SELECT COUNT(*) FROM audit")[0][0],
    }


async def serving(up: Up, load: Load, timeout: float = 60) -> None:
    """Wait until every kind of request has been answered and every view has grown since now."""
    answered, seen = Counter(load.answered), view_sizes(up)

    def stalled() -> list[str]:
        now = view_sizes(up)
        return [t for t in TARGETS if load.answered[t] <= answered[t]] + [v for v in now if now[v] <= seen[v]]

    await wait_for(lambda: not stalled(), timeout=timeout, interval=0.1)


async def exactly_once(up: Up, admin: Any, load: Load) -> None:
    """Every acknowledged command's event: stored once, on the stream once, in every view once."""
    for command, (service, topic) in STORED.items():
        acked = set(load.acked[command].values())
        assert len(acked) == len(load.acked[command]), f"{command}: two commands answered with one event"
        rows = up.store_rows(service, "SELECT originator_id, originator_version, topic FROM stored_events")
        assert acked == {event_id(UUID(o), v) for o, v, t in rows if topic in t}, f"{command}: store ≠ acknowledged"

        async def on_stream(event: str = EVENTS[command], n: int = len(acked)) -> list[Any] | None:
            msgs = await stream_messages(admin, f"emulation.events.*.{event}")
            return msgs if len(msgs) >= n else None

        ids = Counter(decode(m)["id"] for m in await wait_for(on_stream, timeout=60))
        assert set(ids) == acked and max(ids.values()) == 1, f"{command}: not on the stream exactly once"

        def in_audit(event: str = EVENTS[command], n: int = len(acked)) -> list[tuple[Any, ...]] | None:
            rows = up.view_rows("audit", "SELECT id FROM audit WHERE event_name = ?", (event,))
            return rows if len(rows) >= n else None

        audited = Counter(r[0] for r in await wait_for(in_audit, timeout=60))
        assert set(audited) == acked and max(audited.values()) == 1, f"{command}: not in the audit view exactly once"

    acked_units = {body["unit_id"] for body in load.bodies["register_unit"]}
    views = [
        ("registry", "SELECT unit_id FROM reg_units"),
        ("registry", "SELECT unit_id FROM reg_unit_history WHERE event = 'unit_registered'"),
        ("evaluation", "SELECT unit_id FROM units"),
        ("notification", "SELECT unit_id FROM units"),
    ]
    for service, sql in views:

        def caught_up(service: str = service, sql: str = sql) -> list[tuple[Any, ...]] | None:
            rows = up.view_rows(service, sql)
            return rows if len(rows) >= len(acked_units) else None

        units = Counter(r[0] for r in await wait_for(caught_up, timeout=60))
        assert set(units) == acked_units and max(units.values()) == 1, f"{service}: {sql}"
    hooks = {body["subscription_id"] for body in load.bodies["register_subscription"]}

    def subscribed() -> set[str] | None:  # its own events: the units above (the registry's) say nothing of them
        rows = {r[0] for r in up.view_rows("notification", "SELECT subscription_id FROM subscriptions")}
        return rows if len(rows) >= len(hooks) else None

    assert await wait_for(subscribed, timeout=60) == hooks


async def test_a_process_that_keeps_crashing_is_given_up_and_the_rest_keep_serving(tmp_path: Path) -> None:
    # a misconfiguration only the notification service reads: both its processes exit at once, every time
    up = Up(tmp_path, EMULATION_NOTIFY_POLL="soon", EMULATION_RESTART_BACKOFF="0.1", EMULATION_RESTART_LIMIT="2")
    try:
        await up.ready()
        crashing = ["notification (commands)", "notification (relay, views)"]

        def given_up() -> bool:
            return all(up.processes()[name]["state"] == "failed" for name in crashing)

        await wait_for(given_up, timeout=60, interval=0.2)
        for name in crashing:
            state = up.processes()[name]
            assert (state["restarts"], state["last_exit"]) == (2, "exit code 2")
            assert "invalid settings: EMULATION_NOTIFY_POLL='soon'" in Path(state["log"]).read_text()
            assert f"{name} keeps crashing: 3 exits within 60 s (last: exit code 2)" in up.terminal()
            assert f"Log: {state['log']}" in up.terminal()
        records = [json.loads(line) for line in (up.data / "logs" / "supervisor.log").read_text().splitlines()]
        gave_up = [r for r in records if r["level"] == "error"]
        assert sorted(r["child"] for r in gave_up) == sorted(crashing)
        assert all(r["exits"] == 3 and r["exit_code"] == 2 for r in gave_up)
        restarted = [r for r in records if r["message"] == "process exited unexpectedly; restarting"]
        assert sorted((r["child"], r["attempt"], r["delay"]) for r in restarted) == sorted(
            (name, n, 0.1 * 2 ** (n - 1)) for name in crashing for n in (1, 2)
        )

        status = up.out.read_text()  # the start-up status named what failed, and the URLs came all the same
        assert "  notification   FAILED: notification (" in status and ") keeps crashing (last: exit code 2)" in status
        assert "Not ready: notification (see above); everything else is running." in status
        assert "  registry       takes its" in status and "Read API:" in status
        assert up.proc.poll() is None, "emulation up keeps running"
        others = {name: s for name, s in up.processes().items() if name not in crashing}
        assert all(s["state"] == "running" and s["restarts"] == 0 for s in others.values()), others
        portal = await up.connect("portal")
        load = Load(portal, up.http())
        body = {"command_id": str(uuid.uuid4()), "actor": "system:portal", **unit(1)}  # no campaign named an Office
        assert (await load.command("register_unit", body))["ok"]

        async def readable() -> bool:
            return (await load.http.get("/v1/units/unit-1")).status_code == 200

        await wait_for(readable, timeout=30)
        with pytest.raises(nats.errors.NoRespondersError):  # no process of the service: NATS says so at once,
            await portal.request("emulation.cmd.register_subscription", b"{}", timeout=10)  # through the import too
        await load.http.aclose()
        await portal.close()
    finally:
        assert up.stop(signal.SIGINT) == 0, up.terminal()  # Ctrl-C
