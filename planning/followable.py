"""A plan staff can follow: a counter changes what it does (its services, or opens or closes) at
most a few times a day, and keeps each arrangement long enough to be worth the change (site.toml
[plan]). A stretch is a run of blocks in which a counter does the same thing. Changes count from
what the counter does today (its services now, open): the first stretch is a change when it
differs from that, and so is the start of every later stretch."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from planning.schedule import Block, Schedule, Services
from xephang.config import PlanSection


@dataclass(frozen=True)
class Stretch:
    """Blocks [first, last] of one counter's day in which it serves `services` (`()`: closed)."""

    first: int
    last: int
    services: Services

    def seconds(self, blocks: Sequence[Block]) -> float:
        return sum(b.end_s - b.start_s for b in blocks[self.first:self.last + 1])


def stretches(row: Sequence[Services]) -> list[Stretch]:
    out: list[Stretch] = []
    for index, services in enumerate(row):
        if out and out[-1].services == services:
            out[-1] = Stretch(out[-1].first, index, services)
        else:
            out.append(Stretch(index, index, services))
    return out


def changes(row: Sequence[Services], today: Services | None = None) -> int:
    """How many times a counter changes what it does in a day: from `today` (what it does
    before the plan; None: counted between the plan's blocks only) to its first block, then
    between blocks."""
    cells = list(row) if today is None else [today, *row]
    return sum(1 for a, b in itertools.pairwise(cells) if a != b)


@dataclass(frozen=True)
class Rules:
    """At most `max_changes` changes per counter per day; every stretch at least `min_stretch_s`
    long (a counter doing one thing all day never has a short one), counted from `today`
    (each counter's services before the plan; a counter not in it counts from its first block).
    None: no limit (the plan before these rules, for comparison)."""

    max_changes: int | None = None
    min_stretch_s: float = 0.0
    today: Mapping[int, Services] = field(default_factory=dict)

    @classmethod
    def from_config(cls, section: PlanSection) -> Rules:
        return cls(section.max_changes, section.min_stretch_min * 60.0)

    def starting_from(self, today: Mapping[int, Services]) -> Rules:
        return replace(self, today=dict(today))

    def allows(self, row: Sequence[Services], blocks: Sequence[Block], counter: int = 0) -> bool:
        count = changes(row, self.today.get(counter))
        if count == 0:
            return True
        if self.max_changes is not None and count > self.max_changes:
            return False
        runs = stretches(row)
        return len(runs) == 1 or all(run.seconds(blocks) >= self.min_stretch_s for run in runs)

    def allows_schedule(self, schedule: Schedule) -> bool:
        return all(self.allows(row, schedule.blocks, c) for c, row in schedule.cells.items())

    def set(self, schedule: Schedule, counter: int, block: int, services: Services) -> Schedule | None:
        """`schedule` with `counter` doing `services` from `block`: in that block alone when the
        rules allow it, else up to the end or from the start of the stretch the block is in, else
        in the whole stretch (which never adds a change); None when nothing changes."""
        row = schedule.cells[counter]
        if row[block] == services:
            return None
        run = next(s for s in stretches(row) if s.first <= block <= s.last)
        for first, last in ((block, block), (block, run.last), (run.first, block), (run.first, run.last)):
            trial = tuple(services if first <= b <= last else cell for b, cell in enumerate(row))
            if self.allows(trial, schedule.blocks, counter):
                return Schedule(schedule.blocks, {**schedule.cells, counter: trial})
        return None

    def repair(self, schedule: Schedule) -> Schedule:
        """The schedule made followable without taking capacity away: the shortest stretch of a
        counter that breaks the rules is merged into a neighbour (an open one wins over closed;
        two open ones serve both lists, the longer stretch's first); a counter left with one
        arrangement that is still one change too many keeps what it does today."""
        cells = dict(schedule.cells)
        for counter, row in cells.items():
            while not self.allows(row, schedule.blocks, counter):
                if len(stretches(row)) == 1:
                    row = tuple(self.today[counter] for _ in row)
                    break
                row = _merge_shortest(row, schedule.blocks)
            cells[counter] = row
        return Schedule(schedule.blocks, cells)


def _merge_shortest(row: tuple[Services, ...], blocks: Sequence[Block]) -> tuple[Services, ...]:
    runs = stretches(row)
    short = min(range(len(runs)), key=lambda i: (runs[i].seconds(blocks), i))
    neighbours = [i for i in (short - 1, short + 1) if 0 <= i < len(runs)]
    other = min(neighbours, key=lambda i: (runs[i].seconds(blocks), i))
    a, b = sorted((runs[short], runs[other]), key=lambda r: -r.seconds(blocks))
    merged = (*a.services, *(code for code in b.services if code not in a.services))
    first, last = min(a.first, b.first), max(a.last, b.last)
    return tuple(merged if first <= i <= last else cell for i, cell in enumerate(row))
