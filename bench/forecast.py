"""How often the printed wait range holds: today's range around the estimate against the forecast.

    .venv/bin/python bench/forecast.py [--seeds 1-20] [--tickets 1200,1000] [--every 40] [--runs 50]
                                       [--day old|real]

For each simulated day (simulation/engine.py, the real call rule), every `--every`-th ticket is given
the range the broker would print at its issue: the forecast (forecast/run.py, the same code) run from
the hall as it was then (forecast/replay.py), and today's [0.6·eta, 1.3·eta + 2 min]. Prints the share
of real waits inside each range and its mean width, for all scored tickets and for those issued
10:30–11:30, and the CPU time of one forecast refresh at 1,000 waiting (ticket bands included).
`--day old` is the old day model (`Profile()`, as bench/routing.py's targets), `--day real` the site
file's day (`Profile.from_config`: lunch closure, breaks, afternoon peak, citizens who give up — those
are not scored: they have no wait).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecast.replay import Replay  # noqa: E402
from forecast.run import RUNS, forecast  # noqa: E402
from routing.wait_range import band_range, wait_range  # noqa: E402
from simulation.engine import Day, Happening  # noqa: E402
from simulation.profile import Profile, at, citizens  # noqa: E402
from xephang.config import SiteConfig, load_config  # noqa: E402

SITE = ROOT / "config/site.toml"
PEAK = ((10, 30), (11, 30))  # local hour, minute: the late-morning arrivals the old range missed


def day_profile(config: SiteConfig, day: str) -> Profile:
    return Profile() if day == "old" else Profile.from_config(config)


def scored_day(config: SiteConfig, tickets: int, seed: int, every: int, runs: int,
               day_model: str = "old") -> list[dict[str, Any]]:
    """One day: per scored ticket its wait, today's range and the forecast's (minutes)."""
    profile = day_profile(config, day_model)
    people = citizens(config, profile, tickets, seed)
    trace: list[Happening] = []
    day = Day(config, "ours", profile, people, trace=trace).run()
    replay, step, out = Replay(config, people, profile), config.routing.eta_round_min, []
    for happening in trace:
        record = day.records[happening.citizen]
        if happening.kind == "issued" and happening.citizen % every == 0 and record.wait_s is not None:
            replay.now_s = happening.at_s
            priority = people[happening.citizen].priority != "none"
            band = forecast(replay.hall(), runs=runs, seed=seed * 100_000 + happening.citizen,
                            tickets=False, services=[record.service], priority=priority
                            ).next_ticket(record.service, priority)
            assert band is not None
            local = at(config, happening.at_s).astimezone(config.site.zone)
            out.append({"wait_min": record.wait_s / 60, "today": wait_range(record.eta_s, step),
                        "forecast": band_range(band.low_s, band.high_s, step),
                        "band": (band.low_s / 60, band.high_s / 60),
                        "peak": PEAK[0] <= (local.hour, local.minute) < PEAK[1]})
        replay.step(happening)
    return out


def figures(rows: list[dict[str, Any]], key: str) -> dict[str, float]:
    inside = [r[key][0] <= r["wait_min"] <= r[key][1] for r in rows]
    widths = [r[key][1] - r[key][0] for r in rows if r[key][1] < math.inf]
    return {"coverage": round(sum(inside) / max(1, len(rows)), 3),
            "width_min": round(sum(widths) / max(1, len(widths)), 1), "tickets": len(rows)}


def refresh_cpu(config: SiteConfig, runs: int, profile: Profile) -> dict[str, float]:
    """CPU seconds of one broker refresh (every waiting ticket's band and every service's) with a
    1,000-ticket backlog: a 3,000-ticket day stopped when its line first passes 1,000."""
    people = citizens(config, profile, 3000, 7)
    trace: list[Happening] = []
    Day(config, "ours", profile, people, trace=trace).run()
    replay = Replay(config, people, profile)
    for happening in trace:
        replay.step(happening)
        if len(replay.waiting) >= 1000:
            break
    hall = replay.hall()
    started = time.process_time()
    result = forecast(hall, runs=runs)
    return {"waiting": len(hall.waiting), "cpu_s": round(time.process_time() - started, 3),
            "bands": len(result.tickets) + len(result.services)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-20")
    parser.add_argument("--tickets", default="1200,1000")
    parser.add_argument("--every", type=int, default=40)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--day", choices=("old", "real"), default="old")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    first, _, last = args.seeds.partition("-")
    seeds = list(range(int(first), int(last or first) + 1))
    config = load_config(SITE)
    report: dict[str, Any] = {}
    with ProcessPoolExecutor(args.workers) as pool:
        for tickets in (int(t) for t in args.tickets.split(",")):
            days = pool.map(scored_day, *zip(*[(config, tickets, s, args.every, args.runs, args.day)
                                                 for s in seeds], strict=True))
            rows = [row for day in days for row in day]
            peak = [r for r in rows if r["peak"]]
            report[str(tickets)] = {name: {"all": figures(rows, key), "10:30-11:30": figures(peak, key)}
                                    for name, key in (("today", "today"), ("forecast", "forecast"),
                                                      ("raw band", "band"))}
    report["refresh_at_1000_waiting"] = refresh_cpu(config, args.runs, day_profile(config, args.day))
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"seeds {args.seeds}, {args.day} day model, every {args.every}th ticket scored, "
          f"{args.runs} runs per forecast")
    print("(raw band: the runs' 5–95 % before rounding; a calibrated forecast holds ~90 % in it)")
    print(f"{'tickets':>8} {'range':>9} {'arrivals':>12} {'coverage':>9} {'width':>7} {'÷ today':>8} "
          f"{'scored':>7}")
    for tickets, ranges in report.items():
        if tickets.isdigit():
            for name, spans in ranges.items():
                for span, f in spans.items():
                    ratio = f["width_min"] / max(0.1, ranges["today"][span]["width_min"])
                    print(f"{tickets:>8} {name:>9} {span:>12} {f['coverage']:>9.1%} "
                          f"{f['width_min']:>6.1f}m {ratio:>8.2f} {f['tickets']:>7}")
    cpu = report["refresh_at_1000_waiting"]
    print(f"one refresh at {cpu['waiting']} waiting: {cpu['cpu_s']:.2f} s CPU ({cpu['bands']} bands)")


if __name__ == "__main__":
    main()
