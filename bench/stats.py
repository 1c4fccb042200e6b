"""Small statistics helpers (no numpy)."""

from __future__ import annotations

import statistics


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(values: list[float]) -> dict:
    """Median with the spread: min, max, IQR, and the number of runs."""
    v = [float(x) for x in values]
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "q1": percentile(v, 25),
            "q3": percentile(v, 75), "n": len(v), "runs": v}


def fmt_seconds(s: float) -> str:
    if s != s:
        return "n/a"
    if s < 0.01:
        return f"{s * 1000:.2f} ms"
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 100:
        return f"{s:.2f} s"
    return f"{s:.0f} s"


def fmt_value(v: float, unit: str) -> str:
    if unit == "s":
        return fmt_seconds(v)
    if unit == "MiB":
        return f"{v:.0f} MiB"
    if unit == "pages/s":
        return f"{v:,.0f} pages/s"
    return f"{v:.3g} {unit}"


def fmt_summary(s: dict | None, unit: str) -> str:
    if not s:
        return "—"
    if s["n"] == 1:
        return fmt_value(s["median"], unit)
    return f"{fmt_value(s['median'], unit)} ({fmt_value(s['min'], unit)}–{fmt_value(s['max'], unit)})"
