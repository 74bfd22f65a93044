"""The plan made easier to follow where that costs nothing: each counter serves the same list
whenever it is open (its changes are then only opening and closing), and its own services (today's)
first. Each rewrite is kept when the plan's own simulated days find it no worse (the search's
objective), for every counter at once, else counter by counter while the search has time.
Last, `todays_unless_gain`: a counter keeps today's services wherever the plan's own for it buy
nothing beyond chance (planning/gain.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from planning.followable import stretches
from planning.gain import clearly_worse
from planning.schedule import Schedule, Services
from planning.search import Search

Row = tuple[Services, ...]


def polished(search: Search, schedule: Schedule, skills: Mapping[int, Services]) -> Schedule:
    schedule = _kept(search, schedule, lambda c, row: steady(row))
    return _kept(search, schedule, lambda c, row: own_first(row, skills[c]))


def steady(row: Sequence[Services]) -> Row:
    """Every open block of the row serves the union of what its open blocks serve (in the order
    they first appear): the counter's open stretches become one arrangement."""
    union = tuple(dict.fromkeys(code for run in stretches(row) for code in run.services))
    return tuple(union if services else services for services in row)


def own_first(row: Sequence[Services], own: Services) -> Row:
    """Each open block that has some of the counter's own services: all of them first, in its own
    order, then the plan's others."""
    return tuple((*own, *(code for code in services if code not in own))
                 if any(code in own for code in services) else services for services in row)


def _kept(search: Search, schedule: Schedule, rewrite: Callable[[int, Row], Row]) -> Schedule:
    changed = {c: rewrite(c, row) for c, row in schedule.cells.items()}
    changed = {c: row for c, row in changed.items() if row != schedule.cells[c]}
    trials = [changed, *({c: row} for c, row in changed.items())] if len(changed) > 1 else [changed]
    base = search.lateness(search.forecast(schedule))
    for index, trial in enumerate(t for t in trials if t):
        if index and search.out_of_time():  # all at once is always tried (one evaluation)
            break
        candidate = Schedule(schedule.blocks, {**schedule.cells, **trial})
        lateness = search.lateness(search.forecast(candidate))
        if search.rules.allows_schedule(candidate) and lateness <= base + 1e-9:
            schedule, base = candidate, lateness
            if index == 0:
                break
    return schedule


def todays_unless_gain(search: Search, schedule: Schedule, today: Mapping[int, Services]) -> Schedule:
    """Each counter serves today's services in the blocks the plan keeps it open (its closures,
    the plan's saving of counter-hours, stay), unless that leaves some service clearly worse
    (`clearly_worse`) than the plan: then the plan's services for it bought a gain a manager can
    measure. Every counter at once first, else counter by counter, always against the plan as the
    search made it (small losses within chance do not add up). At most one simulated evaluation
    per changed counter, whatever the search's deadline: a change with no gain is not left in."""
    reference = search.forecast(schedule)
    own = {c: tuple(today[c] if services else services for services in row)
           for c, row in schedule.cells.items() if c in today}
    changed = {c: row for c, row in own.items() if row != schedule.cells[c]}
    trials = [changed, *({c: row} for c, row in changed.items())] if len(changed) > 1 else [changed]
    for index, trial in enumerate(t for t in trials if t):
        candidate = Schedule(schedule.blocks, {**schedule.cells, **trial})
        if search.rules.allows_schedule(candidate) and not clearly_worse(
                search.forecast(candidate), reference, search.targets):
            schedule = candidate
            if index == 0:
                break
    return schedule
