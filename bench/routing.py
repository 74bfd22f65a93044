"""Compare the call policies on the same simulated days, for the shipped and the harder config.

    .venv/bin/python bench/routing.py [--days 20] [--json]

Every policy runs on the same seeds (the same citizens, arrivals and service times), so differences
come from the rule. Prints per config and policy the mean over days of the daily mean wait, the daily
p95 wait and the wait estimate's mean absolute error, and the CPU time of one 1,200-ticket day.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulation.policies import POLICIES  # noqa: E402
from simulation.run import simulate  # noqa: E402
from xephang.config import load_config  # noqa: E402

# Tickets per day sized to keep the counters about 85–90 % busy over the day.
CONFIGS = {"site": (ROOT / "config/site.toml", 1000), "hard": (ROOT / "config/hard-site.toml", 480)}
FIELDS = ("mean_wait_s", "p95_wait_s", "max_wait_s", "eta_mae_s", "eta_within_range")


def compare(path: Path, tickets: int, days: int) -> dict[str, dict[str, float]]:
    config = load_config(path)
    out = {}
    for policy in POLICIES:
        runs = [simulate(config, policy, tickets, seed) for seed in range(1, days + 1)]
        out[policy] = {name: round(sum(r[name] for r in runs) / days, 3) for name in FIELDS}
    return out


def cpu_of_a_busy_day() -> float:
    config = load_config(ROOT / "config/site.toml")
    start = time.process_time()
    simulate(config, "ours", 1200, 1)
    return time.process_time() - start


def table(results: dict[str, Any]) -> str:
    lines = ["| config | policy | mean wait (min) | p95 wait (min) | max wait (min) | ETA MAE (min) "
             "| in printed range |", "|---|---|---|---|---|---|---|"]
    for name, policies in results.items():
        for policy, r in policies.items():
            lines.append(f"| {name} | {policy} | {r['mean_wait_s'] / 60:.1f} | {r['p95_wait_s'] / 60:.1f} "
                         f"| {r['max_wait_s'] / 60:.1f} | {r['eta_mae_s'] / 60:.1f} "
                         f"| {r['eta_within_range']:.0%} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {name: compare(path, tickets, args.days)
                               for name, (path, tickets) in CONFIGS.items()}
    cpu = cpu_of_a_busy_day()
    if args.json:
        sys.stdout.write(json.dumps({"results": results, "cpu_s_1200_tickets": cpu}, indent=1) + "\n")
    else:
        sys.stdout.write(table(results) + f"\n\nCPU for one 1,200-ticket day: {cpu:.3f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
