"""`python -m bench.markdown [bench/results/latest.json]`: the result's tables as Markdown (for BENCHMARKS.md): the
figures, then the cost curves."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def fmt(value: float) -> str:
    if value < 1:
        return f"{value:.3g}"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def table(result: dict) -> str:  # type: ignore[type-arg]
    lines = [
        "| figure | value | raw baseline (same run) | ratio | target | met |",
        "|---|---:|---|---:|---|---|",
    ]
    for f in result["figures"]:
        ratio = f"{f['ratio']:.2f}" if f["ratio"] is not None else "–"
        lines.append(
            f"| {f['name']} | {fmt(f['value'])} {f['unit']} | {fmt(f['baseline'])} {f['unit']} ({f['baseline_name']}) "
            f"| {ratio} | {f['target']} | {'yes' if f['met'] else '**no**'} |"
        )
    return "\n".join(lines)


def curves(result: dict) -> str:  # type: ignore[type-arg]
    """The cost curves table (`bench/curves.py`), or nothing for a result from before them."""
    from bench.curves import markdown

    found = result.get("scale", {}).get("curves")
    return "**Cost curves**\n\n" + markdown(found) if found else ""


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results/latest.json")
    result = json.loads(path.read_text())
    print(table(result))
    if more := curves(result):
        print("\n" + more)
