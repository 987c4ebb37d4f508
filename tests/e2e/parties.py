"""The parties of the public contract in the end-to-end tests, each using only what the contract gives it.

The department's portal is a city system in its own NATS account (commands through its imports, events on the
subjects granted to it); readers use the read API over HTTP with their bearer token (or none: the public);
the operator uses the `emulation` command line on the machine of `emulation up` (tokens, ballot checks).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

import httpx

from emulation.client import send
from tests.support.embedded import Up
from tests.support.system import ROOT, wait_for

NOT_YET = {"unknown_campaign", "unknown_block", "unit_not_in_campaign", "unknown_unit", "not_allowed"}
"""What the evaluation answers while its views have not yet seen the registry's facts a command needs."""


class Portal:
    """The department's portal: a city system that sends commands over NATS and reads the events granted to it."""

    def __init__(self, nc: Any) -> None:
        self.nc = nc
        self.events: list[dict[str, Any]] = []

    async def listen(self) -> None:
        async def keep(msg: Any) -> None:
            self.events.append(json.loads(msg.data))

        await self.nc.subscribe("emulation.events.>", cb=keep)
        await self.nc.flush()

    def of(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"].rsplit(".v", 1)[0] == name]

    async def send(self, command: str, actor: str, **fields: Any) -> dict[str, Any]:
        body = {"command_id": str(uuid.uuid4()), "actor": actor, **fields}
        return await send(self.nc, command, body, retry_for=30)

    async def ok(self, command: str, actor: str, **fields: Any) -> dict[str, Any]:
        reply = await self.send(command, actor, **fields)
        assert reply["ok"], (command, fields, reply)
        return reply

    async def refused(self, command: str, actor: str, **fields: Any) -> dict[str, Any]:
        reply = await self.send(command, actor, **fields)
        assert reply["ok"] is False, (command, fields, reply)
        return dict(reply["error"])

    async def once_known(self, command: str, actor: str, **fields: Any) -> dict[str, Any]:
        """Send until the evaluation knows the registry's facts the command needs: the same body (same
        `command_id`) again while it answers that it does not know them yet, as a city system would."""
        body = {"command_id": str(uuid.uuid4()), "actor": actor, **fields}

        async def taken() -> dict[str, Any] | None:
            reply = await send(self.nc, command, body, retry_for=30)
            return reply if reply["ok"] or reply["error"]["code"] not in NOT_YET else None

        reply: dict[str, Any] = await wait_for(taken, timeout=60, interval=0.2)
        assert reply["ok"], (command, fields, reply)
        return reply


class Reader:
    """The read API as one role sees it (council, auditor, unit:<id>, or the public without a token)."""

    def __init__(self, up: Up, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{up.api_port}", headers=headers, timeout=10)

    async def get(self, path: str, **params: Any) -> Any:
        r = await self.http.get(path, params=params)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()

    async def known(self, path: str, **params: Any) -> Any:
        """`get`, or None while the views have not yet seen what `path` names (404): to wait on, after commands."""
        r = await self.http.get(path, params=params)
        if r.status_code == 404:
            return None
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()

    async def status(self, path: str) -> int:
        return (await self.http.get(path)).status_code


def emulation(up: Up, *args: str) -> subprocess.CompletedProcess[str]:
    """The `emulation` command line on the machine of `emulation up` (its data dir)."""
    env = os.environ | {"PYTHONPATH": str(ROOT), "EMULATION_DATA_DIR": str(up.data)}
    return subprocess.run(
        [sys.executable, "-m", "emulation", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def token(up: Up, role: str) -> str:
    """An operator's token for `role`: the council and auditor ones `up` wrote, others made with the CLI."""
    tokens: dict[str, str] = json.loads((up.data / "api-tokens.json").read_text())
    found = [t for t, r in tokens.items() if r == role]
    if found:
        return found[0]
    made = emulation(up, "token", "create", role)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()
