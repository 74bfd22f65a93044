"""Notice when the display's own MQTT connection drops or returns, so the screen can say so.

MqttLink exposes `connected` as an Event but no disconnect hook, so a small thread watches it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

POLL_S = 0.5


class ConnectionWatch:
    def __init__(self, connected: threading.Event, on_change: Callable[[bool], None],
                 poll_s: float = POLL_S) -> None:
        self._connected = connected
        self._on_change = on_change
        self._poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mqtt-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def _run(self) -> None:
        last: bool | None = None
        while not self._stop.is_set():
            now = self._connected.is_set()
            if now != last:
                self._on_change(now)
                last = now
            self._stop.wait(self._poll_s)
