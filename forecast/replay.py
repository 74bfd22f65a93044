"""A simulated day seen as the broker sees it: the hall at any issue, rebuilt from the day's trace
(simulation/engine.py's happenings), so the bench scores the forecast the broker would print.

The simulated counters call the moment they are free, so a counter free while a ticket for it waits
is on a break: it is given as paused, as the broker's store would show it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from forecast.day import arrival_shape, arrival_shapes, closures_ahead, planned_breaks
from forecast.model import (
    ArrivalKind,
    Desk,
    HallNow,
    ServiceModel,
    arrival_rates,
    gave_up_by,
    kind_of,
    no_show_share,
)
from routing.call_rule import Candidate
from simulation.engine import Happening
from simulation.profile import Citizen, Profile, at, opening
from xephang.config import SiteConfig

IDLE_CALL_S = 0.0  # simulated counters call the moment they are free (as with auto_call)
ENDINGS = frozenset({"done", "returning", "no_show"})


@dataclass
class _Counter:
    services: tuple[str, ...]
    ticket: str | None = None
    since_s: float = 0.0
    breaks: list[tuple[float, float]] = field(default_factory=list)  # (start, length) not yet taken


@dataclass
class Replay:
    """The hall of one simulated day, moved forward happening by happening."""

    config: SiteConfig
    people: Sequence[Citizen]
    profile: Profile
    now_s: float = 0.0
    waiting: dict[str, Candidate] = field(default_factory=dict)
    issues: list[tuple[datetime, str, ArrivalKind]] = field(default_factory=list)
    calls: int = 0
    no_shows: int = 0
    streak: int = 3
    waits: list[float] = field(default_factory=list)  # of the citizens called (returning apart)

    def __post_init__(self) -> None:
        breaks = planned_breaks(self.config, self.profile)
        self.counters = {c.id: _Counter(tuple(c.services), breaks=list(breaks.get(c.id, ())))
                         for c in self.config.counters}
        window = self.config.routing.eta_window
        self.recent: dict[str, deque[float]] = {s.code: deque(maxlen=window)
                                                for s in self.config.services}
        self.streak = self.config.routing.priority_every

    def step(self, happening: Happening) -> None:
        self.now_s = happening.at_s
        person = self.people[happening.citizen]
        moment = at(self.config, happening.at_s)
        if happening.kind in ("issued", "returned"):
            returning = happening.kind == "returned"
            ticket = Candidate(f"{happening.citizen}r" if returning else str(happening.citizen),
                               person.service, person.priority, moment, returning)
            self.waiting[ticket.id] = ticket
            self.issues.append((moment, ticket.service, kind_of(ticket)))
        elif happening.kind == "called" and happening.counter is not None:
            self._called(happening)
        elif happening.kind in ENDINGS and happening.counter is not None:
            self._ended(happening)
        # A citizen who gave up waiting ("left") is not seen: their ticket stays in line until it
        # is called and found gone, as in the broker.

    def _called(self, happening: Happening) -> None:
        returning = f"{happening.citizen}r"
        ticket = self.waiting.pop(returning if returning in self.waiting else str(happening.citizen))
        if not ticket.returning:
            self.waits.append((at(self.config, happening.at_s) - ticket.issued_at).total_seconds())
        counter = self.counters[happening.counter or 0]
        if counter.breaks:
            start, length = counter.breaks[0]
            if happening.at_s - max(start, counter.since_s) >= 0.9 * length:
                counter.breaks.pop(0)  # it was away that long: that break is behind it
        counter.ticket, counter.since_s = ticket.service, happening.at_s
        self.streak = 0 if ticket.is_priority else min(self.streak + 1,
                                                       self.config.routing.priority_every)

    def _ended(self, happening: Happening) -> None:
        counter = self.counters[happening.counter or 0]
        self.calls += 1
        if happening.kind == "no_show":
            self.no_shows += 1
        elif counter.ticket is not None:
            self.recent[counter.ticket].append(happening.at_s - counter.since_s)
        counter.ticket, counter.since_s = None, happening.at_s

    def hall(self) -> HallNow:
        now = at(self.config, self.now_s)
        routing, site = self.config.routing, self.config.site
        shape = arrival_shape(self.config, self.profile, self.now_s)
        shapes = arrival_shapes(self.config, self.profile, self.now_s)
        closes = datetime.combine(now.astimezone(site.zone).date(), site.closes, tzinfo=site.zone)
        patience = self.profile.patience_s
        return HallNow(
            now=now, waiting=tuple(sorted(self.waiting.values(), key=lambda c: c.issued_at)),
            desks=tuple(self._desk(c) for c in self.counters.values()),
            services=self.services(), arrivals=arrival_rates(self.issues[-2000:], now,
                                                             opening(self.config), shape, shapes),
            issuing_for_s=max(0.0, (closes - now).total_seconds()), shape=shape, shapes=shapes,
            closures=closures_ahead(self.profile, self.now_s), patience_s=patience,
            no_show_share=no_show_share(self.no_shows, self.calls, gave_up_by(self.waits, patience)),
            mode=routing.priority_mode, every=routing.priority_every, streak=self.streak,
            idle_call_s=IDLE_CALL_S)

    def _desk(self, counter: _Counter) -> Desk:
        for_s = self.now_s - counter.since_s
        # A break already under way keeps its start (before now): the counter is back at its end.
        ahead = tuple((start - self.now_s, length) for start, length in counter.breaks)
        if counter.ticket is not None:
            return Desk(counter.services, "busy", for_s, counter.ticket, breaks=ahead)
        waited = any(t.service in counter.services and t.issued_at < at(self.config, self.now_s)
                     for t in self.waiting.values())
        if waited and counter.breaks and counter.breaks[0][0] <= self.now_s:
            return Desk(counter.services, "paused",
                        self.now_s - max(counter.since_s, counter.breaks[0][0]), breaks=ahead[1:],
                        pause_s=counter.breaks[0][1])
        return Desk(counter.services, "paused" if waited else "idle", for_s, breaks=ahead)

    def services(self) -> dict[str, ServiceModel]:
        weight = self.config.routing.eta_prior_weight
        window = self.config.routing.eta_window
        return {s.code: ServiceModel(s.target_wait_min * 60.0, s.mean_service_min * 60.0, weight,
                                     tuple(self.recent[s.code]), window,
                                     self.profile.spread.get(s.code, self.profile.sigma))
                for s in self.config.services}
