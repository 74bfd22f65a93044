"""The store's live state, as the call rule, the wait estimate and the suggestions take it.

The broker's side of the pure rules in routing/ (the simulator feeds the same functions from its
own state): service times learned from today's completed tickets, the open and idle counters, the
lines, and the center's recent calls for priority interleaving.
"""

from __future__ import annotations

from datetime import datetime, time

from broker.store.db import CounterRow, TicketRow, Tx
from forecast.day import arrival_shape, arrival_shapes, breaks_ahead, closures_ahead, pause_length
from forecast.model import (
    Desk,
    DeskStatus,
    HallNow,
    ServiceModel,
    arrival_rates,
    gave_up_by,
    kind_of,
    no_show_share,
)
from routing.availability import why_closed
from routing.call_rule import (
    Candidate,
    Rule,
    ServiceLoad,
    ahead_of,
    choose_next,
    counter_shares,
    normal_streak,
)
from routing.estimate import OPEN_STATUSES, Floor, ServiceTimes, eta_seconds
from routing.suggest import suggest
from simulation.profile import Profile
from xephang.config import Counter, SiteConfig
from xephang.protocol import ServiceClosed, Suggestions

# A counter's waiting list: this many placed by the call rule, the rest after in issue order.
ORDERED_AHEAD = 40
# A ticket's call to a counter (its recalls are not new calls): the hall's recent calls, and the
# count of normal calls between priority ones.
CALLS = ("ticket_called",)


def local_day(config: SiteConfig, moment: datetime) -> str:
    """The site's local date: numbering and the day's figures restart at midnight in the center."""
    return moment.astimezone(config.site.zone).date().isoformat()


def start_of_day(config: SiteConfig, moment: datetime) -> datetime:
    """Local midnight that began the site's day of `moment`."""
    local = moment.astimezone(config.site.zone)
    return datetime.combine(local.date(), time(), tzinfo=config.site.zone)


def candidate(row: TicketRow) -> Candidate:
    """A ticket as the call rule sees it; a citizen back with a missing paper is `returning`."""
    return Candidate(row.id, row.service, row.priority, row.issued_at,
                     returning=row.returned_at is not None)


def calling_status(row: CounterRow) -> str:
    """A counter's status as routing, the estimates and the forecast take it: one that closes
    after its current citizen takes no new call, so it counts as closed already."""
    return "closed" if row.closing is not None else row.status


def closed_services(tx: Tx, config: SiteConfig) -> dict[str, ServiceClosed]:
    """The services that take no ticket now, with the reason (routing/availability.py)."""
    statuses = {row.id: calling_status(row) for row in tx.counters()}
    issued = tx.issued_today(local_day(config, tx.now))
    closed = {s.code: why_closed(config, s.code, now=tx.now, counter_status=statuses,
                                 issued_today=issued.get(s.code, 0)) for s in config.services}
    return {code: why for code, why in closed.items() if why is not None}


def service_times(tx: Tx, config: SiteConfig) -> ServiceTimes:
    """Mean service times: the config's, updated with today's last completed services of each
    service (call to done), as many as the estimate's window keeps."""
    times = ServiceTimes.from_config(config.services, config.routing)
    day = local_day(config, tx.now)
    for service in config.services:
        for seconds in tx.service_durations(day, service.code, config.routing.eta_window):
            times.observe(service.code, seconds)
    return times


def waiting_counts(tx: Tx, config: SiteConfig) -> dict[str, int]:
    """Tickets waiting per service, every service of the site listed (0 when its line is empty)."""
    counts = tx.waiting_counts()
    waiting = {s.code: counts.get(s.code, 0) for s in config.services}
    waiting.update((code, n) for code, n in counts.items() if n and code not in waiting)
    return waiting


def working_counters(tx: Tx, config: SiteConfig) -> tuple[list[Counter], list[Counter]]:
    """(open counters, those of them idle): open means neither paused nor closed (nor closing)."""
    statuses = {row.id: calling_status(row) for row in tx.counters()}
    working = [c for c in config.counters if statuses.get(c.id, "idle") in OPEN_STATUSES]
    return working, [c for c in working if statuses.get(c.id, "idle") == "idle"]


def floor(tx: Tx, config: SiteConfig, times: ServiceTimes | None = None) -> Floor:
    working, idle = working_counters(tx, config)
    return Floor(waiting=waiting_counts(tx, config), open_counters=[c.services for c in working],
                 idle_counters=[c.services for c in idle],
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
    shares = counter_shares(now.open_counters)
    loads = {s.code: ServiceLoad(s.target_wait_min * 60.0, servers[s.code], now.waiting[s.code],
                                 now.mean_s[s.code], shares.get(s.code, 0.0)) for s in config.services}
    return Rule(config.routing.priority_mode, config.routing.priority_every, loads)


def streak(tx: Tx, config: SiteConfig) -> int:
    """Normal calls since the center's last priority call (see routing.call_rule.normal_streak)."""
    every = config.routing.priority_every
    calls = tx.recent_events(CALLS, every)
    return normal_streak([str(e.data.get("priority", "none")) != "none" for e in calls], every)


def suggestions(tx: Tx, config: SiteConfig) -> Suggestions:
    working, _ = working_counters(tx, config)
    return Suggestions(at=tx.now, suggestions=suggest(config, floor(tx, config), working))


def callable_by(tx: Tx, counter: Counter) -> list[TicketRow]:
    """Waiting tickets a counter may call: its services' lines, plus those transferred to this
    very counter (a ticket transferred to another counter waits for that one only)."""
    services = set(counter.services)
    return [t for t in tx.waiting()
            if t.counter == counter.id or (t.counter is None and t.service in services)]


def call_sequence(tx: Tx, config: SiteConfig, counter: Counter) -> list[TicketRow]:
    """The counter's waiting tickets in the order its "call next" would take them if nothing else
    happened: the call rule applied again and again (the first ORDERED_AHEAD), then the rest."""
    pool = {t.id: t for t in callable_by(tx, counter)}
    every, rule_now = config.routing.priority_every, rule(tx, config)
    run, order = streak(tx, config), list[TicketRow]()
    services = [*counter.services, *(t.service for t in pool.values())]
    while pool and len(order) < ORDERED_AHEAD:
        chosen = choose_next([candidate(t) for t in pool.values()], services, now=tx.now,
                             rule=rule_now, streak=run)
        if chosen is None:
            break
        order.append(pool.pop(chosen.id))
        run = 0 if chosen.is_priority else min(run + 1, every)
    return order + list(pool.values())


DESK_STATUS: dict[str, DeskStatus] = {"idle": "idle", "calling": "busy", "serving": "busy",
                                      "paused": "paused", "closed": "closed"}


def hall_now(tx: Tx, config: SiteConfig) -> HallNow:
    """The hall as the forecast starts from it (forecast/model.py): the lines, the counters, today's
    service times, arrivals and no-shows so far."""
    routing, site, day = config.routing, config.site, Profile.from_config(config)
    local = tx.now.astimezone(site.zone)
    opened = datetime.combine(local.date(), site.opens, tzinfo=site.zone)
    closes = datetime.combine(local.date(), site.closes, tzinfo=site.zone)
    now_s = (tx.now - opened).total_seconds()
    shape, shapes = arrival_shape(config, day, now_s), arrival_shapes(config, day, now_s)
    today = tx.issued_between(local.date().isoformat(), local.date().isoformat())
    issues = [(t.issued_at, t.service, kind_of(candidate(t))) for t in today]
    issues += [(t.returned_at, t.service, "returning") for t in today if t.returned_at is not None]
    ended = [t for t in today if t.status in ("done", "no_show")]
    waits = [(t.called_at - t.issued_at).total_seconds() for t in ended
             if t.called_at is not None and t.returned_at is None]
    no_shows = sum(t.status == "no_show" for t in ended)
    return HallNow(
        now=tx.now, waiting=tuple(candidate(t) for t in tx.waiting()),
        desks=desks(tx, config, breaks_ahead(config, day, now_s), day, now_s),
        services=service_models(tx, config, day), shape=shape, shapes=shapes,
        arrivals=arrival_rates(issues, tx.now, opened, shape, shapes),
        issuing_for_s=max(0.0, (closes - tx.now).total_seconds()),
        closures=closures_ahead(day, now_s), patience_s=day.patience_s,
        no_show_share=no_show_share(no_shows, len(ended), gave_up_by(waits, day.patience_s)),
        mode=routing.priority_mode, every=routing.priority_every, streak=streak(tx, config))


def desks(tx: Tx, config: SiteConfig, breaks: dict[int, tuple[tuple[float, float], ...]],
          day: Profile | None = None, now_s: float = 0.0) -> tuple[Desk, ...]:
    """Each counter as the forecast takes it, with its breaks still to come and, given the day,
    when paused in a break window, that break's length (site file [day])."""
    rows = {row.id: row for row in tx.counters()}
    out = []
    for counter in config.counters:
        row = rows.get(counter.id)
        status = DESK_STATUS.get(calling_status(row), "idle") if row else "idle"
        since = max(0.0, (tx.now - row.since).total_seconds()) if row else 0.0
        ticket = tx.ticket(row.ticket) if row and status == "busy" else None
        out.append(Desk(tuple(counter.services), status, since, ticket.service if ticket else None,
                        breaks.get(counter.id, ()),
                        pause_length(day, now_s, since) if day and status == "paused" else None))
    return tuple(out)


def service_models(tx: Tx, config: SiteConfig, profile: Profile) -> dict[str, ServiceModel]:
    day, routing = local_day(config, tx.now), config.routing
    return {s.code: ServiceModel(s.target_wait_min * 60.0, s.mean_service_min * 60.0,
                                 routing.eta_prior_weight,
                                 tuple(tx.service_durations(day, s.code, routing.eta_window)),
                                 window=routing.eta_window,
                                 spread=profile.spread.get(s.code, profile.sigma))
            for s in config.services}
