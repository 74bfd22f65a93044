"""The call rule: which waiting ticket a counter calls next.

A pure function over plain data, fed by the broker's store (broker/queue/live.py) and by the
simulator (simulation/engine.py) alike, so what the simulator measures is what the broker does.

- One pooled line per service: a ticket is never bound to a counter before it is called.
- Priority classes: within one service's line a priority ticket is never called after a normal
  ticket issued later. Between lines, `strict` calls a waiting priority ticket first; `interleaved`
  gives priority tickets their turn after every N normal calls (counted across the center), and out
  of that turn a line may still call its normal tickets issued before its first priority one, so a
  crowd of priority tickets cannot block everyone else. A returning citizen (sent away for a missing
  paper, back again) goes first among the priority tickets.
- Between its services a counter compares how late each line's oldest ticket is against its
  service's target, weighted by the counter's preference order and by how few open counters serve
  that line: a service only this counter serves is helped before one five others can take, and no
  line starves, because its lateness grows until it wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

PriorityMode = Literal["strict", "interleaved"]

# The weights below were chosen by running bench/routing.py (20 simulated days, two configs).
# Each step down a counter's preference list multiplies a line's score by this.
PREFERENCE_STEP = 0.9
# A line's score is divided by (open counters serving it) ** FEW_COUNTERS: lines with fewer helpers
# come first at equal lateness.
FEW_COUNTERS = 0.5
# Half the time the line's backlog would take its counters is added to the head's wait: a long line
# is helped before its oldest ticket is late.
BACKLOG = 0.5
# Past its target a line's lateness grows by one per LATE_STEP_S seconds over target, the same for
# every service: among late lines the one furthest past its target wins, which keeps the tail short,
# while before the target short-target services (the quick ones) go first, which keeps the mean low.
LATE_STEP_S = 300.0
# Shorter services go a little sooner (the c-mu rule: serving quick jobs first lowers the mean):
# the score is multiplied by (REFERENCE_S / mean service time) ** SHORT_SERVICE.
SHORT_SERVICE = 0.2
REFERENCE_S = 480.0
# Seconds added to every head-of-line wait, so that lines are compared on lateness and preference
# even when their oldest tickets arrived a moment ago.
AGE_FLOOR_S = 60.0


@dataclass(frozen=True)
class Candidate:
    id: str
    service: str
    priority: str
    issued_at: datetime
    returning: bool = False  # back with a missing paper: first among the priority tickets

    @property
    def is_priority(self) -> bool:
        return self.returning or self.priority != "none"


@dataclass(frozen=True)
class ServiceLoad:
    """What the rule knows about one service now."""

    target_s: float
    servers: int = 1  # open counters serving it
    waiting: int = 0  # tickets in its line
    mean_s: float = 480.0  # learned mean service time


@dataclass(frozen=True)
class Rule:
    mode: PriorityMode = "interleaved"
    every: int = 3  # interleaved: one priority ticket after every `every` normal calls
    loads: Mapping[str, ServiceLoad] = field(default_factory=dict)


def call_order(candidate: Candidate) -> tuple[bool, bool, datetime]:
    """Order inside one line: returning, then other priority, then the earliest issued."""
    return (not candidate.returning, not candidate.is_priority, candidate.issued_at)


def normal_streak(recent_calls: Sequence[bool], every: int) -> int:
    """Normal calls since the last priority call (most recent first; True = priority), at most
    `every`. A day without a priority call yet counts as a full streak: nobody was held back."""
    for index, was_priority in enumerate(recent_calls[:every]):
        if was_priority:
            return index
    return every


def choose_next(waiting: Iterable[Candidate], services: Sequence[str], *, now: datetime | None = None,
                rule: Rule = Rule(), streak: int | None = None) -> Candidate | None:
    """The ticket a counter serving `services` (in preference order) calls next, or None.

    `streak` is `normal_streak(...)` of the center's recent calls; None means a full one.
    """
    served = set(services)
    lines: dict[str, list[Candidate]] = {}
    for candidate in waiting:  # stable: ties keep the input (store) order
        if candidate.service in served:
            lines.setdefault(candidate.service, []).append(candidate)
    if not lines:
        return None
    priority_turn = rule.mode == "strict" or (rule.every if streak is None else streak) >= rule.every
    heads = {code: line_head(line, priority_turn) for code, line in lines.items()}
    waiting_priority = [head for head in heads.values() if head.is_priority]
    if priority_turn and waiting_priority:
        return min(waiting_priority, key=call_order)
    moment = now or max(c.issued_at for line in lines.values() for c in line)
    oldest = {code: min(line, key=lambda c: c.issued_at) for code, line in lines.items()}
    best = max(oldest, key=lambda code: line_score(oldest[code], services, moment, rule))
    return heads[best]


def line_head(line: Sequence[Candidate], priority_turn: bool) -> Candidate:
    """The ticket one service's line calls next. Priority goes first; out of its turn (interleaved)
    a normal ticket may go before it only if that ticket was issued earlier: within a service, a
    priority ticket is never passed by a normal ticket issued after it."""
    first_priority = min((c for c in line if c.is_priority), key=call_order, default=None)
    oldest_normal = min((c for c in line if not c.is_priority), key=call_order, default=None)
    if first_priority is None:
        assert oldest_normal is not None, "a line is never empty"
        return oldest_normal
    if oldest_normal is None or priority_turn or oldest_normal.issued_at > first_priority.issued_at:
        return first_priority
    return oldest_normal


def line_score(head: Candidate, services: Sequence[str], now: datetime, rule: Rule) -> float:
    """How urgently this counter should serve the line `head` leads (higher = sooner)."""
    load = rule.loads.get(head.service, ServiceLoad(target_s=1200.0))
    servers = max(1, load.servers)
    waited = max(0.0, (now - head.issued_at).total_seconds()) + AGE_FLOOR_S
    waited += BACKLOG * load.waiting * load.mean_s / servers
    target = max(1.0, load.target_s)
    lateness = waited / target if waited < target else 1.0 + (waited - target) / LATE_STEP_S
    rank = services.index(head.service) if head.service in services else len(services)
    quick: float = (REFERENCE_S / max(1.0, load.mean_s)) ** SHORT_SERVICE
    score: float = lateness * quick * PREFERENCE_STEP ** rank / servers ** FEW_COUNTERS
    return score


def ahead_of(ticket: Candidate, waiting: Sequence[Candidate]) -> int:
    """How many waiting tickets of the same service would be called before this one."""
    same = [c for c in waiting if c.service == ticket.service]
    line = sorted(same, key=call_order)  # stable: ties keep the store's order, as choose_next does
    ids = [c.id for c in line]
    return ids.index(ticket.id) if ticket.id in ids else sum(
        1 for c in line if call_order(c) <= call_order(ticket))
