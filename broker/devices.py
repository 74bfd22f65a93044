"""Every device's last retained status (`device/{id}/status`), for the manager's live board, and the
incidents those statuses make (`Incidents`): a device in trouble past its grace, and its recovery,
recorded once each as `device_problem` / `device_ok` events in the log the city uplink reads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from broker.store.db import EventRow, Tx
from xephang.config import DevicesSection
from xephang.mqtt import MqttLink
from xephang.protocol import DeviceProblem, DeviceStatus, Topics, decode_or_drop, device_problems

log = logging.getLogger(__name__)
TICK_S = 1.0  # how often a grace that ran out is looked for

# Runs one store change (its event, if any, committed then published like every other change).
Recorder = Callable[[Callable[[Tx], EventRow | None]], None]


@dataclass(frozen=True)
class Device:
    id: str
    online: bool
    version: str
    detail: str
    seen: datetime


class Devices:
    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 incidents: Incidents | None = None) -> None:
        self._clock = clock
        self._lock = threading.Condition()
        self._devices: dict[str, Device] = {}
        self.incidents = incidents

    def attach(self, link: MqttLink, topics: Topics) -> None:
        self._topics = topics
        link.subscribe(topics.device_status("+"), self.on_status)

    def on_status(self, topic: str, payload: bytes) -> None:
        device_id = self._topics.segment(topic, "device") or "unknown"
        if not payload:  # a cleared retained status: the device was removed
            with self._lock:
                self._devices.pop(device_id, None)
            if self.incidents is not None:
                self.incidents.removed(device_id, self._clock())
            return
        status = decode_or_drop(DeviceStatus, topic, payload)
        if status is None:
            return
        device = Device(device_id, status.status == "online", status.version, status.detail,
                        self._clock())
        with self._lock:
            self._devices[device_id] = device
            self._lock.notify_all()
        if self.incidents is not None:
            self.incidents.seen(device)

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


@dataclass
class _Trouble:
    """One kind of trouble of one device, from its first bad status until it has been fine long
    enough; `recorded` once its `device_problem` event is written."""

    since: datetime
    bad: bool = True
    good_since: datetime | None = None
    recorded: bool = False


class Incidents:
    """A device's trouble becomes an incident once it lasts its grace (offline: `offline_after_s`;
    any other problem: at once) and ends once the device has been fine for `ok_after_s`: a short
    recovery inside that time continues the same incident, so a flapping device makes one. Open
    incidents are kept in the store: a restarted broker continues them, never records them again."""

    def __init__(self, section: DevicesSection, record: Recorder,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 tick_s: float = TICK_S) -> None:
        self._offline_after = timedelta(seconds=section.offline_after_s)
        self._ok_after = timedelta(seconds=section.ok_after_s)
        self._record, self._clock, self._tick_s = record, clock, tick_s
        self._lock = threading.RLock()
        self._troubles: dict[tuple[str, DeviceProblem], _Trouble] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def load(self, tx: Tx) -> None:
        """The incidents still open in the store (before any status arrives)."""
        with self._lock:
            for trouble in tx.open_troubles():
                self._troubles[(trouble.device, trouble.problem)] = _Trouble(trouble.since,
                                                                             recorded=True)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="device-incidents", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def seen(self, device: Device) -> None:
        """A device's new status: offline (what else it had is unknown, so kept), or online with
        the problems its detail carries (every other kind of it is fine now)."""
        with self._lock:
            if not device.online:
                self._mark(device.id, "offline", True, device.seen)
            else:
                bad = device_problems(device.detail)
                kinds: set[DeviceProblem] = {kind for (name, kind) in self._troubles
                                             if name == device.id}
                kinds |= bad
                kinds.add("offline")
                for kind in kinds:
                    self._mark(device.id, kind, kind in bad, device.seen)
            self.settle(device.seen)

    def removed(self, device_id: str, at: datetime) -> None:
        """A device taken out of the center: its troubles end."""
        with self._lock:
            for name, kind in list(self._troubles):
                if name == device_id:
                    self._mark(name, kind, False, at)
            self.settle(at)

    def settle(self, now: datetime | None = None) -> None:
        """Record every incident whose grace ran out, and every recovery that held."""
        now = now or self._clock()
        with self._lock:
            for (device, kind), trouble in list(self._troubles.items()):
                try:
                    self._settle_one(device, kind, trouble, now)
                except Exception:  # the store refused: tried again at the next tick
                    log.exception("could not record the %s of device %s", kind, device)

    def open(self) -> list[tuple[str, DeviceProblem, datetime]]:
        """(device, kind, since) of every recorded incident not yet ended."""
        with self._lock:
            return sorted((device, kind, t.since) for (device, kind), t in self._troubles.items()
                          if t.recorded)

    def _mark(self, device: str, kind: DeviceProblem, bad: bool, at: datetime) -> None:
        trouble = self._troubles.get((device, kind))
        if bad and trouble is None:
            self._troubles[(device, kind)] = _Trouble(at)
        elif bad and trouble is not None:
            trouble.bad, trouble.good_since = True, None
        elif trouble is not None and trouble.bad:
            trouble.bad, trouble.good_since = False, at

    def _settle_one(self, device: str, kind: DeviceProblem, trouble: _Trouble,
                    now: datetime) -> None:
        grace = self._offline_after if kind == "offline" else timedelta(0)
        if trouble.bad and not trouble.recorded and now - trouble.since >= grace:
            since = trouble.since
            self._record(lambda tx: tx.open_trouble(device, kind, since))
            trouble.recorded = True
            log.warning("device %s: %s since %s", device, kind, since.isoformat())
        elif (not trouble.bad and trouble.good_since is not None
              and now - trouble.good_since >= self._ok_after):
            if trouble.recorded:
                until = trouble.good_since
                self._record(lambda tx: tx.close_trouble(device, kind, until))
                log.info("device %s: %s ended at %s", device, kind, until.isoformat())
            del self._troubles[(device, kind)]

    def _run(self) -> None:
        while not self._stop.wait(self._tick_s):
            self.settle()
