"""A fast, deterministic screen of a schedule: the day as flows of work instead of citizens.

Each minute brings each service its expected arrivals; each open counter spends the minute on its
services in proportion to their waiting work, weighted by how late each line's head is against its
target (as the call rule favours late lines). A cohort's wait is the time from its arrival to the
minute it is served. Counters work at `EFFICIENCY` of the clock so that the screen keeps headroom
for the randomness the simulator (planning/simulated.py) then measures; the search ranks thousands
of candidate schedules with this in a second and confirms the few best with the simulator.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from planning.demand import Demand
from planning.forecast import Forecast, ServiceForecast
from planning.schedule import Schedule, Services

STEP_S = 300.0
EFFICIENCY = 1.0  # share of a counter's clock the flows count as service
MAX_LOAD = 0.95  # the chance term's load is capped here: above it the flows carry the backlog
BALANCING_ROUNDS = 12
VARIABILITY = 0.64  # (1 + cv²) / 2 of Poisson arrivals and lognormal service times (sigma 0.5)
MAX_OVERTIME_S = 4 * 3600.0


@dataclass(frozen=True)
class FluidModel:
    demand: Demand
    mean_s: Mapping[str, float]  # mean service time per service
    target_s: Mapping[str, float]
    close_s: float  # seconds from opening to closing
    issue_until_s: float | None = None  # no arrivals after this (default: closing)

    def __call__(self, schedule: Schedule) -> Forecast:
        return _Run(self, schedule).day()


class _Run:
    def __init__(self, model: FluidModel, schedule: Schedule) -> None:
        self.model, self.schedule = model, schedule
        self.lines: dict[str, deque[list[float]]] = {code: deque() for code in model.mean_s}
        self.done: dict[str, list[tuple[float, float, float]]] = {code: [] for code in model.mean_s}
        self.waiting = dict.fromkeys(model.mean_s, 0.0)  # citizens in each line
        self.overtime_s = 0.0
        self._by_block: dict[int, Counter[Services]] = {}

    def day(self) -> Forecast:
        model, t = self.model, 0.0
        last = model.issue_until_s if model.issue_until_s is not None else model.close_s
        while t < model.close_s or (any(self.lines.values()) and t < model.close_s + MAX_OVERTIME_S):
            if t < last:
                self._arrive(t)
            for services, counters in self._groups(t).items():
                if self._work(t, services, counters) and t >= model.close_s:
                    self.overtime_s += STEP_S * counters
            t += STEP_S
        return self._forecast()

    def _block_of(self, t: float) -> int:
        """The block an arrival at `t` counts in (the next one when it comes between blocks)."""
        blocks = self.schedule.blocks
        return next((i for i, b in enumerate(blocks) if t < b.end_s), len(blocks) - 1)

    def _groups(self, t: float) -> dict[Services, int]:
        """How many counters serve each list of services at `t` (none between blocks, e.g. at
        lunch; after closing, the last block's counters finish the line)."""
        blocks = self.schedule.blocks
        index = next((i for i, b in enumerate(blocks) if b.start_s <= t < b.end_s), None)
        if index is None and t >= blocks[-1].end_s:
            index = len(blocks) - 1
        if index is None:
            return {}
        if index not in self._by_block:
            self._by_block[index] = Counter(s for s in self.schedule.in_block(index).values() if s)
        return self._by_block[index]

    def _arrive(self, t: float) -> None:
        hour = int(t // 3600)
        for code, row in self.model.demand.hourly.items():
            if code in self.lines and hour < len(row) and row[hour] > 0:
                self.lines[code].append([t + STEP_S / 2, row[hour] * STEP_S / 3600, self._block_of(t)])
                self.waiting[code] += row[hour] * STEP_S / 3600

    def _work(self, t: float, services: Sequence[str], counters: int) -> bool:
        """One step of `counters` counters serving the same services; False when idle."""
        weights = {}
        for code in services:
            line = self.lines.get(code)
            if line:
                late = max(0.0, t - line[0][0]) / self.model.target_s[code]
                weights[code] = self.waiting[code] * self.model.mean_s[code] * (1 + late)
        total = sum(weights.values())
        for code, weight in weights.items():
            self._serve(code, t, counters * STEP_S * EFFICIENCY * weight / total / self.model.mean_s[code])
        return bool(weights)

    def _serve(self, code: str, t: float, amount: float) -> None:
        line = self.lines[code]
        while amount > 1e-9 and line:
            cohort = line[0]
            taken = min(amount, cohort[1])
            self.done[code].append((cohort[2], max(0.0, t + STEP_S / 2 - cohort[0]), taken))
            cohort[1] -= taken
            self.waiting[code] -= taken
            amount -= taken
            if cohort[1] <= 1e-9:
                line.popleft()

    def _forecast(self) -> Forecast:
        blocks = self.schedule.blocks
        out = {}
        chance = [chance_waits(self.model, self.schedule, b) for b in range(len(blocks))]
        for code, done in self.done.items():
            served = [(b, wait + chance[int(b)].get(code, 0.0), w) for b, wait, w in done]
            left = sum(c[1] for c in self.lines[code])
            end = self.model.close_s + MAX_OVERTIME_S
            unserved = [(c[2], end - c[0], c[1]) for c in self.lines[code]]  # never called: worst
            weight = sum(w for _, _, w in served)
            mean = sum(s * w for _, s, w in served) / weight if weight else 0.0
            per_block: list[list[tuple[float, float, float]]] = [[] for _ in blocks]
            for cohort in served + unserved:
                per_block[int(cohort[0])].append(cohort)
            by_block = tuple(round(_weighted_p90(cohorts) / 60, 1) for cohorts in per_block)
            out[code] = ServiceForecast(
                mean_min=round(mean / 60, 1), p90_min=round(_weighted_p90(served + unserved) / 60, 1),
                max_min=round(max((s for _, s, w in served if w > 0.05), default=0.0) / 60, 1),
                served=weight, left=left, block_p90_min=by_block)
        hours = self.schedule.counter_hours() + self.overtime_s / 3600
        return Forecast(out, self.overtime_s / 60, hours)


def chance_waits(model: FluidModel, schedule: Schedule, block: int) -> dict[str, float]:
    """The p90 wait that chance adds, per service, in a block where the lines keep up on average
    (the flows see none): M/G/c with Sakasegawa's approximation, each service's share of its
    counters balanced so that every line runs at the load its counters allow (`balanced_loads`)."""
    loads, capacity, servers = balanced_loads(model, schedule, block)
    out = {}
    for code, load in loads.items():
        rho = min(MAX_LOAD, load)
        waiting = rho ** (math.sqrt(2 * (servers[code] + 1)) - 1)  # chance of waiting at all
        if waiting <= 0.1 or capacity[code] <= 0:
            continue
        per_waiter = VARIABILITY * model.mean_s[code] / (capacity[code] * (1 - rho))
        # A block is too short for a nearly full line to settle: its swings grow like a random
        # walk's.
        settles = math.sqrt(schedule.blocks[block].hours * 3600 * model.mean_s[code] / capacity[code])
        out[code] = min(per_waiter * math.log(10 * waiting), settles)
    return out


def balanced_loads(model: FluidModel, schedule: Schedule,
                   block: int) -> tuple[dict[str, float], dict[str, float], Counter[str]]:
    """Each open counter's time split between its services so that the more loaded lines get
    more of it (iterative proportional fitting): per service its load (work ÷ the counter time
    it gets), that counter time, and how many counters serve it."""
    span = schedule.blocks[block]
    work = {c: model.demand.in_block(c, span) * model.mean_s[c] / (span.hours * 3600)
            for c in model.mean_s}  # offered load, in counters' worth of work
    row = [tuple(c for c in s if work[c] > 0) for s in schedule.in_block(block).values()]
    row = [s for s in row if s]
    servers = Counter(c for s in row for c in s)
    split = [dict.fromkeys(s, 1.0 / len(s)) for s in row]
    loads: dict[str, float] = {}
    for _ in range(BALANCING_ROUNDS):
        capacity = {c: sum(x.get(c, 0.0) for x in split) for c in servers}
        loads = {c: work[c] / max(capacity[c], 1e-9) for c in servers}
        split = [{c: loads[c] / sum(loads[k] for k in x) for c in x} for x in split]
    capacity = {c: sum(x.get(c, 0.0) for x in split) for c in servers}
    return loads, capacity, servers


def _weighted_p90(served: list[tuple[float, float, float]]) -> float:
    """The wait below which 90 % of the served work's citizens fall."""
    total = sum(w for _, _, w in served)
    running = 0.0
    for _, wait, weight in sorted(served, key=lambda c: c[1]):
        running += weight
        if running >= 0.9 * total:
            return wait
    return 0.0
