"""A notify socket of the test's own, judging a process the way systemd's watchdog does."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path


class NotifySocket:
    """Receives sd_notify datagrams (as systemd would at $NOTIFY_SOCKET) with their arrival times."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "notify.sock"
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(self.path))
        self._sock.settimeout(0.2)
        self._messages: list[tuple[float, str]] = []
        self._arrived = threading.Condition()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def env(self, watchdog_s: float) -> dict[str, str]:
        """What systemd puts in a Type=notify unit's environment with WatchdogSec=watchdog_s."""
        return {"NOTIFY_SOCKET": str(self.path), "WATCHDOG_USEC": str(int(watchdog_s * 1_000_000))}

    def _receive(self) -> None:
        while not self._closed.is_set():
            try:
                data = self._sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            with self._arrived:
                self._messages.extend((time.monotonic(), line) for line in data.decode().splitlines())
                self._arrived.notify_all()

    def wait_for(self, state: str, timeout: float, after: float = 0.0) -> float:
        """When `state` (e.g. "READY=1") arrived (after monotonic time `after`); fails on timeout."""
        with self._arrived:
            found = self._arrived.wait_for(lambda: self._first(state, after) is not None, timeout)
            assert found, f"no {state} within {timeout} s; got {[m for _, m in self._messages]}"
            return self._first(state, after) or 0.0

    def _first(self, state: str, after: float) -> float | None:
        return next((at for at, message in self._messages if message == state and at > after), None)

    def seen_as_hung(self, watchdog_s: float, timeout: float) -> bool:
        """True once no WATCHDOG=1 came for a whole `watchdog_s` (systemd would kill the process)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._arrived:
                pings = [at for at, message in self._messages if message == "WATCHDOG=1"]
                last = pings[-1] if pings else 0.0
                if time.monotonic() - last > watchdog_s:
                    return True
                self._arrived.wait(max(0.0, last + watchdog_s - time.monotonic()) + 0.01)
        return False

    def close(self) -> None:
        self._closed.set()
        self._sock.close()
        self._thread.join(1)
