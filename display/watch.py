"""Notice when the display's own MQTT connection drops or returns, so the screen can say so.

MqttLink exposes `connected` as an Event and an on-connect hook but no disconnect hook, so a small
thread watches the Event; the hook wakes it at once on a (re)connection. It is the only caller of
`on_change`, so it never misses a connect-then-drop between two polls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

POLL_S = 0.25


class ConnectionWatch:
    def __init__(self, connected: threading.Event, on_change: Callable[[], None],
                 poll_s: float = POLL_S) -> None:
        self._connected = connected
        self._on_change = on_change
        self._poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mqtt-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Look now (called from the link's on-connect hook)."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def _run(self) -> None:
        last: bool | None = None
        while not self._stop.is_set():
            self._wake.clear()
            now = self._connected.is_set()
            if now != last:
                self._on_change()
                last = now
            self._wake.wait(self._poll_s)
