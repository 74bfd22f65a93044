"""Simulated history: N days of a center, ending yesterday, written into a broker database.

Each working day (Monday to Friday) is one simulated day (simulation/engine.py: the real call rule
and estimate), replayed through the store's own transaction methods as the broker would have
written it: tickets numbered by the store's sequences, the same events with the same fields, the
same final statuses, plus citizens' ratings. A demo or a benchmark can then start with a year of
realistic history. Days that already hold tickets are left alone.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from broker.queue.day_end import end_past_days
from broker.store.db import NewTicket, Store, Tx
from simulation.engine import Day, Happening
from simulation.profile import Citizen, Profile, citizens
from xephang.config import SiteConfig
from xephang.protocol import RATINGS, ticket_number

WORKING_DAYS = range(5)  # Monday to Friday
DAY_SPREAD = 0.15  # a day's tickets vary by up to this share around the mean
RATED = 0.6  # share of served citizens who press a rating button
RATING_WEIGHTS = {"very_satisfied": 0.7, "satisfied": 0.25, "unsatisfied": 0.05}


@dataclass(frozen=True)
class Written:
    days: int
    tickets: int
    events: int
    skipped: list[str]


def working_days(days: int, today: date) -> list[date]:
    """The working days among the `days` calendar days before `today`, oldest first."""
    span = [today - timedelta(days=back) for back in range(days, 0, -1)]
    return [d for d in span if d.weekday() in WORKING_DAYS]


def write_history(config: SiteConfig, store: Store, days: int, tickets: int, seed: int,
                  today: date, profile: Profile | None = None) -> Written:
    profile = profile or Profile.from_config(config)
    rng = random.Random(seed)
    with store.snapshot() as tx:
        caught_up = tx.published_seq() >= tx.last_event_seq()
    written, skipped, total_tickets, total_events = 0, [], 0, 0
    for day in working_days(days, today):
        count = max(0, round(tickets * (1 + rng.uniform(-DAY_SPREAD, DAY_SPREAD))))
        people = citizens(config, profile, count, rng.getrandbits(32))
        trace: list[Happening] = []
        Day(config, "ours", profile, people, trace=trace).run()
        with store.transaction() as tx:
            if tx.numbered_day(day.isoformat()):
                skipped.append(day.isoformat())
                continue
            writer = DayWriter(config, tx, day, people, rng)
            for happening in trace:
                writer.write(happening)
            # Citizens who gave up left their tickets in line: the day's end ends them.
            writer.events += len(end_past_days(tx.at(writer.next_morning), config).events)
        written, total_tickets = written + 1, total_tickets + writer.tickets
        total_events += writer.events
    if caught_up:
        _mark_history_published(store)
    with store.transaction() as tx:  # written now, on the machine's clock: the clock's last
        tx.note_clock(tx.now)  # believed moment (broker/queue/clock_check.py), not the last day's
    return Written(written, total_tickets, total_events, skipped)


def _mark_history_published(store: Store) -> None:
    """Simulated events were never live: the broker must not publish them on `event` at start
    (called only when every real event was already published, so none of those is skipped)."""
    with store.transaction() as tx:
        tx.mark_published(tx.last_event_seq())


class DayWriter:
    """Writes one simulated day's happenings through the store, as the broker writes them."""

    def __init__(self, config: SiteConfig, tx: Tx, day: date, people: list[Citizen],
                 rng: random.Random) -> None:
        self.config, self.tx, self.day, self.people, self.rng = config, tx, day, people, rng
        self.opening = datetime.combine(day, config.site.opens, tzinfo=config.site.zone)
        self.next_morning = datetime.combine(day + timedelta(days=1), config.site.opens,
                                             tzinfo=config.site.zone)
        self.ids: dict[int, tuple[str, str]] = {}  # citizen -> (ticket id, number)
        self.joined: dict[int, datetime] = {}  # citizen -> when they last joined a line
        self.tickets = self.events = 0

    def write(self, happening: Happening) -> None:
        moment = self.opening + timedelta(seconds=happening.at_s)
        step = self.tx.at(moment)
        if happening.kind == "issued":
            self._issue(step, happening)
        elif happening.citizen in self.ids:
            self._change(step, happening)

    def _uuid(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    def _issue(self, tx: Tx, happening: Happening) -> None:
        person = self.people[happening.citizen]
        service = self.config.service(person.service)
        assert service is not None
        seq = tx.allocate_seq(self.day.isoformat(), service.code, service.start)
        if seq > service.last:
            return  # the broker refuses past `last` too
        number = ticket_number(service.prefix, seq)
        ticket_id = self._uuid()
        tx.insert_ticket(NewTicket(
            id=ticket_id, request_id=self._uuid(), day=self.day.isoformat(), service=service.code,
            seq=seq, number=number, priority=person.priority, source="button", issued_at=tx.now,
            kiosk=self.config.kiosks[0].id if self.config.kiosks else "kiosk-1"))
        self.ids[happening.citizen] = (ticket_id, number)
        self.joined[happening.citizen] = tx.now
        self._event(tx, "ticket_issued", ticket_id, None, number=number, service=service.code,
                    priority=person.priority, source="button", kiosk="kiosk-1",
                    ahead=happening.ahead, eta_s=happening.eta_s)
        self.tickets += 1

    def _change(self, tx: Tx, happening: Happening) -> None:
        ticket_id, number = self.ids[happening.citizen]
        person, counter = self.people[happening.citizen], happening.counter
        facts = {"number": number, "service": person.service}
        if happening.kind == "called":
            waited = (tx.now - self.joined[happening.citizen]).total_seconds()
            tx.update_ticket(ticket_id, status="called", counter=counter, called_at=tx.now)
            self._event(tx, "ticket_called", ticket_id, counter, **facts, priority=person.priority,
                        repeat=0, wait_s=max(0, round(waited)))
        elif happening.kind in ("done", "no_show"):
            tx.update_ticket(ticket_id, status=happening.kind, finished_at=tx.now)
            self._event(tx, f"ticket_{happening.kind}", ticket_id, counter, **facts)
            if happening.kind == "done" and self.rng.random() < RATED:
                self._rate(tx, ticket_id, counter, facts)
        elif happening.kind == "returning":
            tx.update_ticket(ticket_id, status="returning", counter=None, called_at=None)
            self._event(tx, "ticket_returning", ticket_id, counter, **facts)
        elif happening.kind == "returned":
            tx.update_ticket(ticket_id, status="waiting", returned_at=tx.now)
            self.joined[happening.citizen] = tx.now
            self._event(tx, "ticket_returned", ticket_id, None, **facts)

    def _rate(self, tx: Tx, ticket_id: str, counter: int | None, facts: dict[str, str]) -> None:
        rating = self.rng.choices(RATINGS, [RATING_WEIGHTS[r] for r in RATINGS])[0]
        tx.update_ticket(ticket_id, rating=rating)
        self._event(tx, "ticket_rated", ticket_id, counter, **facts, rating=rating)

    def _event(self, tx: Tx, type_: str, ticket: str, counter: int | None, **data: object) -> None:
        tx.append_event(type_, ticket=ticket, counter=counter, **data)
        self.events += 1


def history_into(config: SiteConfig, db: Path, days: int, tickets: int, seed: int) -> dict[str, Any]:
    """`xephang simulate --days N --db FILE`: the figures it prints."""
    store = Store(db)
    try:
        today = datetime.now(config.site.zone).date()
        done = write_history(config, store, days, tickets, seed, today)
    finally:
        store.close()
    return {"db": str(db), "days": done.days, "tickets": done.tickets, "events": done.events,
            "skipped_days": done.skipped}
