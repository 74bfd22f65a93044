"""A first schedule from the offered load: in each block, each service gets the counters its
expected work needs at a safe utilisation, the fractions packed together on shared counters, and
each group goes to the counter that serves most of it today (staff keep the work they know)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from planning.demand import Demand
from planning.schedule import CLOSED, Block, Schedule, Services

SAFE_LOAD = 0.8  # a block's work per counter-hour the first schedule aims at


def offered_schedule(demand: Demand, blocks: tuple[Block, ...], mean_s: Mapping[str, float],
                     today: Mapping[int, Services]) -> Schedule:
    cells: dict[int, list[Services]] = {counter: [] for counter in today}
    previous: dict[int, Services] = dict(today)
    for block in blocks:
        need = {code: demand.in_block(code, block) * mean_s[code] / (block.hours * 3600 * SAFE_LOAD)
                for code in mean_s}
        groups = _groups({code: n for code, n in need.items() if n > 0}, len(today))
        chosen = _place(groups, previous)
        for counter in cells:
            cells[counter].append(chosen.get(counter, CLOSED))
        previous = {c: chosen.get(c) or previous[c] for c in previous}
    return Schedule(blocks, {c: tuple(row) for c, row in cells.items()})


def _groups(need: Mapping[str, float], counters: int) -> list[Services]:
    """Whole counters per service, then the remainders packed first-fit-decreasing into shared
    counters; at most `counters` groups (the smallest merged into the lightest)."""
    groups: list[tuple[list[str], float]] = []
    remainders = []
    for code, amount in sorted(need.items(), key=lambda kv: -kv[1]):
        whole = math.floor(amount)
        groups.extend(([code], 1.0) for _ in range(whole))
        if amount - whole > 0.05 or whole == 0:
            remainders.append((code, amount - whole))
    shared: list[tuple[list[str], float]] = []
    for code, amount in sorted(remainders, key=lambda kv: -kv[1]):
        fit = next((g for g in shared if g[1] + amount <= 1.0), None)
        if fit is None:
            shared.append(([code], amount))
        else:
            fit[0].append(code)
            shared[shared.index(fit)] = (fit[0], fit[1] + amount)
    groups.extend(shared)
    while len(groups) > counters:
        groups.sort(key=lambda g: g[1])
        codes, load = groups.pop(0)
        groups[0] = (groups[0][0] + [c for c in codes if c not in groups[0][0]], groups[0][1] + load)
    return [tuple(codes) for codes, _ in groups]


def _place(groups: Sequence[Services], previous: Mapping[int, Services]) -> dict[int, Services]:
    """Each group to the free counter whose current services overlap it most (then by id)."""
    free = sorted(previous)
    placed: dict[int, Services] = {}
    for group in sorted(groups, key=len, reverse=True):
        best = max(free, key=lambda c: (_overlap(group, previous[c]), -c))
        free.remove(best)
        placed[best] = _ordered(group, previous[best])
    return placed


def _overlap(group: Services, known: Services) -> tuple[int, int]:
    return (sum(1 for code in group if code in known), -abs(len(known) - len(group)))


def _ordered(group: Services, known: Services) -> Services:
    """The group in the counter's own order of preference where it had one."""
    return tuple(sorted(group, key=lambda code: known.index(code) if code in known else len(known)))
