"""The event loop of one simulated day. Counters call through the real rule and every ticket gets
the real estimate; arrivals and service times come from pre-drawn citizens, so every policy run on
one seed sees the same day.

Times are seconds from opening. A counter serves in blocks (`Block`: start, end, services): between
blocks it is closed (lunch, a counter not staffed). At the end of a block it finishes the citizen in
front of it first; at the end of its last block of the day, if that is at or after closing, it keeps
serving whoever still waits for its services (overtime, counted per counter). Staff breaks from the
profile come on top of the blocks. A citizen not called within their patience leaves (counted as left,
not as a wait); their ticket stays in line and costs a no-show call when its turn comes. `Start`
lets a day begin at time t from a given line and busy counters, for a forward simulation of the
present."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from routing.call_rule import Candidate, Rule, ServiceLoad, counter_shares
from routing.estimate import Floor, ServiceTimes, eta_seconds
from simulation.policies import PICKS, Line, ServiceLine
from simulation.profile import Citizen, Profile, at, break_starts, open_seconds
from xephang.config import Counter, SiteConfig

ARRIVE, DONE, BREAK, BACK, RETURN, OPEN, CLOSE, LEAVE = range(8)

Block = tuple[float, float, tuple[str, ...]]  # (start_s, end_s, services in preference order)
Assignment = Mapping[int, Sequence[Block]]  # counter id -> its blocks of the day, in time order


@dataclass(frozen=True)
class Happening:
    """One step of a citizen's day, for writing the day into a broker database (history.py):
    `kind` is issued, called, done, no_show, returning (sent for a missing paper), returned or left."""

    at_s: float
    kind: str
    citizen: int
    counter: int | None = None
    ahead: int = 0
    eta_s: int = 0


@dataclass(frozen=True)
class Start:
    """Begin a day at `now_s` instead of at opening: citizens of `people` who arrived before then
    are already in line (their waits count from their arrival), and each counter in `busy_until`
    is serving someone until that time."""

    now_s: float
    busy_until: Mapping[int, float] = field(default_factory=dict)


@dataclass
class Desk:
    config: Counter
    blocks: Sequence[Block]
    services: tuple[str, ...] = ()  # what it serves in its current (or last) block
    open: bool = False
    closing: bool = False  # its block ended while it was serving: closes when that citizen is done
    after_hours: bool = False  # past its last block's end: serves who still waits, then closes
    busy: bool = False
    on_break: bool = False
    break_due: bool = False
    ticket: str | None = None
    busy_s: float = 0.0
    break_taken_s: float = 0.0
    overtime_s: float = 0.0
    pending_break_s: float = 0.0

    @property
    def ready(self) -> bool:
        return self.open and not self.busy and not self.on_break

    @property
    def serving(self) -> bool:
        """Open and not on break: counts as a server of its lines."""
        return self.open and not self.on_break


@dataclass
class Record:
    service: str
    eta_s: int
    wait_s: float | None = None
    arrival_s: float = 0.0
    left: bool = False  # gave up before being called (or still waiting when every counter closed)


def default_assignment(config: SiteConfig, profile: Profile) -> dict[int, list[Block]]:
    """Every counter serves its configured services whenever the center is open (lunch apart)."""
    end = open_seconds(config)
    spans = [(0.0, end)]
    if profile.lunch is not None:
        spans = [(0.0, profile.lunch[0]), (profile.lunch[1], end)]
    return {c.id: [(start, stop, tuple(c.services)) for start, stop in spans]
            for c in config.counters}


@dataclass
class Day:
    config: SiteConfig
    policy: str
    profile: Profile
    people: list[Citizen]
    now: float = 0.0
    records: list[Record] = field(default_factory=list)
    trace: list[Happening] | None = None  # filled when given: every citizen's steps, in time order
    assignment: Assignment | None = None  # None: default_assignment
    start: Start | None = None

    def __post_init__(self) -> None:
        blocks = self.assignment or default_assignment(self.config, self.profile)
        self.desks = {c.id: Desk(c, sorted(blocks.get(c.id, ()))) for c in self.config.counters}
        self.line = Line({s.code: ServiceLine() for s in self.config.services},
                         {c.id: ServiceLine() for c in self.config.counters})
        self.times = ServiceTimes.from_config(self.config.services, self.config.routing)
        self.pick = PICKS[self.policy]
        self.targets = {s.code: s.target_wait_min * 60.0 for s in self.config.services}
        self.closing_s = open_seconds(self.config)
        self._heap: list[tuple[float, int, int, int]] = []
        self._seq = 0
        self._visits: dict[str, tuple[int, bool]] = {}  # candidate id -> (citizen, returning)
        self._waiting: dict[int, Candidate] = {}  # citizen -> first-visit ticket not yet called
        self._booked: dict[str, int] = {}  # static: candidate id -> the counter whose line holds it
        self._block_refs: list[tuple[int, int]] = []  # OPEN/CLOSE ref -> (counter, block index)
        self._breaks: list[tuple[int, float]] = []  # BREAK ref -> (counter, length)

    def run(self) -> Day:
        self.records = [Record(p.service, 0, arrival_s=p.arrival_s) for p in self.people]
        self._schedule()
        handlers = {ARRIVE: self._arrive, DONE: self._done, BREAK: self._break, BACK: self._back,
                    RETURN: self._return, OPEN: self._open, CLOSE: self._close, LEAVE: self._leave}
        while self._heap:
            self.now, _, kind, ref = heapq.heappop(self._heap)
            handlers[kind](ref)
        self._give_up_the_rest()
        return self

    def _schedule(self) -> None:
        begin = self.start.now_s if self.start else 0.0
        self.now = begin
        for index, person in enumerate(self.people):
            if person.arrival_s < begin:
                self._enqueue_arrival(index, tell=False)
            else:
                self._push(person.arrival_s, ARRIVE, index)
        for counter_id, desk in self.desks.items():
            for number, (opens, closes, _) in enumerate(desk.blocks):
                if closes > begin:
                    self._block_refs.append((counter_id, number))
                    self._push(max(opens, begin), OPEN, len(self._block_refs) - 1)
                    self._push(closes, CLOSE, len(self._block_refs) - 1)
        for counter_id, when, length in break_starts(self.config, self.profile):
            if when >= begin:
                self._breaks.append((counter_id, length))
                self._push(when, BREAK, len(self._breaks) - 1)
        for counter_id, until in (self.start.busy_until.items() if self.start else ()):
            self.desks[counter_id].busy = True
            self._push(max(until, begin), DONE, counter_id)

    def _note(self, kind: str, index: int, counter: int | None = None, **figures: int) -> None:
        if self.trace is not None:
            self.trace.append(Happening(self.now, kind, index, counter, **figures))

    def _push(self, when: float, kind: int, ref: int) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, kind, ref))

    # -- tickets -------------------------------------------------------------------------------
    def _arrive(self, index: int) -> None:
        ticket = self._enqueue_arrival(index, tell=True)
        self._call_idle(ticket.service)

    def _enqueue_arrival(self, index: int, tell: bool) -> Candidate:
        person = self.people[index]
        ticket = Candidate(str(index), person.service, person.priority, at(self.config, person.arrival_s))
        before = self.floor() if tell else None  # the newcomer is told the hall as it was
        ahead = self._enqueue(ticket, index, returning=False)
        self._waiting[index] = ticket
        if before is not None:
            self.records[index].eta_s = eta_seconds(person.service, ahead, before)
            self._note("issued", index, ahead=ahead, eta_s=self.records[index].eta_s)
        if person.patience_s is not None:
            self._push(max(self.now, person.arrival_s + person.patience_s), LEAVE, index)
        return ticket

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
            self._book(ticket)
        return ahead

    def _leave(self, index: int) -> None:
        """Out of patience: the citizen goes, but their ticket stays in line (nobody knows) and
        costs its counter a no-show call when its turn comes."""
        if index in self._waiting and not self.records[index].left:
            self.records[index].left = True
            self._note("left", index)

    def _unbook(self, ticket: Candidate) -> None:
        self.line.by_service[ticket.service].remove(ticket)
        counter = self._booked.pop(ticket.id, None)
        if counter is not None:
            self.line.by_counter[counter].remove(ticket)

    def _give_up_the_rest(self) -> None:
        """Whoever still waits when every counter has closed goes home unserved."""
        for index in list(self._waiting):
            self._leave(index)

    def _call_idle(self, service: str) -> None:
        for desk in self.desks.values():
            if desk.ready and service in desk.services:
                self._call(desk)

    # -- static lines ----------------------------------------------------------------------------
    def _book(self, ticket: Candidate) -> None:
        counter = self._shortest_line(ticket.service)
        if counter is not None:
            self.line.by_counter[counter].add(ticket)
            self._booked[ticket.id] = counter

    def _shortest_line(self, service: str) -> int | None:
        """The open counter serving `service` with the shortest line; none open (lunch, breaks): the
        one that opens for it soonest, then the shortest line. A counter on break or closed is not
        booked while another is open."""
        serving = [d for d in self.desks.values() if d.serving and service in d.services]
        if serving:
            best = min(serving, key=lambda d: len(self.line.by_counter[d.config.id]) + d.busy)
            return best.config.id
        later = [(max(start, self.now), len(self.line.by_counter[desk.config.id]), desk.config.id)
                 for desk in self.desks.values()
                 for start, end, services in desk.blocks if end > self.now and service in services]
        return min(later)[2] if later else None

    def _rebook_leftovers(self, desk: Desk) -> None:
        """Static: a counter closing for good (or changing services) hands its line to the others."""
        upcoming = {code for start, _, services in desk.blocks if start >= self.now for code in services}
        own = self.line.by_counter[desk.config.id]
        for ticket in [t for t in own if t.service not in upcoming]:
            own.remove(ticket)
            del self._booked[ticket.id]
            self._book(ticket)
            self._call_idle(ticket.service)

    # -- counters ------------------------------------------------------------------------------
    def _call(self, desk: Desk) -> None:
        chosen = self.pick(self.line, desk.config.id, desk.services, at(self.config, self.now),
                           self.rule())
        if chosen is None:
            if desk.after_hours:
                self._shut(desk)
            return
        index, returning = self._visits[chosen.id]
        self._waiting.pop(index, None)
        self._unbook(chosen)
        self.line.recent_calls.appendleft(chosen.is_priority)
        person = self.people[index]
        absent = not returning and (person.no_show or self.records[index].left)
        if not returning and not self.records[index].left:
            self.records[index].wait_s = self.now - person.arrival_s
        duration = (person.second_service_s if returning
                    else self.profile.no_show_s if absent else person.service_s)
        desk.busy, desk.ticket, desk.busy_s = True, chosen.id, desk.busy_s + duration
        self._note("called", index, desk.config.id)
        self._push(self.now + duration, DONE, desk.config.id)

    def _done(self, counter_id: int) -> None:
        desk = self.desks[counter_id]
        if desk.ticket is not None:
            self._finish(desk, desk.ticket)
        desk.busy, desk.ticket = False, None
        if desk.closing:
            self._shut(desk)
        elif desk.break_due:
            self._start_break(desk)
        elif desk.open:
            self._call(desk)

    def _finish(self, desk: Desk, ticket: str) -> None:
        index, returning = self._visits[ticket]
        person = self.people[index]
        absent = not returning and (person.no_show or self.records[index].left)
        if not absent:
            self.times.observe(person.service, person.second_service_s if returning
                               else person.service_s)
        sent_away = person.returns and not returning and not absent
        if sent_away:
            self._push(self.now + self.profile.returning_after_s, RETURN, index)
        ending = "returning" if sent_away else "no_show" if absent else "done"
        self._note(ending, index, desk.config.id)

    def _open(self, ref: int) -> None:
        counter_id, number = self._block_refs[ref]
        desk = self.desks[counter_id]
        desk.open, desk.closing, desk.after_hours = True, False, False
        desk.services = desk.blocks[number][2]
        if desk.ready:
            self._call(desk)

    def _close(self, ref: int) -> None:
        counter_id, number = self._block_refs[ref]
        desk = self.desks[counter_id]
        last = number == len(desk.blocks) - 1
        if last and desk.blocks[number][1] >= self.closing_s:
            desk.after_hours = True  # serve whoever still waits, then close
            if desk.ready:
                self._call(desk)
        elif desk.busy:
            desk.closing = True
        else:
            self._shut(desk)

    def _shut(self, desk: Desk) -> None:
        if desk.after_hours:
            desk.overtime_s = max(0.0, self.now - desk.blocks[-1][1])
        desk.open, desk.closing, desk.after_hours = False, False, False
        if self.policy == "static":
            self._rebook_leftovers(desk)

    def _break(self, ref: int) -> None:
        counter_id, length = self._breaks[ref]
        desk = self.desks[counter_id]
        if desk.busy:
            desk.break_due = True  # staff finish the citizen in front of them first
            desk.pending_break_s = length
        else:
            self._start_break(desk, length)

    def _start_break(self, desk: Desk, length: float | None = None) -> None:
        length = length if length is not None else desk.pending_break_s
        desk.on_break, desk.break_due = True, False
        desk.break_taken_s += length
        self._push(self.now + length, BACK, desk.config.id)

    def _back(self, counter_id: int) -> None:
        desk = self.desks[counter_id]
        desk.on_break = False
        if desk.ready:
            self._call(desk)

    # -- what the real rule and estimate are told ---------------------------------------------
    def rule(self) -> Rule:
        routing = self.config.routing
        servers = {code: 0 for code in self.targets}
        open_counters = [desk.services for desk in self.desks.values() if desk.serving]
        for services in open_counters:
            for code in services:
                servers[code] += 1
        means, shares = self.times.means(), counter_shares(open_counters)
        loads = {code: ServiceLoad(self.targets[code], servers[code], len(self.line.by_service[code]),
                                   means[code], shares.get(code, 0.0)) for code in self.targets}
        return Rule(routing.priority_mode, routing.priority_every, loads)

    def floor(self) -> Floor:
        working = [d for d in self.desks.values() if d.serving]
        return Floor(waiting={code: len(line) for code, line in self.line.by_service.items()},
                     open_counters=[list(d.services) for d in working],
                     idle_counters=[list(d.services) for d in working if not d.busy],
                     mean_s=self.times.means())
