"""`emulation up`: the embedded default — nats-server, the three services and the read API as child processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

import nats

from emulation import demo, natsd, security
from emulation import loop as eventloop
from services.read_api.access import create_token
from shared.infra.connect import connect
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
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.nats: subprocess.Popen[bytes] | None = None
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.security: dict[str, Any] = {}

    def start(self) -> None:
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        if natsd.port_in_use(s.api_port, s.api_host):
            raise OSError(f"port {s.api_port} is already in use: choose another with --api-port")
        conf, self.security = security.prepare(s.data_dir, s.nats_port)
        self.nats = natsd.start(s.nats_port, s.data_dir / "nats", log_file=s.data_dir / "nats-server.log", config=conf)
        eventloop.run(create_streams(self.identity("admin")))
        grants = {"EMULATION_ACTOR_GRANTS_FILE": str(s.data_dir / "actor-grants.json")}
        for key, service, args in service_processes():
            env = os.environ | self.child_env(service, args) | grants
            self.children[key] = subprocess.Popen([sys.executable, "-m", "emulation", *args], env=env)
        tokens = s.data_dir / "api-tokens.json"
        if not tokens.exists():
            for role in ("council", "auditor"):
                create_token(tokens, role)
        env = os.environ | replace(self.identity("api"), api_tokens_file=str(tokens)).to_env()
        self.children["api"] = subprocess.Popen([sys.executable, "-m", "emulation", "api"], env=env)
        natsd.wait_for_port(s.api_port, timeout=30, host=s.api_host)

    def child_env(self, service: str, args: list[str]) -> dict[str, str]:
        """The environment of a service process: each of its roles connects as that role's own identity."""
        roles = [args[i + 1] for i, a in enumerate(args) if a == "--role"] or ["commands", "relay", "views"]
        return security.service_identity(self.security, self.settings, service, roles).to_env()

    def identity(self, user: str) -> Settings:
        """These settings, connecting as `user` (a service, `admin`, or a city system such as `portal`)."""
        passwords = self.security["users"] | {x["name"]: x["password"] for x in self.security["systems"]}
        return replace(self.settings, nats_user=user, nats_password=passwords[user])

    def stop(self) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.nats is not None and self.nats.poll() is None:
            self.nats.send_signal(signal.SIGTERM)
            try:
                self.nats.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nats.kill()

    def crashed(self) -> str | None:
        for name, proc in self.children.items():
            if proc.poll() is not None:
                return name
        return None


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
    system = Embedded(settings)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops cleanly, like Ctrl-C
    try:
        system.start()
        if with_demo:
            count = eventloop.run(load_demo(system.identity("portal")))
            print(f"Demo loaded: the 2022 campaign of plan 5039/KH-STP-VP ({count} commands).", flush=True)
        print(f"Read API:  http://{settings.api_host}:{settings.api_port}  (docs at /docs)", flush=True)
        print(f"NATS URL:  {settings.nats_url}  (city systems send commands to emulation.cmd.<command>)", flush=True)
        print(f"Data dir:  {settings.data_dir.resolve()}", flush=True)
        print(f"NATS identities (owner-only): {(settings.data_dir / 'security.json').resolve()}", flush=True)
        print(f"Read API tokens (owner-only): {(settings.data_dir / 'api-tokens.json').resolve()}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while (name := system.crashed()) is None:
            time.sleep(0.5)
        print(f"{name} exited unexpectedly; stopping.", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
    except OSError as e:
        print(f"Cannot start: {e}", file=sys.stderr)
        raise SystemExit(1) from e
    finally:
        system.stop()
