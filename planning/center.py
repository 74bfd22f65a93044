"""Where the plan meets the center: the broker's database gives the day's demand (its history) and
today's assignment (the site file with the manager's run-time changes)."""

from __future__ import annotations

from datetime import date

from broker.queue.overrides import apply_overrides
from broker.store.db import Store
from planning.demand import day_demand
from planning.plan import Plan, plan_day
from xephang.config import SiteConfig


def plan_for(config: SiteConfig, store: Store, day: date, tickets: int | None = None,
             budget_s: float = 15.0) -> Plan:
    current = apply_overrides(config, store)
    with store.reading() as tx:
        demand = day_demand(tx, current, day, tickets)
    return plan_day(current, demand, budget_s=budget_s)
