"""The embedded default for a benchmark phase: a real nats-server on a free port and services as processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from emulation import natsd, security
from shared.infra.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def note(what: str) -> None:
    """A progress line of a long phase, on stderr (the tables go to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a live process, in MB."""
    return memory_mb(pid)["peak"]


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (resident now, "rss") and VmHWM (peak resident, "peak") of a live process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            found["rss" if line.startswith("VmRSS:") else "peak"] = int(line.split()[1]) / 1024
    if len(found) < 2:
        raise RuntimeError(f"no VmRSS or VmHWM for {pid}")
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Cluster:
    """One phase's nats-server, data dir and service processes (started like tests/support/system.py).

    `secured`: the server runs with the generated accounts and every process under its own identity, as
    `emulation up` runs them (`emulation/security.py`): the city systems publish only through their accounts.
    """

    def __init__(self, data_dir: Path, secured: bool = False, **overrides: Any) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.port = natsd.free_port()
        self.settings = Settings(
            data_dir=data_dir,
            nats_url=f"nats://127.0.0.1:{self.port}",
            nats_port=self.port,
            api_port=natsd.free_port(),
            **({"log_level": "WARNING"} | overrides),
        )
        self.security: dict[str, Any] = {}
        conf = None
        if secured:
            conf, self.security = security.prepare(data_dir, self.port)
            self.settings = self.settings.replace(actor_grants_file=str(data_dir / "actor-grants.json"))
        self.conf = conf
        self.nats = self.start_nats()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return self.settings.nats_url

    def env(self, settings: Settings | None = None) -> dict[str, str]:
        return os.environ | (settings or self.settings).to_env() | {"PYTHONPATH": str(ROOT)}

    def identity(self, user: str) -> Settings:
        """These settings, connecting as `user` (a service's role, `admin`, a city system such as `one-stop`)."""
        passwords = self.security["users"] | {x["name"]: x["password"] for x in self.security["systems"]}
        return self.settings.replace(nats_user=user, nats_password=passwords[user])

    async def create_streams(self) -> None:
        """On a secured server only `admin` creates the streams (and the city systems' feeds)."""
        from emulation.supervisor import create_streams

        await create_streams(self.identity("admin"), self.security["systems"])

    def start(self, key: str, *args: str, settings: Settings | None = None) -> subprocess.Popen[bytes]:
        log = open(self.settings.data_dir / f"{key}.log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "emulation", *args], env=self.env(settings), stdout=log, stderr=log, cwd=ROOT
        )
        self.procs[key] = proc
        return proc

    def service(self, name: str, *roles: str) -> subprocess.Popen[bytes]:
        return self.start(name, "run", name, *[a for r in roles for a in ("--role", r)])

    def start_nats(self) -> subprocess.Popen[bytes]:
        """nats-server on this phase's port and storage (again, after `stop_nats`: a restart on the same data)."""
        data_dir = self.settings.data_dir
        return natsd.start(self.port, data_dir / "nats", log_file=data_dir / "nats.log", config=self.conf)

    def stop_nats(self) -> None:
        self.nats.terminate()
        self.nats.wait(60)

    def embedded(self, relays: bool | Collection[str] = True) -> list[str]:
        """Every service process as `emulation up` starts them (the catalogue's `processes`); returns their keys.

        `relays=False` leaves the relay role out: over a history generated straight onto the stream, with no
        store behind it, a relay rightly refuses to resume (`Relay.last_published`), and it would have nothing
        to publish anyway. A collection of service names keeps those services' relays only.
        """
        from emulation.supervisor import service_processes

        keys = []
        for key, service, args in service_processes():
            roles = [role for flag, role in zip(args, args[1:], strict=False) if flag == "--role"]
            relay = relays if isinstance(relays, bool) else service in relays
            kept = [role for role in roles if relay or role != "relay"]
            settings = security.service_identity(self.security, self.settings, service, kept) if self.security else None
            self.start(key, "run", service, *[a for role in kept for a in ("--role", role)], settings=settings)
            keys.append(key)
        return keys

    def api(self) -> subprocess.Popen[bytes]:
        proc = self.start("api", "api")
        natsd.wait_for_port(self.settings.api_port, timeout=60)
        return proc

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by every process of the phase (services, nats-server) and by this one."""
        procs = {key: p.pid for key, p in self.procs.items() if p.poll() is None}
        return {
            key: cpu_seconds(pid)
            for key, pid in (procs | {"nats-server": self.nats.pid, "bench client": os.getpid()}).items()
        }

    def stop(self, keys: Iterable[str] | None = None) -> None:
        """Stop these processes (default: every one but nats-server) with SIGTERM, as `emulation up` stops them."""
        procs = [self.procs.pop(key) for key in list(self.procs if keys is None else keys)]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def close(self) -> None:
        self.stop()
        self.nats.terminate()
        self.nats.wait(10)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
