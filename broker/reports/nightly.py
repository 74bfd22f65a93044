"""The broker's nightly work: end the tickets earlier days left (a ticket is valid on its day
only: broker/queue/day_end.py), close the days before today (write their anonymous figures, which
statistics read from then on) and reduce the days past retention to those figures alone.

Runs at start, just after each local midnight, and every hour, in a thread of its own (ending the
days notes the clock's moment each time: broker/queue/clock_check.py); each day is
read on the report connection and written in a short transaction, so the queue is never held up
for long.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from broker.queue.clock_check import ahead
from broker.queue.day_end import end_past_days
from broker.queue.live import local_day
from broker.reports.figures import day_figures
from broker.store.db import Clock, Store
from xephang.config import SiteConfig

log = logging.getLogger(__name__)
EVERY_S = 3600.0
AFTER_MIDNIGHT_S = 1.0  # wake this long after local midnight: the day before is over
EndDays = Callable[[], None]  # ends the earlier days' tickets and publishes that (the broker's)


@dataclass
class NightlyResult:
    closed: list[str] = field(default_factory=list)
    reduced: list[str] = field(default_factory=list)
    held_back: str | None = None  # the first day kept for the city uplink


def close_days(store: Store, config: SiteConfig, today: str,
               stop: threading.Event | None = None) -> list[str]:
    """Write the figures of every day before `today` that has none yet."""
    with store.reading() as tx:
        days = tx.days_to_close(today)
    closed: list[str] = []
    for day in days:
        if stop is not None and stop.is_set():
            break
        with store.reading() as tx:
            figures = day_figures(tx.issued_between(day, day), tx.ticket_events_between(day, day),
                                  config.site.zone)
        with store.transaction() as tx:
            if not tx.is_closed(day):
                tx.write_figures(day, figures)
        closed.append(day)
    return closed


def reduce_old_days(store: Store, config: SiteConfig, today: str,
                    result: NightlyResult | None = None,
                    stop: threading.Event | None = None) -> NightlyResult:
    """Tickets and events of closed days older than `[retention] days` become their figures
    alone, oldest first, stopping at a day with an event the city has not acknowledged."""
    result = result or NightlyResult()
    first_kept = date.fromisoformat(today) - timedelta(days=config.retention.days)
    with store.reading() as tx:
        days = tx.days_to_reduce(first_kept.isoformat())
    for day in days:
        if stop is not None and stop.is_set():
            break
        with store.transaction() as tx:
            hold = tx.uplink_acked_seq()
            if hold is not None and tx.newest_event_of_day(day) > hold:
                result.held_back = day
                break
            tx.reduce_day(day)
        result.reduced.append(day)
    with store.transaction() as tx:
        start = datetime.combine(first_kept, time(), tzinfo=config.site.zone)
        tx.forget_before(start, tx.uplink_acked_seq())
    if result.reduced:
        store.reclaim()
    return result


def end_days_in(store: Store, config: SiteConfig) -> None:
    """End the earlier days' tickets without publishing (no broker running: a bench, a tool)."""
    with store.transaction() as tx:
        end_past_days(tx, config)


def run_nightly(store: Store, config: SiteConfig, now: datetime,
                stop: threading.Event | None = None,
                end_days: EndDays | None = None) -> NightlyResult:
    """End what earlier days left, then close their figures, then retention; none of it on a
    clock far ahead of the last moment the broker believed (broker/queue/clock_check.py)."""
    if end_days is None:
        end_days_in(store, config)
    else:
        end_days()
    with store.snapshot() as tx:
        seen = ahead(tx.at(now))
    if seen is not None:
        log.warning("the clock says %s, far past the last moment believed (%s): no day closed or "
                    "reduced until it comes back or the manager confirms it", now.isoformat(),
                    seen.isoformat())
        return NightlyResult()
    today = local_day(config, now)
    result = NightlyResult(closed=close_days(store, config, today, stop))
    reduce_old_days(store, config, today, result, stop)
    if result.closed or result.reduced:
        log.info("closed %d days; reduced %d days past %d days of retention%s",
                 len(result.closed), len(result.reduced), config.retention.days,
                 f"; kept from {result.held_back} for the city uplink" if result.held_back else "")
    return result


class Nightly:
    """`run_nightly` at start and every hour after, until stopped."""

    def __init__(self, store: Store, config: SiteConfig, clock: Clock,
                 end_days: EndDays | None = None) -> None:
        self.store, self.config, self.clock, self.end_days = store, config, clock, end_days
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nightly", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(60)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                run_nightly(self.store, self.config, self.clock(), self._stop, self.end_days)
            except sqlite3.Error:  # a busy or full disk: try again next time, keep serving
                log.exception("the nightly statistics and retention job failed")
            self._stop.wait(self.pause())

    def pause(self) -> float:
        """Seconds until the next run: an hour, or just after the coming local midnight."""
        local = self.clock().astimezone(self.config.site.zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)
        return min(EVERY_S, midnight.timestamp() - local.timestamp() + AFTER_MIDNIGHT_S)
