"""Shared helpers for benchmarks: timing, memory, and writing the JSON result.

Every benchmark measures our path and the raw tool on the same input in the same run, prints the
figures and the ratio, and writes ``benchmarks/results/<name>.json``.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def median_ms(fn: Callable[[], object], *, runs: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_result(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    doc = {"benchmark": name, "at": datetime.now(UTC).isoformat(timespec="seconds"),
           "machine": {"python": platform.python_version(), "cpus": _cpus()}, **figures}
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    print(f"  → {out}")
    return out


def _cpus() -> int:
    return len(os.sched_getaffinity(0))
