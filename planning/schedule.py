"""A day's counter assignment in blocks: which services each counter serves in each part of the day.

Times are seconds from the site's opening, as in the simulator. A counter with no service in a block
is closed then; its open blocks are what the plan spends (counter-hours).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from xephang.config import SiteConfig

Services = tuple[str, ...]  # what one counter serves in one block, in order of preference; () closed
CLOSED: Services = ()


@dataclass(frozen=True)
class Block:
    """One part of the day, [start_s, end_s) in seconds from opening."""

    start_s: float
    end_s: float

    @property
    def hours(self) -> float:
        return (self.end_s - self.start_s) / 3600

    def label(self, opens: time) -> str:
        """`07:30–09:30`, the way the manager's page and the command line name a block."""
        return f"{clock(opens, self.start_s)}–{clock(opens, self.end_s)}"


def clock(opens: time, seconds: float) -> str:
    moment = datetime.combine(datetime(2000, 1, 1).date(), opens) + timedelta(seconds=seconds)
    return moment.strftime("%H:%M")


def day_blocks(config: SiteConfig, block_min: int = 120,
               closures: Sequence[tuple[float, float]] = ()) -> tuple[Block, ...]:
    """Opening hours cut into blocks of at most `block_min` minutes, never across a closure (a
    lunch break, in seconds from opening); a last piece shorter than half a block joins the one
    before it."""
    start = datetime.combine(datetime(2000, 1, 1).date(), config.site.opens)
    end = datetime.combine(start.date(), config.site.closes)
    spans, cursor = [], 0.0
    for closed_from, closed_until in sorted(closures):
        spans.append((cursor, closed_from))
        cursor = closed_until
    spans.append((cursor, (end - start).total_seconds()))
    blocks: list[Block] = []
    for first, last in spans:
        blocks.extend(_cut(first, last, block_min * 60.0))
    return tuple(blocks)


def _cut(first: float, last: float, size: float) -> list[Block]:
    edges = [first]
    while last - edges[-1] > size:
        edges.append(edges[-1] + size)
    if len(edges) > 1 and last - edges[-1] < size / 2:
        edges.pop()
    edges.append(last)
    return [Block(a, b) for a, b in itertools.pairwise(edges) if b > a]


@dataclass(frozen=True)
class Schedule:
    """Per counter, per block, the services it serves (`CLOSED` when it is shut)."""

    blocks: tuple[Block, ...]
    cells: Mapping[int, tuple[Services, ...]]

    def __post_init__(self) -> None:
        for counter, row in self.cells.items():
            if len(row) != len(self.blocks):
                raise ValueError(f"counter {counter}: {len(row)} cells for {len(self.blocks)} blocks")

    @property
    def counters(self) -> list[int]:
        return sorted(self.cells)

    def serves(self, counter: int, block: int) -> Services:
        return self.cells[counter][block]

    def in_block(self, block: int) -> dict[int, Services]:
        return {counter: row[block] for counter, row in sorted(self.cells.items())}

    def counter_hours(self) -> float:
        return sum(b.hours for row in self.cells.values() for b, s in zip(self.blocks, row, strict=True)
                   if s)

    def open_in(self, block: int) -> int:
        return sum(1 for row in self.cells.values() if row[block])

    def with_cell(self, counter: int, block: int, services: Services) -> Schedule:
        row = list(self.cells[counter])
        row[block] = services
        return Schedule(self.blocks, {**self.cells, counter: tuple(row)})

    def key(self) -> tuple[tuple[int, tuple[Services, ...]], ...]:
        return tuple(sorted(self.cells.items()))


def todays_schedule(config: SiteConfig, blocks: tuple[Block, ...]) -> Schedule:
    """What the center does without a plan: every counter open all day with its current services."""
    return Schedule(blocks, {c.id: tuple(tuple(c.services) for _ in blocks) for c in config.counters})
