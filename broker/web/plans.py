"""Staffing plans being made or made for the manager's page, kept per date and ticket count.

A plan takes a core for seconds: it is made in a separate process (spawned, so nothing of the
broker's threads is copied), never in the broker's own, whose kiosk presses and calls must not wait
for it; the database is read here first (the demand and today's assignment)."""

from __future__ import annotations

import multiprocessing
import threading
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import date

from broker.service import BrokerService
from planning.center import day_for
from planning.plan import Plan, plan_day

BUDGET_S = 15.0  # CPU seconds a plan may take
KEPT = 8  # plans kept
Key = tuple[str, int | None]  # (ISO date, expected tickets or None: learned from the history)


class Plans:
    def __init__(self) -> None:
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan")
        self._maker: ProcessPoolExecutor | None = None
        self._made: OrderedDict[Key, Future[Plan]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, service: BrokerService, key: Key) -> Future[Plan]:
        """The plan for this key: made, being made, or started now."""
        with self._lock:
            if key not in self._made:
                self._made[key] = self._reader.submit(self._make, service, key, BUDGET_S)
                while len(self._made) > KEPT:
                    self._made.popitem(last=False)
            return self._made[key]

    def _make(self, service: BrokerService, key: Key, budget_s: float) -> Plan:
        day, tickets = key
        config, demand = day_for(service.config, service.queue.store, date.fromisoformat(day),
                                 tickets)
        with self._lock:
            if self._maker is None:
                self._maker = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            maker = self._maker
        return maker.submit(plan_day, config, demand, budget_s=budget_s).result()

    def forget(self, key: Key) -> None:
        with self._lock:
            self._made.pop(key, None)

    def close(self) -> None:
        self._reader.shutdown(wait=False, cancel_futures=True)
        if self._maker is not None:
            self._maker.shutdown(wait=False, cancel_futures=True)
