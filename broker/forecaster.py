"""The wait forecast, kept ready in the background: a kiosk press reads the latest one and never
waits for it (forecast/run.py does the work, in a worker process of its own at low priority, so the
broker's threads do not share an interpreter lock with it).

Refreshed after each change (a short pause gathers a burst of changes into one refresh) and every
PERIOD_S anyway, never more often than the last refresh's cost allows (CPU_SHARE). The cost is the
CPU time the worker spent on the forecast itself, not the wall time of the round trip: on a busy
machine, or for the first refresh (the worker process starting and importing), the wall time is many
times the work, and pacing on it held refreshes back for minutes while the line kept changing. A
forecast older than MAX_AGE_S is not used: the receivers print today's range around the estimate
instead.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta

from broker.queue import live
from broker.store.db import Store
from forecast.model import Band, Forecast, HallNow
from forecast.run import RUNS, forecast
from xephang.config import SiteConfig

log = logging.getLogger(__name__)

DEBOUNCE_S = 0.5
PERIOD_S = 15.0
CPU_SHARE = 0.25  # at most this share of the worker's time goes to refreshes
MAX_AGE = timedelta(minutes=2)
# A band printed for a ticket (or a service's next ticket) is kept until a refresh moves one of its
# ends by more than this many seconds, or this share of its high end: 50 runs estimate the 5th and
# 95th percentiles to within a few minutes, and a phone page whose range changed at every refresh
# while nothing happened (35–60, 35–55, 40–55) reads as if the center did not know.
STEADY_S = 180.0
STEADY_SHARE = 0.1


def _lower_priority() -> None:
    os.nice(10)


def worker() -> Executor:
    """One worker process, started fresh (not forked from a threaded broker), at lower priority."""
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_lower_priority)


def refresh_seed(hall: HallNow) -> int:
    """The same random draws for every refresh of a day: a refresh differs from the last only by
    what changed in the hall (and the time gone by), so a citizen's range does not jump between
    refreshes while nothing happens, as fresh draws each time made it do (35–60, 35–55, 40–55)."""
    return hall.now.toordinal()


def _forecast(hall: HallNow, runs: int) -> tuple[Forecast, float]:
    """The forecast, and the CPU seconds it took in the worker."""
    started = time.thread_time()
    result = forecast(hall, runs=runs, seed=refresh_seed(hall))
    return result, time.thread_time() - started


def _close(old: Band, new: Band) -> bool:
    limit = STEADY_S if math.isinf(old.high_s) else max(STEADY_S, STEADY_SHARE * old.high_s)
    return abs(new.low_s - old.low_s) <= limit and (
        new.high_s == old.high_s or abs(new.high_s - old.high_s) <= limit)  # inf only beside inf


def _steady_bands(kept: Mapping[str, Band], fresh: Mapping[str, Band]) -> dict[str, Band]:
    out = {}
    for key, band in fresh.items():
        old = kept.get(key)
        out[key] = old if old is not None and _close(old, band) else band
    return out


def steady(previous: Forecast | None, fresh: Forecast) -> Forecast:
    """`fresh`, keeping each band of `previous` that it moved by less than its noise."""
    if previous is None:
        return fresh
    return replace(fresh, tickets=_steady_bands(previous.tickets, fresh.tickets),
                   services=_steady_bands(previous.services, fresh.services),
                   priority=_steady_bands(previous.priority, fresh.priority))


class Forecaster:
    """The latest forecast of the hall, refreshed by a thread of its own."""

    def __init__(self, store: Store, config: Callable[[], SiteConfig], on_ready: Callable[[], None],
                 executor: Executor | None = None, runs: int = RUNS) -> None:
        self._store, self._config, self._on_ready = store, config, on_ready
        self._executor = executor
        self._runs = runs
        self._changed = threading.Event()
        self._stopped = threading.Event()
        self._latest: Forecast | None = None
        self._thread = threading.Thread(target=self._loop, name="forecaster", daemon=True)
        self.refreshes = 0
        self.last_cost_s = 0.0  # the worker's CPU seconds for the last refresh
        self.last_wall_s = 0.0  # and its wall time, the worker's start and the store read included

    def start(self) -> None:
        if self._executor is None:
            self._executor = worker()
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._changed.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def changed(self) -> None:
        """Something in the hall changed: refresh soon."""
        self._changed.set()

    def latest(self, now: datetime) -> Forecast | None:
        """The newest forecast, unless it is too old to print at `now`."""
        current = self._latest
        if current is None or now - current.at > MAX_AGE:
            return None
        return current

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self._changed.wait(PERIOD_S)
            if self._stopped.wait(DEBOUNCE_S):
                return
            self._changed.clear()
            started = time.monotonic()
            try:
                self.last_cost_s = self._refresh()
            except Exception:  # a failed refresh must not end the refreshing; it is logged
                log.exception("the wait forecast could not be refreshed; the estimate is printed")
            self.last_wall_s = time.monotonic() - started
            self._stopped.wait(self.last_cost_s * (1 - CPU_SHARE) / CPU_SHARE)

    def _refresh(self) -> float:
        """Refresh the forecast; returns the worker's CPU seconds for it."""
        config = self._config()
        with self._store.reading() as tx:
            hall = live.hall_now(tx, config)
        if config.routing.auto_call:  # idle counters call a newcomer at once, without a press
            hall = replace(hall, idle_call_s=0.0)
        assert self._executor is not None
        fresh, cost = self._executor.submit(_forecast, hall, self._runs).result()
        self._latest = steady(self._latest, fresh)
        self.refreshes += 1
        self._on_ready()
        return cost
