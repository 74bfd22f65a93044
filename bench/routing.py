"""Compare the call policies on the same simulated days, against the static baseline.

    .venv/bin/python bench/routing.py [--seeds 1-20] [--tickets 1200,1000] [--day old,real] [--hard]
                                      [--json]

Every policy runs on the same seeds (the same citizens, arrivals and service times), so differences
come from the rule. Prints, per ticket count and policy, the mean over days of the daily mean, p95
and max wait, the fairness figure (the worst service's mean wait ÷ the day's mean wait: 1.0 = every
service waits alike), the wait estimate's error, and each figure's ratio to `static` (one line per
counter, the same run). `pooled` is a bound, not a policy: every counter serves every service, FIFO
with priority first — what perfect cross-training would give. `--hard` adds config/hard-site.toml at
480 tickets. `--day`: `old` is the day model the targets were set on (no lunch, nobody leaves,
counters serve until the line is empty); `real` is the site file's [day] (lunch closure, breaks,
afternoon peak, patience, last ticket, spreads): there `left` counts citizens who gave up and
`overtime` the counters' minutes past closing (summed over counters). Ends with the CPU time of one
1,200-ticket day.
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

from harness.site_file import ANY_HOUR_SITE  # noqa: E402
from simulation.policies import POLICIES  # noqa: E402
from simulation.profile import Profile  # noqa: E402
from simulation.run import simulate  # noqa: E402
from xephang.config import SiteConfig, load_config  # noqa: E402

SITE = ANY_HOUR_SITE  # config/site.toml, issuing at any hour
HARD = ROOT / "config/hard-site.toml"
WAITS = ("mean_wait_s", "p95_wait_s", "max_wait_s")
FIELDS = (*WAITS, "fairness", "left", "overtime_s", "eta_mae_s", "eta_within_range")


def pooled(config: SiteConfig) -> SiteConfig:
    """The same center with every counter serving every service."""
    every = [s.code for s in config.services]
    counters = [c.model_copy(update={"services": every}) for c in config.counters]
    return config.model_copy(update={"counters": counters})


def fairness(run: dict[str, Any]) -> float:
    worst = max((s["mean_wait_s"] for s in run["per_service"].values()), default=0.0)
    return worst / run["mean_wait_s"] if run["mean_wait_s"] else 1.0


def day_means(config: SiteConfig, policy: str, tickets: int, seeds: list[int],
              profile: Profile) -> dict[str, float]:
    runs = [simulate(config, policy, tickets, seed, profile) for seed in seeds]
    for run in runs:
        run["fairness"] = fairness(run)
        run["overtime_s"] = sum(run["overtime_s"].values())
    return {name: round(sum(r[name] for r in runs) / len(runs), 3) for name in FIELDS}


def compare(path: Path, tickets: int, seeds: list[int], day: str) -> dict[str, dict[str, float]]:
    config = load_config(path)
    profile = Profile.from_config(config) if day == "real" else Profile()
    out = {policy: day_means(config, policy, tickets, seeds, profile) for policy in POLICIES}
    out["pooled"] = day_means(pooled(config), "fifo", tickets, seeds, profile)
    return out


def cpu_of_a_busy_day() -> float:
    config = load_config(SITE)
    start = time.process_time()
    simulate(config, "ours", 1200, 1)
    return time.process_time() - start


def table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    lines = ["| day | policy | mean wait (min) | p95 (min) | max (min) | fairness | left | overtime (min) "
             "| ÷ static (mean / p95 / max) | p95 ÷ pooled | ETA MAE (min) | in printed range |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for day, policies in results.items():
        static, bound = policies["static"], policies["pooled"]
        for policy, r in policies.items():
            ratios = " / ".join(f"{r[k] / static[k]:.3f}" if static[k] else "–" for k in WAITS)
            to_pooled = f"{r['p95_wait_s'] / bound['p95_wait_s']:.3f}" if bound["p95_wait_s"] else "–"
            lines.append(f"| {day} | {policy} | {r['mean_wait_s'] / 60:.1f} | {r['p95_wait_s'] / 60:.1f} "
                         f"| {r['max_wait_s'] / 60:.1f} | {r['fairness']:.2f} | {r['left']:.1f} "
                         f"| {r['overtime_s'] / 60:.0f} | {ratios} | {to_pooled} "
                         f"| {r['eta_mae_s'] / 60:.1f} | {r['eta_within_range']:.0%} |")
    return "\n".join(lines)


def seed_range(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seed_range, default=seed_range("1-20"),
                        help="first-last, inclusive (the rule was tuned on 101-180)")
    parser.add_argument("--tickets", default="1200,1000", help="tickets per day, comma-separated")
    parser.add_argument("--hard", action="store_true", help="also config/hard-site.toml at 480")
    parser.add_argument("--day", default="old,real", help="day models, comma-separated: old, real")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    models = args.day.split(",")
    if not set(models) <= {"old", "real"}:
        parser.error("--day takes old, real or both")
    days = [(f"{model} site {n}", SITE, n, model) for model in models
            for n in map(int, args.tickets.split(","))]
    if args.hard:
        days += [(f"{model} hard 480", HARD, 480, model) for model in models]
    results = {name: compare(path, tickets, args.seeds, model) for name, path, tickets, model in days}
    cpu = cpu_of_a_busy_day()
    if args.json:
        sys.stdout.write(json.dumps({"results": results, "cpu_s_1200_tickets": cpu}, indent=1) + "\n")
    else:
        sys.stdout.write(table(results) + f"\n\nCPU for one 1,200-ticket day: {cpu:.3f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
