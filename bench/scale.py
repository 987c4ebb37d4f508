"""Figures 4–6 over one generated history: replay, the read API under load and each service's peak memory; the
cost curves (`bench/curves.py`) as that history grows to its size in steps; then figure 8's restart on that history
(`bench/startup.py`)."""

from __future__ import annotations

import asyncio
import gzip
import http.client
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import nats

from bench import curves, history
from bench.baselines import raw_read_rate
from bench.curves import export_figure, verify_figure
from bench.httpload import load
from bench.procs import ROOT, Cluster, memory_mb, note
from bench.startup import restart_figure
from services.audit.replay import replay
from shared.events.envelope import STREAM
from shared.infra.settings import Settings
from shared.infra.stream import ensure_stream, read_stream

STANDINGS = f"/v1/campaigns/{history.CAMPAIGN}/standings"
STANDINGS_PAGE = f"/campaigns/{history.CAMPAIGN}/standings"
CURVE_LOAD_S = 5.0
"""Seconds of figure 5's load at the steps before the last (the last step's figure 5 is the curve's point)."""
GZIP = {"Accept-Encoding": "gzip"}
"""What real clients send (browsers, `standings.js`'s fetch, httpx, requests): every load of figure 5 sends it, the
`/healthz` baseline's too; http.client neither sends nor decodes it by itself, and the load only reads the bytes."""
IDENTITY = {"Accept-Encoding": "identity"}


async def replay_figure(cluster: Cluster, target: Path) -> dict[str, Any]:
    """Events per second until the last batch is applied; also the CPU replay used (this process and its
    workers, checksums included), which says more than the rate when other load shares the cores."""
    marks: list[tuple[int, float]] = []
    start, cpu = time.perf_counter(), os.times()
    await replay(cluster.settings, target, progress=lambda done, total: marks.append((done, time.perf_counter())))
    total = time.perf_counter() - start
    used = os.times()
    applied = marks[-1][1] - start
    return {
        "per_s": marks[-1][0] / applied,
        "seconds": applied,
        "with_checksums_s": total,
        "cpu_s": used.user + used.system - cpu.user - cpu.system,
        "workers_cpu_s": used.children_user + used.children_system - cpu.children_user - cpu.children_system,
    }


async def read_stream_rate(nc: Any) -> float:
    count, start = 0, time.perf_counter()
    async for _ in read_stream(nc):
        count += 1
    return count / (time.perf_counter() - start)


async def caught_up(js: Any, timeout: float, settle: float = 3.0) -> float:
    """Wait until every durable consumer has nothing pending or unacknowledged; returns seconds waited."""
    start = time.perf_counter()
    quiet_since: float | None = None
    while time.perf_counter() - start < timeout:
        infos = await js.consumers_info(STREAM)
        durables = [i for i in infos if i.config.durable_name]
        busy = [i for i in durables if i.num_pending or i.num_ack_pending]
        if durables and not busy:
            quiet_since = quiet_since or time.perf_counter()
            if time.perf_counter() - quiet_since >= settle:
                return quiet_since - start
        else:
            quiet_since = None
        await asyncio.sleep(0.5)
    raise TimeoutError(f"consumers still busy after {timeout}s")


def direct_query_ms(settings: Settings, repeat: int = 5) -> float:
    """The standings query alone, in-process on an evaluation view store (what bounds the API)."""
    from services.evaluation.adapters.standings import StandingsView
    from services.evaluation.factory import build_views

    view = next(v for v in build_views(settings) if isinstance(v, StandingsView))
    start = time.perf_counter()
    view.standings(history.CAMPAIGN)
    first = time.perf_counter() - start
    if first > 1.0:
        return first * 1000
    start = time.perf_counter()
    for _ in range(repeat):
        view.standings(history.CAMPAIGN)
    return (time.perf_counter() - start) / repeat * 1000


def timed_get(port: int, path: str, parse: bool = True) -> tuple[float, Any]:
    start = time.perf_counter()
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1800).read()
    return (time.perf_counter() - start) * 1000, json.loads(body) if parse else body


def encodings(port: int, path: str = STANDINGS, also: dict[str, str] | None = None) -> dict[str, int]:
    """The sizes of both forms of `path`, once it is checked that the gzip one decodes to the identity one."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1800)
    got: dict[str, tuple[str | None, bytes]] = {}
    for name, headers in (("identity", IDENTITY), ("gzip", GZIP)):
        conn.request("GET", path, headers=(also or {}) | headers)
        answer = conn.getresponse()
        got[name] = answer.getheader("Content-Encoding"), answer.read()
    conn.close()
    (plain_coding, plain), (coding, packed) = got["identity"], got["gzip"]
    assert plain_coding is None and coding == "gzip", (plain_coding, coding)
    assert gzip.decompress(packed) == plain, "the gzip form does not decode to the identity JSON"
    return {"identity_bytes": len(plain), "gzip_bytes": len(packed)}


def api_figure(port: int, seconds: float, clients: int, pid: int | None = None) -> dict[str, Any]:
    """The load, unless one request alone takes over 2 s: then that request is the figure (load skipped). Clients
    accept gzip as real ones do (`GZIP`); the same load asking for identity is reported beside it (`identity`)."""
    first_ms, got = timed_get(port, STANDINGS)
    ranked = sum(len(b["units"]) for b in got["blocks"])
    health = load(port, "/healthz", seconds, clients, headers=GZIP, pid=pid)
    base = {
        "baseline_per_s": health["per_s"],
        "baseline_p99": health["p99"],
        "baseline_cpu_us": health.get("cpu_us"),
        "units_ranked": ranked,
    } | encodings(port)
    if first_ms > 2000:
        one = {"per_s": 1000 / first_ms, "p50": first_ms, "p99": first_ms, "n": 1, "clients": 1}
        return one | base | {"identity": one, "load": f"skipped: one request took {first_ms / 1000:.1f} s"}
    identity = load(port, STANDINGS, seconds, clients, headers=IDENTITY, pid=pid)
    packed = load(port, STANDINGS, seconds, clients, headers=GZIP, pid=pid)
    return packed | base | {"identity": identity, "load": f"{clients} client processes, {seconds} s"}


def page_figure(port: int, seconds: float) -> dict[str, Any]:
    """The workspace's standings page and the JSON standings route, each by one client sending back to back: on
    loopback with one request at a time, a request's latency is the server's time for it (no queueing)."""
    first_ms, _ = timed_get(port, STANDINGS_PAGE, parse=False)
    json_route = load(port, STANDINGS, seconds, clients=1, headers=GZIP)
    page = load(port, STANDINGS_PAGE, seconds, clients=1, headers=GZIP)
    return page | {"first_ms": first_ms, "json_p50": json_route["p50"], "json_p99": json_route["p99"]}


def bare_process_mb() -> float:
    """VmHWM of a bare Python process importing what a service imports (the memory floor)."""
    code = (
        "import nats, eventsourcing.sqlite, faststream.nats, fastapi, pydantic, services.evaluation.factory, "
        "services.registry.factory, services.notification.factory; from bench.procs import peak_rss_mb; "
        "import os; print(peak_rss_mb(os.getpid()))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


async def scale_figures(
    data_dir: Path, steps: list[int], units: int, http_seconds: float, clients: int
) -> dict[str, Any]:
    """Figures 4–6 at the last step, and the cost curves (`bench/curves.py`) at every step.

    The history grows on one stream, step by step (`steps`, e.g. 10k, 100k, 1M events), each step appending
    to the last; the services and the read API run from the start and catch up at each step, so their memory
    is that of processes that lived through the whole history. At each step, once every consumer is idle:
    a replay into a fresh dir, the standings under load, an audit export, `audit verify`, each process's memory.
    """
    n = steps[-1]
    with Cluster(data_dir / "scale") as cluster:
        nc = await nats.connect(cluster.url)
        js = nc.jetstream()
        await ensure_stream(js)
        processes = cluster.embedded(relays=False)
        cluster.api()
        source = history.events(n, units)
        generated: dict[str, float] = {"events": 0, "seconds": 0.0, "catch_up_s": 0.0}
        curve: list[dict[str, Any]] = []
        for step in steps:
            last, began = step == n, time.perf_counter()
            got = await history.generate(js, step - int(generated["events"]), units, source=source)
            catch_up_s = await caught_up(js, timeout=600 + step / 500)
            generated = {
                "events": generated["events"] + got["events"],
                "seconds": generated["seconds"] + got["seconds"],
                "catch_up_s": generated["catch_up_s"] + catch_up_s,
            }
            note(f"{step:,} events: generated {got}, services caught up in {catch_up_s:.0f} s")
            if last:
                raw_count, raw_read = await raw_read_rate(js, STREAM)
                note(f"raw read {raw_read:.0f}/s")
                read_stream_per_s = await read_stream_rate(nc)
            target = data_dir / ("replay" if last else f"replay-{step}")
            replayed = await replay_figure(cluster, target)
            note(f"replayed {replayed}")
            if not last:
                shutil.rmtree(target)
            port = cluster.settings.api_port
            if last:
                api = api_figure(port, http_seconds, clients, cluster.procs["api"].pid)
                note(f"api {api}")
                assert api["units_ranked"] == units, f"standings rank {api['units_ranked']} units, expected {units}"
                slow = api["p99"] > 30_000  # the same query again in-process would only repeat the minutes
                api["query_ms"] = api["p99"] if slow else direct_query_ms(cluster.settings)
                page = page_figure(port, http_seconds) if not slow else None
                note(f"standings page {page}")
                standings = {key: api[key] for key in ("p50", "p99", "per_s", "n", "clients")}
            else:
                timed_get(port, STANDINGS)  # the rendering for this history, as the last step's first request
                standings = load(port, STANDINGS, min(http_seconds, CURVE_LOAD_S), clients, headers=GZIP)
            exported = await asyncio.to_thread(export_figure, cluster.settings, data_dir / "export.ndjson")
            note(f"exported {exported}")
            verified = await verify_figure(cluster.settings)
            note(f"verified {verified}")
            memory = {key: memory_mb(cluster.procs[key].pid) for key in (*processes, "api")}
            curve.append(
                {
                    "events": step,
                    "catch_up_s": catch_up_s,
                    "replay": replayed,
                    "standings": standings,
                    "export": exported,
                    "verify": verified,
                    "memory": memory,
                    "seconds": time.perf_counter() - began,
                }
            )
        await nc.close()
        restart = await restart_figure(cluster, int(generated["events"]))
        note(f"restart {restart}")
    return {
        "history": generated | {"per_s": generated["events"] / generated["seconds"], "units": units},
        "replay": replayed | {"events": raw_count, "baseline_per_s": raw_read, "read_stream_per_s": read_stream_per_s},
        "read_api": api,
        "standings_page": page,
        "memory": {key: m["peak"] for key, m in memory.items()} | {"baseline_mb": bare_process_mb()},
        "curves": {"steps": steps, "at": curve, "rows": curves.rows(curve)},
        "restart": restart,
    }
