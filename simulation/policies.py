"""The call policies a simulated day can run: ours (routing/call_rule.py itself) and two baselines.

`static` binds each ticket at issue to the counter serving its service with the shortest line, as
many kiosks do; `fifo` lets a counter take the oldest ticket of any service it serves. Both call
priority tickets first, as the law asks and as the broker did before this rule (`fifo` is exactly the
old broker rule); `fifo-blind` ignores priority altogether, for reference.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from routing.call_rule import Candidate, Rule, choose_next, normal_streak

POLICIES = ("ours", "static", "fifo", "fifo-blind")


class ServiceLine:
    """One service's waiting tickets as three arrival-ordered queues (returning, other priority,
    normal), so the head of each class, the count ahead of a newcomer and a removal cost O(1) and a
    day is linear in its tickets. Removal is lazy: a ticket called from elsewhere in the line (a
    static counter's own line) is skipped when it reaches the head."""

    def __init__(self) -> None:
        self._queues: tuple[deque[Candidate], ...] = (deque(), deque(), deque())
        self._sizes = [0, 0, 0]
        self._gone: set[str] = set()

    @staticmethod
    def _class(candidate: Candidate) -> int:
        return 0 if candidate.returning else 1 if candidate.is_priority else 2

    def add(self, candidate: Candidate) -> int:
        """Append a ticket issued now; returns how many are called before it (routing.ahead_of)."""
        kind = self._class(candidate)
        self._queues[kind].append(candidate)
        self._sizes[kind] += 1
        return sum(self._sizes[: kind + 1]) - 1

    def remove(self, candidate: Candidate) -> None:
        self._gone.add(candidate.id)
        self._sizes[self._class(candidate)] -= 1

    def heads(self) -> list[Candidate]:
        """The first ticket of each class: all the call rule needs from this line."""
        out = []
        for queue in self._queues:
            while queue and queue[0].id in self._gone:
                self._gone.discard(queue.popleft().id)
            if queue:
                out.append(queue[0])
        return out

    def __len__(self) -> int:
        return sum(self._sizes)

    def __iter__(self) -> Iterator[Candidate]:
        """The waiting tickets, returning first, then other priority, then normal."""
        for queue in self._queues:
            yield from (c for c in queue if c.id not in self._gone)


@dataclass
class Line:
    """Waiting tickets: one pooled line per service, plus static counter lines."""

    by_service: dict[str, ServiceLine]
    by_counter: dict[int, ServiceLine] = field(default_factory=dict)
    recent_calls: deque[bool] = field(default_factory=lambda: deque(maxlen=50))

    def heads(self, services: Sequence[str]) -> list[Candidate]:
        return [c for code in services if code in self.by_service
                for c in self.by_service[code].heads()]


Pick = Callable[[Line, int, Sequence[str], datetime, Rule], Candidate | None]


def pick_ours(line: Line, counter: int, services: Sequence[str], now: datetime,
              rule: Rule) -> Candidate | None:
    # The heads of each class are enough: choose_next calls a class's earliest ticket of a line.
    streak = normal_streak(list(line.recent_calls), rule.every)
    return choose_next(line.heads(services), services, now=now, rule=rule, streak=streak)


def pick_fifo(line: Line, counter: int, services: Sequence[str], now: datetime,
              rule: Rule) -> Candidate | None:
    return min(line.heads(services), key=_priority_then_oldest, default=None)


def pick_fifo_blind(line: Line, counter: int, services: Sequence[str], now: datetime,
                    rule: Rule) -> Candidate | None:
    return min(line.heads(services), key=lambda c: c.issued_at, default=None)


def pick_static(line: Line, counter: int, services: Sequence[str], now: datetime,
                rule: Rule) -> Candidate | None:
    own = line.by_counter.get(counter)
    return min(own.heads(), key=_priority_then_oldest, default=None) if own else None


def _priority_then_oldest(candidate: Candidate) -> tuple[bool, datetime]:
    return (not candidate.is_priority, candidate.issued_at)


PICKS: dict[str, Pick] = {"ours": pick_ours, "fifo": pick_fifo, "static": pick_static,
                          "fifo-blind": pick_fifo_blind}
