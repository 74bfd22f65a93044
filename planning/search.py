"""The search for a schedule that keeps every service's p90 wait under its target with the fewest
counter-hours: add a counter where a service is late (fill), then close counter-blocks the targets
do not need (prune). Any evaluator works (planning/fluid.py to rank quickly, the simulator to
confirm); forecasts are cached per schedule and the search stops at its deadline."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from planning.followable import Rules
from planning.forecast import Evaluate, Forecast
from planning.schedule import CLOSED, Schedule, Services

BLOCK_WEIGHT = 0.1  # a block's lateness against the day's, in the search's objective
BLOCK_SLACK = 1.15  # a block's p90 this far over target is repaired even when the day's is within
TOLERANCE = 0.02  # how much worse (in summed relative lateness) a pruned schedule may be
CANDIDATES = 3  # counters tried per kind of move
RANKED_TRIES = 2  # with a ranking evaluator: the best-ranked moves the real one confirms per step
RANKED_MISSES = 4  # with a ranking evaluator: pruning stops after this many refusals in a row


@dataclass
class Search:
    evaluate: Evaluate
    targets: Mapping[str, float]  # minutes, per service
    today: Mapping[int, Services]  # each counter's services without a plan (its staff's skills)
    deadline: float = float("inf")  # process time (time.process_time) after which no new
    # schedule is tried: CPU seconds, so a busy machine slows the search but does not cut it short
    rank: Search | None = None  # a quicker search whose forecasts order the moves this one tries
    rules: Rules = field(default_factory=Rules)  # how often a counter may change (followable.py)
    evaluations: int = 0
    _seen: dict[object, Forecast] = field(default_factory=dict)

    def forecast(self, schedule: Schedule) -> Forecast:
        key = schedule.key()
        if key not in self._seen:
            self._seen[key] = self.evaluate(schedule)
            self.evaluations += 1
        return self._seen[key]

    def lateness(self, forecast: Forecast) -> float:
        """Summed squared relative lateness of each service's p90 over the day, plus a share of
        the same in each block: 0 when every service is within its target in every part of the
        day; a service far over its target weighs more than two a little over (no line is
        sacrificed), and a quiet block's slack is seen even on a day whose morning is over."""
        out = 0.0
        for code, f in forecast.services.items():
            target = self.targets[code]
            out += (max(0.0, f.p90_min - target) / target) ** 2
            out += BLOCK_WEIGHT * sum((max(0.0, p - target) / target) ** 2 for p in f.block_p90_min)
        return out

    def out_of_time(self) -> bool:
        return time.process_time() > self.deadline

    # -- fill: add capacity where a service is late --------------------------------------------
    def fill(self, schedule: Schedule) -> Schedule:
        while not self.out_of_time():
            better = self._one_fill(schedule)
            if better is None:
                return schedule
            schedule = better
        return schedule

    def _one_fill(self, schedule: Schedule) -> Schedule | None:
        current = self.forecast(schedule)
        score = self.lateness(current)
        spare = set(current.services) - set(current.late(self.targets))
        for code, block in self._late_cells(current):
            moves = self._moves(schedule, code, block, spare - {code})
            if self.rank is not None:
                moves = sorted(moves, key=self.rank.ordering)[:RANKED_TRIES]
            scored = [(self.lateness(self.forecast(m)), m.counter_hours(), i, m)
                      for i, m in enumerate(moves) if not self.out_of_time()]
            if scored and min(scored)[0] < score - 1e-6:
                return min(scored)[3]
        return None

    def _late_cells(self, forecast: Forecast) -> list[tuple[str, int]]:
        """(service, block) pairs over target, the services late over the day first, then the
        latest relative to target."""
        day_late = forecast.late(self.targets)
        cells = [(code, b) for code, f in forecast.services.items()
                 for b, p90 in enumerate(f.block_p90_min)
                 if p90 > self.targets[code] * BLOCK_SLACK or (code in day_late and p90 > self.targets[code])]
        return sorted(cells, key=lambda cb: (cb[0] not in day_late, -forecast.services[cb[0]]
                                             .block_p90_min[cb[1]] / self.targets[cb[0]]))

    def _worst_block(self, forecast: Forecast, code: str) -> int:
        row = forecast.services[code].block_p90_min
        return max(range(len(row)), key=lambda b: (row[b], -b))

    def _moves(self, schedule: Schedule, code: str, block: int, spare: set[str]) -> list[Schedule]:
        """Open a closed counter for the service; add it to an open counter that lacks it; or
        make it the first service of a counter whose lines are within target (`spare`); from the
        late block or the one before (where its backlog may have built up), for as long as the
        counter may keep it (`Rules.set`)."""
        moves = []
        for b in dict.fromkeys((block, max(0, block - 1))):
            row = schedule.in_block(b)
            closed = sorted((c for c, s in row.items() if not s),
                            key=lambda c: (code not in self.today.get(c, ()), c))
            moves += [self.rules.set(schedule, c, b, (code,)) for c in closed[:CANDIDATES]]
            lacking = sorted((c for c, s in row.items() if s and code not in s),
                             key=lambda c: (code not in self.today.get(c, ()), len(row[c]), c))
            moves += [self.rules.set(schedule, c, b, (*row[c], code)) for c in lacking[:CANDIDATES]]
            easy = [c for c, s in row.items() if s and s[0] != code and set(s) <= spare]
            moves += [self.rules.set(schedule, c, b, (code, *(x for x in row[c] if x != code)))
                      for c in easy[:CANDIDATES]]
        return [m for m in moves if m is not None]

    # -- prune: close counter-blocks the targets do not need ----------------------------------
    def prune(self, schedule: Schedule) -> Schedule:
        base = self.lateness(self.forecast(schedule))
        late = set(self.forecast(schedule).late(self.targets))
        misses = 0
        for block, counter in self._prune_order(schedule):
            if self.out_of_time() or (self.rank is not None and misses >= RANKED_MISSES):
                break
            if not schedule.serves(counter, block) or schedule.open_in(block) <= 1:
                continue
            trial = self.rules.set(schedule, counter, block, CLOSED)
            if trial is None or any(trial.open_in(b) < 1 for b in range(len(trial.blocks))):
                continue
            forecast = self.forecast(trial)
            if (set(forecast.late(self.targets)) <= late
                    and self.lateness(forecast) <= base + TOLERANCE):
                schedule, misses = trial, 0
            else:
                misses += 1
        return schedule

    def ordering(self, schedule: Schedule) -> tuple[int, float, float]:
        """How good a schedule looks to this search: services over target for the day, their
        lateness, then counter-hours (a block's lateness is for the fill to repair)."""
        forecast = self.forecast(schedule)
        day = sum((max(0.0, f.p90_min - self.targets[c]) / self.targets[c]) ** 2
                  for c, f in forecast.services.items())
        return (len(forecast.late(self.targets)), round(day, 2), schedule.counter_hours())

    def _prune_order(self, schedule: Schedule) -> list[tuple[int, int]]:
        """Quiet blocks first (most open counters per block-hour), counters with the fewest
        services first (a specialist's line is the easiest to pool into others)."""
        cells = [(b, c) for b in range(len(schedule.blocks)) for c in schedule.counters
                 if schedule.serves(c, b)]
        if self.rank is not None:  # the quicker search's view of each closure, best first
            return sorted(cells, key=lambda bc: self.rank.ordering(  # type: ignore[union-attr]
                self.rules.set(schedule, bc[1], bc[0], CLOSED) or schedule))
        return sorted(cells, key=lambda bc: (-schedule.open_in(bc[0]),
                                             len(schedule.serves(bc[1], bc[0])), -bc[1]))
