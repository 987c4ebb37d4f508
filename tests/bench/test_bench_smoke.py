"""The benchmark suite's smoke variant (`python -m bench --quick`): every figure and baseline is there and positive,
and the cost curves' table at two steps of history.

It checks the benchmark code still works against the embedded default; it asserts no targets (the full
run, `python -m bench`, is separate and its table lives in BENCHMARKS.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.smoke, pytest.mark.timeout(600)]

FIGURES = {
    "1 commands end to end",
    "2 latency p50 @200/s",
    "2 latency p99 @200/s",
    "3 relay store→JetStream",
    "5 read API standings",
    "5 read API standings (identity)",
    "5 read API standings p99",
    "5b standings page p99",
    "6 peak RSS registry (commands)",
    "6 peak RSS registry (relay, views)",
    "6 peak RSS evaluation (commands)",
    "6 peak RSS evaluation (relay, views)",
    "6 peak RSS notification (commands)",
    "6 peak RSS notification (relay, views)",
    "6 peak RSS audit (views)",
    "6 peak RSS api",
    "7 inbound ingest",
    "8 start-up cold",
}
CURVES = {"replay rate", "standings p99", "audit export rate", "audit verify time"}
SIZED = ("4 replay", "8 start-up restart @", "8 restart: new command visible @")
"""Figures named with the size of their history."""


def test_quick_suite_reports_every_figure_with_its_baseline(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(out.read_text())
    figures = {f["name"]: f for f in result["figures"]}
    sized = [name for prefix in SIZED for name in figures if name.startswith(prefix)]
    assert len(sized) == len(SIZED)
    assert FIGURES | set(sized) == set(figures)
    for name, f in figures.items():
        assert f["value"] > 0 and f["baseline"] > 0, name
        assert f["baseline_name"] and f["target"] and isinstance(f["met"], bool), name
    assert result["machine"]["nproc"] >= 1 and result["machine"]["libraries"]["eventsourcing"]
    assert "emulation benchmarks" in run.stdout
    check_curves(result, run.stdout)
    api = result["scale"]["read_api"]  # the load asked for gzip, which decodes to the identity JSON (checked there)
    assert 0 < api["gzip_bytes"] < api["identity_bytes"] and api["identity"]["per_s"] > 0
    cpu = result["commands"]["throughput"]["cpu_us_per_command"]
    assert cpu["total"] > 0 and cpu["registry (commands)"] > 0
    restart = result["scale"]["restart"]
    assert restart["events"] == 3000 and restart["answered_s"] >= restart["nats_restart_s"] > 0
    assert restart["visible_s"] >= restart["answered_s"] and set(restart["parts_s"]) >= {"registry", "read API"}
    assert result["cold_start"]["demo_loaded_s"] is None  # --quick stops `up` once every part answers
    inbound = result["inbound"]
    assert inbound["n"] == 500 and inbound["acked_per_s"] > 0 and inbound["cpu_us_per_message"]["total"] > 0


def check_curves(result: dict, stdout: str) -> None:  # type: ignore[type-arg]
    """The cost curves: every measure at every step, positive, with its growth classified from the numbers."""
    curves = result["scale"]["curves"]
    assert curves["steps"] == [1000, 3000] and [s["events"] for s in curves["at"]] == curves["steps"]
    rows = {r["name"]: r for r in curves["rows"]}
    processes = {name.removeprefix("6 peak RSS ") for name in FIGURES if name.startswith("6 peak RSS")}
    assert set(rows) == CURVES | {f"RSS {p} (now / peak)" for p in processes}
    for name, r in rows.items():
        assert len(r["values"]) == 2, name
        for value in r["values"]:
            assert all(v > 0 for v in (value if isinstance(value, list) else [value])), name
        assert r["growth"] in ("flat", "sublinear", "linear", "worse than linear"), name
    assert all(step["verify"]["events_checked"] == step["events"] for step in curves["at"])
    assert all(step["export"]["rows"] == step["events"] for step in curves["at"])
    assert "cost curves" in stdout
