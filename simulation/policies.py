"""The call policies a simulated day can run: ours (routing/call_rule.py itself) and two baselines.

`static` binds each ticket at issue to the counter serving its service with the shortest line, as
many kiosks do; `fifo` lets a counter take the oldest ticket of any service it serves. Both call
priority tickets first, as the law asks and as the broker did before this rule (`fifo` is exactly the
old broker rule); `fifo-blind` ignores priority altogether, for reference.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from routing.call_rule import Candidate, Rule, choose_next, normal_streak

POLICIES = ("ours", "static", "fifo", "fifo-blind")


@dataclass
class Line:
    """Waiting tickets: one pooled list per service in arrival order, plus static counter lines."""

    by_service: dict[str, list[Candidate]]
    by_counter: dict[int, deque[Candidate]] = field(default_factory=dict)
    recent_calls: deque[bool] = field(default_factory=lambda: deque(maxlen=50))


Pick = Callable[[Line, int, Sequence[str], datetime, Rule], Candidate | None]


def pick_ours(line: Line, counter: int, services: Sequence[str], now: datetime,
              rule: Rule) -> Candidate | None:
    waiting = [c for code in services for c in line.by_service.get(code, ())]
    streak = normal_streak(list(line.recent_calls), rule.every)
    return choose_next(waiting, services, now=now, rule=rule, streak=streak)


def pick_fifo(line: Line, counter: int, services: Sequence[str], now: datetime,
              rule: Rule) -> Candidate | None:
    waiting = (c for code in services for c in line.by_service.get(code, ()))
    return min(waiting, key=_priority_then_oldest, default=None)


def pick_fifo_blind(line: Line, counter: int, services: Sequence[str], now: datetime,
                    rule: Rule) -> Candidate | None:
    heads = [line.by_service[code][0] for code in services if line.by_service.get(code)]
    return min(heads, key=lambda c: c.issued_at, default=None)


def pick_static(line: Line, counter: int, services: Sequence[str], now: datetime,
                rule: Rule) -> Candidate | None:
    return min(line.by_counter.get(counter, ()), key=_priority_then_oldest, default=None)


def _priority_then_oldest(candidate: Candidate) -> tuple[bool, datetime]:
    return (not candidate.is_priority, candidate.issued_at)


PICKS: dict[str, Pick] = {"ours": pick_ours, "fifo": pick_fifo, "static": pick_static,
                          "fifo-blind": pick_fifo_blind}
