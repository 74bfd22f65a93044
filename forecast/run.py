"""The forward simulation: the hall now, run on under the real call rule (routing/call_rule.py) with
drawn service times, no-shows, pauses and arrivals, many times; a ticket's band is the LOW–HIGH
percentiles of the moment it is called.

Each run also draws what today's figures only estimate: its own mean service time per service (a
bootstrap of today's services, and the configured mean within its weight) and its own arrival rate
per service and kind (from the count it was learned from). Those errors are shared by every ticket
of a run, so a long wait, which adds many services and arrivals, spreads as widely as the estimates
are unsure; without them the 10–90 % band held only ~60 % of simulated waits. The call rule is fed
what the broker would feed it: the real tickets in each line (never the phantoms), the counters not
on a break, and the mean service times as they are learned along the run.

Compact on purpose (no reports, no trace): a run stops once every ticket it follows is called or the
horizon is reached, so one refresh at 1,000 waiting stays bounded. Each service's next ticket is a
phantom issued now at the back of its line that takes no counter time: it is called exactly when a
ticket issued now would be, and it delays nobody, so one run answers for every service at once.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Iterable
from datetime import timedelta

from forecast.model import Arrival, Band, Desk, Forecast, HallNow, ServiceModel
from routing.call_rule import Candidate, Rule, ServiceLoad, choose_next, counter_shares
from simulation.profile import PATIENCE_SPREAD

RUNS = 50
# The band: 90 % of the runs. Once the runs are calibrated (bench/forecast.py: their 10–90 % band
# held ~80 % of simulated waits) a 10–90 % band holds 80 %, short of the 88 % a printed range must.
LOW, HIGH = 0.05, 0.95
HORIZON_S = 4 * 3600.0  # past this a wait is "more than three hours" on every surface
SIGMA = 0.5  # spread (lognormal shape) of a service time drawn from the configured mean alone
NO_SHOW_S = 90.0  # a counter's time spent calling and recalling a citizen who is gone
PAUSE_S = 1800.0  # a pause is a break: it lasts about this long in all
PHANTOM = "~"  # the id prefix of each service's next ticket
PRIORITY_PHANTOM = "~!"  # and of its next priority ticket


class _Line:
    """One service's waiting tickets: returning, other priority, normal, each in issue order.
    `size` counts the real ones: the phantoms are no one the call rule may see (a line two tickets
    longer looks more urgent to a shared counter and draws it from its other lines)."""

    def __init__(self) -> None:
        self.queues: tuple[deque[Candidate], ...] = (deque(), deque(), deque())
        self.size = 0

    def add(self, ticket: Candidate) -> None:
        self.queues[0 if ticket.returning else 1 if ticket.is_priority else 2].append(ticket)
        self.size += not ticket.id.startswith(PHANTOM)

    def heads(self) -> list[Candidate]:
        return [queue[0] for queue in self.queues if queue]

    def remove(self, ticket: Candidate) -> None:
        for queue in self.queues:
            if queue and queue[0] is ticket:
                queue.popleft()
                self.size -= not ticket.id.startswith(PHANTOM)
                return


class _Run:
    """One possible rest of the day, from `hall`, drawn with `rng`."""

    def __init__(self, hall: HallNow, rng: random.Random, follow: set[str]) -> None:
        self.hall, self.rng, self.follow = hall, rng, set(follow)
        self.lines = {code: _Line() for code in hall.services}
        for ticket in hall.waiting:
            self.lines.setdefault(ticket.service, _Line()).add(ticket)
        for code in hall.services:
            self.lines[code].add(Candidate(PHANTOM + code, code, "none", hall.now))
            self.lines[code].add(Candidate(PRIORITY_PHANTOM + code, code, "elderly", hall.now))
        self.called: dict[str, float] = {}
        self.streak = hall.streak
        self.heap: list[tuple[float, int, int]] = []  # (moment, order, desk index or -1 - arrival)
        self.idle: set[int] = set()
        self.working = [desk.status in ("idle", "busy") for desk in hall.desks]
        self.times = {code: _RunTimes(model, rng) for code, model in hall.services.items()}
        # What the call rule is told, as the broker learns it: each service's mean over its last
        # services, the ones done in this run included.
        self.estimate = {code: _Estimate(model) for code, model in hall.services.items()}
        self.serving: list[tuple[str, float] | None] = [None] * len(hall.desks)
        self.arrivals = _draw_arrivals(hall, rng)
        self.breaks = [sorted(desk.breaks) for desk in hall.desks]
        # Since when each counter has been idle (None: it is not): a break falls due at its time.
        self.idle_since: list[float | None] = [-desk.for_s if desk.status == "idle" else None
                                               for desk in hall.desks]

    def go(self) -> dict[str, float]:
        for index, desk in enumerate(self.hall.desks):
            start = self._starts_in(index, desk)
            if start is not None:
                heapq.heappush(self.heap, (start, index, index))
        for order, (moment, _) in enumerate(self.arrivals):
            heapq.heappush(self.heap, (moment, len(self.hall.desks) + order, -1 - order))
        while self.heap and self.follow:
            moment, _, ref = heapq.heappop(self.heap)
            if moment > HORIZON_S:
                break
            if ref >= 0:
                self._free(ref, moment)
            else:
                self._arrive(self.arrivals[-1 - ref][1], moment)
        return self.called

    def _starts_in(self, index: int, desk: Desk) -> float | None:
        """Seconds until this counter next calls (a free counter: not before the center reopens)."""
        if desk.status == "closed":
            return None
        if desk.status == "busy":
            return self._remaining(index, desk)
        if desk.status == "idle":
            start = self.rng.uniform(0.0, self.hall.idle_call_s)
        else:
            pause = PAUSE_S if desk.pause_s is None else desk.pause_s
            start = max(60.0, pause - desk.for_s) * self.rng.uniform(0.5, 1.5)
        return self._reopens(start) or start

    def _remaining(self, index: int, desk: Desk) -> float:
        """The rest of the service in progress, `for_s` along: a draw longer than that, if any."""
        code = desk.serving or self.rng.choice(desk.services or tuple(self.hall.services))
        for _ in range(8):
            drawn = self._duration(code)
            if drawn > desk.for_s:
                break
        else:
            drawn = desk.for_s + self.rng.expovariate(4.0 / _mean(self.hall.services.get(code)))
        self.serving[index] = (code, drawn) if desk.serving else None
        return drawn - desk.for_s

    def _reopens(self, moment: float) -> float | None:
        """When the center reopens, if it is closed at `moment`."""
        return next((end for start, end in self.hall.closures if start <= moment < end), None)

    def _away_until(self, index: int, moment: float, idle_since: float | None) -> float | None:
        """When a counter free at `moment` is back, if it is away then: the center closed, or a
        break due (taken at its time if the counter was idle then, else now, for its length)."""
        breaks = self.breaks[index]
        back = None
        while breaks and breaks[0][0] <= moment:
            start, length = breaks.pop(0)
            began = moment if idle_since is None else max(start, idle_since)
            if began + length > moment:
                back = began + length
                break
        reopens = self._reopens(back if back is not None else moment)
        return reopens or back

    def _free(self, index: int, moment: float) -> None:
        desk = self.hall.desks[index]
        done = self.serving[index]
        if done is not None and done[0] in self.estimate:
            self.estimate[done[0]].observe(done[1])
        self.serving[index] = None
        self.working[index] = True  # back from a pause, if it was on one
        idle_since, self.idle_since[index] = self.idle_since[index], None
        back = self._away_until(index, moment, idle_since)
        if back is not None:
            self.working[index] = False  # serves no line until it is back, as the rule counts
            heapq.heappush(self.heap, (back, index, index))
            return
        while True:
            chosen = choose_next(self._heads(desk.services), desk.services, rule=self._rule(),
                                 now=self.hall.now + timedelta(seconds=moment), streak=self.streak)
            if chosen is None:
                self.idle.add(index)
                self.idle_since[index] = moment
                return
            self.lines[chosen.service].remove(chosen)
            if chosen.id in self.follow:
                self.follow.discard(chosen.id)
                self.called[chosen.id] = moment
            if not chosen.id.startswith(PHANTOM):
                break
        self.streak = 0 if chosen.is_priority else min(self.streak + 1, self.hall.every)
        took = self._service(chosen, moment)
        self.serving[index] = None if took is None else (chosen.service, took)
        heapq.heappush(self.heap, (moment + (NO_SHOW_S if took is None else took), index, index))

    def _service(self, ticket: Candidate, moment: float) -> float | None:
        """How long the citizen called at `moment` is served; None: gone (a no-show)."""
        if not ticket.returning and (self.rng.random() < self.hall.no_show_share
                                     or self._gave_up(ticket, moment)):
            return None
        return self._duration(ticket.service)

    def _gave_up(self, ticket: Candidate, moment: float) -> bool:
        """Whether the citizen called at `moment` gave up waiting before (their patience drawn)."""
        if self.hall.patience_s is None:
            return False
        waited = moment + (self.hall.now - ticket.issued_at).total_seconds()
        return _lognormal(self.rng, self.hall.patience_s, PATIENCE_SPREAD) < waited

    def _arrive(self, ticket: Candidate, moment: float) -> None:
        self.lines.setdefault(ticket.service, _Line()).add(ticket)
        for index in sorted(self.idle):
            if ticket.service in self.hall.desks[index].services:
                self.idle.discard(index)
                self._free(index, moment)
                return

    def _heads(self, services: tuple[str, ...]) -> list[Candidate]:
        return [head for code in services if code in self.lines for head in self.lines[code].heads()]

    def _rule(self) -> Rule:
        """The rule's input as the broker builds it: per service its open counters (not on a
        break) and their share of time, the real tickets waiting, the mean as learned so far."""
        open_counters = [desk.services for desk, working in zip(self.hall.desks, self.working,
                                                                strict=True) if working]
        servers = {code: 0 for code in self.hall.services}
        for services in open_counters:
            for code in services:
                servers[code] = servers.get(code, 0) + 1
        shares = counter_shares(open_counters)
        loads = {code: ServiceLoad(model.target_s, servers[code], self.lines[code].size,
                                   self.estimate[code].mean_s, shares.get(code, 0.0))
                 for code, model in self.hall.services.items()}
        return Rule(self.hall.mode, self.hall.every, loads)

    def _duration(self, code: str) -> float:
        """A service time: one of today's recent ones, or one drawn around the configured mean, in
        the proportion the estimate weighs them (routing/estimate.py)."""
        times = self.times.get(code)
        if times is None:
            return _lognormal(self.rng, 480.0, SIGMA)
        return times.draw(self.rng)


class _RunTimes:
    """One service's service times in one run. The estimate's mean is itself uncertain (a few
    dozen services seen, a configured mean worth `prior_weight` of them), and that error is shared
    by every service of the run: each run resamples today's services (a bootstrap) and draws its
    own configured mean from that weight, so long waits, which add many services, spread as
    widely as the estimate is unsure."""

    def __init__(self, model: ServiceModel, rng: random.Random) -> None:
        seen = model.recent_s
        self.recent = tuple(rng.choice(seen) for _ in seen)
        self.weight, self.sigma = model.prior_weight, model.spread
        spread = model.spread / math.sqrt(model.prior_weight) if model.prior_weight > 0 else 0.0
        self.prior_mean_s = _lognormal(rng, model.prior_mean_s, spread)

    def draw(self, rng: random.Random) -> float:
        seen = len(self.recent)
        if seen and rng.random() * (seen + self.weight) < seen:
            return rng.choice(self.recent)
        return _lognormal(rng, self.prior_mean_s, self.sigma)


class _Estimate:
    """A service's mean service time as routing/estimate.py learns it: the configured mean worth
    `prior_weight` services, and the last `window` services."""

    def __init__(self, model: ServiceModel) -> None:
        self.prior = model.prior_mean_s * model.prior_weight
        self.weight = model.prior_weight
        self.recent = deque(model.recent_s[-model.window:], maxlen=model.window)
        self.total = sum(self.recent)
        self.mean_s = self._mean()

    def observe(self, seconds: float) -> None:
        if len(self.recent) == self.recent.maxlen:
            self.total -= self.recent[0]
        self.recent.append(seconds)
        self.total += seconds
        self.mean_s = self._mean()

    def _mean(self) -> float:
        return (self.prior + self.total) / (self.weight + len(self.recent) or 1.0)


def _lognormal(rng: random.Random, mean: float, sigma: float) -> float:
    """A lognormal draw of this mean and shape (sigma 0: the mean itself)."""
    if sigma <= 0:
        return mean
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


def _mean(model: ServiceModel | None) -> float:
    if model is None:
        return 480.0
    return ((model.prior_mean_s * model.prior_weight + sum(model.recent_s))
            / (model.prior_weight + len(model.recent_s) or 1.0))


def _draw_arrivals(hall: HallNow, rng: random.Random) -> list[tuple[float, Candidate]]:
    """Poisson arrivals of each service and kind until issuing stops (or the horizon), at the
    shape's weight in each of its pieces."""
    until = min(hall.issuing_for_s, HORIZON_S)
    drawn: list[tuple[float, Candidate]] = []
    for arrival in hall.arrivals:
        pieces = hall.shapes.get(arrival.service) or hall.shape or ((0.0, until, 1.0),)
        level = arrival.per_hour
        if arrival.seen > 0:  # learned from `seen` tickets: the run draws its own rate
            level *= rng.gammavariate(arrival.seen, 1.0) / arrival.seen
        for begin, end, weight in pieces:
            start, stop = max(0.0, begin), min(until, end)
            for moment in _poisson(level * weight / 3600.0, start, stop, rng):
                drawn.append((moment, _newcomer(hall, arrival, moment, len(drawn))))
    drawn.sort(key=lambda item: item[0])
    return drawn


def _poisson(rate: float, start: float, until: float, rng: random.Random) -> list[float]:
    moments, moment = [], start
    while rate > 0 and start < until:
        moment += rng.expovariate(rate)
        if moment >= until:
            break
        moments.append(moment)
    return moments


def _newcomer(hall: HallNow, arrival: Arrival, moment: float, n: int) -> Candidate:
    priority = "none" if arrival.kind == "normal" else "elderly"
    return Candidate(f"+{n}", arrival.service, priority, hall.now + timedelta(seconds=moment),
                     arrival.kind == "returning")


def forecast(hall: HallNow, *, runs: int = RUNS, seed: int = 0, tickets: bool = True,
             services: Iterable[str] | None = None, priority: bool = True) -> Forecast:
    """The bands of every waiting ticket (unless `tickets` is False) and of the next normal and (if
    `priority`) priority ticket of each of `services` (default: all), over `runs` runs. Following
    fewer tickets only ends runs sooner: the bands of those followed are the same."""
    codes = list(hall.services if services is None else services)
    follow = {PHANTOM + code for code in codes}
    if priority:
        follow.update(PRIORITY_PHANTOM + code for code in codes)
    if tickets:
        follow.update(ticket.id for ticket in hall.waiting)
    rng = random.Random(seed)
    outcomes = [_Run(hall, rng, follow).go() for _ in range(runs)]
    waited = {ticket.id: (hall.now - ticket.issued_at).total_seconds() for ticket in hall.waiting}
    bands = {ticket_id: _band([o.get(ticket_id, math.inf) for o in outcomes], waited.get(ticket_id, 0.0))
             for ticket_id in follow}
    return Forecast(at=hall.now, runs=runs,
                    tickets={t: b for t, b in bands.items() if not t.startswith(PHANTOM)},
                    services={code: bands[PHANTOM + code] for code in codes},
                    priority={code: bands[PRIORITY_PHANTOM + code] for code in codes if priority})


def _band(called_in: list[float], waited_s: float) -> Band:
    """The LOW–HIGH percentiles of the wait from issue: waited so far plus the call's moment."""
    ranked = sorted(called_in)
    last = len(ranked) - 1
    return Band(waited_s + ranked[round(LOW * last)], waited_s + ranked[round(HIGH * last)])
