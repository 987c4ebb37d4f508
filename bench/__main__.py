"""`python -m bench [--quick] [--out bench/results/latest.json]`: the issue 9 benchmarks in one command."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import nats

from bench import baselines, commands, curves, report, stages
from bench.inbound import inbound_figure
from bench.procs import Cluster
from bench.relay import relay_figure
from bench.scale import scale_figures
from bench.startup import cold_figure

FULL: dict[str, Any] = {
    "saves": 5000,
    "commands": 5000,
    "latency_s": 20.0,
    "relay": 10000,
    "inbound": 20000,
    "events": 1_000_000,
    "steps": [10_000, 100_000, 1_000_000],
    "units": 3000,
    "http_s": 15.0,
    "clients": 4,
    "demo_wait": True,
}
QUICK: dict[str, Any] = {
    "saves": 300,
    "commands": 200,
    "latency_s": 1.0,
    "relay": 500,
    "inbound": 500,
    "events": 3000,
    "steps": [1000, 3000],
    "units": 300,
    "http_s": 1.0,
    "clients": 2,
    "demo_wait": False,
}
RATE = 200.0


async def command_phase(data: Path, size: dict[str, Any], staged: bool = False) -> dict[str, Any]:
    body = commands.campaign_bodies("b", 1)[0][1].decode()
    with Cluster(data / "commands") as cluster:
        nc = await nats.connect(cluster.url)
        chain = await baselines.raw_chain_latency(
            nc.jetstream(), cluster.settings.data_dir, RATE, size["latency_s"], body
        )
        cluster.embedded()
        watcher = commands.ViewWatcher(cluster.settings.data_dir / "evaluation-views.db")
        watcher.start()
        await commands.warm_up(nc, watcher)
        tp = await commands.throughput(nc, watcher, size["commands"], cluster.cpu)
        lat = await commands.latency(nc, watcher, RATE, size["latency_s"])
        sampled = None
        if staged:
            sampled = await stages.profile_commands(nc, watcher, size["commands"], cluster, data / "stages")
        watcher.stop.set()
        await nc.close()
    return {"throughput": tp, "latency": lat, "chain": chain} | ({"sampled": sampled} if sampled else {})


def figures(r: dict[str, Any]) -> list[dict[str, Any]]:
    tp, lat, chain, save = (
        r["commands"]["throughput"],
        r["commands"]["latency"],
        r["commands"]["chain"],
        r["raw_save_per_s"],
    )
    rel, rep, api, mem = r["relay"], r["scale"]["replay"], r["scale"]["read_api"], r["scale"]["memory"]
    inb = r["inbound"]
    out = [
        report.figure(
            "1 commands end to end",
            tp["per_s"],
            "cmd/s",
            save,
            "eventsourcing SQLite save",
            "≥1,000 and ≥0.5× raw",
            tp["per_s"] >= 1000 and tp["per_s"] >= save / 2,
        ),
        report.figure("2 latency p50 @200/s", lat["p50"], "ms", chain["p50"], "save+publish+insert chained", "–", True),
        report.figure(
            "2 latency p99 @200/s",
            lat["p99"],
            "ms",
            chain["p99"],
            "save+publish+insert chained",
            "≤20 ms",
            lat["p99"] <= 20,
        ),
        report.figure(
            "3 relay store→JetStream",
            rel["per_s"],
            "ev/s",
            rel["baseline_per_s"],
            "nats-py publish_async",
            "≥0.5× raw",
            rel["per_s"] >= rel["baseline_per_s"] / 2,
        ),
        report.figure(
            f"4 replay {rep['events']:,} events",
            rep["per_s"],
            "ev/s",
            rep["baseline_per_s"],
            "bare pull consumer read",
            "≥0.9× raw",
            rep["per_s"] >= 0.9 * rep["baseline_per_s"],
        ),
        report.figure(
            "5 read API standings",
            api["per_s"],
            "req/s",
            api["baseline_per_s"],
            "GET /healthz same load",
            "≥1,500 req/s and ≥0.6× /healthz",
            api["per_s"] >= 1500 and api["per_s"] >= 0.6 * api["baseline_per_s"],
            cpu_us=api.get("cpu_us"),
            baseline_cpu_us=api.get("baseline_cpu_us"),
            bytes=api["gzip_bytes"],
        ),
        report.figure(
            "5 read API standings (identity)",
            api["identity"]["per_s"],
            "req/s",
            api["baseline_per_s"],
            "GET /healthz same load",
            "–",
            True,
            cpu_us=api["identity"].get("cpu_us"),
            bytes=api["identity_bytes"],
        ),
        report.figure(
            "5 read API standings p99",
            api["p99"],
            "ms",
            api["baseline_p99"],
            "GET /healthz same load",
            "≤20 ms",
            api["p99"] <= 20,
        ),
    ]
    page = r["scale"].get("standings_page")
    if page:
        out.append(
            report.figure(
                "5b standings page p99",
                page["p99"],
                "ms",
                page["json_p99"],
                "JSON standings, 1 client",
                "≤100 ms",
                page["p99"] <= 100,
                p50=page["p50"],
                json_p50=page["json_p50"],
            )
        )
    for name in [key for key in mem if key != "baseline_mb"]:
        out.append(
            report.figure(
                f"6 peak RSS {name}",
                mem[name],
                "MB",
                mem["baseline_mb"],
                "bare Python + imports",
                "≤200 MB",
                mem[name] <= 200,
            )
        )
    out.append(
        report.figure(
            "7 inbound ingest",
            inb["per_s"],
            "msg/s",
            inb["baseline_per_s"],
            "nats-py publish_async same messages",
            "–",
            True,
        )
    )
    cold, restart = r["cold_start"], r["scale"]["restart"]
    out += [
        report.figure(
            "8 start-up cold",
            cold["answered_s"],
            "s",
            cold["baseline_s"],
            "nats-server start + bare Python importing the services",
            "≤5 s",
            cold["answered_s"] <= 5,
        ),
        report.figure(
            f"8 start-up restart @{restart['events']:,} events",
            restart["answered_s"],
            "s",
            restart["baseline_s"],
            "nats-server restart on the same data + bare Python importing the services",
            "≤5 s",
            restart["answered_s"] <= 5,
        ),
        report.figure(
            f"8 restart: new command visible @{restart['events']:,} events",
            restart["visible_s"],
            "s",
            restart["baseline_s"],
            "nats-server restart on the same data + bare Python importing the services",
            "–",
            True,
        ),
    ]
    if cold["demo_loaded_s"] is not None:  # the full run waits for the demo's year; --quick stops at answering
        out.insert(
            -2,
            report.figure(
                "8 start-up cold: demo loaded",
                cold["demo_loaded_s"],
                "s",
                cold["baseline_s"],
                "nats-server start + bare Python importing the services",
                "–",
                True,
            ),
        )
    return out


async def run(size: dict[str, Any], data: Path, staged: bool = False) -> dict[str, Any]:
    r: dict[str, Any] = {"machine": report.machine(), "size": size}
    t0 = time.perf_counter()
    body = commands.campaign_bodies("b", 1)[0][1].decode()
    phases: dict[str, float] = {}
    t = time.perf_counter()
    r["raw_save_per_s"] = baselines.raw_save_rate(data / "raw-save.db", size["saves"], body)
    phases["raw_save"], t = time.perf_counter() - t, time.perf_counter()
    r["commands"] = await command_phase(data, size, staged)
    phases["commands"], t = time.perf_counter() - t, time.perf_counter()
    r["relay"] = await relay_figure(data / "relay", size["relay"], batch=500)
    phases["relay"], t = time.perf_counter() - t, time.perf_counter()
    r["inbound"] = await inbound_figure(data / "inbound", size["inbound"])
    phases["inbound"], t = time.perf_counter() - t, time.perf_counter()
    r["cold_start"] = await cold_figure(data, wait_demo=size["demo_wait"])
    phases["cold_start"], t = time.perf_counter() - t, time.perf_counter()
    r["scale"] = await scale_figures(data, size["steps"], size["units"], size["http_s"], size["clients"])
    phases["scale"] = time.perf_counter() - t
    r["phase_seconds"] = phases
    r["figures"] = figures(r)
    r["seconds"] = time.perf_counter() - t0
    r["machine"]["loadavg_at_end"] = [round(x, 2) for x in __import__("os").getloadavg()]
    return r


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="the smoke variant: small sizes, seconds not minutes")
    p.add_argument("--out", type=Path, default=Path("bench/results/latest.json"))
    p.add_argument(
        "--events",
        help="history for figures 4-6 and the cost curves: steps (default 10000,100000,1000000; quick 1000,3000), "
        "or one size N for N/100, N/10, N",
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary data dir (printed)")
    p.add_argument(
        "--stages",
        action="store_true",
        help="after figure 2, run figure 1 again under py-spy and report each process's CPU per command by stage",
    )
    args = p.parse_args(argv)
    size = dict(QUICK if args.quick else FULL)
    if args.events:
        size["steps"] = curves.parse_steps(args.events, size["units"])
        size["events"] = size["steps"][-1]
    data = Path(tempfile.mkdtemp(prefix="emulation-bench-"))
    try:
        result = asyncio.run(run(size, data, args.stages))
    finally:
        if args.keep:
            print(f"data kept in {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    report.table(
        result["figures"], f"emulation benchmarks ({'quick' if args.quick else 'full'}, {result['seconds']:.0f} s)"
    )
    curves.print_table(result["scale"]["curves"])
    cpu = result["commands"]["throughput"]["cpu_us_per_command"]
    print("CPU per command (µs): " + ", ".join(f"{k} {v:,}" for k, v in cpu.items()))
    cpu = result["inbound"]["cpu_us_per_message"]
    print("CPU per inbound message (µs): " + ", ".join(f"{k} {v:,}" for k, v in cpu.items()))
    sampled = result["commands"].get("sampled")
    if sampled:
        print(f"CPU per command by stage (sampled run: {sampled['per_s']:,.0f} cmd/s under py-spy):")
        print(stages.markdown(sampled["stages"]))
    for name, start in (("cold", result["cold_start"]), ("restart", result["scale"]["restart"])):
        print(
            f"Start-up {name}: {start['cpu_s']:.1f} s of CPU across its processes until every part answered "
            f"(a bare Python importing the services: {start['bare_import_cpu_s']:.2f} s)"
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
