"""The staffing plan against today's assignment, on simulated days the plan was not made on, with
and without the limit on how often a counter changes what it does (site.toml [plan]).

    .venv/bin/python bench/plan.py [--tickets 500,800,1000,1200] [--day real,old] [--seeds 1-20]
                                   [--budget 15] [--no-unlimited]

For each day model (real: site.toml's [day], lunch closure, patience, afternoon peak; old: the
earlier model without them, `xephang simulate --day old`) and day size: the plan is made on its own
seeds (planning.plan.SEEDS, `--budget` CPU seconds) twice, with no limit on changes ("before") and
with site.toml's [plan] limit ("after"); then today's assignment (every counter its configured
services whenever the center is open) and both plans are followed on `--seeds`, the same citizens
for all three. Prints per service the target and each p90 wait (minutes), then counter-hours, the
services over target, citizens who left, the changes per counter (mean and most) and the CPU time
each plan took. Baseline = today's assignment in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planning.demand import Demand, expected_demand  # noqa: E402
from planning.followable import Rules, changes  # noqa: E402
from planning.forecast import Forecast  # noqa: E402
from planning.plan import Plan, plan_day  # noqa: E402
from planning.schedule import Schedule  # noqa: E402
from planning.simulated import SimulatedDays  # noqa: E402
from simulation.profile import Profile  # noqa: E402
from xephang.config import SiteConfig, load_config  # noqa: E402

SITE = ROOT / "config/site.toml"


@dataclass(frozen=True)
class Made:
    name: str
    plan: Plan
    cpu_s: float
    held: Forecast  # on the unseen seeds


def seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def switches(schedule: Schedule, today: Schedule) -> str:
    """Changes per counter (mean / most / counters changed), counted from what each counter does
    today (its first block's change from today's services is one)."""
    per = [changes(row, today.serves(c, 0)) for c, row in schedule.cells.items()]
    return f"{sum(per) / len(per):.2f} / {max(per)} / {sum(1 for n in per if n)}"


def make(config: SiteConfig, demand: Demand, rules: Rules | None, budget: float,
         fresh: SimulatedDays, name: str) -> Made:
    started = time.process_time()
    plan = plan_day(config, demand, budget_s=budget, rules=rules)
    cpu = time.process_time() - started
    return Made(name, plan, cpu, fresh(plan.schedule))


def one_size(config: SiteConfig, profile: Profile, tickets: int, days: list[int], budget: float,
             unlimited: bool) -> None:
    demand = expected_demand(config, profile, tickets)
    fresh = SimulatedDays(config, demand, days)
    made = [make(config, demand, Rules(), budget, fresh, "before")] if unlimited else []
    made.append(make(config, demand, None, budget, fresh, "after"))
    today = fresh(made[-1].plan.today)
    targets = {s.code: float(s.target_wait_min) for s in config.services}
    print(f"\n{tickets} tickets/day — followed on seeds {days[0]}-{days[-1]}; p90 wait (min)")
    print("| service | target | today | " + " | ".join(m.name for m in made) + " |")
    print("|---|---|---|" + "---|" * len(made))
    for code, target in targets.items():
        print(f"| {code} | {target:.0f} | {today.services[code].p90_min} | "
              + " | ".join(str(m.held.services[code].p90_min) for m in made) + " |")
    print("| schedule | counter-hours (of today) | over target | p90 > today + 1 min | left/day | "
          "changes per counter from today: mean / most / counters changed | plan CPU s |")
    print("|---|---|---|---|---|---|---|")
    print(f"| today | {today.counter_hours:.1f} | {_late(today, targets)} | | {_left(today):.1f} | "
          f"0.00 / 0 / 0 | |")
    for m in made:
        print(f"| {m.name} | {m.held.counter_hours:.1f} ({m.held.counter_hours / today.counter_hours:.3f})"
              f" | {_late(m.held, targets)} | {_worse(m.held, today)} | {_left(m.held):.1f} | "
              f"{switches(m.plan.schedule, m.plan.today)} | {m.cpu_s:.1f} |")
    short = ", ".join(f"{s.service} +{s.over_min} ({'capacity' if s.capacity else 'search'})"
                      for s in made[-1].plan.shortfalls) or "none"
    print(f"the plan (after) reports short: {short}")


def _late(forecast: Forecast, targets: dict[str, float]) -> str:
    return ", ".join(sorted(forecast.late(targets))) or "none"


def _worse(forecast: Forecast, today: Forecast) -> str:
    return ", ".join(f"{code} +{f.p90_min - today.services[code].p90_min:.1f}"
                     for code, f in forecast.services.items()
                     if f.p90_min > today.services[code].p90_min + 1.0) or "none"


def _left(forecast: Forecast) -> float:
    return sum(f.left for f in forecast.services.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", default="500,800,1000,1200")
    parser.add_argument("--day", default="real,old", help="real, old or both (real,old)")
    parser.add_argument("--seeds", type=seeds, default=seeds("1-20"))
    parser.add_argument("--budget", type=float, default=15.0)
    parser.add_argument("--no-unlimited", dest="unlimited", action="store_false",
                        help="skip the plan without the limit on changes")
    args = parser.parse_args()
    config = load_config(SITE)
    rules = config.plan
    for day in args.day.split(","):
        profile = Profile.from_config(config) if day == "real" else Profile()
        print(f"\n## {day} day; [plan] block_min {rules.block_min}, max_changes {rules.max_changes}, "
              f"min_stretch_min {rules.min_stretch_min}")
        for tickets in (int(t) for t in args.tickets.split(",")):
            one_size(config, profile, tickets, args.seeds, args.budget, args.unlimited)


if __name__ == "__main__":
    main()
