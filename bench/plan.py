"""The staffing plan against today's assignment, on simulated days the plan was not made on.

    .venv/bin/python bench/plan.py [--tickets 500,800,1000,1200] [--seeds 1-20] [--budget 15]

For each day size: the plan is made for config/site.toml's day ([day] profile, its own seeds
planning.plan.SEEDS, `--budget` CPU seconds), then the plan and today's assignment (every counter
its configured services whenever the center is open) are both followed on `--seeds`, the same
citizens for both. Prints per service the target and, for today and the plan, the mean, p90 and max
wait (minutes) and citizens left per day; then counter-hours, overtime (counter-minutes after
closing), whether every target is met, the services the plan reports as short, and the CPU time the
plan took. Baseline = today's assignment in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planning.demand import expected_demand  # noqa: E402
from planning.forecast import Forecast  # noqa: E402
from planning.plan import plan_day  # noqa: E402
from planning.simulated import SimulatedDays  # noqa: E402
from simulation.profile import Profile  # noqa: E402
from xephang.config import SiteConfig, load_config  # noqa: E402

SITE = ROOT / "config/site.toml"


def seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def one_size(config: SiteConfig, tickets: int, days: list[int], budget: float) -> None:
    demand = expected_demand(config, Profile.from_config(config), tickets)
    started = time.process_time()
    plan = plan_day(config, demand, budget_s=budget)
    cpu = time.process_time() - started
    fresh = SimulatedDays(config, demand, days)
    today, planned = fresh(plan.today), fresh(plan.schedule)
    targets = {s.code: float(s.target_wait_min) for s in config.services}
    print(f"\n{tickets} tickets/day — plan made in {cpu:.1f} s CPU ({plan.seconds:.1f} s wall, "
          f"{plan.evaluations} schedules tried); followed on seeds {days[0]}-{days[-1]}")
    print("| service | target | today mean / p90 / max | plan mean / p90 / max | today left | plan left |")
    print("|---|---|---|---|---|---|")
    for code, target in targets.items():
        now, then = today.services[code], planned.services[code]
        print(f"| {code} | {target:.0f} | {now.mean_min} / {now.p90_min} / {now.max_min} | "
              f"{then.mean_min} / {then.p90_min} / {then.max_min} | {now.left:.1f} | {then.left:.1f} |")
    _totals(today, planned, targets)
    short = ", ".join(f"{s.service} +{s.over_min} min ({'capacity' if s.capacity else 'search'})"
                      for s in plan.shortfalls) or "none"
    print(f"plan reports short: {short}")


def _totals(today: Forecast, planned: Forecast, targets: dict[str, float]) -> None:
    print(f"counter-hours: today {today.counter_hours:.1f}, plan {planned.counter_hours:.1f} "
          f"({planned.counter_hours / today.counter_hours:.3f} of today)")
    print(f"overtime (counter-min): today {today.overtime_min:.0f}, plan {planned.overtime_min:.0f}")
    print(f"late services: today {sorted(today.late(targets)) or 'none'}, "
          f"plan {sorted(planned.late(targets)) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", default="500,800,1000,1200")
    parser.add_argument("--seeds", type=seeds, default=seeds("1-20"))
    parser.add_argument("--budget", type=float, default=15.0)
    args = parser.parse_args()
    config = load_config(SITE)
    for tickets in (int(t) for t in args.tickets.split(",")):
        one_size(config, tickets, args.seeds, args.budget)


if __name__ == "__main__":
    main()
