"""The call rule: which waiting ticket a counter calls next.

A pure function over plain data, so a smarter rule (and a simulator replaying a day through it) can
replace it without touching the store: priority tickets first, then the oldest, among the services
the counter serves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    id: str
    service: str
    priority: str
    issued_at: datetime


def call_order(candidate: Candidate) -> tuple[bool, datetime]:
    """Sort key: priority (anything but "none") first, then the earliest issued.

    Ties keep the order of the input list (the store lists tickets in the order they were stored).
    """
    return (candidate.priority == "none", candidate.issued_at)


def choose_next(waiting: Iterable[Candidate], services: Sequence[str]) -> Candidate | None:
    """The ticket a counter serving `services` calls next, or None when nobody waits for them."""
    served = set(services)
    eligible = [c for c in waiting if c.service in served]
    return min(eligible, key=call_order, default=None)


def ahead_of(ticket: Candidate, waiting: Sequence[Candidate]) -> int:
    """How many waiting tickets of the same service the rule would call before this one."""
    same = [c for c in waiting if c.service == ticket.service]
    line = sorted(same, key=call_order)  # stable: ties keep the store's order, as choose_next does
    ids = [c.id for c in line]
    return ids.index(ticket.id) if ticket.id in ids else sum(
        1 for c in line if call_order(c) <= call_order(ticket))
