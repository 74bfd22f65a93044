"""The board's first page: every center's day so far, and how fresh its data is.

A city's day is some 700,000 events by closing time; summing them whole takes seconds, so the
board's background thread folds in each round only what arrived since the last
(`city/board/running.py`, `TodayCache.refresh`) and every viewer gets that result.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from broker.reports.formats import clock as hh_mm
from broker.reports.formats import minutes, vn_int
from city.board.labels import FRESHNESS, NO_PROBLEM, OFFLINE_TICKETS
from city.board.periods import Periods
from city.board.queries import Today
from city.board.reports import satisfied_share
from city.board.running import RunningToday
from city.board.settings import BoardSection
from xephang.protocol import RATINGS


def freshness(today: Today, now: datetime, section: BoardSection) -> str:
    """`lost` when no event came for `stale_after_min` while centers are open; `catching_up` when
    events still arrive but are old (a center sending its backlog)."""
    if today.last_event_at is None:
        return "none"
    age_min = (now - today.last_event_at).total_seconds() / 60
    if age_min <= section.stale_after_min:
        return "ok"
    received = today.last_received_at
    if received is not None and (now - received).total_seconds() / 60 <= section.stale_after_min:
        return "catching_up"
    return "lost" if section.open_at(now) else "closed"


@dataclass(frozen=True)
class Row:
    site: str
    name: str
    district: str
    waiting: str
    wait_mean: str
    wait_p90: str
    served: str
    no_show: str
    ratings: dict[str, str]
    satisfied: str
    counters: str
    devices: str
    fresh: str
    fresh_vi: str
    last_event: str
    late: bool


def _moment(moment: datetime, now: datetime, section: BoardSection) -> str:
    """08:15 today, 28/11 08:15 another day."""
    local = moment.astimezone(section.zone)
    if local.date() == now.astimezone(section.zone).date():
        return hh_mm(moment, section.zone)
    return local.strftime("%d/%m %H:%M")


def overview_row(today: Today, now: datetime, section: BoardSection,
                 troubles: Sequence[str] = ()) -> Row:
    """One center's row; `troubles`: its devices in trouble now, in words."""
    state = freshness(today, now, section)
    tally = today.figures
    share = satisfied_share(tally)
    counters = vn_int(today.open_counters) + (f" (+{today.paused_counters} tạm dừng)"
                                              if today.paused_counters else "")
    age = "" if today.last_event_at is None else _moment(today.last_event_at, now, section)
    return Row(today.center.site, today.center.name, today.center.district, vn_int(tally.waiting),
               minutes(tally.wait.mean_s), minutes(tally.wait.p90_s), vn_int(tally.served),
               vn_int(tally.no_show), {r: vn_int(tally.ratings.get(r, 0)) for r in RATINGS},
               "—" if share is None else f"{round(share)}%", counters,
               _devices(troubles, tally.offline),
               state, FRESHNESS[state], age, state == "lost")


def _devices(troubles: Sequence[str], offline: int) -> str:
    said = [*troubles, *([OFFLINE_TICKETS.format(count=offline)] if offline else [])]
    return "; ".join(said) or NO_PROBLEM


class TodayCache:
    """The overview's figures as of the last round, and when they were summed."""

    def __init__(self, periods: Periods) -> None:
        self.periods = periods
        self.running = RunningToday(periods.db)
        self._lock = threading.Lock()
        self._latest: tuple[list[Today], datetime] | None = None

    def refresh(self) -> tuple[list[Today], datetime]:
        now = self.periods.clock()
        day = now.astimezone(self.periods.zone).date()
        latest = (self.running.fold(day, *self.periods.bounds(day)), now)
        with self._lock:
            self._latest = latest
        return latest

    def latest(self) -> tuple[list[Today], datetime]:
        """The last round's figures (summed now when no round has ended yet, or it was another day)."""
        with self._lock:
            found = self._latest
        if found is None or found[1].astimezone(self.periods.zone).date() != self.periods.today:
            return self.refresh()
        return found
