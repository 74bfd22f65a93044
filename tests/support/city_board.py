"""Shared by the city board's tests: a center's day written as the uplink events its broker would
send, stored through the aggregator's own store (city/database.py), and a board serving them with a
chosen clock, one signed-in browser page at a time."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg

from city.board.accounts import BoardAccounts
from city.board.queries import BoardDb
from city.board.serve import BoardServer, start_board
from city.board.settings import BoardSection
from city.config import CenterEntry
from city.database import CITY_ZONE, CityStore
from tests.support.staff_pages import FIXTURE_HASHER
from xephang.protocol import UplinkEvent

PASSWORD = "mat-khau-thanh-pho"
USER = "sotttt"
# Words of an English page that a Vietnamese one never has (a leftover label, a framework's error).
ENGLISH = re.compile(r"\b(the|and|of|login|logout|sign|error|not found|internal|server|none|null|"
                     r"undefined|true|false|nan|submit|report|center|centers|waiting|wait|served|"
                     r"today|rating|ratings|counter|counters|export|download|page|password|"
                     r"username|total|month|city|data|minutes|open|closed|lost|stale)\b",
                     re.IGNORECASE)


def at(day: datetime, clock: str) -> datetime:
    """`HH:MM[:SS]` on that local day."""
    parts = [int(p) for p in clock.split(":")]
    return day.replace(hour=parts[0], minute=parts[1], second=parts[2] if len(parts) > 2 else 0)


@dataclass
class CenterDay:
    """A center's events, in the order its broker would number them."""

    site: str
    epoch: uuid.UUID = field(default_factory=uuid.uuid4)
    events: list[UplinkEvent] = field(default_factory=list)

    def add(self, when: datetime, type_: str, **fields: Any) -> None:
        self.events.append(UplinkEvent(epoch=self.epoch, seq=len(self.events) + 1, at=when,
                                       type=type_, **fields))

    def open_counter(self, when: datetime, counter: int) -> None:
        self.add(when, "counter_opened", counter=counter)

    def ticket(self, issued: datetime, service: str, *, counter: int | None = None,
               wait_s: int | None = None, service_s: int | None = None, absent: bool = False,
               rating: str | None = None, offline: bool = False) -> None:
        """A ticket's life: issued, called after `wait_s`, then done after `service_s` (or absent),
        then rated. Without `wait_s` it is still waiting."""
        self.add(issued, "ticket_offline" if offline else "ticket_issued", service=service)
        if wait_s is None or counter is None:
            return
        called = issued + timedelta(seconds=wait_s)
        self.add(called, "ticket_called", service=service, counter=counter, wait_s=wait_s)
        if absent:
            self.add(called + timedelta(seconds=60), "ticket_no_show", service=service, counter=counter)
        elif service_s is not None:
            done = called + timedelta(seconds=service_s)
            self.add(done, "ticket_done", service=service, counter=counter, service_s=service_s)
            if rating is not None:
                self.add(done + timedelta(seconds=5), "ticket_rated", service=service,
                         counter=counter, rating=rating)

    def ordered(self) -> list[UplinkEvent]:
        """Renumbered in time order, as the broker's store would have numbered them."""
        events = sorted(self.events, key=lambda e: e.at)
        return [e.model_copy(update={"seq": n}) for n, e in enumerate(events, start=1)]


def store(dsn: str, centers: list[tuple[str, str]], days: list[CenterDay]) -> None:
    """The centers (id, name) and their events, stored as the aggregator stores them."""
    city = CityStore.connect(dsn)
    try:
        city.sync_centers(CenterEntry(id=site, name=name) for site, name in centers)
        for day in days:
            city.store([(day.site, event) for event in day.ordered()])
    finally:
        city.close()


def store_events(dsn: str, site: str, events: list[UplinkEvent]) -> None:
    """Some of a center's events (the rest of a backlog, say), stored as the aggregator does."""
    city = CityStore.connect(dsn)
    try:
        city.store([(site, event) for event in events])
    finally:
        city.close()


@contextmanager
def running_board(dsn: str, now: datetime, **settings: Any) -> Iterator[BoardServer]:
    """The board on a free port, its clock stopped at `now`, with the account USER/PASSWORD."""
    section = BoardSection(listen="127.0.0.1:0", **settings)
    server = start_board(dsn, section, clock=lambda: now)
    assert server.rounds.ready.wait(60), "the board's first round did not end"
    try:
        BoardAccounts(BoardDb(dsn), FIXTURE_HASHER).create(USER, PASSWORD, "Sở Thông tin và Truyền thông")
        yield server
    finally:
        server.stop()


def count_rows(dsn: str, sql: str) -> int:
    with psycopg.connect(dsn) as connection:
        row = connection.execute(sql).fetchone()
    return int(row[0]) if row else 0


def local_morning(days_ago: int = 0) -> datetime:
    """Midnight of a local day, `days_ago` before today (a Monday to Saturday workday is not chosen:
    the board's hours are given by the test)."""
    today = datetime.now(CITY_ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)
