"""`emulation up`: the embedded default — nats-server, the three services and the read API as child processes.

Each child is restarted when it exits unexpectedly (`emulation/children.py`, under `emulation/restarts.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import nats

from emulation import demo, natsd, security
from emulation import loop as eventloop
from emulation.children import Child, Supervisor, slug
from emulation.restarts import RestartPolicy
from services.read_api.access import create_token
from shared.infra.connect import connect
from shared.infra.logs import JsonFormatter
from shared.infra.runtime import ROLES
from shared.infra.settings import Settings
from shared.infra.stream import ensure_stream

PROCESSES: dict[str, list[tuple[str, ...]]] = {
    name: [("commands",), ("relay", "views")] for name in ("registry", "evaluation", "notification")
} | {"audit": [("views",)]}
"""Each service's processes and their roles. Commands get a process of their own: their event loop and
writer then share no interpreter lock with the relay and the view consumers (on 2 cores, 10–60 % more
commands per second end to end, measured with the command benchmark)."""


def service_processes() -> list[tuple[str, str, list[str]]]:
    """(name of the process, its service, its `emulation` arguments) for every process of `PROCESSES`."""
    return [
        (f"{name} ({', '.join(roles)})", name, ["run", name, *[a for role in roles for a in ("--role", role)]])
        for name, split in PROCESSES.items()
        for roles in split
    ]


class Embedded:
    """The processes of one data dir: nats-server, every service process, the read API, each supervised."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.security: dict[str, Any] = {}
        self.logs = settings.data_dir / "logs"
        self.supervisor = Supervisor(settings.data_dir / "processes.json", RestartPolicy.from_settings(settings), say)

    async def start(self) -> None:
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        for port, host, flag in ((s.api_port, s.api_host, "--api-port"), (s.nats_port, "127.0.0.1", "--nats-port")):
            if natsd.port_in_use(port, host):
                raise OSError(f"port {port} is already in use: choose another with {flag}")
        conf, self.security = security.prepare(s.data_dir, s.nats_port)
        argv = [natsd.binary(), "-c", str(conf)]
        nats_server = Child("nats-server", argv, lambda: dict(os.environ), self.log("nats-server"), stop_last=True)
        self.supervisor.start(nats_server)
        await listening(nats_server, s.nats_port, "127.0.0.1", timeout=10)
        await create_streams(self.identity("admin"))
        for key, service, args in service_processes():
            self.supervisor.start(self.child(key, service, args))
        tokens = s.data_dir / "api-tokens.json"
        if not tokens.exists():
            for role in ("council", "auditor"):
                create_token(tokens, role)
        api = self.child("api", "api", ["api"])
        self.supervisor.start(api)
        await listening(api, s.api_port, s.api_host, timeout=30)

    def child(self, key: str, service: str, args: list[str]) -> Child:
        return Child(
            key, [sys.executable, "-m", "emulation", *args], partial(self.child_env, service, args), self.log(key)
        )

    def child_env(self, service: str, args: list[str]) -> dict[str, str]:
        """The environment of a process of `service` (`api`: the read API) run with `args`, at every start: each
        of its roles connects as that role's own identity."""
        if service == "api":
            tokens = self.settings.data_dir / "api-tokens.json"
            return os.environ | replace(self.identity("api"), api_tokens_file=str(tokens)).to_env()
        grants = {"EMULATION_ACTOR_GRANTS_FILE": str(self.settings.data_dir / "actor-grants.json")}
        roles = [role for flag, role in zip(args, args[1:], strict=False) if flag == "--role"] or list(ROLES)
        return os.environ | security.service_identity(self.security, self.settings, service, roles).to_env() | grants

    def log(self, key: str) -> Path:
        return self.logs / f"{slug(key)}.log"

    def identity(self, user: str) -> Settings:
        """These settings, connecting as `user` (a service, `admin`, or a city system such as `portal`)."""
        passwords = self.security["users"] | {x["name"]: x["password"] for x in self.security["systems"]}
        return replace(self.settings, nats_user=user, nats_password=passwords[user])


def say(line: str) -> None:
    """A line for the person at the terminal (the JSON records go to logs/supervisor.log)."""
    print(line, file=sys.stderr, flush=True)


async def listening(child: Child, port: int, host: str, timeout: float) -> None:
    """Wait until `child` accepts connections on `port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise OSError(f"{child.name} does not listen on {host}:{port} after {timeout:g} s; see {child.log}")


async def create_streams(admin: Settings) -> None:
    """Only the administrator may create the streams; services find them ready."""
    from services.notification.adapters.channels import ensure_notifications_stream

    nc = await connect(admin)
    try:
        js = nc.jetstream()
        await ensure_stream(js, admin.stream_replicas)
        await ensure_notifications_stream(js)
    finally:
        await nc.close()


async def load_demo(settings: Settings, timeout: float = 30.0) -> int:
    nc = await connect(settings)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return len(await demo.load(nc))
            except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
    finally:
        await nc.close()


def up(settings: Settings, with_demo: bool) -> None:
    settings = replace(settings, nats_url=f"nats://127.0.0.1:{settings.nats_port}")
    if eventloop.run(run(settings, with_demo)) != 0:
        raise SystemExit(1)


async def run(settings: Settings, with_demo: bool) -> int:
    """Start everything, keep it running until Ctrl-C, SIGTERM or SIGHUP, then stop everything; the exit code."""
    system = Embedded(settings)
    configure_log(system.logs / "supervisor.log")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(start(system, with_demo))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
        else:
            starting.result()
            await stopping
        print("\nStopping…", flush=True)
        return 0
    except OSError as e:
        print(f"Cannot start: {e}", file=sys.stderr)
        return 1
    finally:
        stopping.cancel()
        await system.supervisor.stop()


async def start(system: Embedded, with_demo: bool) -> None:
    settings = system.settings
    await system.start()
    if with_demo:
        count = await load_demo(system.identity("portal"))
        print(f"Demo loaded: the 2022 campaign of plan 5039/KH-STP-VP ({count} commands).", flush=True)
    print(f"Read API:  http://{settings.api_host}:{settings.api_port}  (docs at /docs)", flush=True)
    print(f"NATS URL:  {settings.nats_url}  (city systems send commands to emulation.cmd.<command>)", flush=True)
    print(f"Data dir:  {settings.data_dir.resolve()}", flush=True)
    print(f"NATS identities (owner-only): {(settings.data_dir / 'security.json').resolve()}", flush=True)
    print(f"Read API tokens (owner-only): {(settings.data_dir / 'api-tokens.json').resolve()}", flush=True)
    print(
        f"Processes: {(settings.data_dir / 'processes.json').resolve()}; their logs in {system.logs.resolve()}",
        flush=True,
    )
    print("Press Ctrl-C to stop.", flush=True)


def configure_log(path: Path) -> None:
    """The supervisor's own records, as JSON lines in `path`; the terminal gets only the lines for people."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("emulation.supervisor")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
