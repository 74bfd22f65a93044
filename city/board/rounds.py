"""The board's background rounds: every `every_s` seconds, the rollups of closed days and today's
overview, each computed once for every viewer; a failed round is logged and tried again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Rounds:
    def __init__(self, jobs: dict[str, Callable[[], object]], every_s: float) -> None:
        self.jobs, self.every_s = jobs, every_s
        self._stop = threading.Event()
        self.ready = threading.Event()  # set once the first round is over (for tests and tools)
        self._thread = threading.Thread(target=self._run, name="city-board-rounds", daemon=True)

    def start(self) -> Rounds:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while True:
            for name, job in self.jobs.items():
                try:
                    job()
                except Exception:  # a database restart must not end the board's rounds
                    log.exception("city board: %s could not be computed", name)
            self.ready.set()
            if self._stop.wait(self.every_s):
                return
