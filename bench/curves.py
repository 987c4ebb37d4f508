"""Cost curves (issue 18): the history grows in steps (10k → 100k → 1M events on the same stream) and at each
step the same things are measured, so how each cost grows with history is visible: replay rate, standings p99,
audit export rate, `audit verify` time, and each process's resident memory.

Growth is computed from the numbers: for each measure its *cost* (the time a replay, an export or a verify takes,
a request's p99, a process's memory) against the events in history, as the exponent k of cost ∝ nᵏ between the
last two steps (the largest, where fixed costs such as process start-up weigh least): flat (k < 0.25), sublinear
(k < 0.8), linear (k ≤ 1.25), worse than linear (k > 1.25), a defect to find and fix. Every pair's exponent is
in the JSON. Beside the wall-time exponent of a replay, an export and a verify, that of the CPU time they used
(this process's, and the replay's workers'): on a machine doing other work too, wall time grows with that work,
CPU time much less.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from shared.infra.settings import Settings

FLAT, SUBLINEAR, LINEAR = 0.25, 0.8, 1.25


def export_figure(settings: Settings, path: Path) -> dict[str, float]:
    """`emulation audit export --out path` (ndjson, every entry) as the command runs it (`emulation/cli.py`),
    in this process so the process's start-up is not in the rate: entries per second written to the file."""
    from services import catalogue
    from services.read_api.routes.audit import filters, render

    start, cpu = time.perf_counter(), time.process_time()
    [view] = catalogue.service("audit").build_views(settings)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as target:
        for chunk in render(view.stream(filters(campaign=None)), "ndjson"):  # type: ignore[attr-defined]
            target.write(chunk)
            rows += 1
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    size = path.stat().st_size
    path.unlink()
    return {"rows": rows, "seconds": seconds, "per_s": rows / seconds, "cpu_s": cpu, "mb": size / 1e6}


async def verify_figure(settings: Settings) -> dict[str, Any]:
    """`services/audit/verify.py: verify_history` over the whole stream and every store: seconds, and what it found
    (the generated history is on the stream only, so it reports every event missing from the stores)."""
    from services.audit.verify import verify_history

    start, cpu = time.perf_counter(), time.process_time()
    report = await verify_history(settings)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_s": time.process_time() - cpu,
        "events_checked": report["events_checked"],
        "per_s": report["events_checked"] / seconds,
        "status": report["status"],
        "divergences": report["summary"]["by_service"],
    }


def exponent(n0: int, c0: float, n1: int, c1: float) -> float | None:
    """k in cost ∝ nᵏ between two steps (None when a cost is not positive)."""
    if c0 <= 0 or c1 <= 0 or n0 == n1:
        return None
    return math.log(c1 / c0) / math.log(n1 / n0)


def classify(k: float | None) -> str:
    if k is None:
        return "–"
    if k < FLAT:
        return "flat"
    if k < SUBLINEAR:
        return "sublinear"
    return "linear" if k <= LINEAR else "worse than linear"


def exponents(steps: list[int], costs: list[list[float]]) -> tuple[list[list[float | None]], float | None]:
    """Each cost's exponent between each pair of steps, and the largest at the last pair."""
    pairs = [
        [exponent(steps[i], c[i], steps[i + 1], c[i + 1]) for i in range(len(steps) - 1)]
        for c in zip(*costs, strict=True)
    ]
    last = [p[-1] for p in pairs if p and p[-1] is not None]
    return pairs, max(last) if last else None


def row(
    name: str, unit: str, steps: list[int], values: list[Any], costs: list[list[float]], cpu: list[float] | None = None
) -> dict[str, Any]:
    """One measure: its value at each step and the growth of its cost(s); with several costs (a process's current
    and peak memory) the worst growth is the row's. `cpu`: the CPU seconds of the work at each step, whose
    growth is shown beside (it does not move with other load on the machine, where wall time does)."""
    pairs, k = exponents(steps, costs)
    cpu_k = exponents(steps, [[c] for c in cpu])[1] if cpu else None
    return {
        "name": name,
        "unit": unit,
        "values": values,
        "exponents": pairs,
        "k": k,
        "cpu_k": cpu_k,
        "growth": classify(k),
    }


def rows(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table's rows from each step's measurements (`bench/scale.py`)."""
    n = [s["events"] for s in steps]

    def one(key: str, field: str) -> list[float]:
        return [s[key][field] for s in steps]

    replay_cpu = [s["replay"]["cpu_s"] + s["replay"]["workers_cpu_s"] for s in steps]
    out = [
        row("replay rate", "ev/s", n, one("replay", "per_s"), [[x] for x in one("replay", "seconds")], replay_cpu),
        row("standings p99", "ms", n, one("standings", "p99"), [[x] for x in one("standings", "p99")]),
        row(
            "audit export rate", "ev/s", n, one("export", "per_s"), [[x] for x in one("export", "seconds")],
            one("export", "cpu_s"),
        ),
        row(
            "audit verify time", "s", n, one("verify", "seconds"), [[x] for x in one("verify", "seconds")],
            one("verify", "cpu_s"),
        ),
    ]  # fmt: skip
    for proc in steps[-1]["memory"]:
        mem = [s["memory"][proc] for s in steps]
        values = [[m["rss"], m["peak"]] for m in mem]
        out.append(row(f"RSS {proc} (now / peak)", "MB", n, values, values))
    return out


def cell(value: Any, unit: str) -> str:
    from bench.markdown import fmt

    if isinstance(value, list):
        return " / ".join(fmt(v) for v in value) + f" {unit}"
    return f"{fmt(value)} {unit}"


def growth(r: dict[str, Any]) -> str:
    if r["k"] is None:
        return r["growth"]
    cpu = f"; CPU n^{r['cpu_k']:.2f}" if r.get("cpu_k") is not None else ""
    return f"{r['growth']} (n^{r['k']:.2f}{cpu})"


def header(steps: list[int]) -> list[str]:
    return ["measure", *(f"{n:,} events" for n in steps), "growth (last step)"]


def markdown(curves: dict[str, Any]) -> str:
    cols = header(curves["steps"])
    lines = ["| " + " | ".join(cols) + " |", "|---|" + "---:|" * len(curves["steps"]) + "---|"]
    for r in curves["rows"]:
        cells = [cell(v, r["unit"]) for v in r["values"]]
        lines.append(f"| {r['name']} | " + " | ".join(cells) + f" | {growth(r)} |")
    return "\n".join(lines)


def print_table(curves: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="cost curves (growth of each cost: time, latency, memory; k in cost ∝ n^k)")
    for i, col in enumerate(header(curves["steps"])):
        t.add_column(col, justify="right" if 0 < i <= len(curves["steps"]) else "left")
    for r in curves["rows"]:
        worse = r["growth"] == "worse than linear"
        t.add_row(
            r["name"], *(cell(v, r["unit"]) for v in r["values"]), f"[red]{growth(r)}[/red]" if worse else growth(r)
        )
    Console(width=200).print(t)


def parse_steps(events: str, units: int) -> list[int]:
    """`--events`: the steps ("10000,100000,1000000"), or one size N for N/100, N/10 and N, leaving out steps
    within the history's preamble (campaign, blocks, units: the standings need every unit registered)."""
    sizes = sorted({int(x.replace("_", "")) for x in events.split(",") if x.strip()})
    if len(sizes) == 1:
        sizes = [sizes[0] // 100, sizes[0] // 10, sizes[0]]
    preamble = 1 + 10 + 2 * units + 20
    kept = [n for n in sizes if n > preamble]
    return kept or sizes[-1:]
