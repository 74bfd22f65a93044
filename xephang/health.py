"""A device's problems (printer, camera, buttons, speaker…), said together in its retained
`device/{id}/status` detail, `;`-separated, for the manager's board."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from hardware.clock import ClockSynced, clock_synced_source
from xephang.mqtt import MqttLink

log = logging.getLogger(__name__)


class DeviceProblems:
    def __init__(self, link: MqttLink) -> None:
        self._link = link
        self._lock = threading.Lock()
        self._problems: dict[str, str] = {}

    def set(self, key: str, problem: str) -> None:
        """Record (or, with "", clear) one problem; publish the whole list when it changed."""
        with self._lock:
            if self._problems.get(key, "") == problem:
                return
            if problem:
                self._problems[key] = problem
            else:
                self._problems.pop(key, None)
            detail = "; ".join(self._problems[k] for k in sorted(self._problems))
        self._link.publish_status(detail)

    @property
    def detail(self) -> str:
        with self._lock:
            return "; ".join(self._problems[k] for k in sorted(self._problems))


CLOCK_CHECK_S = 30.0


def clock_problem(synced: bool | None, wrong: str = "") -> str:
    """The device status code for a clock: `wrong` (the broker's own judgement: behind its newest
    ticket, or far ahead of the last moment it believed), unsynchronised, or fine."""
    if wrong:
        return wrong
    return "clock_unsynced" if synced is False else ""


class ClockWatch:
    """Checks the clock now and every `period_s`, and keeps the device's `clock` problem current.

    `synced` says whether the kernel follows a time source (hardware.clock); `wrong` (the broker
    only) what is wrong with the clock by what the device itself already recorded ("" if nothing:
    broker/queue/clock_check.py)."""

    def __init__(self, problems: DeviceProblems, *, synced: ClockSynced | None = None,
                 wrong: Callable[[], str] = lambda: "", period_s: float = CLOCK_CHECK_S) -> None:
        self._problems = problems
        self._synced = synced or clock_synced_source()
        self._wrong = wrong
        self._period = period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="clock-watch", daemon=True)

    def check(self) -> str:
        problem = clock_problem(self._synced(), self._wrong())
        if problem:
            log.warning("clock problem: %s", problem)
        self._problems.set("clock", problem)
        return problem

    def start(self) -> ClockWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def _run(self) -> None:
        while True:
            try:
                self.check()
            except Exception:  # a failed check must not end the watch (nor the role)
                log.exception("clock check failed")
            if self._stop.wait(self._period):
                return
