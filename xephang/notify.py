"""Tell systemd how a role is doing (`sd_notify`): READY=1 once it serves, WATCHDOG=1 while it is
healthy, STOPPING=1 when it leaves.

The protocol is one datagram to the AF_UNIX socket named by `$NOTIFY_SOCKET` (a leading `@` names
the abstract namespace); outside systemd the variable is unset and nothing is sent. With
`WatchdogSec=` systemd sets `$WATCHDOG_USEC`: a role that sends no WATCHDOG=1 within it is killed
and restarted. The pings come from `Watchdog`, which sends one only after the role's own liveness
check returns, so a role whose store or message loop is stuck falls silent and is restarted.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Send = Callable[[str], bool]


def notify(state: str) -> bool:
    """Send `state` (e.g. "READY=1") to systemd; False when not under systemd or it failed."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError as exc:
        log.warning("cannot notify systemd at %s: %s", os.environ.get("NOTIFY_SOCKET"), exc)
        return False
    return True


def watchdog_period() -> float | None:
    """Seconds within which systemd wants a WATCHDOG=1 from this process; None when it wants none."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1_000_000


class Watchdog:
    """Pings systemd every half period while `alive()` holds; a check that fails or hangs means
    no ping, and systemd restarts the role when the period runs out."""

    def __init__(self, alive: Callable[[], bool], period_s: float, send: Send = notify) -> None:
        self._alive = alive
        self._interval = period_s / 2
        self._send = send
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="xephang-watchdog", daemon=True)

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self._interval + 1)

    def _run(self) -> None:
        healthy = True
        while not self._stop.is_set():
            alive = self._check()
            if alive:
                self._send("WATCHDOG=1")
            elif healthy:
                log.error("liveness check failed: no watchdog ping, systemd will restart this role")
            healthy = alive
            self._stop.wait(self._interval)

    def _check(self) -> bool:
        try:
            return self._alive()
        except Exception:  # a check that crashes says the role is not well: same as False
            log.exception("liveness check raised")
            return False


def serve_under_systemd(alive: Callable[[], bool]) -> Callable[[], None]:
    """Say READY=1 and start the watchdog systemd asked for; returns what to call on the way out."""
    notify("READY=1")
    period = watchdog_period()
    watchdog = Watchdog(alive, period).start() if period else None

    def leaving() -> None:
        notify("STOPPING=1")
        if watchdog is not None:
            watchdog.stop()

    return leaving
