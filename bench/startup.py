"""Figure 8: start-up, from a cold data dir and again on a data dir holding a history.

*Answers*, for one part of the system, means:
- a service with commands: each of its commands gets an answer from its application (`emulation/readiness.py`:
  the refusal of an empty body, which runs the command's validation in the service and records nothing), not
  `service_starting` from the placeholder nor no reply;
- every service's view consumers: each durable consumer of its views (`<service>-<view>`) made anew since the
  start, which a consumer does once its views are open, at its stored position, just before it fetches;
- the read API: `GET /healthz` answers 200 (uvicorn listens only once the lifespan has opened every view).

The figure is the time until every part answers. Also reported: for the cold start, when `emulation up` printed
that the demo was loaded (every command of the demo's year answered); for the restart, when a command sent once
everything answers (`launch_campaign`, a fresh campaign) is visible in the evaluation's registry facts. And the
CPU seconds the started processes had used when everything answered (on a shared machine that says more than the
seconds do), beside the CPU of the bare import below.

Cold (`cold_figure`): `python -m emulation up --demo` on a fresh data dir, timed from its spawn. Restart
(`restart_figure`): every process of a `Cluster` whose stream and views hold a history (figures 4-6's, generated
straight onto the stream, `bench/scale.py`) is stopped, nats-server too, then started again as `emulation up`
starts them (nats-server until JetStream answers, then every service process and the read API), timed from the
start of nats-server. That history has no store behind it, so before the restart each recording service
records one command in-process and publishes it with its real relay (`resume_points`): the last message on its
subjects is then its relay's own, where a relay process resumes, and every relay runs (otherwise a relay
rightly refuses to resume from a message it did not publish). A first, unmeasured start then lets every relay and
view take what was left (the notifier's records, those two commands), so the timed start has nothing to catch up.

Baseline, same run: nats-server starting (fresh storage for the cold start; on the same storage for the restart)
until JetStream answers, plus a bare Python process importing what the services import, spawn to exit.

`python -m bench.startup [--events N]` runs the figure alone (cold, then restart over N generated events).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import nats

from bench import commands
from bench.procs import ROOT, Cluster, cpu_seconds, note
from emulation import natsd, readiness
from services import catalogue
from shared.events.envelope import STREAM

IMPORTS = (
    "nats, eventsourcing.sqlite, faststream.nats, fastapi, uvicorn, pydantic, services.registry.factory, "
    "services.evaluation.factory, services.notification.factory, services.audit.factory, services.read_api.app"
)
TIMEOUT = 180.0


def bare_start(repeat: int = 3) -> tuple[float, float]:
    """Seconds from spawning a bare Python process that imports what the services import until it exits, and the
    CPU seconds it used (each the best of `repeat`): the floor of any service process's start."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        start, cpu = time.perf_counter(), children_cpu()
        subprocess.run([sys.executable, "-c", f"import {IMPORTS}"], cwd=ROOT, check=True)
        best, best_cpu = min(best, time.perf_counter() - start), min(best_cpu, children_cpu() - cpu)
    return best, best_cpu


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def cpu_of(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds each live process has used so far (those gone are left out)."""
    out = {}
    for key, pid in pids.items():
        with contextlib.suppress(OSError):
            out[key] = cpu_seconds(pid)
    return out


async def quiet(error: Exception) -> None:
    """Connection errors while polling a server that is not up yet are expected: nothing to print."""


async def jetstream_ready(url: str, timeout: float = 60.0, stream: str | None = None, **auth: Any) -> Any:
    """A connection once JetStream answers (`stream`: once that stream's info comes back); polls from now."""
    deadline = time.perf_counter() + timeout
    host, port = url.removeprefix("nats://").rsplit(":", 1)
    while True:  # the port first: nats-py waits 2 s before trying a refusing server again
        try:
            _, writer = await asyncio.open_connection(host, int(port))
            writer.close()
            break
        except OSError:
            if time.perf_counter() > deadline:
                raise
            await asyncio.sleep(0.01)
    while True:
        try:
            nc = await nats.connect(url, allow_reconnect=False, connect_timeout=1, error_cb=quiet, **auth)
            break
        except Exception:
            if time.perf_counter() > deadline:
                raise
            await asyncio.sleep(0.02)
    js = nc.jetstream()
    while True:
        try:
            await (js.stream_info(stream) if stream else js.account_info())
            return nc
        except Exception:
            if time.perf_counter() > deadline:
                raise
            await asyncio.sleep(0.02)


async def nats_start_s(store: Path) -> float:
    """A fresh nats-server with JetStream: seconds from its spawn until JetStream answers."""
    port = natsd.free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [natsd.binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        nc = await jetstream_ready(f"nats://127.0.0.1:{port}")
        elapsed = time.perf_counter() - start
        await nc.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return elapsed


def created_at(info: Any) -> float:
    """A consumer's creation time (epoch seconds), from its info."""
    created = info.created
    if isinstance(created, datetime):
        return created.timestamp()
    text = str(created).rstrip("Z")
    whole, _, fraction = text.partition(".")
    return datetime.fromisoformat(whole + "+00:00").timestamp() + float(f"0.{fraction or 0}")


async def answering(nc: Any, api_port: int, since: float, t0: float, timeout: float = TIMEOUT) -> dict[str, float]:
    """Seconds from `t0` until each service answers (its commands, and its view consumers made anew since `since`,
    epoch seconds) and the read API answers `/healthz`."""
    js = nc.jetstream()
    deadline = time.perf_counter() + timeout

    def check_deadline(what: str) -> None:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what} not answering after {timeout:g} s")

    async def consumers(durables: list[str]) -> None:
        waiting = list(durables)
        while waiting:
            infos = await asyncio.gather(*(js.consumer_info(STREAM, d) for d in waiting), return_exceptions=True)
            waiting = [
                d for d, i in zip(waiting, infos, strict=True) if isinstance(i, BaseException) or created_at(i) < since
            ]
            if waiting:
                check_deadline(", ".join(waiting))
                await asyncio.sleep(0.05)

    async def service(entry: catalogue.ServiceEntry) -> float:
        parts: list[Awaitable[None]] = [consumers(entry.durables())]
        if entry.command_names():
            parts.append(readiness.answering(nc, entry.command_names(), timeout))
        await asyncio.gather(*parts)
        return time.perf_counter() - t0

    async def api() -> float:
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                try:
                    if (await client.get(f"http://127.0.0.1:{api_port}/healthz")).status_code == 200:
                        return time.perf_counter() - t0
                except httpx.HTTPError:
                    pass
                check_deadline("the read API")
                await asyncio.sleep(0.05)

    names = [*catalogue.names(), "read API"]
    times = await asyncio.gather(*(service(entry) for entry in catalogue.SERVICES), api())
    return dict(zip(names, times, strict=True))


async def settled(js: Any, timeout: float, settle: float = 1.0) -> float:
    """Seconds until every view's durable consumer (of the catalogue) exists and has had nothing pending or
    unacknowledged for `settle` seconds: the views hold the whole stream."""
    expected = {durable for entry in catalogue.SERVICES for durable in entry.durables()}
    start, quiet = time.perf_counter(), None
    while time.perf_counter() - start < timeout:
        infos = {i.name: i for i in await js.consumers_info(STREAM)}
        idle = expected <= set(infos) and not any(infos[d].num_pending or infos[d].num_ack_pending for d in expected)
        quiet = (quiet or time.perf_counter()) if idle else None
        if quiet is not None and time.perf_counter() - quiet >= settle:
            return quiet - start
        await asyncio.sleep(0.2)
    raise TimeoutError(f"the views have not taken the stream after {timeout:g} s")


class Lines(threading.Thread):
    """The lines a process writes to its standard output, each with the seconds since `t0` it arrived at."""

    def __init__(self, proc: subprocess.Popen[str], t0: float) -> None:
        super().__init__(daemon=True)
        self.proc, self.t0 = proc, t0
        self.lines: list[tuple[float, str]] = []

    def run(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.perf_counter() - self.t0, line.rstrip()))

    def at(self, prefix: str) -> float | None:
        return next((t for t, line in self.lines if line.strip().startswith(prefix)), None)

    async def wait(self, prefix: str, timeout: float) -> float:
        deadline = time.perf_counter() + timeout
        while (found := self.at(prefix)) is None:
            if self.proc.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"no line {prefix!r} from emulation up: {self.text()[-2000:]}")
            await asyncio.sleep(0.05)
        return found

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


async def admin_of(data_dir: Path, timeout: float) -> dict[str, str]:
    """The administrator's identity `emulation up` wrote into its data dir (`security.json`)."""
    path, deadline = data_dir / "security.json", time.perf_counter() + timeout
    while True:
        try:
            return {"user": "admin", "password": json.loads(path.read_text())["users"]["admin"]}
        except (OSError, ValueError, KeyError):
            if time.perf_counter() > deadline:
                raise
            await asyncio.sleep(0.01)


async def cold_figure(data: Path, wait_demo: bool = True, timeout: float = TIMEOUT) -> dict[str, Any]:
    """`emulation up --demo` on a fresh data dir until every part answers (and the demo is loaded, if waited for)."""
    data_dir = data / "cold" / "data"
    nats_port, api_port = natsd.free_port(), natsd.free_port()
    argv = [sys.executable, "-m", "emulation", "up", "--demo", "--data-dir", str(data_dir)]
    argv += ["--nats-port", str(nats_port), "--api-port", str(api_port)]
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    since, t0 = time.time(), time.perf_counter()
    with open(data_dir.parent / "up.err", "wb") as err:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
    lines = Lines(proc, t0)
    lines.start()
    try:
        admin = await admin_of(data_dir, timeout)
        nc = await jetstream_ready(f"nats://127.0.0.1:{nats_port}", timeout, STREAM, **admin)
        try:
            parts = await answering(nc, api_port, since, t0, timeout)
        finally:
            await nc.close()
        answered = max(parts.values())
        children = {k: v["pid"] for k, v in json.loads((data_dir / "processes.json").read_text()).items()}
        cpu = cpu_of(children | {"up": proc.pid})
        said_ready = max([await lines.wait(part, timeout) for part in parts])  # up's own line for each part
        demo_loaded = await lines.wait("Demo loaded", timeout) if wait_demo else None
    finally:
        proc.send_signal(signal.SIGINT)  # as Ctrl-C: `up` stops every process, nats-server last
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        lines.join(5)
    import_s, import_cpu = bare_start()
    nats_s = await nats_start_s(data / "cold" / "nats-baseline")
    return {
        "answered_s": answered,
        "parts_s": parts,
        "cpu_s": sum(cpu.values()),
        "cpu_s_by_process": cpu,
        "bare_import_cpu_s": import_cpu,
        "up_said_ready_s": said_ready,
        "demo_loaded_s": demo_loaded,
        "baseline_s": nats_s + import_s,
        "nats_start_s": nats_s,
        "bare_import_s": import_s,
    }


async def resume_points(cluster: Cluster) -> dict[str, int]:
    """Each recording service records one command in-process and publishes it with its real relay (batches, hash
    chain, checkpoints): the last message on its subjects is then its relay's own, where its relay process resumes.
    For a history generated straight onto the stream (no store behind it); run while no service process runs.
    Returns how many messages each relay published."""
    import uuid

    from services.evaluation.factory import build as evaluation
    from services.registry.factory import build as registry
    from shared.events.evaluation import SetEvaluationPolicy
    from shared.events.registry import LaunchCampaign
    from shared.infra.keys import signing_key
    from shared.infra.relay import Relay

    _, body = commands.campaign_bodies("resume-", 1)[0]
    policy = {"campaign_id": "bench", "actor": "council", "command_id": str(uuid.uuid4())}
    recorded = {
        "registry": (registry, LaunchCampaign.model_validate_json(body)),
        "evaluation": (evaluation, SetEvaluationPolicy.model_validate(policy)),
    }
    published = {}
    nc = await nats.connect(cluster.url)
    try:
        for name, (build, command) in recorded.items():
            service = build(cluster.settings)
            app = service.app
            assert app is not None
            try:
                app.submit(command).result(timeout=60)
                relay = Relay(app, nc.jetstream(), signing_key(cluster.settings, name), cluster.settings.relay_batch)
                while await relay.run_once():
                    pass
                published[name] = relay.published
            finally:
                app.close()
    finally:
        await nc.close()
    return published


async def restart_figure(cluster: Cluster, events: int, timeout: float = TIMEOUT) -> dict[str, Any]:
    """Stop every process of `cluster` (its stream and views holding `events` events), nats-server too, and start
    them again as `emulation up` does; seconds until every part answers, and until a new command is visible."""
    cluster.stop()
    published = await resume_points(cluster)
    cluster.embedded()  # a first start with every relay: whatever a relay had not published yet goes out now,
    cluster.api()  # and the views take it, so that the timed start below has nothing left over to do
    nc = await nats.connect(cluster.url)
    await settled(nc.jetstream(), timeout)
    await nc.close()
    cluster.stop()
    cluster.stop_nats()

    since, t0 = time.time(), time.perf_counter()
    cluster.nats = cluster.start_nats()
    nc = await jetstream_ready(cluster.url, timeout, STREAM)
    nats_s = time.perf_counter() - t0
    try:
        cluster.embedded()
        cluster.start("api", "api")
        parts = await answering(nc, cluster.settings.api_port, since, t0, timeout)
        answered = max(parts.values())
        cpu = cpu_of({key: p.pid for key, p in cluster.procs.items()} | {"nats-server": cluster.nats.pid})
        watcher = commands.ViewWatcher(cluster.settings.data_dir / "evaluation-views.db")
        watcher.start()
        cid, body = commands.campaign_bodies("restart-", 1)[0]
        await commands.send(nc, body)
        visible = await watcher.wait([cid], timeout) - t0
        watcher.stop.set()
    finally:
        await nc.close()
    import_s, import_cpu = bare_start()
    return {
        "events": events,
        "answered_s": answered,
        "parts_s": parts,
        "cpu_s": sum(cpu.values()),
        "cpu_s_by_process": cpu,
        "bare_import_cpu_s": import_cpu,
        "visible_s": visible,
        "baseline_s": nats_s + import_s,
        "nats_restart_s": nats_s,
        "bare_import_s": import_s,
        "resume_published": published,
    }


async def run(data: Path, events: int, units: int, cold: bool, wait_demo: bool, log_level: str) -> dict[str, Any]:
    from bench import history

    out: dict[str, Any] = {}
    if cold:
        out["cold"] = await cold_figure(data, wait_demo)
        note(f"cold {out['cold']}")
    with Cluster(data / "restart", log_level=log_level) as cluster:
        nc = await nats.connect(cluster.url)
        from shared.infra.stream import ensure_stream

        await ensure_stream(nc.jetstream())
        note(f"generated {await history.generate(nc.jetstream(), events, units)}")
        cluster.embedded(relays=False)
        note(f"caught up in {await settled(nc.jetstream(), timeout=600 + events / 500):.0f} s")
        await nc.close()
        out["restart"] = await restart_figure(cluster, events)
        note(f"restart {out['restart']}")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=10_000, help="events of history for the restart (default 10,000)")
    p.add_argument("--units", type=int, default=300, help="units in that history (default 300)")
    p.add_argument("--no-cold", action="store_true", help="only the restart")
    p.add_argument("--no-demo-wait", action="store_true", help="stop `up` once every part answers")
    p.add_argument("--keep", action="store_true", help="keep the temporary data dir (printed)")
    p.add_argument("--log-level", default="WARNING", help="the restarted processes' (INFO: a timeline in their logs)")
    args = p.parse_args(argv)
    data = Path(tempfile.mkdtemp(prefix="emulation-startup-"))
    try:
        result = asyncio.run(
            run(data, args.events, args.units, not args.no_cold, not args.no_demo_wait, args.log_level)
        )
    finally:
        if args.keep:
            print(f"data kept in {data}", file=sys.stderr)
        else:
            shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
