"""Percentiles without numpy."""

from __future__ import annotations


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def percentiles(values: list[float]) -> dict[str, float]:
    s = sorted(values)
    return {"p50": percentile(s, 50), "p99": percentile(s, 99), "max": s[-1] if s else 0.0, "n": len(s)}
