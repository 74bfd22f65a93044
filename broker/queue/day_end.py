"""A ticket is valid on its day only. Once the site's local day is over (at midnight in the
center, not at closing time: counters may serve past closing), every ticket of an earlier day still
waiting, set aside for a missing paper, or at a counter is ended as `expired` (xephang/protocol.py
EXPIRED), each with its own `ticket_expired` event dated the last moment of the ticket's day, so the
day's figures, the ticket list and the city count it in its own day. The counters holding one are
freed; nothing of an earlier day stays in today's line, on the hall, or callable.

Run before any change of a new day (broker/queue/tickets.py `Queue.end_past_days`), by the nightly
job before it closes a day's figures, and on a kiosk's offline ticket of a past day synced late.
Idempotent: an ended ticket is no longer in any of those states. Only on a clock the broker
believes (broker/queue/clock_check.py): a clock that jumped ahead ends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from broker.queue.clock_check import ahead, note_believed
from broker.queue.live import local_day
from broker.store.db import EventRow, TicketRow, Tx
from xephang.config import SiteConfig
from xephang.protocol import EXPIRED, TICKET_EXPIRED

# What a counter holding a ticket of an earlier day becomes once it is ended.
FREED = {"calling": "idle", "serving": "idle"}


@dataclass
class DayEnded:
    """What ending the earlier days changed: its events, and the counters it freed."""

    events: list[EventRow] = field(default_factory=list)
    counters: set[int] = field(default_factory=set)
    clock_ahead: datetime | None = None  # nothing ended: the clock is far past this moment


def last_moment(day: str, zone: ZoneInfo) -> datetime:
    """The last microsecond of a local day (times are stored to the microsecond)."""
    midnight = datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(), tzinfo=zone)
    return midnight - timedelta(microseconds=1)


def expire(tx: Tx, config: SiteConfig, ticket: TicketRow) -> EventRow:
    """End one ticket of a past day, as at the end of its day; `was` says where it stood."""
    ended = tx.at(last_moment(ticket.day, config.site.zone))
    ended.update_ticket(ticket.id, status=EXPIRED, finished_at=ended.now)
    at_counter = ticket.counter if ticket.status == "called" else None
    return ended.append_event(TICKET_EXPIRED, ticket=ticket.id, counter=at_counter,
                              number=ticket.number, service=ticket.service, was=ticket.status)


def end_past_days(tx: Tx, config: SiteConfig) -> DayEnded:
    """End every ticket of a day before today that is still waiting, returning or at a counter;
    nothing when the clock jumped ahead of the last moment the broker believed."""
    seen = ahead(tx)
    if seen is not None:
        return DayEnded(clock_ahead=seen)
    note_believed(tx)
    today = local_day(config, tx.now)
    result = DayEnded([expire(tx, config, ticket) for ticket in tx.left_before(today)])
    for counter in tx.holding_before(today):
        tx.update_counter(counter.id, ticket=None, since=tx.now,
                          status=FREED.get(counter.status, counter.status))
        result.counters.add(counter.id)
    tx.forget_last_before(today)
    return result
