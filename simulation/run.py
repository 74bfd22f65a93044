"""Run one simulated day: `simulate(config, policy, tickets, seed)` returns the printed figures.

`profile` None is the old day model (`Profile()`); `Profile.from_config(config)` is the center's
real day. `assignment` gives each counter its blocks of the day (engine.Block); None = every counter
serves its configured services whenever the center is open."""

from __future__ import annotations

from typing import Any

from simulation.engine import Assignment, Day
from simulation.policies import POLICIES
from simulation.profile import Profile, citizens
from simulation.report import summary
from xephang.config import SiteConfig


def simulate_day(config: SiteConfig, policy: str, tickets: int, seed: int,
                 profile: Profile | None = None, assignment: Assignment | None = None) -> Day:
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")
    if tickets < 0:
        raise ValueError("--tickets must not be negative")
    profile = profile or Profile()
    people = citizens(config, profile, tickets, seed)
    return Day(config, policy, profile, people, assignment=assignment).run()


def simulate(config: SiteConfig, policy: str, tickets: int, seed: int,
             profile: Profile | None = None, assignment: Assignment | None = None) -> dict[str, Any]:
    return summary(simulate_day(config, policy, tickets, seed, profile, assignment))
