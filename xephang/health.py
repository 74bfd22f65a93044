"""A device's problems (printer, camera, buttons, speaker…), said together in its retained
`device/{id}/status` detail, `;`-separated, for the manager's board."""

from __future__ import annotations

import threading

from xephang.mqtt import MqttLink


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
