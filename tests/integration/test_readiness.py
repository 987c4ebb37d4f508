"""Start-up readiness: a command a service cannot take yet is answered `service_starting` (nothing recorded),
a service that is not running is reported at once by NATS, and `emulation up` prints its URLs only when every
service takes its commands.

A service is held in its build by the build lock every process takes while it creates its tables
(`shared/infra/leader.py: building`): holding it here keeps the services starting for as long as the test needs.
"""

from __future__ import annotations

import asyncio
import copy
import fcntl
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nats
import pytest

from emulation.client import send
from emulation.demo import load_scenario
from emulation.readiness import answers
from emulation.supervisor import create_streams
from services import catalogue
from shared.events.envelope import command_subject
from tests.support.embedded import Up
from tests.support.secured import Secured
from tests.support.system import wait_for

pytestmark = pytest.mark.integration


@contextmanager
def build_lock(data: Path) -> Iterator[None]:
    """Hold the lock a service takes to build itself (SQLite stores): no service of this data dir gets past it."""
    (data / "locks").mkdir(parents=True, exist_ok=True)
    with open(data / "locks" / "build.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


async def reply(nc: Any, command: str, body: bytes) -> dict[str, Any] | None:
    try:
        return dict(json.loads((await nc.request(command_subject(command), body, timeout=2)).data))
    except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
        return None


def launch() -> dict[str, Any]:
    return {**copy.deepcopy(load_scenario()["campaign"]), "command_id": str(uuid.uuid4()), "actor": "van-phong-so"}


async def test_a_starting_service_answers_service_starting_then_takes_the_same_command(tmp_path: Path) -> None:
    s = Secured(tmp_path)
    try:
        await create_streams(s.as_user("admin"))
        portal = await s.connect("portal")
        body = launch()
        raw = json.dumps(body).encode()
        with build_lock(s.data):
            key = s.start("registry", "commands")

            async def starting() -> dict[str, Any] | None:
                answer = await reply(portal, "launch_campaign", raw)  # a city system, through its account import
                return answer if answer and answer["error"]["code"] == "service_starting" else None

            refused = await wait_for(starting, timeout=60)
            assert refused["ok"] is False and refused["error"]["field"] is None
            assert "send the same command again, with the same command_id" in refused["error"]["message"]
            assert not (s.data / "registry-events.db").exists() or not s.system.stored_topics("registry")

        accepted = await send(portal, "launch_campaign", body, retry_for=60)  # the same body, the same command_id
        assert accepted["ok"] is True, accepted
        assert await send(portal, "launch_campaign", body) == accepted
        stored = s.system.stored_topics("registry")
        assert (stored["Campaign.Launched"], stored["CommandReceipt.Recorded"]) == (1, 1)  # recorded once

        s.system.stop(key)  # no process of the service at all: NATS says so at once, through the import too
        with pytest.raises(nats.errors.NoRespondersError):
            await portal.request(command_subject("launch_campaign"), raw, timeout=10)
        await portal.close()
    finally:
        s.stop()


async def test_no_command_goes_unanswered_while_the_service_takes_over_from_its_placeholder(tmp_path: Path) -> None:
    """City systems keep sending while the service becomes ready: each request is answered, by the placeholder
    or by the service, none is dropped at the handover (a request already delivered to the placeholder)."""
    s = Secured(tmp_path)
    try:
        await create_streams(s.as_user("admin"))
        portal = await s.connect("portal")
        codes: Counter[str] = Counter()
        unanswered: list[str] = []
        done = asyncio.Event()

        async def city_system() -> None:
            while not done.is_set():
                try:
                    # a dropped request gets no answer at all: wait long enough that a loaded machine's slow answer
                    # (CI once: 2 of 1,010 requests past 5 s) is not taken for one
                    msg = await portal.request(command_subject("register_unit"), b"{}", timeout=30)
                    codes[json.loads(msg.data)["error"]["code"]] += 1
                except nats.errors.NoRespondersError:  # the process is not subscribed yet
                    await asyncio.sleep(0.01)
                except nats.errors.TimeoutError as e:
                    unanswered.append(repr(e))

        with build_lock(s.data):
            s.start("registry", "commands")
            senders = [asyncio.create_task(city_system()) for _ in range(8)]
            await wait_for(lambda: codes["service_starting"] >= 50, timeout=60)
        try:
            await wait_for(lambda: codes["actor_mismatch"] >= 500, timeout=60)  # the service's own answer to `{}`
        finally:
            done.set()
            await asyncio.gather(*senders)
        assert not unanswered, (unanswered, codes)
        assert set(codes) == {"service_starting", "actor_mismatch"}
        await portal.close()
    finally:
        s.stop()


async def test_up_prints_its_urls_only_once_every_service_takes_its_commands(tmp_path: Path) -> None:
    with build_lock(tmp_path / "data"):
        up = Up(tmp_path, "--verbose")
        try:
            await wait_for(lambda: (up.data / "security.json").exists(), timeout=60)
            admin = await up.connect("admin")

            async def registry_starting() -> bool:
                answer = await reply(admin, "launch_campaign", b"{}")
                return bool(answer) and answer["error"]["code"] == "service_starting"  # type: ignore[index]

            await wait_for(registry_starting, timeout=60)
            status = up.out.read_text()
            assert "nats-server    listening on" in status
            assert "Workspace:" not in status and "Read API:" not in status and "Press Ctrl-C to stop." not in status
        except BaseException:
            up.stop()
            raise
    try:
        await up.ready()
        for entry in catalogue.answering():  # at once, on the first try
            for command in entry.command_names():
                assert await answers(admin, command), command
        status = up.out.read_text()
        for entry in catalogue.answering():
            assert f"  {entry.name:<14} takes its {len(entry.command_names())} commands\n" in status
        assert "  read API       listening on" in status and "FAILED" not in status

        logged = [json.loads(line) for line in up.err.read_text().splitlines() if line.startswith("{")]
        ready = {x["process"] for x in logged if x["message"] == "service ready: taking commands"}
        assert ready == {f"{entry.name}-commands" for entry in catalogue.answering()}
        assert "read-api" in {x["process"] for x in logged}
        await admin.close()
    finally:
        assert up.stop() == 0, up.terminal()
