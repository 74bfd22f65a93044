"""Where the plan meets the center: the broker's database gives the day's demand (its history) and
today's assignment (the site file with the manager's run-time changes)."""

from __future__ import annotations

from datetime import date

from broker.queue.overrides import apply_overrides
from broker.store.db import Store
from planning.demand import Demand, day_demand
from planning.plan import Plan, plan_day
from xephang.config import SiteConfig


def day_for(config: SiteConfig, store: Store, day: date,
            tickets: int | None = None) -> tuple[SiteConfig, Demand]:
    """Today's assignment (as the broker has it) and the day's demand: what `plan_day` needs."""
    current = apply_overrides(config, store)
    return current, day_demand(store, current, day, tickets)


def plan_for(config: SiteConfig, store: Store, day: date, tickets: int | None = None,
             budget_s: float = 15.0) -> Plan:
    current, demand = day_for(config, store, day, tickets)
    return plan_day(current, demand, budget_s=budget_s)
