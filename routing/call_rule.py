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
- Between its services a counter serves the line with the highest index, a generalized c-mu rule
  with a convex delay cost (Van Mieghem 1995): its oldest ticket's wait ** WAIT_POWER, times the
  line's length ** LINE_POWER, divided by the service's mean service time and by the line's share of
  the open counters' time ** FEW_COUNTERS. At a few minutes' wait the quick services go first, which
  keeps the mean low; as a ticket waits its index grows faster than any line's, so long waits are cut
  and no line starves. The share (each open counter's time split evenly among its services, summed
  over the counters serving the line) makes a counter leave a line that other counters cover well to
  them and take the one only it, or few, can serve. A ticket that has waited TAIL_GUARD_S goes before
  every index, the oldest such first. At equal index the counter's preference order decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

PriorityMode = Literal["strict", "interleaved"]

# Tuned with bench/routing.py's days (old day model) on seeds 101-180 at 1,200 and 1,000 tickets/day
# and the hard config; reported on seeds 1-20 and 21-60 (simulation/README.md). Tried and not kept:
# the lateness-against-target score this rule replaced (lowest max, but a mean 5-7 % above static's
# at 1,200/day), slack/due-date (ATC) indices (low mean, long tails), an exponent that falls as the
# center's backlog grows, guards relative to the targets or to the backlog's clearing time, the line's
# clearing time instead of its length: all on the same mean-vs-tail frontier (notes/rule.md).
# The delay cost grows as wait ** WAIT_POWER: 1 would be the plain c-mu rule (quick services first,
# lowest mean, long tails); higher powers trade a little mean for a shorter p95 and max.
WAIT_POWER = 2.5
# A longer line is served a little sooner at equal head wait: the index is multiplied by its length
# ** LINE_POWER (the cost of delaying a line is carried by everyone in it, not only its head).
LINE_POWER = 0.5
# Seconds added to every head-of-line wait, so that lines whose oldest tickets arrived a moment ago
# are still compared by their service times.
AGE_FLOOR_S = 60.0
# A line whose oldest ticket has waited this long goes first, oldest first: it caps the few longest
# waits of an overloaded morning (60-100 min tried; lower cuts the max but raises the mean).
TAIL_GUARD_S = 100 * 60.0
# The index is divided by the line's share of the open counters' time ** FEW_COUNTERS (0-2.5
# tried: higher lowers the mean and p95 but lengthens the max of a slow line with a large share,
# Đất đai on site.toml; 1.5 kept). A share is never taken below MIN_SHARE.
FEW_COUNTERS = 1.5
MIN_SHARE = 0.1


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
    share: float | None = None  # counters' worth of time it gets (counter_shares); None: `servers`


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
    rank = {code: services.index(code) for code in oldest}
    best = max(oldest, key=lambda code: (*line_index(oldest[code], moment, rule), -rank[code]))
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


def line_index(head: Candidate, now: datetime, rule: Rule) -> tuple[bool, float]:
    """How urgently a counter should serve the line `head` (its oldest ticket) leads, compared as a
    tuple (higher = sooner): past the tail guard first, by wait; then by the c-mu index."""
    load = rule.loads.get(head.service, ServiceLoad(target_s=1200.0))
    waited = max(0.0, (now - head.issued_at).total_seconds())
    if waited >= TAIL_GUARD_S:
        return (True, waited)
    share = max(MIN_SHARE, float(load.servers) if load.share is None else load.share)
    index: float = ((waited + AGE_FLOOR_S) ** WAIT_POWER * max(1, load.waiting) ** LINE_POWER
                    / max(1.0, load.mean_s) / share ** FEW_COUNTERS)
    return (False, index)


def counter_shares(open_counters: Iterable[Sequence[str]]) -> dict[str, float]:
    """Per service, the counters' worth of time the open counters give it, each counter's time split
    evenly among its services (ServiceLoad.share)."""
    shares: dict[str, float] = {}
    for services in open_counters:
        for code in services:
            shares[code] = shares.get(code, 0.0) + 1.0 / len(services)
    return shares


def ahead_of(ticket: Candidate, waiting: Sequence[Candidate]) -> int:
    """How many waiting tickets of the same service would be called before this one."""
    same = [c for c in waiting if c.service == ticket.service]
    line = sorted(same, key=call_order)  # stable: ties keep the store's order, as choose_next does
    ids = [c.id for c in line]
    return ids.index(ticket.id) if ticket.id in ids else sum(
        1 for c in line if call_order(c) <= call_order(ticket))
