"""Protocol messages built from the store: what kiosks, counters and hall displays are told."""

from __future__ import annotations

from dataclasses import dataclass

from broker.queue import live
from broker.store.db import EventRow, TicketRow, Tx
from forecast.model import Band, Forecast
from forecast.run import HORIZON_S
from xephang.config import SiteConfig
from xephang.labels import call_text
from xephang.protocol import (
    TICKET_CALL_WITHDRAWN,
    Announcement,
    CounterState,
    Event,
    HallState,
    RecentCall,
    Ticket,
    WaitRange,
)

RECENT_CALLS = 8
CALL_LOOKBACK = 4  # a ticket transferred and called again shows once, its latest call
# The events that spoke a number in the hall: a call and each recall.
SPOKEN_CALLS = frozenset({"ticket_called", "ticket_recalled"})


def ticket_message(row: TicketRow, ahead: int = 0, eta_s: int = 0,
                   wait: WaitRange | None = None) -> Ticket:
    return Ticket(id=row.id, number=row.number, service=row.service, issued_at=row.issued_at,
                  ahead=ahead, eta_s=eta_s, priority=row.priority, wait=wait)


def waiting_ticket(tx: Tx, config: SiteConfig, row: TicketRow,
                   forecast: Forecast | None = None) -> Ticket:
    return ticket_message(row, *live.estimate(tx, config, row), wait=ticket_wait(forecast, row))


def wait_range(band: Band | None) -> WaitRange | None:
    """A forecast band as the contract carries it: whole seconds, the horizon for "not within it"."""
    if band is None:
        return None
    low, high = (round(min(value, HORIZON_S)) for value in (band.low_s, band.high_s))
    return WaitRange(low_s=low, high_s=max(low, high))


def ticket_wait(forecast: Forecast | None, row: TicketRow) -> WaitRange | None:
    """A waiting ticket's forecast range: its own band, or, for one issued since the forecast, the
    band of a ticket of its service and priority issued then."""
    if forecast is None or row.status != "waiting":
        return None
    band = forecast.tickets.get(row.id)
    if band is None and row.issued_at >= forecast.at:
        band = forecast.next_ticket(row.service, row.priority != "none" or row.returned_at is not None)
    return wait_range(band)


def counter_state(tx: Tx, counter_id: int) -> CounterState:
    row = tx.counter(counter_id)
    current = tx.ticket(row.ticket)
    return CounterState(counter=counter_id, status=row.status,
                        ticket=ticket_message(current) if current else None, since=row.since,
                        closing=row.closing is not None)


def hall_state(tx: Tx, config: SiteConfig, forecast: Forecast | None = None) -> HallState:
    calls: list[RecentCall] = []
    withdrawn: set[str] = set()  # numbers whose call was withdrawn since: nobody is called there
    today = live.start_of_day(config, tx.now)  # numbers restart each day: no earlier day's calls
    for e in tx.recent_events((*live.CALLS, TICKET_CALL_WITHDRAWN), RECENT_CALLS * CALL_LOOKBACK,
                              today):  # newest first: a number once, its latest call
        number = str(e.data.get("number", ""))
        if e.type == TICKET_CALL_WITHDRAWN:
            withdrawn.add(number)
        elif (len(calls) < RECENT_CALLS and number not in withdrawn
              and all(call.number != number for call in calls)):
            calls.append(RecentCall(number=number, counter=e.counter or 0, at=e.at))
    return HallState(recent_calls=calls, waiting=live.waiting_counts(tx, config),
                     eta_s=live.service_etas(tx, config), wait=service_waits(config, forecast),
                     unavailable=live.closed_services(tx, config))


def service_waits(config: SiteConfig, forecast: Forecast | None) -> dict[str, WaitRange]:
    """Per service, the forecast range of a (normal) ticket issued now; empty without a forecast."""
    if forecast is None:
        return {}
    ranges = {s.code: wait_range(forecast.services.get(s.code)) for s in config.services}
    return {code: wait for code, wait in ranges.items() if wait is not None}


def event_message(row: EventRow) -> Event:
    extra = {k: v for k, v in row.data.items() if k not in {"seq", "at", "type", "ticket", "counter"}}
    return Event(seq=row.seq, at=row.at, type=row.type, ticket=row.ticket, counter=row.counter,
                 **extra)


def announcement(event: EventRow, number: str, counter_id: int, repeat: int) -> Announcement:
    return Announcement(call_id=f"call-{event.seq}", number=number, counter=counter_id,
                        text=call_text(number, counter_id), repeat=repeat, at=event.at)


@dataclass(frozen=True)
class TicketStatus:
    """What a citizen's status page shows."""

    number: str
    service_name: str
    status: str
    ahead: int
    eta_s: int
    counter: int | None
    wait: WaitRange | None = None


def ticket_status(tx: Tx, config: SiteConfig, ticket_id: str,
                  forecast: Forecast | None = None) -> TicketStatus | None:
    row = tx.ticket(ticket_id)
    if row is None:
        return None
    service = config.service(row.service)
    ahead, eta = live.estimate(tx, config, row)
    return TicketStatus(row.number, service.name if service else row.service, row.status, ahead, eta,
                        row.counter, ticket_wait(forecast, row))
