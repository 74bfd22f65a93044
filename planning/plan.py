"""A day's staffing plan: the schedule the search found, its forecast beside today's assignment's,
and, for each service the plan cannot bring within its target, by how much and whether even every
counter open would (the capacity the center has)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from planning.demand import Demand
from planning.fluid import FluidModel, balanced_loads
from planning.followable import Rules
from planning.forecast import Evaluate, Forecast
from planning.gain import clearly_better
from planning.polish import polished, todays_unless_gain
from planning.schedule import Schedule, Services, day_blocks, todays_schedule
from planning.search import Search
from planning.simulated import SimulatedDays
from planning.staffing import offered_schedule
from simulation.profile import open_seconds
from xephang.config import SiteConfig


@dataclass(frozen=True)
class Shortfall:
    """A service whose p90 wait the plan leaves over target."""

    service: str
    over_min: float  # the plan's p90 minus the target
    best_p90_min: float  # with every counter open all day, serving every service
    capacity: bool  # True: even every counter open misses the target — the center lacks capacity
    block: int  # the block where its citizens wait longest


@dataclass(frozen=True)
class Plan:
    demand: Demand
    schedule: Schedule
    forecast: Forecast
    today: Schedule
    today_forecast: Forecast
    shortfalls: tuple[Shortfall, ...]
    evaluations: int
    seconds: float

    def changed_since(self, now: Mapping[int, Sequence[str]]) -> dict[int, tuple[Services, Services]]:
        """The counters whose services differ from those the plan was made for, other than by
        applying one of its blocks: {counter: (then, now)}; `()` for a counter that was not there.
        Empty: the plan is up to date with the counters."""
        out = {}
        for counter in sorted(set(now) | set(self.today.cells)):
            serving = tuple(now.get(counter, ()))
            then = self.today.serves(counter, 0) if counter in self.today.cells else ()
            if serving != then and serving not in self.schedule.cells.get(counter, ()):
                out[counter] = (then, serving)
        return out


BACKUPS = 2  # lines an open counter helps besides its own
SAFETY = 0.8  # the plan aims at this share of each target on its own simulated days
QUICK_SHARE = 0.5  # of the budget for the quick screen
TIGHTEN = 0.8  # the quick screen's targets shrink by this each round the simulator disagrees
MIN_FACTOR = 0.4


@dataclass(frozen=True)
class Planner:
    """How a plan is made: a quick evaluator ranks, a faithful one (the simulator) confirms."""

    quick: Evaluate
    confirm: Evaluate
    targets: Mapping[str, float]  # minutes per service
    mean_s: Mapping[str, float]  # mean service seconds per service
    budget_s: float = 10.0  # CPU seconds for the search
    rules: Rules = field(default_factory=Rules)  # how often a counter may change what it does

    def plan(self, demand: Demand, today: Schedule) -> Plan:
        started, clock = time.monotonic(), time.process_time()
        skills: dict[int, Services] = {c: today.serves(c, 0) for c in today.counters}
        rules = self.rules.starting_from(skills)  # a counter's changes count from what it does now
        # The simulator's few days are a sample: the plan aims under the targets to hold on others.
        aim = {code: t * SAFETY for code, t in self.targets.items()}
        sure = Search(self.confirm, aim, skills, clock + self.budget_s, rules=rules)
        quick, tried = self._screen(demand, today, skills, sure, clock + self.budget_s * QUICK_SHARE)
        sure.rank = quick
        # Never worse than today's assignment, nor than every counter open when that is better;
        # today's first, so that it wins a tie.
        schedule = min((today, *tried, every_counter_everything(today)), key=sure.ordering)
        schedule = self._backed(sure, sure.fill(schedule))
        schedule = self._backed(sure, polished(sure, sure.prune(schedule), skills))
        schedule = todays_unless_gain(sure, schedule, skills)
        forecast = sure.forecast(schedule)
        shortfalls = self._shortfalls(sure, forecast, today)
        return Plan(demand, schedule, forecast, today, sure.forecast(today), shortfalls,
                    quick.evaluations + sure.evaluations, time.monotonic() - started)

    def _backed(self, search: Search, schedule: Schedule) -> Schedule:
        """The schedule with backups (`with_backups`) when they serve some line better beyond
        chance and none worse: each backup is a change for a counter's staff."""
        backed = with_backups(schedule, self.backups(schedule))
        if clearly_better(search.forecast(backed), search.forecast(schedule), search.targets):
            return backed
        return schedule

    def backups(self, schedule: Schedule) -> list[list[str]]:
        """Per block, the services by how loaded their lines are (the quick screen's view)."""
        if not isinstance(self.quick, FluidModel):
            return [[] for _ in schedule.blocks]
        out = []
        for block in range(len(schedule.blocks)):
            loads = balanced_loads(self.quick, schedule, block)[0]
            out.append(sorted(loads, key=lambda code: -loads[code]))
        return out

    def _screen(self, demand: Demand, today: Schedule, skills: Mapping[int, Services],
                sure: Search, deadline: float) -> tuple[Search, list[Schedule]]:
        """Search with the quick evaluator, tightening its targets until the simulator finds the
        result within the real ones (the quick screen is an approximation: the simulator is the
        judge); returns the last quick search (to rank moves) and every result it found."""
        first = sure.rules.repair(offered_schedule(demand, today.blocks, self.mean_s, skills))
        seen: dict[object, Forecast] = {}
        tried: list[Schedule] = []
        factor = 1.0
        while True:
            targets = {code: t * factor for code, t in self.targets.items()}
            quick = Search(self.quick, targets, skills, deadline, rules=sure.rules, _seen=seen)
            start = min((quick.fill(first), every_counter_everything(today)), key=quick.ordering)
            tried.append(quick.prune(start))
            if quick.out_of_time() or not sure.forecast(tried[-1]).late(sure.targets) \
                    or factor < MIN_FACTOR:
                quick.deadline = float("inf")  # it only ranks from here on
                return quick, tried
            factor *= TIGHTEN

    def _shortfalls(self, search: Search, forecast: Forecast, today: Schedule) -> tuple[Shortfall, ...]:
        late = forecast.late(self.targets)
        if not late:
            return ()
        everything = search.forecast(every_counter_everything(today))
        return tuple(Shortfall(code, over, everything.services[code].p90_min,
                               code in everything.late(self.targets),
                               search._worst_block(forecast, code))
                     for code, over in sorted(late.items(), key=lambda kv: -kv[1]))


def with_backups(schedule: Schedule, ranked: Sequence[Sequence[str]]) -> Schedule:
    """Every open counter also serves, after its own, the `BACKUPS` most loaded lines of the
    blocks it does the same thing in (so that backups add no change for its staff):
    the same counter-hours, but a line that has a bad day (more citizens, longer dossiers) is
    helped by whichever counter is free, instead of waiting for its own one or two."""
    cells = {}
    for counter, row in schedule.cells.items():
        helped = {services: _most_loaded([ranked[b] for b, s in enumerate(row) if s == services],
                                         services)[:BACKUPS]
                  for services in set(row) if services}
        cells[counter] = tuple((*s, *helped[s]) if s else s for s in row)
    return Schedule(schedule.blocks, cells)


def _most_loaded(ranked: Sequence[Sequence[str]], own: Services) -> list[str]:
    """Services by their mean rank over these blocks (most loaded first), leaving out `own`."""
    codes = {code for block in ranked for code in block} - set(own)
    def place(code: str) -> tuple[float, str]:
        ranks = [list(block).index(code) if code in block else len(block) for block in ranked]
        return (sum(ranks) / len(ranks), code)
    return sorted(codes, key=place)


def every_counter_everything(today: Schedule) -> Schedule:
    """The most the center can do: every counter open all day, serving every service (its own
    first)."""
    codes = tuple(dict.fromkeys(code for c in today.counters for row in today.cells[c] for code in row))
    cells = {c: tuple((*today.serves(c, b), *(x for x in codes if x not in today.serves(c, b)))
                      for b in range(len(today.blocks))) for c in today.counters}
    return Schedule(today.blocks, cells)


SEEDS = tuple(range(9001, 9011))  # the plan's own days; bench/plan.py checks it on others
CITIZENS_JUDGED = 5000  # the plan's own days hold about this many citizens together


def own_seeds(tickets: int) -> tuple[int, ...]:
    """The plan's own days: at least 5, more on a quiet day (up to `SEEDS`), so that each
    service's p90 rests on enough citizens; with fewer, the search picks the schedule that happens
    to suit those few days (a 500-ticket plan made on 5 days missed its targets on others by up to
    10 %; on 10 days it held them)."""
    return SEEDS[:max(5, min(len(SEEDS), math.ceil(CITIZENS_JUDGED / max(1, tickets))))]


def plan_day(config: SiteConfig, demand: Demand, seeds: Sequence[int] | None = None,
             budget_s: float = 15.0, block_min: int | None = None,
             rules: Rules | None = None) -> Plan:
    """The plan for a day of `demand` at this center, against its assignment of today (`config`'s
    counters as the broker has them, every counter open whenever the center is)."""
    lunch = demand.profile.lunch
    blocks = day_blocks(config, block_min or config.plan.block_min, [lunch] if lunch else [])
    targets = {s.code: float(s.target_wait_min) for s in config.services}
    mean_s = {s.code: s.mean_service_min * 60 for s in config.services}
    quick = FluidModel(demand, mean_s, {c: t * 60 for c, t in targets.items()}, open_seconds(config))
    days = SimulatedDays(config, demand, seeds or own_seeds(demand.tickets))
    planner = Planner(quick, days, targets, mean_s, budget_s,
                      rules if rules is not None else Rules.from_config(config.plan))
    return planner.plan(demand, todays_schedule(config, blocks))
