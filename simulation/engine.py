"""The event loop of one simulated day. Counters call through the real rule and every ticket gets
the real estimate; arrivals and service times come from pre-drawn citizens, so every policy run on
one seed sees the same day."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from routing.call_rule import Candidate, Rule, ServiceLoad
from routing.estimate import Floor, ServiceTimes, eta_seconds
from simulation.policies import PICKS, Line, ServiceLine
from simulation.profile import Citizen, Profile, at, break_starts, open_seconds
from xephang.config import Counter, SiteConfig

ARRIVE, DONE, BREAK, BACK, RETURN = range(5)


@dataclass(frozen=True)
class Happening:
    """One step of a citizen's day, for writing the day into a broker database (history.py):
    `kind` is issued, called, done, no_show, returning (sent for a missing paper) or returned."""

    at_s: float
    kind: str
    citizen: int
    counter: int | None = None
    ahead: int = 0
    eta_s: int = 0


@dataclass
class Desk:
    config: Counter
    busy: bool = False
    on_break: bool = False
    break_due: bool = False
    ticket: str | None = None
    busy_s: float = 0.0
    break_taken_s: float = 0.0


@dataclass
class Record:
    service: str
    eta_s: int
    wait_s: float | None = None


@dataclass
class Day:
    config: SiteConfig
    policy: str
    profile: Profile
    people: list[Citizen]
    now: float = 0.0
    records: list[Record] = field(default_factory=list)
    trace: list[Happening] | None = None  # filled when given: every citizen's steps, in time order

    def __post_init__(self) -> None:
        self.desks = {c.id: Desk(c) for c in self.config.counters}
        self.line = Line({s.code: ServiceLine() for s in self.config.services},
                         {c.id: ServiceLine() for c in self.config.counters})
        self.times = ServiceTimes.from_config(self.config.services, self.config.routing)
        self.pick = PICKS[self.policy]
        self.targets = {s.code: s.target_wait_min * 60.0 for s in self.config.services}
        self._heap: list[tuple[float, int, int, int]] = []
        self._seq = 0
        self._visits: dict[str, tuple[int, bool]] = {}  # candidate id -> (citizen, returning)

    def run(self) -> Day:
        for index, person in enumerate(self.people):
            self._push(person.arrival_s, ARRIVE, index)
        for counter_id, start in break_starts(self.config, self.profile).items():
            self._push(start, BREAK, counter_id)
        handlers = {ARRIVE: self._arrive, DONE: self._done, BREAK: self._break, BACK: self._back,
                    RETURN: self._return}
        while self._heap:
            self.now, _, kind, ref = heapq.heappop(self._heap)
            handlers[kind](ref)
        return self

    def _note(self, kind: str, index: int, counter: int | None = None, **figures: int) -> None:
        if self.trace is not None:
            self.trace.append(Happening(self.now, kind, index, counter, **figures))

    def _push(self, when: float, kind: int, ref: int) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, kind, ref))

    # -- tickets -------------------------------------------------------------------------------
    def _arrive(self, index: int) -> None:
        person = self.people[index]
        ticket = Candidate(str(index), person.service, person.priority, at(self.config, self.now))
        before = self.floor()  # what the newcomer is told: the hall as it was when they came
        ahead = self._enqueue(ticket, index, returning=False)
        self.records.append(Record(person.service, eta_seconds(person.service, ahead, before)))
        self._note("issued", index, ahead=ahead, eta_s=self.records[-1].eta_s)
        self._call_idle(ticket.service)

    def _return(self, index: int) -> None:
        person = self.people[index]
        ticket = Candidate(f"{index}r", person.service, person.priority, at(self.config, self.now),
                           returning=True)
        self._enqueue(ticket, index, returning=True)
        self._note("returned", index)
        self._call_idle(ticket.service)

    def _enqueue(self, ticket: Candidate, index: int, returning: bool) -> int:
        """Put a ticket in its line; returns how many are ahead of it there."""
        self._visits[ticket.id] = (index, returning)
        ahead = self.line.by_service[ticket.service].add(ticket)
        if self.policy == "static":
            self.line.by_counter[self._shortest_line(ticket.service)].add(ticket)
        return ahead

    def _call_idle(self, service: str) -> None:
        for desk in self.desks.values():
            if not desk.busy and not desk.on_break and service in desk.config.services:
                self._call(desk)

    def _shortest_line(self, service: str) -> int:
        serving = [d for d in self.desks.values() if service in d.config.services]
        best = min(serving, key=lambda d: len(self.line.by_counter[d.config.id]) + d.busy)
        return best.config.id

    # -- counters ------------------------------------------------------------------------------
    def _call(self, desk: Desk) -> None:
        chosen = self.pick(self.line, desk.config.id, desk.config.services, at(self.config, self.now),
                           self.rule())
        if chosen is None:
            return
        self.line.by_service[chosen.service].remove(chosen)
        if self.policy == "static":
            self.line.by_counter[desk.config.id].remove(chosen)
        self.line.recent_calls.appendleft(chosen.is_priority)
        index, returning = self._visits[chosen.id]
        person = self.people[index]
        if not returning:
            self.records[index].wait_s = self.now - person.arrival_s
        duration = (person.second_service_s if returning
                    else self.profile.no_show_s if person.no_show else person.service_s)
        desk.busy, desk.ticket, desk.busy_s = True, chosen.id, desk.busy_s + duration
        self._note("called", index, desk.config.id)
        self._push(self.now + duration, DONE, desk.config.id)

    def _done(self, counter_id: int) -> None:
        desk = self.desks[counter_id]
        index, returning = self._visits[desk.ticket or ""]
        person = self.people[index]
        if returning or not person.no_show:
            self.times.observe(person.service, person.second_service_s if returning
                               else person.service_s)
        sent_away = person.returns and not returning and not person.no_show
        if sent_away:
            self._push(self.now + self.profile.returning_after_s, RETURN, index)
        ending = "returning" if sent_away else "no_show" if person.no_show and not returning else "done"
        self._note(ending, index, counter_id)
        desk.busy, desk.ticket = False, None
        if desk.break_due:
            self._start_break(desk)
        else:
            self._call(desk)

    def _break(self, counter_id: int) -> None:
        desk = self.desks[counter_id]
        if desk.busy:
            desk.break_due = True  # staff finish the citizen in front of them first
        else:
            self._start_break(desk)

    def _start_break(self, desk: Desk) -> None:
        desk.on_break, desk.break_due = True, False
        desk.break_taken_s += self.profile.break_s
        self._push(self.now + self.profile.break_s, BACK, desk.config.id)

    def _back(self, counter_id: int) -> None:
        self.desks[counter_id].on_break = False
        self._call(self.desks[counter_id])

    # -- what the real rule and estimate are told ---------------------------------------------
    def rule(self) -> Rule:
        routing = self.config.routing
        servers = {code: 0 for code in self.targets}
        for desk in self.desks.values():
            if not desk.on_break:
                for code in desk.config.services:
                    servers[code] += 1
        means = self.times.means()
        loads = {code: ServiceLoad(self.targets[code], servers[code], len(self.line.by_service[code]),
                                   means[code]) for code in self.targets}
        return Rule(routing.priority_mode, routing.priority_every, loads)

    def floor(self) -> Floor:
        working = [d for d in self.desks.values() if not d.on_break]
        return Floor(waiting={code: len(line) for code, line in self.line.by_service.items()},
                     open_counters=[d.config.services for d in working],
                     idle_counters=[d.config.services for d in working if not d.busy],
                     mean_s=self.times.means())

    def working_span_s(self) -> float:
        return max(open_seconds(self.config), self.now)
