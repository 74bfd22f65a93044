"""Under systemd (Type=notify, WatchdogSec=) a role says READY=1, pings while healthy, and falls
silent when it hangs, so systemd restarts it. The tests give the role a notify socket of their own."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.mqtt_probe import Probe
from harness.role_process import RoleProcess
from tests.support.broker import running_broker
from tests.support.notify_socket import NotifySocket
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.notify import serve_under_systemd
from xephang.protocol import Topics

WATCHDOG_S = 1.0


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    sock = NotifySocket(tmp_path)
    yield sock
    sock.close()


def test_a_broker_process_says_ready_pings_and_says_stopping(
        mosquitto: Mosquitto, notify_socket: NotifySocket, tmp_path: Path) -> None:
    broker = RoleProcess("broker", mosquitto.access("broker"), tmp_path, "--db", str(tmp_path / "q.db"),
                         env=notify_socket.env(WATCHDOG_S)).start()
    try:
        ready = notify_socket.wait_for("READY=1", timeout=10)
        first = notify_socket.wait_for("WATCHDOG=1", timeout=5, after=ready)
        notify_socket.wait_for("WATCHDOG=1", timeout=5, after=first)
        assert not notify_socket.seen_as_hung(WATCHDOG_S, timeout=3 * WATCHDOG_S)
        assert broker.process is not None
        broker.process.send_signal(signal.SIGTERM)
        notify_socket.wait_for("STOPPING=1", timeout=10)
        assert broker.process.wait(15) == 0
    finally:
        broker.stop()


def test_a_broker_stuck_in_its_store_is_seen_as_hung_and_recovers(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
        notify_socket: NotifySocket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("broker.role.STORE_STUCK_S", 0.2)
    for name, value in notify_socket.env(WATCHDOG_S).items():
        monkeypatch.setenv(name, value)
    with running_broker(config, mosquitto.access("broker"), tmp_path / "q.db", probe) as role:
        leaving = serve_under_systemd(role.alive)
        try:
            notify_socket.wait_for("WATCHDOG=1", timeout=5)
            release = threading.Event()
            stuck = threading.Thread(target=_hold_store, args=(role.store, release))
            stuck.start()
            reply_topic = topics.kiosk_reply("kiosk-1")
            probe.subscribe(reply_topic)
            rid = str(uuid.uuid4())
            probe.publish(topics.kiosk_request("kiosk-1"),
                          {"v": 1, "request_id": rid, "service": "HT", "source": "button"})
            assert notify_socket.seen_as_hung(WATCHDOG_S, timeout=5 * WATCHDOG_S)
            release.set()
            stuck.join()
            reply = probe.wait_for(reply_topic, lambda r: r.get("request_id") == rid, timeout=10)
            assert reply["ticket"]["number"] == "1001"  # the request waited, then was served
            notify_socket.wait_for("WATCHDOG=1", timeout=5, after=time.monotonic())
        finally:
            leaving()


def _hold_store(store: object, release: threading.Event) -> None:
    """A change that never finishes (say, a write on a failing SD card) until the test says so."""
    from broker.store.db import Store

    assert isinstance(store, Store)
    with store.transaction():
        release.wait(30)

