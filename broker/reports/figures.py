"""A day's anonymous figures from its tickets and events (broker/store/figures.py says what they
hold): what statistics are computed from, for the days still open and for the days closed.

- a visit is one call of a ticket to a counter, until it is done, a no-show, transferred or sent for
  a missing paper. Its wait runs from when the ticket last joined a line (issue, transfer, return) to
  the call; its service time from the start of service ("Bắt đầu phục vụ", event ticket_serving;
  the call when staff never pressed it) to `done` (only visits that ended served). A withdrawn
  call (TICKET_CALL_WITHDRAWN: replaced at once by another call, its citizen never served) is no
  visit: the ticket is back in its line as if never called.
- the staff member of a visit is the account that called it (none for a counter unit's button);
  a rating is the official's of the visit it rates (the ticket's last call).
- a service's line is entered by issue, transfer to it (`transferred_in`, also to a counter of the
  same service) and return after fetching a paper (`returned`); it is left by a call (a visit), a
  cancellation, the end of its day (`expired`, xephang/protocol.py EXPIRED: a ticket is valid on
  its day only), or not at all (`waiting`: still in line when counted). Every visit ends served,
  absent, transferred out, sent for a paper, with its day (`expired`: still at the counter at
  midnight), or is still at the counter. So, per service:
  issued + transferred_in + returned
      = served + no_show + transferred (out) + returning + expired at the counter + at the counter
        + waiting + expired in line + cancelled.
  A ticket set aside for a paper that its day ended stays counted as sent for a paper.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from broker.store.db import EventRow, TicketRow
from broker.store.figures import (
    DayFigures,
    FlowFigure,
    IssuedFigure,
    RatingFigure,
    VisitFigure,
    VisitRow,
)
from xephang.protocol import EXPIRED, TICKET_CALL_WITHDRAWN, TICKET_EXPIRED

ENDINGS = {"ticket_done": "done", "ticket_no_show": "no_show",
           "ticket_transferred": "transferred", "ticket_returning": "returning",
           TICKET_EXPIRED: EXPIRED}
BUTTON = "(nút tại quầy)"
ISSUES = ("ticket_issued", "ticket_offline")
# Ways into a line (the event names the service the ticket goes to) and states out of every line.
ENTRIES = {"ticket_transferred": "transferred_in", "ticket_returned": "returned"}
UNCALLED = {"waiting": "waiting", "cancelled": "cancelled"}
WITHDRAWN = "withdrawn"  # a call that is no visit (left out of every count)


@dataclass
class Visit:
    ticket: str
    service: str
    counter: int | None
    account: str
    waited_from: datetime
    called_at: datetime
    ended_at: datetime | None = None
    outcome: str | None = None
    served_at: datetime | None = None  # "Bắt đầu phục vụ": the citizen at the desk

    @property
    def service_s(self) -> float | None:
        """From the start of service (the call, when staff never pressed it) to done."""
        if self.outcome != "done" or self.ended_at is None:
            return None
        return (self.ended_at - (self.served_at or self.called_at)).total_seconds()

    @property
    def wait_s(self) -> float:
        return (self.called_at - self.waited_from).total_seconds()


def visits(tickets: Iterable[TicketRow], events: Iterable[EventRow]) -> list[Visit]:
    """Every call of these tickets, in order, with how it ended (None while still at the counter);
    a withdrawn call is none."""
    joined = {t.id: t.issued_at for t in tickets}
    found: list[Visit] = []
    open_visits: dict[str, Visit] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.ticket not in joined:
            continue
        if event.type == "ticket_called":
            visit = Visit(event.ticket, str(event.data.get("service", "")), event.counter,
                          str(event.data.get("account") or BUTTON), joined[event.ticket], event.at)
            open_visits[event.ticket] = visit
            found.append(visit)
        elif event.type == TICKET_CALL_WITHDRAWN and event.ticket in open_visits:
            open_visits.pop(event.ticket).outcome = WITHDRAWN
        elif event.type == "ticket_serving" and event.ticket in open_visits:
            open_visits[event.ticket].served_at = event.at
        elif event.type in ENDINGS and event.ticket in open_visits:
            ended = open_visits.pop(event.ticket)
            ended.ended_at, ended.outcome = event.at, ENDINGS[event.type]
        if event.type in ("ticket_transferred", "ticket_returned"):
            joined[event.ticket] = event.at
    return [visit for visit in found if visit.outcome != WITHDRAWN]


def day_figures(tickets: list[TicketRow], events: list[EventRow], zone: ZoneInfo) -> DayFigures:
    """The figures of these tickets (each counted on its own day) and their events."""
    by_id = {t.id: t for t in tickets}
    return DayFigures(_issued(tickets, events, zone), _visits(by_id, events, zone),
                      _ratings(by_id, events), _flows(by_id, events))


def _issued(tickets: list[TicketRow], events: list[EventRow], zone: ZoneInfo) -> list[IssuedFigure]:
    """Counted by the service a ticket was issued for (a transfer changes the ticket's)."""
    first_service = {e.ticket: str(e.data["service"]) for e in events
                     if e.type in ISSUES and e.ticket and "service" in e.data}
    counts: Counter[tuple[str, str, int, str, bool]] = Counter()
    for ticket in tickets:
        service = first_service.get(ticket.id, ticket.service)
        counts[(ticket.day, service, ticket.issued_at.astimezone(zone).hour, ticket.priority,
                ticket.origin == "offline")] += 1
    return [IssuedFigure(*key, count) for key, count in counts.items()]


def _visits(by_id: dict[str, TicketRow], events: list[EventRow],
            zone: ZoneInfo) -> list[VisitRow]:
    out: list[VisitRow] = []
    for visit in visits(by_id.values(), events):
        ticket = by_id[visit.ticket]
        ended = visit.ended_at.astimezone(zone).hour if visit.ended_at else None
        out.append(VisitFigure(ticket.day, visit.service, visit.counter, visit.account,
                               ticket.priority, visit.called_at.astimezone(zone).hour, ended,
                               visit.outcome, visit.wait_s, visit.service_s))
    return out


def _ratings(by_id: dict[str, TicketRow], events: list[EventRow]) -> list[RatingFigure]:
    """Per service, counter and the official of the rated visit (the ticket's last call)."""
    counts: Counter[tuple[str, str, int | None, str, str]] = Counter()
    caller: dict[str, str] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.ticket not in by_id:
            continue
        if event.type == "ticket_called":
            caller[event.ticket] = str(event.data.get("account") or BUTTON)
        elif event.type == "ticket_rated":
            counts[(by_id[event.ticket].day, str(event.data.get("service", "")), event.counter,
                    str(event.data.get("rating")), caller.get(event.ticket, BUTTON))] += 1
    return [RatingFigure(day, service, counter, rating, count, account)
            for (day, service, counter, rating, account), count in counts.items()]


def _flows(by_id: dict[str, TicketRow], events: list[EventRow]) -> list[FlowFigure]:
    """Entries into a line besides issue (from the events), the tickets whose day ended while in
    line (their `ticket_expired`), and the tickets not called (from the tickets' state: counted
    apart from the events, so the rows' sums are a real check)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for event in events:
        if event.ticket not in by_id:
            continue
        if event.type in ENTRIES:
            counts[(by_id[event.ticket].day, str(event.data.get("service", "")),
                    ENTRIES[event.type])] += 1
        elif event.type == TICKET_EXPIRED and event.data.get("was") == "waiting":
            counts[(by_id[event.ticket].day, str(event.data.get("service", "")), EXPIRED)] += 1
    for ticket in by_id.values():
        if ticket.status in UNCALLED:
            counts[(ticket.day, ticket.service, UNCALLED[ticket.status])] += 1
    return [FlowFigure(day, service, kind, count) for (day, service, kind), count in counts.items()]
