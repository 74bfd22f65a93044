"""The store's live state, as the call rule and the wait estimate take it.

The broker's side of the pure code in routing.py and estimate.py (the simulator feeds the same
functions from its own state): service times learned from today's completed tickets, the open and
idle counters, the lines, and the center's recent calls for priority interleaving.
"""

from __future__ import annotations

from broker.store.db import TicketRow, Tx
from routing.call_rule import Candidate, Rule, ServiceLoad, ahead_of, normal_streak
from routing.estimate import OPEN_STATUSES, Floor, ServiceTimes, eta_seconds
from routing.suggest import Suggestions, suggest
from xephang.config import SiteConfig

LEARNED_TICKETS = 1000  # today's most recent completed services read for the estimate


def candidate(row: TicketRow) -> Candidate:
    # The same as views.candidate (which imports this module): a citizen back with a missing paper
    # is called like a priority ticket, first among them.
    return Candidate(row.id, row.service, row.priority, row.issued_at,
                     returning=row.returned_at is not None)


def service_times(tx: Tx, config: SiteConfig) -> ServiceTimes:
    """Mean service times: the config's, updated with today's completed services (call to done)."""
    times = ServiceTimes.from_config(config.services, config.routing)
    day = tx.now.astimezone(config.site.zone).date().isoformat()
    for service, seconds in tx.service_durations(day, LEARNED_TICKETS):
        times.observe(service, seconds)
    return times


def floor(tx: Tx, config: SiteConfig, times: ServiceTimes | None = None) -> Floor:
    statuses = {row.id: row.status for row in tx.counters()}
    waiting = {s.code: 0 for s in config.services}
    for row in tx.waiting():
        waiting[row.service] = waiting.get(row.service, 0) + 1
    working = [c for c in config.counters if statuses.get(c.id, "idle") in OPEN_STATUSES]
    return Floor(waiting=waiting, open_counters=[c.services for c in working],
                 idle_counters=[c.services for c in working if statuses.get(c.id, "idle") == "idle"],
                 mean_s=(times or service_times(tx, config)).means())


def estimate(tx: Tx, config: SiteConfig, row: TicketRow) -> tuple[int, int]:
    """(people ahead, estimated wait in seconds) of a waiting ticket; (0, 0) once called."""
    if row.status != "waiting" or config.service(row.service) is None:
        return 0, 0
    ahead = ahead_of(candidate(row), [candidate(t) for t in tx.waiting([row.service])])
    return ahead, eta_seconds(row.service, ahead, floor(tx, config))


def service_etas(tx: Tx, config: SiteConfig) -> dict[str, int]:
    """What a ticket issued now would be told, per service (the hall screen shows it)."""
    now = floor(tx, config)
    return {s.code: eta_seconds(s.code, now.waiting.get(s.code, 0), now) for s in config.services}


def rule(tx: Tx, config: SiteConfig) -> Rule:
    now = floor(tx, config)
    servers = {s.code: sum(1 for services in now.open_counters if s.code in services)
               for s in config.services}
    loads = {s.code: ServiceLoad(s.target_wait_min * 60.0, servers[s.code], now.waiting[s.code],
                                 now.mean_s[s.code]) for s in config.services}
    return Rule(config.routing.priority_mode, config.routing.priority_every, loads)


def streak(tx: Tx, config: SiteConfig) -> int:
    """Normal calls since the center's last priority call (see routing.normal_streak)."""
    every = config.routing.priority_every
    calls = tx.recent_events(("ticket_called",), every)
    return normal_streak([str(e.data.get("priority", "none")) != "none" for e in calls], every)


def suggestions(tx: Tx, config: SiteConfig) -> Suggestions:
    now = floor(tx, config)
    statuses = {row.id: row.status for row in tx.counters()}
    working = [c for c in config.counters if statuses.get(c.id, "idle") in OPEN_STATUSES]
    return Suggestions(at=tx.now, suggestions=suggest(config, now, working))
