"""The one way the latency benchmarks print their figures."""

from __future__ import annotations

import statistics


def report(name: str, samples_ms: list[float]) -> None:
    """`name, N samples: median …, p90 …, p99 …, max … ms`."""
    q = statistics.quantiles(samples_ms, n=100, method="inclusive")  # p99 never above max
    print(f"{name}, {len(samples_ms)} samples: median {statistics.median(samples_ms):.1f} ms, "
          f"p90 {q[89]:.1f} ms, p99 {q[98]:.1f} ms, max {max(samples_ms):.1f} ms", flush=True)
