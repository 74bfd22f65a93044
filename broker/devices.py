"""Every device's last retained status (`device/{id}/status`), for the manager's live board."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from xephang.mqtt import MqttLink
from xephang.protocol import DeviceStatus, Topics, decode_or_drop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Device:
    id: str
    online: bool
    version: str
    detail: str
    seen: datetime


class Devices:
    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._lock = threading.Condition()
        self._devices: dict[str, Device] = {}

    def attach(self, link: MqttLink, topics: Topics) -> None:
        self._topics = topics
        link.subscribe(topics.device_status("+"), self.on_status)

    def on_status(self, topic: str, payload: bytes) -> None:
        device_id = self._topics.segment(topic, "device") or "unknown"
        if not payload:  # a cleared retained status: the device was removed
            with self._lock:
                self._devices.pop(device_id, None)
            return
        status = decode_or_drop(DeviceStatus, topic, payload)
        if status is None:
            return
        with self._lock:
            self._devices[device_id] = Device(device_id, status.status == "online", status.version,
                                              status.detail, self._clock())
            self._lock.notify_all()

    def wait_for(self, device_id: str, predicate: Callable[[Device], bool],
                 timeout: float) -> Device | None:
        """Block until the device's latest status satisfies `predicate` (for tests and tools)."""
        with self._lock:
            self._lock.wait_for(lambda: (d := self._devices.get(device_id)) is not None
                                and predicate(d), timeout)
            device = self._devices.get(device_id)
        return device if device is not None and predicate(device) else None

    def all(self) -> list[Device]:
        with self._lock:
            return sorted(self._devices.values(), key=lambda d: d.id)
