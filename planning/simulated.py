"""The faithful evaluator: a schedule run through the simulator (the real call rule, the center's
day from site.toml) on several seeds, the same citizens for every schedule tried."""

from __future__ import annotations

from collections.abc import Sequence

from planning.demand import Demand
from planning.forecast import Forecast, Waited, summarise
from planning.schedule import Schedule
from simulation.engine import Assignment, Day
from simulation.profile import Citizen, citizens
from simulation.report import counter_hours
from xephang.config import SiteConfig


def assignment(schedule: Schedule) -> Assignment:
    """The engine's form: each counter's open blocks with their services."""
    return {counter: [(b.start_s, b.end_s, services)
                      for b, services in zip(schedule.blocks, row, strict=True) if services]
            for counter, row in schedule.cells.items()}


class SimulatedDays:
    """Evaluate a schedule on `seeds` simulated days of `demand` (common random numbers: every
    schedule meets the same citizens, so two schedules differ only by what they do)."""

    def __init__(self, config: SiteConfig, demand: Demand, seeds: Sequence[int],
                 policy: str = "ours") -> None:
        self.config, self.demand, self.policy = config, demand, policy
        self.people = [citizens(config, demand.profile, demand.tickets, seed) for seed in seeds]

    def __call__(self, schedule: Schedule) -> Forecast:
        plan = assignment(schedule)
        days = [Day(self.config, self.policy, self.demand.profile, list(people), assignment=plan).run()
                for people in self.people]
        waited = [[_waited(day, i, person) for i, person in enumerate(people)]
                  for day, people in zip(days, self.people, strict=True)]
        n = len(days)
        overtime = sum(d.overtime_s for day in days for d in day.desks.values()) / n
        hours = sum(counter_hours(d) for day in days for d in day.desks.values()) / n
        return summarise(waited, [s.code for s in self.config.services], schedule.blocks,
                         overtime / 60, hours)


def _waited(day: Day, index: int, person: Citizen) -> Waited:
    """A citizen who gave up counts as a wait of their patience: the plan may not buy short waits
    by sending people home."""
    record = day.records[index]
    wait = record.wait_s
    if record.left:
        wait = person.patience_s if person.patience_s is not None else day.now - person.arrival_s
    return Waited(person.service, person.arrival_s, wait, record.left)
