"""Figure 5's load: client processes (not the API's, not the benchmark's), each one keep-alive connection."""

from __future__ import annotations

import http.client
import multiprocessing as mp
import time
from typing import Any

from bench.procs import cpu_seconds
from bench.stats import percentiles


def _worker(port: int, path: str, headers: dict[str, str], start_at: float, seconds: float, out: Any) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    errors = 0
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            errors += 1
        latencies.append((time.perf_counter() - t0) * 1000)
    conn.close()
    out.put((latencies, errors))


def load(
    port: int,
    path: str,
    seconds: float,
    clients: int = 4,
    headers: dict[str, str] | None = None,
    pid: int | None = None,
) -> dict[str, float]:
    """`clients` processes send GET `path` back to back for `seconds`: requests/s and latency percentiles, and
    with `pid` the CPU that process (the API) spent per request."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 1.5  # after every process has started
    args = (port, path, headers or {}, start_at, seconds, out)
    procs = [ctx.Process(target=_worker, args=args) for _ in range(clients)]
    for p in procs:
        p.start()
    while time.time() < start_at:
        time.sleep(0.001)
    cpu = cpu_seconds(pid) if pid else 0.0
    latencies: list[float] = []
    errors = 0
    for _ in procs:
        lat, err = out.get(timeout=seconds + 120)
        latencies += lat
        errors += err
    spent = {"cpu_us": (cpu_seconds(pid) - cpu) / len(latencies) * 1e6} if pid else {}
    for p in procs:
        p.join(10)
    if errors:
        raise RuntimeError(f"{errors} requests to {path} failed")
    return percentiles(latencies) | {"per_s": len(latencies) / seconds, "clients": clients} | spent
