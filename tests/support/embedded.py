"""`emulation up` as a real subprocess: a tmp data dir, free ports, its terminal output in files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from emulation import natsd
from shared.infra.connect import connect
from shared.infra.settings import Settings
from tests.support.system import ROOT, wait_for


class Up:
    def __init__(self, root: Path, *options: str, **env: str) -> None:
        """`emulation up` with a data dir under `root`, free ports, `options` (`--demo`, `--verbose`) and `env`."""
        self.root = root
        self.data = root / "data"
        self.nats_port, self.api_port = natsd.free_port(), natsd.free_port()
        self.out, self.err = root / "up.out", root / "up.err"
        args = [
            "up",
            "--data-dir",
            str(self.data),
            "--nats-port",
            str(self.nats_port),
            "--api-port",
            str(self.api_port),
            *options,
        ]
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "emulation", *args],
                stdout=out,
                stderr=err,
                cwd=ROOT,
                env=os.environ | {"PYTHONPATH": str(ROOT)} | env,
            )

    async def ready(self, timeout: float = 180) -> None:
        """Until `up` says it is ready: every service takes its commands (or has failed), the read API listens."""

        def started() -> bool:
            assert self.proc.poll() is None, f"emulation up exited: {self.terminal()}"
            return "Press Ctrl-C to stop." in self.out.read_text()

        await wait_for(started, timeout=timeout, interval=0.2)

    def terminal(self) -> str:
        """What a person at the terminal saw (stdout, then stderr)."""
        return self.out.read_text() + self.err.read_text()

    def processes(self) -> dict[str, dict[str, Any]]:
        data: dict[str, dict[str, Any]] = json.loads((self.data / "processes.json").read_text())
        return data

    def settings(self, user: str) -> Settings:
        config = json.loads((self.data / "security.json").read_text())
        passwords = config["users"] | {s["name"]: s["password"] for s in config["systems"]}
        url = f"nats://127.0.0.1:{self.nats_port}"
        return Settings(data_dir=self.data, nats_url=url, nats_user=user, nats_password=passwords[user])

    async def connect(self, user: str) -> Any:
        async def quiet(e: Exception) -> None:  # the test kills nats-server on purpose
            pass

        return await connect(self.settings(user), error_cb=quiet, reconnect_time_wait=0.2)

    def http(self) -> httpx.AsyncClient:
        """A read API client with the council's token."""
        tokens = json.loads((self.data / "api-tokens.json").read_text())
        council = next(token for token, role in tokens.items() if role == "council")
        return httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.api_port}", headers={"Authorization": f"Bearer {council}"}, timeout=5
        )

    def view_rows(self, service: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.data / f'{service}-views.db'}?mode=ro", uri=True, timeout=10) as db:
            return list(db.execute(sql, params))

    def store_rows(self, service: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.data / f'{service}-events.db'}?mode=ro", uri=True, timeout=10) as db:
            return list(db.execute(sql, params))

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """SIGTERM (as `kill` sends) or SIGINT (Ctrl-C); returns up's exit code once every child is gone."""
        pids = (
            [p["pid"] for p in self.processes().values() if p["pid"]] if (self.data / "processes.json").exists() else []
        )
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        alive = [pid for pid in pids if _alive(pid)]
        for pid in alive:  # never leave a child behind, even when the test failed
            os.kill(pid, signal.SIGKILL)
        assert not alive, f"children left running after emulation up stopped: {alive}"
        return code


def _alive(pid: int) -> bool:
    """Running (a zombie whose parent is gone counts as gone: PID 1 of a container may never reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
